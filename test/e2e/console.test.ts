// The web console in Debian's Chromium (playwright-core, test/support/browser.ts) against the real
// server on the real shared cluster (kube-apiserver, Capsule, KubeVela, kwok): sign-in; a tenant
// admin creating a project and an app and watching it reach Deployed live, editing it (and being
// refused a stale edit), comparing revisions and rolling back; a kubeconfig issued, shown once and
// revoked; a tenant dev and a reader seeing only what they may; the admin's fleet view showing an
// object drifted on the cluster and back; the admin's bootstrap panel planning, with the real Helm
// and the test environment's charts, what a bootstrap of that cluster would do. Screenshots at
// 1280×800 go to test-artifacts/.
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { KubeClusterClient } from '../../src/adapters/kube/client.js';
import type { ObjectRef } from '../../src/adapters/kube/types.js';
import { clusterWriteServices } from '../../src/api/write-services.js';
import { createLogger } from '../../src/observability/logger.js';
import { type Caller, ADMIN, json, openTestStore, type Harness } from '../api/support/harness.js';
import { createClusterClients, type ClusterClients } from '../../src/orchestrator/manager/cluster-clients.js';
import { clusterReconcilerRegistration } from '../../src/orchestrator/reconcilers/cluster.js';
import { deliveryRegistrations, tenancyRegistrations } from '../../src/orchestrator/reconcilers/registrations.js';
import { grantIssuer } from '../../src/orchestrator/reconcilers/grant-issuer.js';
import { grantRegistration } from '../../src/orchestrator/reconcilers/grant.js';
import { startRevisionOutcomes, type RevisionOutcomes } from '../../src/orchestrator/reconcilers/revision-outcomes.js';
import { startRuntime, type Runtime } from '../../src/orchestrator/manager/manager.js';
import { releasedChart } from '../support/bootstrap-charts.js';
import { screenshot, startConsole, type ConsoleUnderTest } from '../support/console-page.js';
import { untilPhase } from '../support/phases.js';

const shared = inject('cluster');
const suffix = randomBytes(3).toString('hex');
const logger = createLogger({ level: process.env.KUBENOVA_TEST_LOG ?? 'silent' });
const report = (line: string) => process.stderr.write(`[console.test] ${line}\n`);

const C = `cc-${suffix}`;
/** The tenant admin's tenant, where the UI creates a project and an app. */
const TA = `ca-${suffix}`;
const PA = `${TA}-base`;
/** Another tenant with one project: its tenant dev must not see TA at all. */
const TB = `cb-${suffix}`;
const PB = `${TB}-only`;
/** A tenant with drift policy "detect": its project stays Drifted until the cluster is put back. */
const TD = `cd-${suffix}`;
const PD = `${TD}-web`;
const PS = `cps-${suffix}`;
const NEW_PROJECT = `${TA}-web`;
const APP = `${TA}-shop`;
const PROXY = { url: 'https://127.0.0.1:9/', caData: Buffer.from('-----BEGIN CERTIFICATE-----\nnot-checked\n-----END CERTIFICATE-----\n').toString('base64') };
const LIMIT_RANGE: ObjectRef = { apiVersion: 'v1', kind: 'LimitRange', namespace: PD, name: 'kubenova-defaults' };

const TENANT_ADMIN: Caller = { roles: ['tenant-admin'], tenants: [TA], subject: `ann-${suffix}` };
const TENANT_DEV: Caller = { roles: ['tenant-dev'], tenants: [TB], subject: `dev-${suffix}` };
const READER: Caller = { roles: ['read-only'], tenants: [TA], subject: `rea-${suffix}` };

let ui: ConsoleUnderTest;
let h: Harness;
let base: string;
let clients: ClusterClients | undefined;
let runtime: Runtime | undefined;
let outcomes: RevisionOutcomes | undefined;
let admin: KubeClusterClient;
let closeStore: (() => Promise<void>) | undefined;
/** The bootstrap's charts: the test environment's, as released versions in a local directory. */
let chartRoot: string | undefined;

