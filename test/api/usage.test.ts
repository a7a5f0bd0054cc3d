// Tenant usage at the API, on the real store: usage is written into the store as the usage
// tracker writes it from the clusters' reports (no cluster in this file; test/e2e/usage.test.ts
// runs the whole path). Who sees what, showback JSON/CSV, history, warning level validation, and
// the quota checks: 422 for a project past the namespace quota, 409 for a quota below used.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClusterUsage } from '../../src/domain/usage.js';
import { ADMIN, json, startHarness, type Caller, type Harness } from './support/harness.js';
import { adminCreate, uniq } from './support/world.js';

let h: Harness;
const ACME = uniq('acme');
const OTHER = uniq('other');
const PRICES = { default: { cpu: 0.04, memoryGiB: 0.01, storageGiB: 0.001 }, clusters: { c2: { cpu: 0.05 } } };

const quota = (resources: Record<string, [string, string]>, namespaces?: ClusterUsage['namespaces']): ClusterUsage => ({
  resources: Object.fromEntries(Object.entries(resources).map(([r, [hard, used]]) => [r, { hard, used }])),
  ...(namespaces && { namespaces }),
});

async function placedOn(tenant: string, clusters: string[]): Promise<void> {
  const t = (await h.store.objects.get('Tenant', tenant))!;
  const entry = { phase: 'Deployed' as const, conditions: [], observedGeneration: 1 };
  await h.store.objects.updateStatus('Tenant', tenant, { ...t.status, clusters: Object.fromEntries(clusters.map((c) => [c, entry])) });
}

const acmeAdmin: Caller = { roles: ['tenant-admin'], tenants: [ACME], subject: 'acme-admin' };
const otherAdmin: Caller = { roles: ['tenant-admin'], tenants: [OTHER], subject: 'other-admin' };

beforeAll(async () => {
  h = await startHarness({ usagePrices: PRICES });
  await adminCreate(h, '/api/v1/tenants', { name: ACME, spec: { quotas: { namespaces: 2, pods: 5, cpu: '2', memory: '4Gi' } } });
  await adminCreate(h, '/api/v1/tenants', { name: OTHER, spec: {} });
  // As the tenancy reconciler reports the clusters a tenant is on.
  await placedOn(ACME, ['c1', 'c2']);
  await placedOn(OTHER, ['c1']);
  await h.store.usage.put(
    ACME,
    'c1',
    'quota',
    quota({ pods: ['5', '4'], 'requests.cpu': ['2', '1500m'], 'requests.memory': ['4Gi', '1Gi'] }, { [`${ACME}-web`]: { pods: '4' } }),
  );
  await h.store.usage.put(ACME, 'c1', 'namespaces', quota({ namespaces: ['2', '2'] }));
  await h.store.usage.put(ACME, 'c2', 'quota', quota({ pods: ['5', '1'], 'requests.cpu': ['2', '500m'], 'requests.memory': ['4Gi', '512Mi'] }));
  await h.store.usage.put(OTHER, 'c1', 'quota', quota({ 'requests.cpu': ['1', '250m'] }));
});
afterAll(() => h.close());

describe('GET /tenants/{name}/usage', () => {
  it('gives per-cluster figures and totals', async () => {
    const res = await h.call(acmeAdmin, 'GET', `/api/v1/tenants/${ACME}/usage`);
    expect(res.statusCode, res.body).toBe(200);
    const u = json<{
      clusters: Record<string, Record<string, { usedValue: number; fraction: number }>>;
      total: Record<string, { hardValue: number; usedValue: number; fraction: number }>;
    }>(res);
    expect(u.clusters.c1!.pods).toMatchObject({ usedValue: 4, fraction: 0.8 });
    expect(u.clusters.c1!.namespaces).toMatchObject({ usedValue: 2, fraction: 1 });
    expect(u.total.pods).toEqual({ hard: '10', used: '5', hardValue: 10, usedValue: 5, fraction: 0.5 });
    expect(u.total['requests.cpu']).toMatchObject({ hardValue: 4, usedValue: 2, fraction: 0.5 });
  });

  it('leaves out what a cluster the tenant is no longer on reported', async () => {
    await h.store.usage.put(ACME, 'gone', 'quota', quota({ pods: ['5', '5'] }));
    const u = json<{ clusters: Record<string, unknown>; total: Record<string, { hardValue: number }> }>(
      await h.call(ADMIN, 'GET', `/api/v1/tenants/${ACME}/usage`),
    );
    expect(Object.keys(u.clusters)).toEqual(['c1', 'c2']);
    expect(u.total.pods!.hardValue).toBe(10);
    const csv = (await h.call(ADMIN, 'GET', '/api/v1/usage?format=csv')).body;
    expect(csv).not.toContain(`${ACME},gone,`);
    await h.store.usage.put(ACME, 'gone', 'quota', undefined);
  });

  it("is a 404 for another tenant's admin, like a missing tenant", async () => {
    for (const url of [`/api/v1/tenants/${ACME}/usage`, `/api/v1/tenants/${ACME}/usage/history`]) {
      const res = await h.call(otherAdmin, 'GET', url);
      expect(res.statusCode, url).toBe(404);
      expect(json(res)).toMatchObject({ code: 'NOT_FOUND' });
    }
    expect((await h.call(ADMIN, 'GET', '/api/v1/tenants/nope-none/usage')).statusCode).toBe(404);
  });
});

