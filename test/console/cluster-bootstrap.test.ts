// The clusters page's bootstrap panel in Debian's Chromium against the in-process server with the
// real bootstrap service: the admin kubeconfig goes in the form, is sent once for a dry run and
// cleared from the page, and the plan table shows what the API answered per component. No
// cluster and no Helm here (KUBENOVA_HELM points nowhere), so every component's plan is an Error
// naming why; test/e2e/bootstrap.test.ts runs a real bootstrap.
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { WriteServices } from '../../src/api/kinds/descriptor.js';
import { clusterWriteServices } from '../../src/api/write-services.js';
import { createLogger } from '../../src/observability/logger.js';
import { ADMIN } from '../api/support/harness.js';
import { startConsole, type ConsoleUnderTest } from '../support/console-page.js';
import { kubeconfigB64 } from '../support/kubeconfig.js';
import { storeKubeconfigAsGiven } from '../support/write-services.js';

const real = clusterWriteServices(createLogger({ level: 'silent' }), {
  bootstrap: { helm: '/nonexistent/helm', chartSource: 'repository', chartDirs: [] },
});
const services: WriteServices = { ...storeKubeconfigAsGiven, bootstrapCluster: real.bootstrapCluster!.bind(real) };

let ui: ConsoleUnderTest;
let sent: string[] = [];

beforeAll(async () => {
  ui = await startConsole({ writeServices: services });
  expect((await ui.h.call(ADMIN, 'POST', '/api/v1/clusters', { name: 'prod', kubeconfig: kubeconfigB64() })).statusCode).toBe(201);
}, 300_000);

afterAll(() => ui?.close());

it('sends the admin kubeconfig once for a dry run, clears it, and shows the plan per component', async () => {
  const page = await ui.signedIn(ADMIN, '/admin/clusters');
  page.on('request', (r) => {
    if (r.url().includes(':bootstrap')) sent.push(r.postData() ?? '');
  });
  await expect.poll(() => page.getByRole('table', { name: 'Clusters' }).textContent()).toContain('Bootstrap: never');
  await page.getByRole('button', { name: 'Bootstrap of prod' }).click();
  const admin = Buffer.from(kubeconfigB64(), 'base64').toString();
  await page.getByLabel('or paste it').fill(admin);
  expect(await page.getByLabel(/Dry run/).isChecked()).toBe(true);
  await page.getByRole('button', { name: 'Show plan' }).click();

  const plan = page.getByRole('table', { name: 'Bootstrap plan' });
  await plan.waitFor({ timeout: 60_000 });
  const rows = await plan.locator('tbody tr td:first-child').allTextContents();
  expect(rows).toEqual(['capsule', 'capsule-proxy', 'vela-core']);
  expect(await plan.textContent()).toContain('/nonexistent/helm');
  // Sent once, as the API wants it; gone from the form; in no storage.
  expect(sent).toHaveLength(1);
  expect(JSON.parse(sent[0]!)).toEqual({ kubeconfig: Buffer.from(admin).toString('base64'), dryRun: true });
  expect(await page.getByLabel('or paste it').inputValue()).toBe('');
  expect(await page.evaluate(() => JSON.stringify({ ...sessionStorage }) + JSON.stringify({ ...localStorage }))).not.toContain('cluster-admin');
  // A dry run changes nothing on the Cluster.
  expect((await ui.h.store.objects.get('Cluster', 'prod'))!.status.bootstrap).toBeUndefined();
  sent = [];
  await page.context().close();
});