async function created(url: string, body: unknown): Promise<void> {
  const res = await h.call(ADMIN, 'POST', url, body);
  expect(res.statusCode, `${url}: ${res.body}`).toBe(201);
}

/** A new browser context (its own sessionStorage) signed in as `caller`, with the live stream open. */
async function signedIn(caller: Caller): Promise<Page> {
  const page = await ui.signedIn(caller);
  await page.getByRole('status').filter({ hasText: 'Live' }).waitFor({ timeout: 15_000 });
  return page;
}

const shot = (page: Page, name: string) => screenshot(page, name);

/** The text a phase badge inside `scope` shows. */
const appPhase = (page: Page) => page.locator('h1 .phase');

beforeAll(async () => {
  // As in the server: one client per cluster shared by the API's workflow control, the
  // kubeconfig issuer and the reconcilers.
  const opened = await openTestStore();
  closeStore = opened.close;
  clients = createClusterClients(opened.store);
  chartRoot = await mkdtemp(join(tmpdir(), 'kubenova-console-charts-'));
  const charts = join(chartRoot, 'charts');
  await releasedChart(shared, 'capsule', charts, '0.14.0');
  await releasedChart(shared, 'vela-core', charts, '1.10.9');
  const bootstrap = { helm: join(shared.binDir, 'helm'), chartSource: charts, chartDirs: [chartRoot] };
  ui = await startConsole({
    store: opened.store,
    writeServices: { ...clusterWriteServices(logger, { clients, bootstrap }), grants: grantIssuer({ objects: opened.store.objects, clients, logger }) },
  });
  ({ h, base } = ui);
  const kubeconfig = await readFile(shared.kubeconfig, 'utf8');
  admin = await KubeClusterClient.fromKubeconfigText(`console-${suffix}`, kubeconfig);
  await created('/api/v1/clusters', { name: C, kubeconfig: Buffer.from(kubeconfig).toString('base64'), spec: { capsuleProxy: PROXY } });
  runtime = startRuntime({
    store: h.store,
    logger,
    clients,
    reconcilers: [clusterReconcilerRegistration(), ...tenancyRegistrations({ resyncMs: 2_000 }), ...deliveryRegistrations(), grantRegistration()],
  });
  outcomes = startRevisionOutcomes({ store: h.store, logger, kinds: ['App'] });
  await vi.waitFor(async () => expect((await h.store.objects.get('Cluster', C))?.status.capabilities).toMatchObject({ kubevela: expect.anything() }), {
    timeout: 60_000,
    interval: 100,
  });
  await created('/api/v1/policysets', {
    name: PS,
    spec: { defaultLimits: { defaultRequest: { cpu: '100m', memory: '64Mi' }, default: { cpu: '0.5', memory: '128Mi' } } },
  });
  for (const [tenant, project, extra] of [
    [TA, PA, {}],
    [TB, PB, {}],
    [TD, PD, { policySets: [PS], driftPolicy: 'detect' }],
  ] as const) {
    await created('/api/v1/tenants', {
      name: tenant,
      spec: { owners: [{ kind: 'User', name: `owner-${tenant}` }], quotas: { namespaces: 5 }, placement: { clusters: [C] }, ...extra },
    });
    await created(`/api/v1/tenants/${tenant}/projects`, { name: project });
  }
  await Promise.all([PA, PB, PD].map((p) => untilPhase(h.store.objects, 'Project', p, 'Deployed', 120_000)));
}, 300_000);

afterAll(async () => {
  if (h && runtime) {
    for (const g of json<{ items: { name: string }[] }>(await h.call(ADMIN, 'GET', '/api/v1/kubeconfiggrants?limit=500')).items)
      await h.call(ADMIN, 'DELETE', `/api/v1/kubeconfiggrants/${g.name}`);
    await h.call(ADMIN, 'DELETE', `/api/v1/apps/${APP}`);
    await vi
      .waitFor(async () => expect(await h.store.objects.get('App', APP)).toBeUndefined(), { timeout: 120_000, interval: 250 })
      .catch((err: unknown) => report(`app not cleaned up: ${String(err)}`));
    for (const p of [PA, PB, PD, NEW_PROJECT]) await h.call(ADMIN, 'DELETE', `/api/v1/projects/${p}`);
    for (const t of [TA, TB, TD]) await h.call(ADMIN, 'DELETE', `/api/v1/tenants/${t}`);
    await vi
      .waitFor(
        async () => {
          for (const t of [TA, TB, TD]) expect(await h.store.objects.get('Tenant', t)).toBeUndefined();
        },
        { timeout: 120_000, interval: 250 },
      )
      .catch((err: unknown) => report(`tenancy not cleaned up: ${String(err)}`));
  }
  await outcomes?.stop();
  await runtime?.stop();
  admin?.close();
  await ui?.close();
  await closeStore?.();
  if (chartRoot) await rm(chartRoot, { recursive: true, force: true });
}, 400_000);

