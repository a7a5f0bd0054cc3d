// Tenant usage end to end against two real clusters (the shared one with KubeVela, an extra one
// with Capsule only): one tenant on both, an app on the first whose pods (kwok runs them) move
// `used` there and nowhere else; the totals add up; crossing 80 % of the pod quota sets
// QuotaPressure with an event, falling back clears it; /metrics carries the same numbers; another
// tenant's admin gets 404; the showback equals figures computed here by hand from the requests.
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { clusterWriteServices } from '../../src/api/write-services.js';
import type { UsageFigure } from '../../src/domain/usage.js';
import { createEventRecorder, type EventRecorder } from '../../src/observability/events.js';
import { createLogger } from '../../src/observability/logger.js';
import { createMetrics } from '../../src/observability/metrics.js';
import { clusterReconcilerRegistration } from '../../src/orchestrator/reconcilers/cluster.js';
import { deliveryRegistrations } from '../../src/orchestrator/reconcilers/registrations.js';
import { startRuntime, type Runtime } from '../../src/orchestrator/manager/manager.js';
import { tenancyRegistrations } from '../../src/orchestrator/reconcilers/registrations.js';
import type { EventRecord } from '../../src/store/types.js';
import { ADMIN, json, openTestStore, startHarness, type Caller, type Harness } from '../api/support/harness.js';
import { removeAgentIdentity } from '../support/agent-cleanup.js';
import { KubeClusterClient } from '../../src/adapters/kube/client.js';
import { startExtraCluster, type ClusterHandle } from '../support/cluster.js';

const shared = inject('cluster');
const suffix = randomBytes(3).toString('hex');
const logger = createLogger({ level: process.env.KUBENOVA_TEST_LOG ?? 'silent' });
const report = (line: string) => process.stderr.write(`[usage.test] ${line}\n`);

const A = `ua-${suffix}`;
const B = `ub-${suffix}`;
const TENANT = `use-${suffix}`;
const OTHER = `oth-${suffix}`;
const PROJECT = `${TENANT}-web`;
const APP = `${TENANT}-shop`;
const POLICY_SET = `ups-${suffix}`;

// Every pod gets these requests from the policy set's LimitRange; the quotas are per cluster.
const POD_CPU_CORES = 0.1;
const POD_MEMORY_GIB = 64 / 1024;
const QUOTA = { namespaces: 2, pods: 5, cpu: '2', memory: '2Gi' };
// Showback prices per hour: cluster B has its own cpu price.
const PRICES = { default: { cpu: 0.04, memoryGiB: 0.01, storageGiB: 0.001 }, clusters: { [B]: { cpu: 0.05 } } };

let h: Harness;
let runtime: Runtime | undefined;
let events: EventRecorder | undefined;
let extra: ClusterHandle | undefined;
let sharedAdmin: KubeClusterClient | undefined;
let closeStore: (() => Promise<void>) | undefined;
const started = new Date().toISOString();

interface TenantUsage {
  tenant: string;
  clusters: Record<string, Record<string, UsageFigure>>;
  total: Record<string, UsageFigure>;
  quotaPressure?: string;
}

async function created(url: string, body: unknown): Promise<void> {
  const res = await h.call(ADMIN, 'POST', url, body);
  expect(res.statusCode, `${url}: ${res.body}`).toBe(201);
}

async function usage(): Promise<TenantUsage> {
  const res = await h.call(ADMIN, 'GET', `/api/v1/tenants/${TENANT}/usage`);
  expect(res.statusCode, res.body).toBe(200);
  return json<TenantUsage>(res);
}

/** Read, change, write back with the read's resourceVersion; a 409 (the reconciler wrote the
 *  app's status in between) is answered as any client would: read again and retry. */
async function scale(replicas: number): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    const current = json<{ resourceVersion: string }>(await h.call(ADMIN, 'GET', `/api/v1/apps/${APP}`));
    const res = await h.call(ADMIN, 'PUT', `/api/v1/apps/${APP}`, {
      spec: {
        project: PROJECT,
        clusters: [A],
        components: [{ name: 'web', type: 'webservice', properties: { image: 'nginx:1.27' }, traits: [{ type: 'scaler', properties: { replicas } }] }],
      },
      resourceVersion: current.resourceVersion,
    });
    if (res.statusCode === 409 && attempt < 5) continue;
    expect(res.statusCode, res.body).toBe(200);
    return;
  }
}

