// Tenancy at the API: an intent a placed cluster cannot take is refused with 422 before anything
// is stored, and the plan view shows what would be applied on each cluster. Capabilities are
// written into cluster status here as the ClusterReconciler would (no cluster in this file).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kubeconfigB64 } from '../support/kubeconfig.js';
import { ADMIN, json, startHarness, type Harness } from './support/harness.js';
import { adminCreate, uniq } from './support/world.js';

let h: Harness;
const WITH_CAPSULE = { resources: { 'capsule.clastix.io/v1beta2': ['tenants', 'globalresourcequotas'], v1: ['namespaces'] } };
const WITHOUT_CAPSULE = { resources: { v1: ['namespaces'] } };

async function cluster(name: string, capabilities?: object, labels: Record<string, string> = {}) {
  await adminCreate(h, '/api/v1/clusters', { name, kubeconfig: kubeconfigB64(), labels });
  if (capabilities) {
    await h.store.objects.updateStatus('Cluster', name, { phase: 'Deployed', conditions: [], observedGeneration: 1, capabilities: { observedAt: '2026-01-01T00:00:00Z', ...capabilities } });
  }
}

beforeAll(async () => {
  h = await startHarness();
  await cluster('capsule-a', WITH_CAPSULE, { tier: 'gold' });
  await cluster('plain-b', WITHOUT_CAPSULE, { tier: 'gold' });
  await cluster('fresh-c'); // not discovered yet
});
afterAll(() => h.close());

describe('capabilities at the API', () => {
  it('a tenant placed on a cluster without Capsule is refused with 422 naming the cluster and capability, and nothing is stored', async () => {
    const name = uniq('t');
    const res = await h.call(ADMIN, 'POST', '/api/v1/tenants', { name, spec: { placement: { clusters: ['capsule-a', 'plain-b'] } } });
    expect(res.statusCode).toBe(422);
    const body = json<{ code: string; message: string; details: { field: string; reason: string }[] }>(res);
    expect(body.code).toBe('UNPROCESSABLE');
    expect(body.message).toContain('cluster "plain-b"');
    expect(body.details).toEqual([{ field: 'body/spec/placement', reason: expect.stringContaining('cluster "plain-b" lacks Capsule Tenant API') }]);
    expect(body.details[0]!.reason).toContain('[capsule.clastix.io/v1beta2/tenants]');
    expect((await h.call(ADMIN, 'GET', `/api/v1/tenants/${name}`)).statusCode).toBe(404);
  });

  it('the same through a label selector', async () => {
    const res = await h.call(ADMIN, 'POST', '/api/v1/tenants', { name: uniq('t'), spec: { placement: { clusterSelector: { matchLabels: { tier: 'gold' } } } } });
    expect(res.statusCode).toBe(422);
    expect(res.body).toContain('plain-b');
    expect(res.body).not.toContain('capsule-a"');
  });

  it('clusters with Capsule, or not discovered yet, are accepted (the reconciler waits for discovery)', async () => {
    const created = await adminCreate(h, '/api/v1/tenants', { name: uniq('t'), spec: { placement: { clusters: ['capsule-a', 'fresh-c'] } } });
    expect(created.finalizers).toEqual(['kubenova.io/cleanup']);
  });

  it('moving a tenant onto a cluster without Capsule is refused; unrelated updates of a tenant already there are not', async () => {
    const name = uniq('t');
    await adminCreate(h, '/api/v1/tenants', { name, spec: { placement: { clusters: ['capsule-a'] } } });
    const moved = await h.call(ADMIN, 'PUT', `/api/v1/tenants/${name}`, { spec: { placement: { clusters: ['capsule-a', 'plain-b'] } } });
    expect(moved.statusCode).toBe(422);

    // A cluster that loses Capsule after the tenant was placed there does not block other changes.
    const lost = uniq('c');
    await cluster(lost, WITH_CAPSULE);
    const other = uniq('t');
    await adminCreate(h, '/api/v1/tenants', { name: other, spec: { placement: { clusters: [lost] } } });
    await h.store.objects.updateStatus('Cluster', lost, { phase: 'Deployed', conditions: [], observedGeneration: 1, capabilities: WITHOUT_CAPSULE });
    const owners = await h.call(ADMIN, 'PUT', `/api/v1/tenants/${other}`, { spec: { placement: { clusters: [lost] }, owners: [{ kind: 'User', name: 'alice' }] } });
    expect(owners.statusCode).toBe(200);

    // But a new project there would land on it: refused.
    const project = await h.call(ADMIN, 'POST', `/api/v1/tenants/${other}/projects`, { name: uniq('p') });
    expect(project.statusCode).toBe(422);
    expect(project.body).toContain(`cluster \\"${lost}\\"`);
  });
});

describe('the plan view', () => {
  it('shows, per cluster, the objects KubeNova would apply, and why a cluster gets none', async () => {
    const name = uniq('t');
    await adminCreate(h, '/api/v1/tenants', { name, spec: { placement: { clusters: ['capsule-a', 'fresh-c'] }, quotas: { namespaces: 2, pods: 5 } } });
    const project = uniq('p');
    await adminCreate(h, `/api/v1/tenants/${name}/projects`, { name: project });

    const tenantPlan = await h.call(ADMIN, 'GET', `/api/v1/tenants/${name}/plan`);
    expect(tenantPlan.statusCode).toBe(200);
    const plan = json<{ clusters: Record<string, { outcome: string; objects?: { kind: string; spec?: Record<string, unknown> }[] }> }>(tenantPlan);
    expect(plan.clusters['fresh-c']).toEqual({ outcome: 'undiscovered' });
    expect(plan.clusters['capsule-a']!.outcome).toBe('planned');
    const tenant = plan.clusters['capsule-a']!.objects!.find((o) => o.kind === 'Tenant')!;
    expect(tenant.spec).toMatchObject({ namespaceOptions: { quota: 2 }, rules: [{ quota: [{ name: 'kubenova', hard: { pods: '5' } }] }] });

    const projectPlan = json<{ clusters: Record<string, { outcome: string; objects?: { kind: string; metadata: { name: string } }[] }> }>(
      await h.call(ADMIN, 'GET', `/api/v1/projects/${project}/plan`),
    );
    expect(projectPlan.clusters['capsule-a']!.objects!.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual([`Namespace/${project}`, 'NetworkPolicy/kubenova-network']);
  });

  it('is visible to the tenant\'s own callers, like the tenant', async () => {
    const name = uniq('t');
    await adminCreate(h, '/api/v1/tenants', { name, spec: { placement: { clusters: ['capsule-a'] } } });
    const mine = await h.call({ roles: ['read-only'], tenants: [name] }, 'GET', `/api/v1/tenants/${name}/plan`);
    expect(mine.statusCode).toBe(200);
    const other = await h.call({ roles: ['read-only'], tenants: ['someone-else'] }, 'GET', `/api/v1/tenants/${name}/plan`);
    expect(other.statusCode).toBe(404);
  });
});