describe('a tenant admin', () => {
  let page: Page;
  beforeAll(async () => {
    page = await signedIn(TENANT_ADMIN);
  });

  it('signs in with a pasted token kept only in this tab (never in the URL or localStorage)', async () => {
    await page.getByRole('heading', { name: `Tenant ${TA}` }).waitFor();
    const token = await h.token(TENANT_ADMIN);
    expect(page.url()).not.toContain(token);
    expect(await page.evaluate(() => JSON.stringify(localStorage))).toBe('{}');
    expect(await page.evaluate(() => sessionStorage.getItem('kubenova.token'))).toBe(token);
    await page.getByRole('cell', { name: PA, exact: true }).waitFor();
  });

  it('creates a project and an app and sees it go Deployed live', { timeout: 240_000 }, async () => {
    await page.getByLabel('New project').fill(NEW_PROJECT);
    await page.getByRole('button', { name: 'Create project' }).click();
    // Its phase moves on the page by itself (the event stream), from Pending to Deployed.
    const row = page.getByRole('row').filter({ has: page.getByRole('cell', { name: NEW_PROJECT, exact: true }) });
    await row.locator('.phase', { hasText: 'Deployed' }).waitFor({ timeout: 120_000 });

    await page.getByLabel('Project', { exact: true }).selectOption(NEW_PROJECT);
    await page.getByLabel('App name').fill(APP);
    await page.getByLabel('Image').fill('nginx:1.27');
    await page.getByRole('button', { name: 'Create app' }).click();
    await page.getByRole('heading', { name: new RegExp(`App ${APP}`) }).waitFor();
    await appPhase(page).filter({ hasText: 'Deployed' }).waitFor({ timeout: 180_000 });
    await page
      .locator('.components li', { hasText: /: healthy$/ })
      .first()
      .waitFor({ timeout: 60_000 });
    await shot(page, 'app');
  });

  it('edits the app as JSON with If-Match; a stale edit is refused with a conflict message', { timeout: 240_000 }, async () => {
    await page.getByRole('button', { name: 'Edit JSON' }).click();
    const editor = page.getByLabel(/Labels and spec \(JSON\)/);
    await editor.fill((await editor.inputValue()).replace('nginx:1.27', 'nginx:1.28'));
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('cell', { name: '2', exact: true }).waitFor({ timeout: 30_000 });
    expect((await h.store.objects.get<{ components: { properties: { image: string } }[] }>('App', APP))!.spec.components[0]!.properties.image).toBe(
      'nginx:1.28',
    );

    // Someone else writes while this editor is open: saving it must not overwrite their change.
    await page.getByRole('button', { name: 'Edit JSON' }).click();
    const current = (await h.store.objects.get('App', APP))!;
    const res = await h.call(ADMIN, 'PUT', `/api/v1/apps/${APP}`, { labels: { ...current.labels, touched: 'elsewhere' }, spec: current.spec });
    expect(res.statusCode, res.body).toBe(200);
    await editor.fill((await editor.inputValue()).replace('nginx:1.28', 'nginx:1.29'));
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('alert').filter({ hasText: 'Someone changed this object since you opened it' }).waitFor();
    expect((await h.store.objects.get('App', APP))!.labels.touched).toBe('elsewhere');
    await page.getByRole('button', { name: 'Cancel' }).click();
    await appPhase(page).filter({ hasText: 'Deployed' }).waitFor({ timeout: 180_000 });
  });

  it('compares two revisions and rolls back after seeing the diff', { timeout: 240_000 }, async () => {
    await page.getByLabel('Compare revision', { exact: true }).selectOption('1');
    await page.getByLabel('with revision', { exact: true }).selectOption('2');
    const diff = page.getByRole('figure').filter({ hasText: 'Spec changes from revision 1 to 2' });
    await expectText(diff.locator('.del'), 'nginx:1.27');
    await expectText(diff.locator('.add'), 'nginx:1.28');

    await page.getByRole('button', { name: 'Roll back to revision 1' }).click();
    const dialog = page.getByRole('dialog', { name: 'Roll back to revision 1?' });
    // The diff shown before confirming: what the rollback changes in the current spec.
    await expectText(dialog.locator('.del'), 'nginx:1.28');
    await expectText(dialog.locator('.add'), 'nginx:1.27');
    await shot(page, 'rollback');
    await dialog.getByLabel('Reason').fill('1.28 breaks checkout');
    await dialog.getByRole('button', { name: 'Confirm rollback' }).click();
    await page.getByRole('status').filter({ hasText: 'Rolled back to revision 1.' }).waitFor();
    await page.getByRole('row').filter({ hasText: '1.28 breaks checkout' }).filter({ hasText: 'rolled-back 2 → 1' }).waitFor();
    const app = (await h.store.objects.get<{ components: { properties: { image: string } }[] }>('App', APP))!;
    expect(app.generation).toBe(3);
    expect(app.spec.components[0]!.properties.image).toBe('nginx:1.27');
    await appPhase(page).filter({ hasText: 'Deployed' }).waitFor({ timeout: 180_000 });
  });

  it('issues a kubeconfig shown once, then revokes it', { timeout: 120_000 }, async () => {
    await page.getByRole('link', { name: `Tenant ${TA}` }).click();
    await page.locator(`tr[data-app="${APP}"] .phase`, { hasText: 'Deployed' }).waitFor();
    await shot(page, 'tenant-home');
    await page.getByRole('link', { name: `Kubeconfigs of ${TA}` }).click();
    await page.getByLabel('Scope').selectOption(PA);
    await page.getByLabel('Role').selectOption('edit');
    await page.getByRole('button', { name: 'Issue kubeconfig' }).click();
    const revealed = page.getByLabel('Kubeconfig', { exact: true });
    await revealed.waitFor({ timeout: 60_000 });
    await page.getByRole('alert').filter({ hasText: 'shown only now' }).waitFor();
    const kubeconfig = await revealed.inputValue();
    expect(kubeconfig).toContain(`server: ${PROXY.url}`);
    const token = /token: (\S+)/.exec(kubeconfig)?.[1];
    expect(token?.length).toBeGreaterThan(20);
    await shot(page, 'kubeconfig-revealed');
    const grants = json<{ items: { name: string; spec: { project?: string } }[] }>(await h.call(ADMIN, 'GET', `/api/v1/tenants/${TA}/kubeconfiggrants`)).items;
    expect(grants).toHaveLength(1);
    const grant = grants[0]!.name;

    await page.getByRole('button', { name: 'I have saved it, close' }).click();
    // Gone from the page for good: nowhere in the document, not in storage.
    await revealed.waitFor({ state: 'detached' });
    expect(await page.content()).not.toContain(token!);
    expect(await page.evaluate(() => JSON.stringify(sessionStorage))).not.toContain(token!);
    const row = page.locator(`tr[data-grant="${grant}"]`);
    await expectText(row, 'Active');
    await shot(page, 'kubeconfigs');

    await row.getByRole('button', { name: `Revoke ${grant}` }).click();
    await row.waitFor({ state: 'detached', timeout: 60_000 });
    expect(await h.store.objects.get('KubeconfigGrant', grant)).toBeUndefined();
  });
});

