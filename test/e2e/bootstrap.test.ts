// Cluster bootstrap end to end: a bare cluster of the test environment (no Capsule, no KubeVela;
// kwok reports the Pods of installed Deployments Running and completes hook Jobs), registered in
// KubeNova, then `POST /clusters/{name}:bootstrap` with the real Helm and the charts of the
// pinned Go modules as a local (air-gapped) chart source. capsule-proxy's chart is not
// available here, so that component must fail clearly while the other two succeed.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AGENT } from '../../src/adapters/cluster/agent-identity.js';
import type { BootstrapReport, ComponentReport } from '../../src/adapters/cluster/bootstrap.js';
import { CAPSULE_CONFIGURATION } from '../../src/adapters/capsule/administrators.js';
import { KubeClusterClient } from '../../src/adapters/kube/client.js';
import { clusterWriteServices } from '../../src/api/write-services.js';
import type { Resource } from '../../src/domain/resource.js';
import { createLogger } from '../../src/observability/logger.js';
import type { BootstrapStatus } from '../../src/orchestrator/reconcilers/bootstrap-status.js';
import { clusterReconcilerRegistration, type ClusterStatusExtra } from '../../src/orchestrator/reconcilers/cluster.js';
import { startRuntime, type Runtime } from '../../src/orchestrator/manager/manager.js';
import { ADMIN, json, startHarness, type Harness } from '../api/support/harness.js';
import { kubenova } from '../cli/io.js';
import { breakChart, releasedChart } from '../support/bootstrap-charts.js';
import { startExtraCluster, type ClusterHandle } from '../support/cluster.js';

const logger = createLogger({ level: process.env.KUBENOVA_TEST_LOG ?? 'silent' });
const report = (line: string) => process.stderr.write(`[bootstrap.test] ${line}\n`);
const b64 = (text: string) => Buffer.from(text).toString('base64');
const name = 'bare';

let bare: ClusterHandle;
let h: Harness;
let runtime: Runtime | undefined;
let admin: KubeClusterClient;
let adminKubeconfig: string;
let chartRoot: string;
let goodCharts: string;
let brokenCharts: string;
/** Every `status.bootstrap` component status the store saw, per component, in order. */
const seen = new Map<string, string[]>();

type ClusterObject = Resource & { status: Resource['status'] & ClusterStatusExtra & { bootstrap?: BootstrapStatus } };
type Response = BootstrapReport & { cluster: string };

const component = (r: { components: ComponentReport[] | BootstrapStatus['components'] }, c: string) => r.components.find((x) => x.name === c)!;

async function bootstrap(body: Record<string, unknown>): Promise<Response> {
  const res = await h.call(ADMIN, 'POST', `/api/v1/clusters/${name}:bootstrap`, { kubeconfig: b64(adminKubeconfig), ...body });
  expect(res.statusCode, res.body).toBe(200);
  const r = json<Response>(res);
  for (const c of r.components)
    report(`${r.dryRun ? 'dry run ' : ''}${c.name}: ${c.status} ${c.version} ${JSON.stringify(c.timings ?? {})} ${c.message ?? ''}`);
  return r;
}

/** Helm's release records (Secrets `sh.helm.release.v1.<release>.v<revision>`). */
async function releaseRecords(): Promise<string[]> {
  const secrets = await admin.list({ apiVersion: 'v1', kind: 'Secret' }, { labelSelector: 'owner=helm' });
  return secrets.map((s) => `${s.metadata.namespace}/${s.metadata.name}`).sort();
}

