// The JSON view and edit (console/src/editor.tsx) on kinds other than apps, in Debian's Chromium
// against the in-process server on the real store: a platform admin edits a tenant and a policy
// set; the API's validation errors appear at the field; a stale edit gets the conflict message
// and overwrites nothing; a project opens read-only for its tenant's reader. No cluster needed.
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ADMIN, json, type Caller } from '../api/support/harness.js';
import { adminCreate, uniq } from '../api/support/world.js';
import { startConsole, type ConsoleUnderTest } from '../support/console-page.js';

let ui: ConsoleUnderTest;
const T = uniq('jt');
const PS = uniq('jps');
const PROJECT = `${T}-web`;
const READER: Caller = { roles: ['read-only'], tenants: [T], subject: 'reader' };

beforeAll(async () => {
  ui = await startConsole();
  await adminCreate(ui.h, '/api/v1/tenants', { name: T, spec: { quotas: { pods: 5 } } });
  await adminCreate(ui.h, '/api/v1/policysets', { name: PS, spec: { defaultQuotas: { pods: 50 } } });
  await adminCreate(ui.h, '/api/v1/projects', { name: PROJECT, spec: { tenant: T } });
}, 300_000);

afterAll(() => ui?.close());

const editorOf = (page: Page) => page.getByLabel(/Labels and spec \(JSON\), opened at version/);

async function edit(page: Page, change: (current: { labels: Record<string, string>; spec: Record<string, unknown> }) => unknown): Promise<void> {
  await page.getByRole('button', { name: 'Edit JSON' }).click();
  const current = JSON.parse(await editorOf(page).inputValue()) as { labels: Record<string, string>; spec: Record<string, unknown> };
  await editorOf(page).fill(JSON.stringify(change(current), null, 2));
  await page.getByRole('button', { name: 'Save' }).click();
}

it('a platform admin edits a tenant: errors at the field, then saved, and a stale edit is refused', async () => {
  const page = await ui.signedIn(ADMIN, '/admin/tenants');
  await page.getByRole('button', { name: `JSON of ${T}` }).click();
  await page.getByRole('region', { name: `Tenant ${T}` }).waitFor();

  // Warning levels out of order: the API names the field, shown under the JSON.
  await edit(page, (c) => ({ ...c, spec: { ...c.spec, quotaWarnings: [0.9, 0.5] } }));
  const fieldError = page.locator('.field-error li').filter({ hasText: 'spec/quotaWarnings' });
  await fieldError.waitFor();
  expect(await editorOf(page).getAttribute('aria-invalid')).toBe('true');
  expect(await editorOf(page).getAttribute('aria-describedby')).toBe(await page.locator('.field-error').getAttribute('id'));

  // A valid change is saved with If-Match and shows at once.
  await editorOf(page).fill(JSON.stringify({ labels: { team: 'web' }, spec: { quotas: { pods: 7 } } }, null, 2));
  await page.getByRole('button', { name: 'Save' }).click();
  await expect.poll(() => page.getByLabel(`Tenant ${T} as JSON`).textContent()).toContain('"pods": 7');
  const saved = json<{ labels: Record<string, string>; spec: { quotas: { pods: number } } }>(await ui.h.call(ADMIN, 'GET', `/api/v1/tenants/${T}`));
  expect(saved).toMatchObject({ labels: { team: 'web' }, spec: { quotas: { pods: 7 } } });

  // Someone else changes it while the editor is open: Save is a conflict, nothing is overwritten.
  await page.getByRole('button', { name: 'Edit JSON' }).click();
  const other = await ui.h.call(ADMIN, 'PUT', `/api/v1/tenants/${T}`, { labels: { team: 'ops' }, spec: { quotas: { pods: 9 } } });
  expect(other.statusCode, other.body).toBe(200);
  await editorOf(page).fill(JSON.stringify({ labels: {}, spec: { quotas: { pods: 1 } } }));
  await page.getByRole('button', { name: 'Save' }).click();
  await expect.poll(() => page.getByRole('alert').textContent()).toContain('Someone changed this object since you opened it; nothing was overwritten');
  expect(json<{ spec: unknown; labels: unknown }>(await ui.h.call(ADMIN, 'GET', `/api/v1/tenants/${T}`))).toMatchObject({
    labels: { team: 'ops' },
    spec: { quotas: { pods: 9 } },
  });
  await page.context().close();
});

it('a platform admin edits a policy set; a bad quota is shown at its field', async () => {
  const page = await ui.signedIn(ADMIN, '/admin/policysets');
  await page.getByRole('button', { name: `JSON of ${PS}` }).click();
  await edit(page, (c) => ({ ...c, spec: { defaultQuotas: { pods: 'lots' } } }));
  await page.locator('.field-error li').filter({ hasText: 'spec/defaultQuotas/pods' }).waitFor();
  await editorOf(page).fill(JSON.stringify({ labels: {}, spec: { defaultQuotas: { pods: 60 } } }));
  await page.getByRole('button', { name: 'Save' }).click();
  await expect.poll(() => page.getByLabel(`PolicySet ${PS} as JSON`).textContent()).toContain('"pods": 60');
  await page.context().close();
});

it("a tenant's reader sees a project's JSON and no edit button", async () => {
  const page = await ui.signedIn(READER, `/tenants/${T}`);
  await page.getByRole('button', { name: `JSON of ${PROJECT}` }).click();
  await expect.poll(() => page.getByLabel(`Project ${PROJECT} as JSON`).textContent()).toContain(`"tenant": "${T}"`);
  expect(await page.getByRole('button', { name: 'Edit JSON' }).count()).toBe(0);
  await page.context().close();
});