describe('a tenant dev with one project of another tenant', () => {
  it('sees that project and nothing of the other tenant', { timeout: 60_000 }, async () => {
    const page = await signedIn(TENANT_DEV);
    await page.getByRole('heading', { name: `Tenant ${TB}` }).waitFor();
    await page.getByRole('cell', { name: PB, exact: true }).waitFor();
    // One tenant: no switcher; no platform pages.
    expect(await page.getByLabel('Tenant', { exact: true }).count()).toBe(0);
    expect(await page.getByRole('link', { name: 'Platform' }).count()).toBe(0);
    expect(await page.getByRole('main').textContent()).not.toContain(TA);
    // Another tenant by URL: the API's answer, not the other tenant's data.
    await page.goto(`${base}/ui/tenants/${TA}`);
    await page.getByRole('alert').filter({ hasText: 'not found' }).first().waitFor();
    const text = (await page.getByRole('main').textContent()) ?? '';
    expect(text).not.toContain(PA);
    expect(text).not.toContain(APP);
    await shot(page, 'tenant-dev-other-tenant');
  });
});

describe('a reader of the tenant', () => {
  it('sees the tenant, the app and the grants, and no write button anywhere', { timeout: 60_000 }, async () => {
    const page = await signedIn(READER);
    await page.getByRole('heading', { name: `Tenant ${TA}` }).waitFor();
    await page.getByRole('link', { name: APP }).waitFor();
    const writes = ['Create project', 'Create app', 'Edit JSON', 'Save', 'Suspend', 'Resume', 'Terminate', 'Issue kubeconfig', 'Confirm rollback'];
    const none = async () => {
      for (const name of writes) expect(await page.getByRole('button', { name }).count(), name).toBe(0);
      expect(await page.getByRole('button', { name: /^Roll back|^Revoke/ }).count()).toBe(0);
    };
    await none();
    await page.getByRole('link', { name: APP }).click();
    await page.getByRole('heading', { name: 'Revisions' }).waitFor();
    await page.getByRole('cell', { name: '3', exact: true }).waitFor();
    await none();
    await page.goto(`${base}/ui/tenants/${TA}/kubeconfigs`);
    await page.getByRole('table', { name: 'Kubeconfig grants' }).waitFor();
    await none();
  });

  it('is usable from the keyboard, with a visible focus', { timeout: 60_000 }, async () => {
    const page = await signedIn(READER);
    await page.getByRole('link', { name: APP }).waitFor();
    // The first Tab reaches the skip link; following it puts the focus on the page's content.
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Skip to content');
    await page.keyboard.press('Enter');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('main');
    // Tab on to the app's link and open it with Enter.
    let focused = '';
    for (let i = 0; i < 40 && focused !== APP; i++) {
      await page.keyboard.press('Tab');
      focused = (await page.evaluate(() => document.activeElement?.textContent)) ?? '';
      const outline = await page.evaluate(() => getComputedStyle(document.activeElement!).outlineStyle);
      expect(outline, `focus ring on ${focused}`).not.toBe('none');
    }
    expect(focused).toBe(APP);
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: new RegExp(`App ${APP}`) }).waitFor();
  });
});