describe('GET /usage (showback)', () => {
  it('prices each tenant per cluster with that cluster’s prices, in JSON', async () => {
    const res = await h.call(ADMIN, 'GET', '/api/v1/usage?groupBy=tenant');
    expect(res.statusCode, res.body).toBe(200);
    const body = json<{
      prices: Record<string, { cpu: number }>;
      items: { tenant: string; costPerHour: number; clusters: { cluster: string; costPerHour: number }[] }[];
    }>(res);
    const acme = body.items.find((i) => i.tenant === ACME)!;
    const c1 = 1.5 * 0.04 + 1 * 0.01;
    const c2 = 0.5 * 0.05 + 0.5 * 0.01;
    expect(acme.clusters.find((c) => c.cluster === 'c1')!.costPerHour).toBeCloseTo(c1, 6);
    expect(acme.clusters.find((c) => c.cluster === 'c2')!.costPerHour).toBeCloseTo(c2, 6);
    expect(acme.costPerHour).toBeCloseTo(c1 + c2, 6);
    expect(body.prices.c2!.cpu).toBe(0.05);
  });

  it('answers CSV for ?format=csv and for Accept: text/csv', async () => {
    for (const [url, headers] of [
      ['/api/v1/usage?format=csv', {}],
      ['/api/v1/usage', { accept: 'text/csv' }],
    ] as const) {
      const res = await h.call(ADMIN, 'GET', url, undefined, headers);
      expect(res.statusCode, res.body).toBe(200);
      expect(res.headers['content-type']).toMatch(/^text\/csv/);
      const rows = res.body.trim().split('\r\n');
      expect(rows[0]).toBe('tenant,cluster,cpuCores,memoryGiB,storageGiB,costPerHour');
      expect(rows).toContain(`${ACME},c1,1.5,1,0,0.07`);
    }
  });

  it("shows a tenant user only their own tenants' lines", async () => {
    const body = json<{ items: { tenant: string }[] }>(await h.call(acmeAdmin, 'GET', '/api/v1/usage'));
    expect(body.items.map((i) => i.tenant)).toEqual([ACME]);
  });

  it('refuses an unknown groupBy or format with 400', async () => {
    for (const q of ['groupBy=cluster', 'format=xml']) expect((await h.call(ADMIN, 'GET', `/api/v1/usage?${q}`)).statusCode, q).toBe(400);
  });
});

describe('GET /tenants/{name}/usage/history', () => {
  it('returns samples since a time, oldest first; a bad time is 400 naming the parameter', async () => {
    await h.store.usage.addSamples([
      { at: '2026-01-01T00:00:00Z', tenant: ACME, cluster: 'c1', resource: 'pods', hard: 5, used: 1 },
      { at: '2026-01-02T00:00:00Z', tenant: ACME, cluster: 'c1', resource: 'pods', hard: 5, used: 3 },
      { at: '2026-01-02T00:00:00Z', tenant: OTHER, cluster: 'c1', resource: 'pods', hard: 5, used: 5 },
    ]);
    const res = await h.call(acmeAdmin, 'GET', `/api/v1/tenants/${ACME}/usage/history?since=2026-01-01T12:00:00Z`);
    expect(res.statusCode, res.body).toBe(200);
    expect(json<{ items: unknown[] }>(res).items).toEqual([{ at: '2026-01-02T00:00:00.000Z', cluster: 'c1', resource: 'pods', hard: 5, used: 3 }]);
    const bad = await h.call(ADMIN, 'GET', `/api/v1/tenants/${ACME}/usage/history?since=yesterday`);
    expect(bad.statusCode).toBe(400);
    expect(json(bad)).toMatchObject({ code: 'VALIDATION_FAILED', details: [{ field: 'query/since' }] });
  });

  it('prunes samples older than a time', async () => {
    await h.store.usage.addSamples([{ at: '2020-01-01T00:00:00Z', tenant: ACME, cluster: 'c9', resource: 'pods', hard: 1, used: 1 }]);
    expect(await h.store.usage.prune('2021-01-01T00:00:00Z')).toBeGreaterThanOrEqual(1);
    expect((await h.store.usage.history(ACME, '2019-01-01T00:00:00Z', 100)).some((s) => s.cluster === 'c9')).toBe(false);
  });
});

