// The tenant home's apps table in Debian's Chromium against the in-process server on the real
// store: a tenant with 120 apps (statuses written into the store as the reconcilers would) is
// shown 50 at a time through the API's own paging, with the total; the pages are turned from the
// keyboard; the name and phase filters are the API's; live changes reach the rows on screen and
// the count. No cluster needed.
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { PROJECT_LABEL } from '../../src/domain/ownership.js';
import type { Phase } from '../../src/domain/resource.js';
import type { Caller } from '../api/support/harness.js';
import { adminCreate, appBody } from '../api/support/world.js';
import { screenshot, startConsole, type ConsoleUnderTest } from '../support/console-page.js';

let ui: ConsoleUnderTest;
const T = 'paged';
const P = `${T}-web`;
const APPS = 120;
const app = (i: number) => `${T}-app-${String(i).padStart(3, '0')}`;
const admin: Caller = { roles: ['tenant-admin'], tenants: [T], subject: 'paged-admin' };
const PHASES: Record<number, Phase> = { 7: 'Error', 77: 'Drifted', 117: 'Error' };

const setPhase = (name: string, phase: Phase) => ui.h.store.objects.updateStatus('App', name, { phase, conditions: [], observedGeneration: 1 });

beforeAll(async () => {
  ui = await startConsole();
  await adminCreate(ui.h, '/api/v1/tenants', { name: T, spec: {} });
  await adminCreate(ui.h, `/api/v1/tenants/${T}/projects`, { name: P });
  for (let i = 0; i < APPS; i += 20) {
    await Promise.all(
      Array.from({ length: 20 }, async (_, k) => {
        const name = app(i + k);
        await ui.h.store.objects.create({
          kind: 'App',
          name,
          tenant: T,
          labels: { [PROJECT_LABEL]: P },
          spec: { project: P, components: [{ name: 'web', type: 'webservice', properties: { image: 'nginx:1.27' }, traits: [] }], policies: [] },
        });
        await setPhase(name, PHASES[i + k] ?? 'Deployed');
      }),
    );
  }
}, 300_000);

afterAll(() => ui?.close());

const rowNames = (page: Page) => page.locator('tr[data-app]').evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-app')));
const shows = (page: Page, text: string) => page.getByRole('status').filter({ hasText: text }).waitFor();
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => app(from + i));

it('shows the first 50 apps of 120 with the total, read a page at a time; turns the pages from the keyboard', async () => {
  const listed: string[] = [];
  const page = await ui.signedIn(admin, `/tenants/${T}`);
  page.on('request', (r) => {
    if (r.url().includes('/apps?')) listed.push(r.url());
  });
  await shows(page, 'Apps 1–50 of 120');
  expect(await rowNames(page)).toEqual(range(0, 49));
  await page.getByRole('navigation', { name: 'Pages of apps' }).getByText('Page 1 of 3').waitFor();
  await screenshot(page, 'console-tenant-apps');

  const next = page.getByRole('button', { name: 'Next page' });
  // Tabbed to (Previous page cannot act on the first page, but keeps its place in the order).
  await page.getByRole('button', { name: 'Previous page' }).focus();
  await page.keyboard.press('Tab');
  expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Next page');
  expect(await next.evaluate((b) => getComputedStyle(b).outlineStyle)).not.toBe('none');
  await page.keyboard.press('Enter');
  await shows(page, 'Apps 51–100 of 120');
  expect(await rowNames(page)).toEqual(range(50, 99));
  await page.keyboard.press('Enter');
  await shows(page, 'Apps 101–120 of 120');
  expect(await rowNames(page)).toEqual(range(100, 119));
  await page.getByText('Page 3 of 3').waitFor();
  // The last page: Next stays focused, says it cannot act, and does nothing.
  expect(await next.getAttribute('aria-disabled')).toBe('true');
  expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Next page');
  await page.keyboard.press('Enter');
  await page.keyboard.press('Shift+Tab');
  expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Previous page');
  await page.keyboard.press('Enter');
  await shows(page, 'Apps 51–100 of 120');
  await page.getByRole('button', { name: 'First page' }).click();
  await shows(page, 'Apps 1–50 of 120');
  expect(await rowNames(page)).toEqual(range(0, 49));

  // Each read was one page of the API's, never the whole tenant.
  expect(listed.length).toBeGreaterThan(0);
  for (const url of listed) expect(new URL(url).searchParams.get('limit'), url).toBe('50');
  await page.context().close();
});

it("filters by phase and by a part of the name, as the API's count says", async () => {
  const page = await ui.signedIn(admin, `/tenants/${T}`);
  await shows(page, 'Apps 1–50 of 120');
  await page.getByLabel('Phase', { exact: true }).selectOption({ label: 'Error or Drifted' });
  await shows(page, 'Apps 1–3 of 3 matching');
  expect(await rowNames(page)).toEqual([app(7), app(77), app(117)]);
  expect(await page.getByRole('navigation', { name: 'Pages of apps' }).count()).toBe(0);

  await page.getByLabel('Name contains').fill('App-11');
  await shows(page, 'Apps 1–1 of 1 matching');
  expect(await rowNames(page)).toEqual([app(117)]);
  await page.getByLabel('Phase', { exact: true }).selectOption({ label: 'All phases' });
  await shows(page, 'Apps 1–10 of 10 matching');
  expect(await rowNames(page)).toEqual(range(110, 119));

  // No app name holds "_": said at the field, and no app listed.
  await page.getByLabel('Name contains').fill('app_1');
  await page.getByText('App names hold only lowercase letters, digits and "-"').waitFor();
  expect(await page.getByLabel('Name contains').getAttribute('aria-invalid')).toBe('true');
  expect(await page.locator('tr[data-app]').count()).toBe(0);
  await page.context().close();
});

it('follows live changes: a phase on screen changes, a new app is counted and shows on its page', async () => {
  const page = await ui.signedIn(admin, `/tenants/${T}`);
  await page.getByRole('status').filter({ hasText: 'Live' }).waitFor();
  await shows(page, 'Apps 1–50 of 120');
  await setPhase(app(3), 'Drifted');
  await page.locator(`tr[data-app="${app(3)}"] .phase`, { hasText: 'Drifted' }).waitFor();

  // Created elsewhere: between two apps of the first page, and after the last.
  const first = `${app(5)}a`;
  const last = `${T}-app-999`;
  await adminCreate(ui.h, '/api/v1/apps', appBody(first, P));
  await shows(page, 'Apps 1–50 of 121');
  await page.locator(`tr[data-app="${first}"]`).waitFor();
  await adminCreate(ui.h, '/api/v1/apps', appBody(last, P));
  await shows(page, 'Apps 1–50 of 122');
  await page.getByRole('button', { name: 'Next page' }).click();
  await page.getByRole('button', { name: 'Next page' }).click();
  await shows(page, 'Apps 101–122 of 122');
  expect((await rowNames(page)).at(-1)).toBe(last);
  await page.context().close();
});