describe("the platform admin's fleet view", () => {
  it('shows a project drifted on the cluster, and it leaves once the cluster is put back', { timeout: 180_000 }, async () => {
    const page = await signedIn(ADMIN);
    await page.goto(`${base}/ui/admin/fleet`);
    await page.getByRole('table', { name: 'Fleet' }).waitFor();
    const row = page.locator(`tr[data-object="Project/${PD}"]`);
    expect(await row.count()).toBe(0);
    const before = await admin.get(LIMIT_RANGE);
    const limits = (before!.spec as { limits: unknown[] }).limits;
    // As `kubectl patch` would: another writer changes what KubeNova projected.
    await patchLimitRange({
      spec: { limits: [{ type: 'Container', default: { cpu: '3', memory: '128Mi' }, defaultRequest: { cpu: '100m', memory: '64Mi' } }] },
    });
    await expectText(row, 'Drifted', 60_000);
    await shot(page, 'fleet');
    await patchLimitRange({ spec: { limits } });
    await row.waitFor({ state: 'detached', timeout: 60_000 });
    expect((await h.store.objects.get('Project', PD))!.status.phase).toBe('Deployed');
  });
});

describe("the platform admin's bootstrap panel", () => {
  it('plans a bootstrap of the test cluster with the real Helm: a row per component, the kubeconfig sent once and cleared', { timeout: 240_000 }, async () => {
    const page = await signedIn(ADMIN);
    const sent: string[] = [];
    page.on('request', (r) => {
      if (r.url().includes(':bootstrap')) sent.push(r.postData() ?? '');
    });
    await page.goto(`${base}/ui/admin/clusters`);
    await page.getByRole('button', { name: `Bootstrap of ${C}` }).click();
    const kubeconfig = await readFile(shared.kubeconfig, 'utf8');
    await page.getByLabel('or paste it').fill(kubeconfig);
    expect(await page.getByLabel(/Dry run/).isChecked()).toBe(true);
    await page.getByRole('button', { name: 'Show plan' }).click();
    // Cleared as soon as it is sent, before Helm answers.
    expect(await page.getByLabel('or paste it').inputValue()).toBe('');

    const plan = page.getByRole('table', { name: 'Bootstrap plan' });
    await plan.waitFor({ timeout: 180_000 });
    const rows = await plan
      .locator('tbody tr')
      .evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll(':scope > td')].map((td) => (td.textContent ?? '').trim())));
    // The test environment applies Capsule and KubeVela from rendered charts, not as Helm
    // releases, so Helm finds no release and would install both; capsule-proxy's chart is not in
    // the chart directory.
    expect(rows.map(([component, , , now, status]) => [component, now, status])).toEqual([
      ['capsule', '—', 'WouldInstall'],
      ['capsule-proxy', '—', 'Error'],
      ['vela-core', '—', 'WouldInstall'],
    ]);
    const [capsule, proxy, vela] = rows;
    expect(capsule!.slice(1, 3)).toEqual(['capsule 0.14.0', 'capsule / capsule-system']);
    expect(capsule![5]).toContain('would install capsule-0.14.0 as capsule-system/capsule');
    expect(vela!.slice(1, 3)).toEqual(['vela-core 1.10.9', 'vela-core / vela-system']);
    expect(vela![5]).toContain('would install vela-core-1.10.9 as vela-system/vela-core');
    expect(proxy![5]).toContain('chart source not found');
    await page.getByText(`Charts from directory ${join(chartRoot!, 'charts')}.`).waitFor();
    await plan.scrollIntoViewIfNeeded();
    await shot(page, 'bootstrap-plan');
    // The values Helm would be given, per component: Capsule's make KubeNova's agent an administrator.
    await plan.getByRole('row').filter({ hasText: 'capsule-system/capsule' }).getByText('Values for Helm').click();
    expect(JSON.parse((await page.getByLabel('Values of capsule', { exact: true }).textContent())!)).toMatchObject({
      manager: { options: { administrators: [{ kind: 'ServiceAccount' }] } },
    });

    // Sent once, in that request only; nothing kept in the page's storage; a dry run records nothing.
    expect(sent).toHaveLength(1);
    expect(JSON.parse(sent[0]!)).toEqual({ kubeconfig: Buffer.from(kubeconfig).toString('base64'), dryRun: true });
    const key = /client-key-data: (\S+)/.exec(kubeconfig)![1]!;
    expect(await page.content()).not.toContain(key);
    expect(await page.evaluate(() => JSON.stringify({ ...sessionStorage }) + JSON.stringify({ ...localStorage }))).not.toContain('client-certificate');
    expect((await h.store.objects.get('Cluster', C))!.status.bootstrap).toBeUndefined();
    await page.context().close();
  });
});

/** Waits until `locator` (its first match) shows `text`. */
async function expectText(locator: ReturnType<Page['locator']>, text: string, timeout = 15_000): Promise<void> {
  await locator.filter({ hasText: text }).first().waitFor({ timeout });
}

function patchLimitRange(body: unknown) {
  return admin.rest.request({
    method: 'PATCH',
    path: `/api/v1/namespaces/${PD}/limitranges/${LIMIT_RANGE.name}`,
    query: { fieldManager: 'someone-with-kubectl' },
    contentType: 'application/merge-patch+json',
    body,
  });
}