async function poll<T>(what: string, fn: () => Promise<T | undefined>, ms = 60_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

beforeAll(async () => {
  bare = await startExtraCluster({ without: ['capsule', 'kubevela'] });
  adminKubeconfig = await readFile(bare.info.kubeconfig, 'utf8');
  admin = await KubeClusterClient.fromKubeconfigText('admin', adminKubeconfig);
  chartRoot = await mkdtemp(join(tmpdir(), 'kubenova-charts-'));
  goodCharts = join(chartRoot, 'good');
  brokenCharts = join(chartRoot, 'broken');
  await releasedChart(bare.info, 'capsule', goodCharts, '0.14.0');
  await releasedChart(bare.info, 'vela-core', goodCharts, '1.10.9');
  await breakChart(await releasedChart(bare.info, 'capsule', brokenCharts, '0.14.1-broken'));

  const services = clusterWriteServices(logger, { bootstrap: { helm: join(bare.info.binDir, 'helm'), chartSource: goodCharts, chartDirs: [chartRoot] } });
  h = await startHarness({ writeServices: services });
  const res = await h.call(ADMIN, 'POST', '/api/v1/clusters', { name, kubeconfig: b64(adminKubeconfig) });
  expect(res.statusCode, res.body).toBe(201);
  runtime = startRuntime({ store: h.store, logger, reconcilers: [clusterReconcilerRegistration()] });
  h.store.objects.onChange((e) => {
    if (e.kind !== 'Cluster') return;
    void h.store.objects.get('Cluster', e.name).then((obj) => {
      for (const c of (obj as ClusterObject | undefined)?.status.bootstrap?.components ?? []) {
        const list = seen.get(c.name) ?? [];
        if (list.at(-1) !== c.status) list.push(c.status);
        seen.set(c.name, list);
      }
    });
  });
}, 180_000);

afterAll(async () => {
  await runtime?.stop();
  await h?.close();
  admin?.close();
  await bare?.stop();
  if (chartRoot) await rm(chartRoot, { recursive: true, force: true });
});

describe('cluster bootstrap with Helm', () => {
  it('dry run: shows chart, version, namespace and values per component and touches nothing', async () => {
    const r = await bootstrap({ dryRun: true });
    expect(r).toMatchObject({ cluster: name, dryRun: true, changed: false, chartSource: `directory ${goodCharts}` });
    expect(component(r, 'capsule')).toMatchObject({
      status: 'WouldInstall',
      chart: 'capsule',
      version: '0.14.0',
      release: 'capsule',
      namespace: 'capsule-system',
      source: join(goodCharts, 'capsule'),
      values: { manager: { options: { leaderElection: { enabled: true }, administrators: [{ kind: 'ServiceAccount', name: AGENT.username }] } } },
    });
    expect(component(r, 'vela-core')).toMatchObject({
      status: 'WouldInstall',
      version: '1.10.9',
      namespace: 'vela-system',
      values: { admissionWebhooks: { enabled: true } },
    });
    expect(component(r, 'capsule-proxy')).toMatchObject({ status: 'Error' });
    expect(component(r, 'capsule-proxy').message).toContain('chart source not found');
    // Nothing in the cluster, nothing recorded on the Cluster.
    expect(await releaseRecords()).toEqual([]);
    for (const ns of ['capsule-system', 'vela-system']) expect(await admin.get({ apiVersion: 'v1', kind: 'Namespace', name: ns })).toBeUndefined();
    expect(((await h.store.objects.get('Cluster', name)) as ClusterObject).status.bootstrap).toBeUndefined();
  });

  it('installs Capsule and vela-core, waits for their rollouts, reports capsule-proxy as not found, re-discovers capabilities', async () => {
    const r = await bootstrap({});
    expect(r).toMatchObject({ dryRun: false, phase: 'Error', changed: true });
    for (const [c, version] of [
      ['capsule', '0.14.0'],
      ['vela-core', '1.10.9'],
    ] as const) {
      const cr = component(r, c);
      expect(cr).toMatchObject({ status: 'Installed', version });
      expect(cr.timings?.helmMs).toBeGreaterThan(0);
      expect(cr.timings?.totalMs).toBeGreaterThanOrEqual(cr.timings!.helmMs!);
    }
    expect(component(r, 'capsule-proxy').message).toMatch(/^capsule-proxy: chart source not found: .*capsule-proxy/);
    expect(r.message).toContain('capsule-proxy failed');

    // Rolled out: the Deployments are available (kwok runs their Pods).
    for (const [ns, deploy] of [
      ['capsule-system', 'capsule-controller-manager'],
      ['vela-system', 'vela-core'],
    ] as const) {
      const d = await admin.get({ apiVersion: 'apps/v1', kind: 'Deployment', namespace: ns, name: deploy });
      expect((d?.status as { availableReplicas?: number }).availableReplicas, `${ns}/${deploy}`).toBeGreaterThanOrEqual(1);
    }
    // The seed's groups and KubeNova's agent where Capsule reads them.
    const config = await admin.get({ ...CAPSULE_CONFIGURATION });
    expect((config?.spec as { users: unknown[] }).users).toEqual(
      expect.arrayContaining([
        { kind: 'Group', name: 'tenant-admins' },
        { kind: 'Group', name: 'tenant-maintainers' },
      ]),
    );
    expect((config?.spec as { administrators: unknown[] }).administrators).toContainEqual({ kind: 'ServiceAccount', name: AGENT.username });
    expect(component(r, 'capsule').message).toContain('tenant-admins');

    // Progress was on the Cluster object while it ran, and the outcome stays there.
    const obj = await poll('status.bootstrap final', async () => {
      const o = (await h.store.objects.get('Cluster', name)) as ClusterObject;
      return o.status.bootstrap?.phase === 'Error' && o.status.bootstrap.startedAt === r.startedAt ? o : undefined;
    });
    expect(component(obj.status.bootstrap!, 'capsule')).toMatchObject({ status: 'Installed', version: '0.14.0' });
    expect(JSON.stringify(obj.status)).not.toContain('leaderElection'); // values stay out of the status
    expect(seen.get('capsule')).toEqual(expect.arrayContaining(['Installing', 'Installed']));
    expect(seen.get('capsule')!.indexOf('Installing')).toBeLessThan(seen.get('capsule')!.indexOf('Installed'));

    // Capabilities: the ClusterReconciler finds Capsule and KubeVela now. A discovery woken by
    // vela-core's CRDs (Helm applies them before the chart's Definitions) may be the stored one
    // for a moment; the one woken by the run's last status write lists the Definitions.
    const caps = await poll(
      'capabilities with Capsule, KubeVela and its Definitions',
      async () => {
        const c = ((await h.store.objects.get('Cluster', name)) as ClusterObject).status.capabilities;
        return c?.capsule?.apiVersions.length && c.kubevela?.definitions.components.length ? c : undefined;
      },
      300_000,
    );
    expect(caps.capsule?.agentIsAdministrator).toBe(true);
    expect(caps.kubevela?.definitions.components).toContain('webservice');
    // Generous: Helm's install and rollout wait measured 2-5 min per component on the shared
    // 2-core machine under load (13-20 s when it is quiet).
  }, 1_500_000);

  it('a second run, through the CLI, changes nothing and says so', async () => {
    const before = await releaseRecords();
    const address = await h.app.listen({ host: '127.0.0.1', port: 0 });
    const env = { HOME: chartRoot, KUBENOVA_CONFIG: join(chartRoot, 'cli.json'), KUBENOVA_SERVER: address, KUBENOVA_TOKEN: await h.token(ADMIN) };
    const argv = ['clusters', 'bootstrap', name, '--kubeconfig', bare.info.kubeconfig, '--component', 'capsule', '--component', 'vela-core'];
    const table = await kubenova(env, argv);
    report(`CLI:\n${table.stdout}`);
    expect(table).toMatchObject({ code: 0, stdout: expect.stringMatching(/capsule\s+Unchanged\s+capsule-0\.14\.0\s+capsule-system/) });
    const cli = await kubenova(env, [...argv, '-o', 'json']);
    expect(cli.code, cli.stderr).toBe(0);
    const r = JSON.parse(cli.stdout) as Response;
    expect(r).toMatchObject({ phase: 'Succeeded', changed: false });
    expect(r.message).toContain('nothing changed');
    for (const c of ['capsule', 'vela-core']) {
      const cr = component(r, c);
      expect(cr.status).toBe('Unchanged');
      expect(cr.previous).toMatchObject({ revision: '1', status: 'deployed', valuesDigest: cr.valuesDigest });
      expect(cr.timings?.helmMs).toBeUndefined();
    }
    expect(await releaseRecords()).toEqual(before);
  }, 300_000);

  it('a chart that does not render ends in Error naming the component', async () => {
    const r = await bootstrap({ components: ['capsule'], chartSource: brokenCharts });
    expect(r.phase).toBe('Error');
    const cr = component(r, 'capsule');
    expect(cr).toMatchObject({ status: 'Error', version: '0.14.1-broken' });
    expect(cr.message).toMatch(/^capsule: helm upgrade --install capsule failed: .*doesNotExist/);
    expect(cr.message).not.toContain(adminKubeconfig.slice(0, 40));
  }, 300_000);

  it('a rollout that never becomes ready ends in Error after the configured wait', async () => {
    const t0 = Date.now();
    const r = await bootstrap({
      components: ['capsule'],
      // The controller's Pods (not the chart's hook Jobs, which take their own nodeSelector)
      // need a node that does not exist.
      values: { capsule: { nodeSelector: { 'kubenova.io/no-such-node': 'true' } } },
      timeoutSeconds: 15,
    });
    report(`never-ready run returned after ${Date.now() - t0} ms`);
    expect(r.phase).toBe('Error');
    const cr = component(r, 'capsule');
    expect(cr.status).toBe('Error');
    expect(cr.message).toMatch(/^capsule: helm upgrade --install capsule failed: .*context deadline exceeded/);
    expect(cr.message).toMatch(/not ready after 15s: Deployment capsule-controller-manager/);
    const obj = (await h.store.objects.get('Cluster', name)) as ClusterObject;
    expect(component(obj.status.bootstrap!, 'capsule')).toMatchObject({ status: 'Error' });
  }, 300_000);
});