/** Waits until the pods used on A are `pods`; reports how long it took. */
async function podsUsedOnA(pods: number): Promise<TenantUsage> {
  const t0 = performance.now();
  let last: TenantUsage | undefined;
  await vi.waitFor(
    async () => {
      last = await usage();
      expect(last.clusters[A]?.pods?.usedValue, JSON.stringify(last.clusters)).toBe(pods);
    },
    { timeout: 90_000, interval: 200 },
  );
  report(`pods used on ${A} reached ${pods} ${Math.round(performance.now() - t0)} ms after the change`);
  return last!;
}

async function tenantEvents(): Promise<EventRecord[]> {
  const res = await h.call(ADMIN, 'GET', `/api/v1/events?kind=Tenant&name=${TENANT}&limit=500`);
  expect(res.statusCode, res.body).toBe(200);
  return json<{ items: EventRecord[] }>(res).items;
}

/** The value of one series in the /metrics text, labels in any order. */
async function metric(name: string, labels: Record<string, string>): Promise<number | undefined> {
  const text = (await h.app.inject({ method: 'GET', url: '/metrics' })).body;
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`)) continue;
    const body = line.slice(name.length + 1, line.indexOf('}'));
    const got: Record<string, string | undefined> = Object.fromEntries([...body.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    if (Object.entries(labels).every(([k, v]) => got[k] === v)) return Number(line.slice(line.indexOf('}') + 1).trim());
  }
  return undefined;
}

async function register(name: string, kubeconfigFile: string): Promise<void> {
  const kubeconfig = await readFile(kubeconfigFile, 'utf8');
  if (name === A) sharedAdmin = await KubeClusterClient.fromKubeconfigText(`admin-${name}`, kubeconfig);
  await created('/api/v1/clusters', { name, kubeconfig: Buffer.from(kubeconfig).toString('base64'), labels: { suite: suffix } });
}

beforeAll(async () => {
  const { store, close } = await openTestStore();
  closeStore = close;
  const metrics = createMetrics({ processMetrics: false });
  events = createEventRecorder({ store, logger, metrics });
  h = await startHarness({ store, metrics, events, writeServices: clusterWriteServices(logger), usagePrices: PRICES });
  extra = await startExtraCluster({ without: ['kubevela'] });
  await register(A, shared.kubeconfig);
  await register(B, extra.info.kubeconfig);
  runtime = startRuntime({
    store,
    logger,
    metrics,
    events,
    reconcilers: [
      clusterReconcilerRegistration(),
      ...tenancyRegistrations({ usage: { flushDelayMs: 200, recheckIntervalMs: 5_000, sampleIntervalMs: 2_000 } }),
      ...deliveryRegistrations({ fullCheckMs: 600_000 }),
    ],
  });
  await vi.waitFor(
    async () => {
      for (const c of [A, B]) expect((await store.objects.get('Cluster', c))?.status.capabilities).toBeDefined();
    },
    { timeout: 90_000, interval: 200 },
  );
  await created('/api/v1/policysets', {
    name: POLICY_SET,
    spec: { defaultLimits: { defaultRequest: { cpu: '100m', memory: '64Mi' }, default: { cpu: '200m', memory: '128Mi' } } },
  });
  await created('/api/v1/tenants', {
    name: TENANT,
    spec: { owners: [{ kind: 'User', name: `owner-${suffix}` }], quotas: QUOTA, policySets: [POLICY_SET], placement: { clusters: [A, B] } },
  });
  await created('/api/v1/tenants', { name: OTHER, spec: { owners: [{ kind: 'User', name: `other-${suffix}` }] } });
  await created(`/api/v1/tenants/${TENANT}/projects`, { name: PROJECT });
  await vi.waitFor(async () => expect((await store.objects.get('Project', PROJECT))?.status.phase).toBe('Deployed'), { timeout: 120_000, interval: 200 });
  await created('/api/v1/apps', {
    name: APP,
    spec: {
      project: PROJECT,
      clusters: [A],
      components: [{ name: 'web', type: 'webservice', properties: { image: 'nginx:1.27' }, traits: [{ type: 'scaler', properties: { replicas: 2 } }] }],
    },
  });
}, 400_000);

afterAll(async () => {
  if (h && runtime) {
    await h.call(ADMIN, 'DELETE', `/api/v1/apps/${APP}`);
    await vi
      .waitFor(async () => expect(await h.store.objects.get('App', APP)).toBeUndefined(), { timeout: 120_000, interval: 250 })
      .catch((err: unknown) => report(`app not cleaned up: ${String(err)}`));
    await h.call(ADMIN, 'DELETE', `/api/v1/projects/${PROJECT}`);
    for (const t of [TENANT, OTHER]) await h.call(ADMIN, 'DELETE', `/api/v1/tenants/${t}`);
    await vi
      .waitFor(
        async () => {
          for (const t of [TENANT, OTHER]) expect(await h.store.objects.get('Tenant', t)).toBeUndefined();
        },
        { timeout: 120_000, interval: 250 },
      )
      .catch((err: unknown) => report(`tenancy not cleaned up: ${String(err)}`));
  }
  await runtime?.stop();
  if (sharedAdmin) await removeAgentIdentity(sharedAdmin).catch((err: unknown) => report(`cleanup of the agent identity failed: ${String(err)}`));
  sharedAdmin?.close();
  events?.close();
  await extra?.stop();
  await h?.close();
  await closeStore?.();
}, 400_000);

describe('usage of one tenant on two clusters', () => {
  it("the app's pods are counted on its cluster only, and the totals add up", { timeout: 120_000 }, async () => {
    const u = await podsUsedOnA(2);
    // Namespaces: the project's namespace on each cluster, from the Capsule Tenants' counts.
    for (const c of [A, B]) expect(u.clusters[c]!.namespaces).toMatchObject({ hard: '2', used: '1', fraction: 0.5 });
    expect(u.clusters[A]!.pods).toMatchObject({ hardValue: 5, usedValue: 2, fraction: 0.4 });
    expect(u.clusters[A]!['requests.cpu']!.usedValue).toBeCloseTo(2 * POD_CPU_CORES, 6);
    expect(u.clusters[A]!['requests.memory']!.usedValue).toBe(2 * 64 * 2 ** 20);
    await vi.waitFor(async () => expect((await usage()).clusters[B]?.pods).toMatchObject({ hardValue: 5, usedValue: 0 }), { timeout: 30_000, interval: 200 });
    const now = await usage();
    for (const r of ['pods', 'namespaces', 'requests.cpu', 'requests.memory']) {
      const sum = (k: 'hardValue' | 'usedValue') => now.clusters[A]![r]![k] + now.clusters[B]![r]![k];
      expect(now.total[r]!.hardValue, r).toBeCloseTo(sum('hardValue'), 6);
      expect(now.total[r]!.usedValue, r).toBeCloseTo(sum('usedValue'), 6);
    }
    expect(now.total.pods).toMatchObject({ hardValue: 10, usedValue: 2, fraction: 0.2 });
    // The project's own share is its namespace's usage.
    const p = json<{ clusters: Record<string, Record<string, { usedValue: number }>> }>(await h.call(ADMIN, 'GET', `/api/v1/projects/${PROJECT}/usage`));
    expect(p.clusters[A]!.pods!.usedValue).toBe(2);
  });

  it('the metrics carry the same numbers', { timeout: 60_000 }, async () => {
    const u = await usage();
    for (const c of [A, B]) {
      for (const r of ['pods', 'namespaces', 'requests.cpu']) {
        expect(await metric('kubenova_tenant_quota_used', { tenant: TENANT, cluster: c, resource: r }), `${c} ${r}`).toBeCloseTo(
          u.clusters[c]![r]!.usedValue,
          6,
        );
        expect(await metric('kubenova_tenant_quota_hard', { tenant: TENANT, cluster: c, resource: r }), `${c} ${r}`).toBeCloseTo(
          u.clusters[c]![r]!.hardValue,
          6,
        );
      }
    }
  });

  it("another tenant's admin gets 404; the tenant's own admin sees it", async () => {
    const outsider: Caller = { roles: ['tenant-admin'], tenants: [OTHER], subject: `other-${suffix}` };
    for (const url of [`/api/v1/tenants/${TENANT}/usage`, `/api/v1/tenants/${TENANT}/usage/history`, `/api/v1/projects/${PROJECT}/usage`]) {
      const res = await h.call(outsider, 'GET', url);
      expect(res.statusCode, url).toBe(404);
    }
    const showback = json<{ items: { tenant: string }[] }>(await h.call(outsider, 'GET', '/api/v1/usage?groupBy=tenant'));
    expect(showback.items.map((i) => i.tenant)).not.toContain(TENANT);
    const own = await h.call(
      { roles: ['tenant-admin'], tenants: [TENANT], subject: `owner-${suffix}` } satisfies Caller,
      'GET',
      `/api/v1/tenants/${TENANT}/usage`,
    );
    expect(own.statusCode).toBe(200);
  });

  it('the showback equals the requests priced by hand', { timeout: 60_000 }, async () => {
    const res = await h.call(ADMIN, 'GET', '/api/v1/usage?groupBy=tenant');
    expect(res.statusCode, res.body).toBe(200);
    const line = json<{
      items: { tenant: string; costPerHour: number; clusters: { cluster: string; cpuCores: number; memoryGiB: number; costPerHour: number }[] }[];
    }>(res).items.find((i) => i.tenant === TENANT)!;
    // Two pods on A at 100m / 64Mi each, none on B.
    const costA = 2 * POD_CPU_CORES * 0.04 + 2 * POD_MEMORY_GIB * 0.01;
    expect(line.clusters.find((c) => c.cluster === A)).toMatchObject({ cpuCores: 0.2, memoryGiB: 0.125 });
    expect(line.clusters.find((c) => c.cluster === A)!.costPerHour).toBeCloseTo(costA, 6);
    expect(line.clusters.find((c) => c.cluster === B)!.costPerHour).toBe(0);
    expect(line.costPerHour).toBeCloseTo(costA, 6);
    const csv = await h.call(ADMIN, 'GET', '/api/v1/usage?groupBy=tenant', undefined, { accept: 'text/csv' });
    expect(csv.headers['content-type']).toMatch(/^text\/csv/);
    const rows = csv.body.trim().split('\r\n');
    expect(rows[0]).toBe('tenant,cluster,cpuCores,memoryGiB,storageGiB,costPerHour');
    expect(rows).toContain(`${TENANT},${A},0.2,0.125,0,${Math.round(costA * 1e6) / 1e6}`);
  });

  it('crossing 80 % sets QuotaPressure and records an event; falling back clears both', { timeout: 180_000 }, async () => {
    await scale(4);
    await podsUsedOnA(4);
    const raised = await vi.waitFor(
      async () => {
        const t = (await h.store.objects.get('Tenant', TENANT))!;
        const c = t.status.conditions.find((x) => x.type === 'QuotaPressure');
        expect(c, JSON.stringify(t.status.conditions)).toMatchObject({ status: 'True', reason: 'WarningLevelReached' });
        return c!;
      },
      { timeout: 30_000, interval: 200 },
    );
    expect(raised.message).toContain(`pods on cluster ${A} at 80 % of its quota (warning level 80 %)`);
    expect((await usage()).quotaPressure).toBe(raised.message);
    const warning = (await tenantEvents()).find((e) => e.reason === 'QuotaPressure');
    expect(warning).toMatchObject({ type: 'Warning', cluster: A, tenant: TENANT });
    expect(warning!.correlationId).toMatch(/^usage-/);

    await scale(2);
    await podsUsedOnA(2);
    await vi.waitFor(
      async () => {
        const c = (await h.store.objects.get('Tenant', TENANT))!.status.conditions.find((x) => x.type === 'QuotaPressure');
        expect(c).toMatchObject({ status: 'False', reason: 'BelowWarningLevels' });
      },
      { timeout: 30_000, interval: 200 },
    );
    expect((await usage()).quotaPressure).toBeUndefined();
    const cleared = (await tenantEvents()).find((e) => e.reason === 'QuotaPressureCleared');
    expect(cleared).toMatchObject({ type: 'Normal', cluster: A });
    // The tenant itself stayed Deployed: the reconciler keeps the tracker's condition.
    expect((await h.store.objects.get('Tenant', TENANT))!.status.phase).toBe('Deployed');
  });

  it('samples of the usage come back as history', { timeout: 60_000 }, async () => {
    await vi.waitFor(
      async () => {
        const res = await h.call(ADMIN, 'GET', `/api/v1/tenants/${TENANT}/usage/history?since=${started}`);
        expect(res.statusCode, res.body).toBe(200);
        const items = json<{ items: { cluster: string; resource: string; used: number; hard: number }[] }>(res).items;
        const pods = items.filter((s) => s.cluster === A && s.resource === 'pods');
        expect(pods.length).toBeGreaterThan(0);
        expect(pods.every((s) => s.hard === 5 && s.used >= 0 && s.used <= 5)).toBe(true);
        expect(pods.some((s) => s.used >= 2)).toBe(true);
      },
      { timeout: 30_000, interval: 500 },
    );
    const bad = await h.call(ADMIN, 'GET', `/api/v1/tenants/${TENANT}/usage/history?since=yesterday`);
    expect(bad.statusCode).toBe(400);
    expect(json(bad)).toMatchObject({ code: 'VALIDATION_FAILED', details: [{ field: 'query/since' }] });
  });
});