describe('quota checks from the counts held', () => {
  it('a project past the namespace quota on a cluster is 422 naming quota and cluster, and is not stored', async () => {
    const name = `${ACME}-db`;
    const res = await h.call(ADMIN, 'POST', `/api/v1/tenants/${ACME}/projects`, { name });
    expect(res.statusCode, res.body).toBe(422);
    expect(json(res)).toMatchObject({
      code: 'NAMESPACE_QUOTA_EXCEEDED',
      details: [{ field: 'body/spec/tenant', reason: `tenant "${ACME}" has reached its namespace quota (2) on cluster c1` }],
    });
    expect((await h.call(ADMIN, 'GET', `/api/v1/projects/${name}`)).statusCode).toBe(404);
  });

  it('a quota below what is used is 409 naming resource and cluster; a platform admin may force it', async () => {
    const current = json<{ resourceVersion: string; spec: Record<string, unknown> }>(await h.call(ADMIN, 'GET', `/api/v1/tenants/${ACME}`));
    const body = { spec: { ...current.spec, quotas: { namespaces: 2, pods: 3, cpu: '2', memory: '4Gi' } } };
    const res = await h.call(ADMIN, 'PUT', `/api/v1/tenants/${ACME}`, body);
    expect(res.statusCode, res.body).toBe(409);
    expect(json(res)).toMatchObject({
      code: 'QUOTA_BELOW_USED',
      details: [{ field: 'body/spec/quotas/pods', reason: 'pods on cluster c1 uses 4, more than 3' }],
    });
    // Unchanged quotas are never checked, even where used is at hard (namespaces on c1).
    const forced = await h.call(ADMIN, 'PUT', `/api/v1/tenants/${ACME}?force=true`, body);
    expect(forced.statusCode, forced.body).toBe(200);
    expect(json<{ spec: { quotas: { pods: number } } }>(forced).spec.quotas.pods).toBe(3);
  });

  it('force is a platform admin’s only: a tenant admin may not change quotas at all', async () => {
    const current = json<{ spec: Record<string, unknown> }>(await h.call(ADMIN, 'GET', `/api/v1/tenants/${ACME}`));
    const res = await h.call(acmeAdmin, 'PUT', `/api/v1/tenants/${ACME}?force=true`, { spec: { ...current.spec, quotas: { namespaces: 2, pods: 1 } } });
    expect(res.statusCode).toBe(403);
  });
});

describe('spec.quotaWarnings', () => {
  it('takes increasing fractions and refuses anything else', async () => {
    const ok = await h.call(ADMIN, 'POST', '/api/v1/tenants', { name: uniq('warn'), spec: { quotaWarnings: [0.5, 0.9] } });
    expect(ok.statusCode, ok.body).toBe(201);
    const decreasing = await h.call(ADMIN, 'POST', '/api/v1/tenants', { name: uniq('warn'), spec: { quotaWarnings: [0.9, 0.5] } });
    expect(decreasing.statusCode).toBe(422);
    expect(json(decreasing)).toMatchObject({ details: [{ field: 'body/spec/quotaWarnings', reason: expect.stringContaining('increasing order') }] });
    for (const levels of [[0], [1.5], []]) {
      const res = await h.call(ADMIN, 'POST', '/api/v1/tenants', { name: uniq('warn'), spec: { quotaWarnings: levels } });
      expect(res.statusCode, JSON.stringify(levels)).toBe(400);
    }
  });
});
