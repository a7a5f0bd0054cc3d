// The tenant home's quotas in Debian's Chromium against the in-process server on the real store:
// usage is written into the store as the usage tracker writes it from the clusters' reports
// (test/e2e/usage.test.ts runs that path on a real cluster), and the QuotaPressure condition as
// the tracker sets it. The page shows per cluster hard / used / a meter, the total over the
// clusters, the condition, and follows a new report without a reload; and the trend of each
// cluster's use from the tracker's samples. No cluster needed.
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { ClusterUsage } from '../../src/domain/usage.js';
import type { Caller } from '../api/support/harness.js';
import { adminCreate, uniq } from '../api/support/world.js';
import { screenshot, startConsole, type ConsoleUnderTest } from '../support/console-page.js';

let ui: ConsoleUnderTest;
const ACME = uniq('acme');
const admin: Caller = { roles: ['tenant-admin'], tenants: [ACME], subject: 'acme-admin' };

const quota = (resources: Record<string, [string, string]>): ClusterUsage => ({
  resources: Object.fromEntries(Object.entries(resources).map(([r, [hard, used]]) => [r, { hard, used }])),
});

beforeAll(async () => {
  ui = await startConsole();
  const { h } = ui;
  await adminCreate(h, '/api/v1/tenants', { name: ACME, spec: { quotas: { pods: 5, cpu: '2' } } });
  const t = (await h.store.objects.get('Tenant', ACME))!;
  const entry = { phase: 'Deployed' as const, conditions: [], observedGeneration: 1 };
  await h.store.objects.updateStatus('Tenant', ACME, {
    ...t.status,
    clusters: { c1: entry, c2: entry },
    conditions: [
      ...t.status.conditions,
      {
        type: 'QuotaPressure',
        status: 'True',
        reason: 'WarningLevelReached',
        message: 'pods on cluster c1 at 80 % of its quota (warning level 80 %)',
        lastTransitionTime: new Date().toISOString(),
      },
    ],
  });
  await h.store.usage.put(ACME, 'c1', 'quota', quota({ pods: ['5', '4'], 'requests.cpu': ['2', '1500m'] }));
  await h.store.usage.put(ACME, 'c2', 'quota', quota({ pods: ['5', '1'], 'requests.cpu': ['2', '500m'] }));
}, 300_000);

afterAll(() => ui?.close());

const rows = (page: Page) =>
  page
    .getByRole('table', { name: 'Quota usage' })
    .locator('tbody tr')
    .evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('th, td')].map((c) => (c.textContent ?? '').trim())));

it('shows per cluster hard, used and a meter, the total, and QuotaPressure; follows a new report', async () => {
  const page = await ui.signedIn(admin, `/tenants/${ACME}`);
  await page.getByRole('table', { name: 'Quota usage' }).waitFor({ timeout: 30_000 });
  expect(await rows(page)).toEqual([
    ['c1', 'pods', '4', '5', '80 %'],
    ['c1', 'requests.cpu', '1500m', '2', '75 %'],
    ['c2', 'pods', '1', '5', '20 %'],
    ['c2', 'requests.cpu', '500m', '2', '25 %'],
    ['All clusters', 'pods', '5', '10', '50 %'],
    ['All clusters', 'requests.cpu', '2', '4', '50 %'],
  ]);
  const meter = page.getByRole('meter', { name: 'pods on c1: 4 of 5 used' });
  expect(await meter.getAttribute('value')).toBe('0.8');
  await expect.poll(() => page.getByRole('alert').filter({ hasText: 'QuotaPressure' }).textContent()).toContain('pods on cluster c1 at 80 %');

  // A new report from c2 (a usage change is no event): shown within the page's 10 s re-read.
  await ui.h.store.usage.put(ACME, 'c2', 'quota', quota({ pods: ['5', '3'], 'requests.cpu': ['2', '500m'] }));
  await expect.poll(async () => (await rows(page))[2], { timeout: 15_000, interval: 250 }).toEqual(['c2', 'pods', '3', '5', '60 %']);
  await screenshot(page, 'console-tenant-quotas', { fullPage: true });
  await page.context().close();
});

it("draws the last 24 h of each cluster's use from the samples, one point per sample", async () => {
  const hoursAgo = (h: number) => new Date(Date.now() - h * 3_600_000).toISOString();
  await ui.h.store.usage.addSamples([
    { at: hoursAgo(30), tenant: ACME, cluster: 'c1', resource: 'pods', hard: 5, used: 5 }, // older than 24 h: not drawn
    { at: hoursAgo(6), tenant: ACME, cluster: 'c1', resource: 'pods', hard: 5, used: 1 },
    { at: hoursAgo(3), tenant: ACME, cluster: 'c1', resource: 'pods', hard: 5, used: 3 },
    { at: hoursAgo(1), tenant: ACME, cluster: 'c1', resource: 'pods', hard: 5, used: 4 },
    { at: hoursAgo(2), tenant: ACME, cluster: 'c2', resource: 'pods', hard: 5, used: 1 }, // one sample: no line yet
  ]);
  const page = await ui.signedIn(admin, `/tenants/${ACME}`);
  const trend = page.getByRole('img', { name: /^pods on c1:/ });
  await trend.waitFor({ timeout: 30_000 });
  expect(await trend.getAttribute('aria-label')).toBe('pods on c1: 20 % → 80 % (peak 80 %), 3 samples');
  expect((await trend.locator('polyline').getAttribute('points'))!.split(' ')).toHaveLength(3);
  expect(await page.getByRole('img', { name: /^pods on c2:/ }).count()).toBe(0);
  await screenshot(page, 'console-tenant-trends', { fullPage: true });
  await page.context().close();
});
