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
    await h.store.objects.updateStatus('Cluster', name, {
      phase: 'Deployed',
      conditions: [],
      observedGeneration: 1,
      capabilities: { observedAt: '2026-01-01T00:00:00Z', ...capabilities },
    });
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
    const res = await h.call(ADMIN, 'POST', '/api/v1/tenants', {
      name: uniq('t'),
      spec: { placement: { clusterSelector: { matchLabels: { tier: 'gold' } } } },
    });
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
    const owners = await h.call(ADMIN, 'PUT', `/api/v1/tenants/${other}`, {
      spec: { placement: { clusters: [lost] }, owners: [{ kind: 'User', name: 'alice' }] },
    });
    expect(owners.statusCode).toBe(200);

    // But a new project there would land on it: refused.
    const project = await h.call(ADMIN, 'POST', `/api/v1/tenants/${other}/projects`, { name: `${other}-p` });
    expect(project.statusCode).toBe(422);
    expect(project.body).toContain(`cluster \\"${lost}\\"`);
  });
});

describe('the plan view', () => {
  it('shows, per cluster, the objects KubeNova would apply, and why a cluster gets none', async () => {
    const name = uniq('t');
    await adminCreate(h, '/api/v1/tenants', { name, spec: { placement: { clusters: ['capsule-a', 'fresh-c'] }, quotas: { namespaces: 2, pods: 5 } } });
    const project = `${name}-p`;
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
    expect(projectPlan.clusters['capsule-a']!.objects!.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual([
      `Namespace/${project}`,
      'NetworkPolicy/kubenova-network',
      // The identity the project's apps run as.
      `ServiceAccount/apps-${project}`,
      'RoleBinding/kubenova-apps',
    ]);
  });

  it("is visible to the tenant's own callers, like the tenant", async () => {
    const name = uniq('t');
    await adminCreate(h, '/api/v1/tenants', { name, spec: { placement: { clusters: ['capsule-a'] } } });
    const mine = await h.call({ roles: ['read-only'], tenants: [name] }, 'GET', `/api/v1/tenants/${name}/plan`);
    expect(mine.statusCode).toBe(200);
    const other = await h.call({ roles: ['read-only'], tenants: ['someone-else'] }, 'GET', `/api/v1/tenants/${name}/plan`);
    expect(other.statusCode).toBe(404);
  });
});

describe('reserved namespace metadata (namespaceOptions labels and annotations)', () => {
  type ErrorBody = { code: string; message: string; details: { field: string; reason: string }[] };
  const NODE_SELECTOR = 'scheduler.alpha.kubernetes.io/node-selector';
  const put = (caller: Parameters<Harness['call']>[0], name: string, namespaceOptions: object) =>
    h.call(caller, 'PUT', `/api/v1/tenants/${name}`, { spec: { placement: { clusters: ['capsule-a'] }, namespaceOptions } });
  const tenantAdmin = (name: string) => ({ roles: ['tenant-admin' as const], tenants: [name], subject: 'alice' });

  it("a tenant admin cannot label its namespaces as another tenant's: 422 naming each key, never the value, and nothing stored", async () => {
    const name = uniq('t');
    await adminCreate(h, '/api/v1/tenants', { name, spec: { placement: { clusters: ['capsule-a'] } } });
    const res = await put(tenantAdmin(name), name, {
      labels: { 'capsule.clastix.io/tenant': 'victim-b', 'kubenova.io/tenant': 'victim-b', team: 'blue' },
      annotations: { 'projectcapsule.dev/owner': 'victim-b' },
    });
    expect(res.statusCode, res.body).toBe(422);
    const body = json<ErrorBody>(res);
    expect(body.code).toBe('UNPROCESSABLE');
    expect(body.details.map((d) => d.field)).toEqual([
      'body/spec/namespaceOptions/labels/capsule.clastix.io~1tenant',
      'body/spec/namespaceOptions/labels/kubenova.io~1tenant',
      'body/spec/namespaceOptions/annotations/projectcapsule.dev~1owner',
    ]);
    expect(body.details[0]!.reason).toContain('"capsule.clastix.io/tenant"');
    expect(res.body).not.toContain('victim-b');
    const stored = json<{ spec: { namespaceOptions: { labels: object } } }>(await h.call(ADMIN, 'GET', `/api/v1/tenants/${name}`));
    expect(stored.spec.namespaceOptions.labels).toEqual({});
  });

  it('no one sets tenant-identity keys, platform admins included, on create or update', async () => {
    const name = uniq('t');
    const created = await h.call(ADMIN, 'POST', '/api/v1/tenants', { name, spec: { namespaceOptions: { labels: { 'capsule.clastix.io/tenant': 'other' } } } });
    expect(created.statusCode).toBe(422);
    expect(json<ErrorBody>(created).details[0]!.field).toBe('body/spec/namespaceOptions/labels/capsule.clastix.io~1tenant');
    await adminCreate(h, '/api/v1/tenants', { name, spec: { placement: { clusters: ['capsule-a'] } } });
    expect((await put(ADMIN, name, { labels: { 'kubenova.io/project': 'x' } })).statusCode).toBe(422);
    expect((await put(ADMIN, name, { annotations: { 'app.kubernetes.io/managed-by': 'kubenova' } })).statusCode).toBe(422);
  });

  it('scheduling and pod security keys: a platform admin sets them; a tenant admin keeps them as they are but cannot add, change or remove them', async () => {
    const name = uniq('t');
    await adminCreate(h, '/api/v1/tenants', { name, spec: { placement: { clusters: ['capsule-a'] } } });
    const mine = tenantAdmin(name);
    const added = await put(mine, name, { annotations: { [NODE_SELECTOR]: 'pool=shared' } });
    expect(added.statusCode).toBe(422);
    expect(json<ErrorBody>(added).details).toEqual([
      { field: 'body/spec/namespaceOptions/annotations/scheduler.alpha.kubernetes.io~1node-selector', reason: expect.stringContaining(NODE_SELECTOR) },
    ]);
    expect(added.body).not.toContain('pool=shared');
    expect((await put(mine, name, { labels: { 'pod-security.kubernetes.io/enforce': 'privileged' } })).statusCode).toBe(422);
    expect((await put(mine, name, { annotations: { 'openshift.io/node-selector': 'x=y' } })).statusCode).toBe(422);

    expect((await put(ADMIN, name, { annotations: { [NODE_SELECTOR]: 'pool=acme' } })).statusCode).toBe(200);
    // The tenant admin's round trip keeps it, and may change its own keys beside it.
    expect(
      (
        await put(mine, name, {
          annotations: { [NODE_SELECTOR]: 'pool=acme', 'example.com/owner': 'ops' },
          labels: { team: 'blue', 'app.kubernetes.io/part-of': 'shop' },
        })
      ).statusCode,
    ).toBe(200);
    expect((await put(mine, name, { annotations: { [NODE_SELECTOR]: 'pool=other' } })).statusCode).toBe(422);
    expect((await put(mine, name, { annotations: {} })).statusCode).toBe(422);
    const stored = json<{ spec: { namespaceOptions: { annotations: object } } }>(await h.call(ADMIN, 'GET', `/api/v1/tenants/${name}`));
    expect(stored.spec.namespaceOptions.annotations).toEqual({ [NODE_SELECTOR]: 'pool=acme', 'example.com/owner': 'ops' });
  });
});

describe('the tenant prefix rule (names of projects, apps and grants)', () => {
  type ErrorBody = { code: string; message: string; details: { field: string; reason: string }[] };
  const appOf = (name: string, project: string) => ({ name, spec: { project, components: [{ name: 'web', type: 'webservice' }] } });

  it("a project or app without its tenant's prefix is a 422 naming the rule, for platform and tenant admins alike", async () => {
    const name = uniq('t');
    await adminCreate(h, '/api/v1/tenants', { name, spec: { placement: { clusters: ['fresh-c'] } } });
    const mine = { roles: ['tenant-admin' as const], tenants: [name] };
    for (const caller of [ADMIN, mine]) {
      const res = await h.call(caller, 'POST', `/api/v1/tenants/${name}/projects`, { name: 'web' });
      expect(res.statusCode).toBe(422);
      expect(json<ErrorBody>(res)).toMatchObject({ code: 'UNPROCESSABLE', details: [{ field: 'body/name', reason: `must start with "${name}-"` }] });
    }
    const project = `${name}-web`;
    expect((await h.call(mine, 'POST', `/api/v1/tenants/${name}/projects`, { name: project })).statusCode).toBe(201);
    const app = await h.call(mine, 'POST', '/api/v1/apps', appOf('shop', project));
    expect(app.statusCode).toBe(422);
    expect(json<ErrorBody>(app).details).toEqual([{ field: 'body/name', reason: `must start with "${name}-"` }]);
    expect((await h.call(mine, 'POST', '/api/v1/apps', appOf(`${name}-shop`, project))).statusCode).toBe(201);
  });

  it("another tenant's names can be neither probed nor squatted: the same 422 whether the name exists or not, never a 409", async () => {
    const a = uniq('t');
    const b = uniq('t');
    for (const t of [a, b]) await adminCreate(h, '/api/v1/tenants', { name: t, spec: { placement: { clusters: ['fresh-c'] } } });
    await adminCreate(h, `/api/v1/tenants/${a}/projects`, { name: `${a}-web` });
    await adminCreate(h, `/api/v1/tenants/${b}/projects`, { name: `${b}-web` });
    await adminCreate(h, '/api/v1/apps', appOf(`${b}-app`, `${b}-web`));
    const adminOfA = { roles: ['tenant-admin' as const], tenants: [a] };
    const taken = await h.call(adminOfA, 'POST', '/api/v1/apps', appOf(`${b}-app`, `${a}-web`));
    const free = await h.call(adminOfA, 'POST', '/api/v1/apps', appOf(`${b}-free`, `${a}-web`));
    expect(taken.statusCode, taken.body).toBe(422);
    expect(json<ErrorBody>(taken).details).toEqual(json<ErrorBody>(free).details);
    const project = await h.call(adminOfA, 'POST', `/api/v1/tenants/${a}/projects`, { name: `${b}-web` });
    expect(project.statusCode).toBe(422);
    expect(json<ErrorBody>(project).details).toEqual([{ field: 'body/name', reason: `must start with "${a}-"` }]);
    const grant = (name: string) => ({ name, spec: { tenant: a, cluster: 'fresh-c', subject: 'bob', ttlSeconds: 3600, role: 'view' } });
    const squat = await h.call(adminOfA, 'POST', '/api/v1/kubeconfiggrants', grant(`${b}-grant`));
    expect(squat.statusCode, squat.body).toBe(422);
    expect(json<ErrorBody>(squat).details).toEqual([{ field: 'body/name', reason: `must start with "${a}-"` }]);
    expect((await h.call(adminOfA, 'POST', '/api/v1/kubeconfiggrants', grant(`${a}-grant`))).statusCode).toBe(201);
    // A 409 is only ever about the caller's own object.
    const again = await h.call(adminOfA, 'POST', `/api/v1/tenants/${a}/projects`, { name: `${a}-web` });
    expect(again.statusCode).toBe(409);
  });

  it("no tenant is named like another's prefixed objects (one's name plus a dash and more), either way round", async () => {
    const base = uniq('t');
    await adminCreate(h, '/api/v1/tenants', { name: base });
    const longer = await h.call(ADMIN, 'POST', '/api/v1/tenants', { name: `${base}-labs` });
    expect(longer.statusCode).toBe(422);
    expect(json<ErrorBody>(longer).details).toEqual([{ field: 'body/name', reason: expect.stringContaining(`overlaps tenant "${base}"`) }]);
    const shorter = await h.call(ADMIN, 'POST', '/api/v1/tenants', { name: base.slice(0, base.lastIndexOf('-')) });
    expect(shorter.statusCode).toBe(422);
    expect((await h.call(ADMIN, 'POST', '/api/v1/tenants', { name: `${base}labs` })).statusCode).toBe(201);
  });

  it('turned off (KUBENOVA_FORCE_TENANT_PREFIX=false), any name goes', async () => {
    const off = await startHarness({ store: h.store, forceTenantPrefix: false });
    try {
      const name = uniq('t');
      await adminCreate(off, '/api/v1/tenants', { name });
      await adminCreate(off, '/api/v1/tenants', { name: `${name}-labs` });
      await adminCreate(off, `/api/v1/tenants/${name}/projects`, { name: uniq('p') });
    } finally {
      await off.close();
    }
  });
});
