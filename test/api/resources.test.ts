// Resource behaviour through HTTP: the seed's paths and bodies, object shape and defaults,
// optimistic concurrency, pagination and label selectors, references and dependents.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kubeconfigB64 } from '../support/kubeconfig.js';
import { ADMIN, json, startHarness, type Harness } from './support/harness.js';
import { adminCreate, appBody, CALLERS, grantBody, seedWorld, uniq } from './support/world.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
  await seedWorld(h);
});
afterAll(() => h?.close());

type Obj = {
  name: string;
  tenant?: string;
  labels: Record<string, string>;
  spec: Record<string, unknown>;
  resourceVersion: string;
  generation: number;
  [k: string]: unknown;
};

describe('seed paths', () => {
  it('POST /api/v1/clusters takes the seed body {name, kubeconfig, labels}', async () => {
    const res = await h.call(ADMIN, 'POST', '/api/v1/clusters', { name: 'prod-a', kubeconfig: kubeconfigB64(), labels: { region: 'eu-west' } });
    expect(res.statusCode, res.body).toBe(201);
    const body = json<Obj>(res);
    expect(body).toMatchObject({
      kind: 'Cluster',
      name: 'prod-a',
      labels: { region: 'eu-west' },
      spec: {},
      status: { phase: 'Pending', conditions: [], observedGeneration: 0 },
      generation: 1,
      kubeconfig: { set: true, keyId: expect.any(String), updatedAt: expect.any(String) },
    });
    expect(res.headers.location).toBe('/api/v1/clusters/prod-a');
    expect(res.headers.etag).toBe(`"${body.resourceVersion}"`);
  });

  it('POST /api/v1/tenants, GET /api/v1/tenants/{name}', async () => {
    const created = await h.call(ADMIN, 'POST', '/api/v1/tenants', {
      name: 'initech',
      labels: { tier: 'gold' },
      spec: { owners: [{ kind: 'User', name: 'peter' }] },
    });
    expect(created.statusCode).toBe(201);
    const got = await h.call(ADMIN, 'GET', '/api/v1/tenants/initech');
    expect(got.statusCode).toBe(200);
    expect(json<Obj>(got)).toMatchObject({ kind: 'Tenant', name: 'initech', tenant: 'initech', labels: { tier: 'gold' } });
  });

  it('POST /api/v1/tenants/{name}/projects creates a project in that tenant; GET lists them', async () => {
    const created = await h.call(ADMIN, 'POST', '/api/v1/tenants/initech/projects', { name: 'initech-tps-reports', spec: { description: 'cover sheets' } });
    expect(created.statusCode, created.body).toBe(201);
    expect(json<Obj>(created)).toMatchObject({ kind: 'Project', tenant: 'initech', spec: { tenant: 'initech', description: 'cover sheets' } });
    const listed = json<{ items: Obj[] }>(await h.call(ADMIN, 'GET', '/api/v1/tenants/initech/projects'));
    expect(listed.items.map((p) => p.name)).toEqual(['initech-tps-reports']);
    const conflicting = await h.call(ADMIN, 'POST', '/api/v1/tenants/initech/projects', { name: uniq('p'), spec: { tenant: 'acme' } });
    expect(conflicting.statusCode).toBe(400);
  });

  it('POST /api/v1/apps, GET /api/v1/apps/{name}/rollout, POST /api/v1/apps/{name}:rollback', async () => {
    const created = await h.call(ADMIN, 'POST', '/api/v1/apps', appBody('initech-payroll', 'initech-tps-reports'));
    expect(created.statusCode, created.body).toBe(201);
    const rollout = await h.call(ADMIN, 'GET', '/api/v1/apps/initech-payroll/rollout');
    expect(rollout.statusCode).toBe(200);
    expect(json(rollout)).toMatchObject({ app: 'initech-payroll', phase: 'Pending', generation: 1, clusters: {} });
    for (const url of ['/api/v1/apps/initech-payroll:rollback', '/api/v1/apps/initech-payroll%3Arollback']) {
      const res = await h.call(ADMIN, 'POST', url, { reason: 'bad deploy' });
      expect(res.statusCode, url).toBe(409);
      expect(json(res).code).toBe('NO_ROLLBACK_TARGET');
    }
  });

  it('custom methods validate, authorize and find their target before answering NOT_IMPLEMENTED', async () => {
    expect((await h.call(ADMIN, 'POST', '/api/v1/apps/initech-payroll:rollback', { revision: 'v 1' })).statusCode).toBe(400);
    expect((await h.call(ADMIN, 'POST', '/api/v1/apps/initech-payroll:rollback', { force: true })).statusCode).toBe(400);
    expect((await h.call(ADMIN, 'POST', '/api/v1/apps/nothing-here:rollback', {})).statusCode).toBe(404);
    expect((await h.call(ADMIN, 'POST', '/api/v1/apps/initech-payroll:explode', {})).statusCode).toBe(404);
    expect((await h.call(ADMIN, 'POST', '/api/v1/apps/initech-payroll', {})).statusCode).toBe(404);
    expect((await h.call(ADMIN, 'POST', '/api/v1/tenants/initech:issue-kubeconfig', { cluster: 'c1', ttlSeconds: 60 })).statusCode).toBe(400);
    // initech has no placement: no cluster is available to it.
    expect((await h.call(ADMIN, 'POST', '/api/v1/tenants/initech:issue-kubeconfig', { cluster: 'c1' })).statusCode).toBe(422);
    expect((await h.call(ADMIN, 'POST', '/api/v1/tenants/acme:issue-kubeconfig', { cluster: 'c1', role: 'view', verbs: ['get'] })).statusCode).toBe(400);
    expect((await h.call(ADMIN, 'POST', '/api/v1/projects/acme-web:issue-kubeconfig', { cluster: 'c1', namespaces: ['acme-web'] })).statusCode).toBe(501);
    expect((await h.call(ADMIN, 'POST', '/api/v1/tenants/acme:issue-kubeconfig', { cluster: 'c1', namespaces: ['globex-web'] })).statusCode).toBe(422);
  });

  it('POST /api/v1/policysets', async () => {
    const res = await h.call(ADMIN, 'POST', '/api/v1/policysets', {
      name: 'baseline-eu',
      spec: {
        allowedRegistries: ['ghcr.io/acme', 'registry.local:5000'],
        podSecurity: 'restricted',
        network: { isolation: 'project', allowedEgressCIDRs: ['10.0.0.0/8', 'fd00::/8'] },
        defaultQuotas: { pods: 100, cpu: '20', memory: '64Gi' },
        defaultLimits: { default: { cpu: '500m', memory: '512Mi' }, max: { cpu: '4' } },
        allowedComponentTypes: ['webservice', 'worker'],
      },
    });
    expect(res.statusCode, res.body).toBe(201);
    const bad = await h.call(ADMIN, 'POST', '/api/v1/policysets', {
      name: uniq('ps'),
      spec: { network: { allowedIngressCIDRs: ['300.1.1.1/8', '10.0.0.0/99'] } },
    });
    expect(bad.statusCode).toBe(400);
    expect(json<{ details: { field: string }[] }>(bad).details.map((d) => d.field)).toEqual([
      'body/spec/network/allowedIngressCIDRs/0',
      'body/spec/network/allowedIngressCIDRs/1',
    ]);
  });
});

describe('objects', () => {
  it('fill omitted spec fields with their documented defaults', async () => {
    const t = json<Obj>(await h.call(ADMIN, 'GET', '/api/v1/tenants/initech'));
    expect(t.spec).toEqual({
      owners: [{ kind: 'User', name: 'peter' }],
      quotas: {},
      namespaceOptions: { labels: {}, annotations: {}, forbiddenLabels: [] },
      networkIsolation: 'tenant',
      allowedRegistries: [],
      allowedClasses: { storage: [], ingress: [], priority: [] },
      policySets: [],
      placement: {},
      driftPolicy: 'repair',
    });
    const app = json<Obj>(await h.call(ADMIN, 'GET', '/api/v1/apps/initech-payroll'));
    expect(app.spec).toMatchObject({ policies: [], driftPolicy: 'repair', components: [{ traits: [], properties: { image: 'nginx:1.27', port: 80 } }] });
  });

  it('keep free-form component properties exactly as sent', async () => {
    const properties = { image: 'x', env: [{ name: 'A', value: '1' }], nested: { deep: { list: [1, 'two', null, true] } }, 'odd key/with.chars': 1 };
    const body = appBody(uniq('acme-a'), 'acme-web');
    body.spec.components[0]!.properties = properties as never;
    const created = json<Obj>(await h.call(ADMIN, 'POST', '/api/v1/apps', body));
    expect((created.spec.components as { properties: unknown }[])[0]!.properties).toEqual(properties);
  });

  it('PUT replaces spec and labels; generation moves only with the spec', async () => {
    const name = uniq('acme-a');
    const created = await adminCreate(h, '/api/v1/apps', appBody(name, 'acme-web', { tier: 'web' }));
    const relabeled = json<Obj>(await h.call(ADMIN, 'PUT', `/api/v1/apps/${name}`, { labels: { tier: 'db' }, spec: created.spec }));
    expect(relabeled.generation).toBe(1);
    expect(relabeled.labels).toEqual({ tier: 'db', 'kubenova.io/project': 'acme-web' });
    const respec = json<Obj>(await h.call(ADMIN, 'PUT', `/api/v1/apps/${name}`, { spec: { ...(created.spec as object), driftPolicy: 'detect' } }));
    expect(respec.generation).toBe(2);
    expect(respec.labels).toEqual({ 'kubenova.io/project': 'acme-web' });
  });

  it('refuse changes to immutable fields and renames', async () => {
    const name = uniq('acme-a');
    const created = await adminCreate(h, '/api/v1/apps', appBody(name, 'acme-web'));
    const moved = await h.call(ADMIN, 'PUT', `/api/v1/apps/${name}`, { spec: { ...(created.spec as object), project: 'globex-web' } });
    expect(moved.statusCode).toBe(400);
    expect(json(moved).details).toEqual([{ field: 'body/spec/project', reason: 'cannot be changed after creation' }]);
    const renamed = await h.call(ADMIN, 'PUT', `/api/v1/apps/${name}`, { name: 'other', spec: created.spec });
    expect(renamed.statusCode).toBe(400);
  });

  it("system labels are KubeNova's: clients may repeat them, not set them", async () => {
    const ok = await h.call(ADMIN, 'POST', '/api/v1/apps', appBody(uniq('acme-a'), 'acme-web', { 'kubenova.io/project': 'acme-web' }));
    expect(ok.statusCode).toBe(201);
    const forged = await h.call(ADMIN, 'POST', '/api/v1/apps', appBody(uniq('acme-a'), 'acme-web', { 'kubenova.io/project': 'globex-web' }));
    expect(forged.statusCode).toBe(400);
    const invented = await h.call(ADMIN, 'POST', '/api/v1/tenants', { name: uniq('t'), labels: { 'kubenova.io/owner': 'me' } });
    expect(invented.statusCode).toBe(400);
  });

  it('names are unique per kind', async () => {
    const res = await h.call(ADMIN, 'POST', '/api/v1/tenants', { name: 'acme' });
    expect(res.statusCode).toBe(409);
    expect(json(res).code).toBe('ALREADY_EXISTS');
  });

  it('app references: unknown project and cluster outside the placement are 422; duplicates are 400', async () => {
    expect((await h.call(ADMIN, 'POST', '/api/v1/apps', appBody(uniq('acme-a'), 'no-such-project'))).statusCode).toBe(422);
    const onC2 = appBody(uniq('acme-a'), 'acme-web');
    (onC2.spec as Record<string, unknown>).clusters = ['c2'];
    expect((await h.call(ADMIN, 'POST', '/api/v1/apps', onC2)).statusCode).toBe(422);
    (onC2.spec as Record<string, unknown>).clusters = ['c1'];
    expect((await h.call(ADMIN, 'POST', '/api/v1/apps', onC2)).statusCode).toBe(201);
    const dup = appBody(uniq('acme-a'), 'acme-web');
    dup.spec.components.push({ ...dup.spec.components[0]! });
    const res = await h.call(ADMIN, 'POST', '/api/v1/apps', dup);
    expect(res.statusCode).toBe(400);
    expect(json(res).details).toEqual([{ field: 'body/spec/components/1/name', reason: 'duplicate name "web"' }]);
  });

  it('tenants must name existing policy sets', async () => {
    const res = await h.call(ADMIN, 'POST', '/api/v1/tenants', { name: uniq('t'), spec: { policySets: ['nope'] } });
    expect(res.statusCode).toBe(422);
    expect(json(res).details).toEqual([{ field: 'body/spec/policySets/0', reason: 'PolicySet "nope" not found' }]);
  });

  it('grants need exactly one of role and verbs, and a project grant covers only its project', async () => {
    const base = grantBody(uniq('acme-g'), 'acme', 'acme-web');
    const both = await h.call(ADMIN, 'POST', '/api/v1/kubeconfiggrants', { ...base, spec: { ...base.spec, verbs: ['get'] } });
    expect(both.statusCode).toBe(400);
    const { role: _role, ...noAccess } = base.spec;
    expect((await h.call(ADMIN, 'POST', '/api/v1/kubeconfiggrants', { ...base, spec: noAccess })).statusCode).toBe(400);
    const wider = await h.call(ADMIN, 'POST', '/api/v1/kubeconfiggrants', { ...base, spec: { ...base.spec, namespaces: ['other'] } });
    expect(wider.statusCode).toBe(400);
    const short = await h.call(ADMIN, 'POST', '/api/v1/kubeconfiggrants', { ...base, spec: { ...base.spec, ttlSeconds: 599 } });
    expect(short.statusCode).toBe(400);
  });

  it('grants are fixed once created; only labels change', async () => {
    const g = await adminCreate(h, '/api/v1/kubeconfiggrants', grantBody(uniq('acme-g'), 'acme', 'acme-web'));
    const res = await h.call(ADMIN, 'PUT', `/api/v1/kubeconfiggrants/${g.name as string}`, { spec: { ...(g.spec as object), role: 'admin' } });
    expect(res.statusCode).toBe(400);
    const relabel = await h.call(ADMIN, 'PUT', `/api/v1/kubeconfiggrants/${g.name as string}`, { labels: { purpose: 'ci' }, spec: g.spec });
    expect(relabel.statusCode).toBe(200);
  });
});

describe('deletion', () => {
  it('refuses while dependents exist (HAS_DEPENDENTS), then succeeds', async () => {
    const tenant = uniq('t');
    await adminCreate(h, '/api/v1/tenants', { name: tenant, spec: { placement: { clusters: ['c1'] } } });
    const project = `${tenant}-p`;
    await adminCreate(h, `/api/v1/tenants/${tenant}/projects`, { name: project });
    const app = `${tenant}-a`;
    await adminCreate(h, '/api/v1/apps', appBody(app, project));
    const grant = `${tenant}-g`;
    await adminCreate(h, '/api/v1/kubeconfiggrants', grantBody(grant, tenant, project));

    for (const url of [`/api/v1/tenants/${tenant}`, `/api/v1/projects/${project}`]) {
      const res = await h.call(ADMIN, 'DELETE', url);
      expect(res.statusCode, url).toBe(409);
      expect(json(res).code).toBe('HAS_DEPENDENTS');
    }
    // Apps carry the cleanup finalizer too: marked (202), gone once their reconciler removed
    // what they projected (here, with no reconciler running, the finalizer is removed by hand).
    expect((await h.call(ADMIN, 'DELETE', `/api/v1/apps/${app}`)).statusCode).toBe(202);
    expect((await h.call(ADMIN, 'DELETE', `/api/v1/projects/${project}`)).statusCode).toBe(409);
    await h.store.objects.update('App', app, { finalizers: [] });
    expect(await h.store.objects.get('App', app)).toBeUndefined();
    // Grants too: their reconciler revokes the access on the cluster before the record goes.
    expect((await h.call(ADMIN, 'DELETE', `/api/v1/kubeconfiggrants/${grant}`)).statusCode).toBe(202);
    await h.store.objects.update('KubeconfigGrant', grant, { finalizers: [] });
    expect(await h.store.objects.get('KubeconfigGrant', grant)).toBeUndefined();
    // Projects and tenants carry the cleanup finalizer: DELETE marks them (202) and their
    // reconcilers remove the finalizer once what they projected into clusters is gone. A project
    // being deleted no longer blocks its tenant (whose reconciler waits for it).
    for (const url of [`/api/v1/projects/${project}`, `/api/v1/tenants/${tenant}`]) {
      const res = await h.call(ADMIN, 'DELETE', url);
      expect(res.statusCode, url).toBe(202);
      expect(json(res)).toMatchObject({ deletionTimestamp: expect.any(String), finalizers: ['kubenova.io/cleanup'] });
    }
    // What the reconcilers do at the end (no clusters in this test):
    await h.store.objects.update('Project', project, { finalizers: [] });
    await h.store.objects.update('Tenant', tenant, { finalizers: [] });
    expect((await h.call(ADMIN, 'GET', `/api/v1/tenants/${tenant}`)).statusCode).toBe(404);
    expect((await h.call(ADMIN, 'DELETE', `/api/v1/tenants/${tenant}`)).statusCode).toBe(404);
  });

  it('an attached policy set cannot be deleted', async () => {
    const res = await h.call(ADMIN, 'DELETE', '/api/v1/policysets/ps-acme');
    expect(res.statusCode).toBe(409);
    expect(json(res).message).toContain('acme');
  });

  it('an object with finalizers is marked (202) and stays until they are gone', async () => {
    const name = uniq('acme-a');
    await adminCreate(h, '/api/v1/apps', appBody(name, 'acme-web'));
    await h.store.objects.update('App', name, { finalizers: ['kubenova.io/vela'] });
    const res = await h.call(ADMIN, 'DELETE', `/api/v1/apps/${name}`);
    expect(res.statusCode).toBe(202);
    expect(json(res)).toMatchObject({ name, deletionTimestamp: expect.any(String), finalizers: ['kubenova.io/vela'] });
    expect((await h.call(ADMIN, 'GET', `/api/v1/apps/${name}`)).statusCode).toBe(200);
  });
});

describe('optimistic concurrency', () => {
  it('PUT with a stale If-Match is a 409 CONFLICT; with the current one it succeeds', async () => {
    const name = uniq('acme-a');
    const created = await h.call(ADMIN, 'POST', '/api/v1/apps', appBody(name, 'acme-web'));
    const etag = created.headers.etag as string;
    const spec = json<Obj>(created).spec;
    const first = await h.call(ADMIN, 'PUT', `/api/v1/apps/${name}`, { labels: { v: '1' }, spec }, { 'if-match': etag });
    expect(first.statusCode).toBe(200);
    expect(first.headers.etag).not.toBe(etag);
    const stale = await h.call(ADMIN, 'PUT', `/api/v1/apps/${name}`, { labels: { v: '2' }, spec }, { 'if-match': etag });
    expect(stale.statusCode).toBe(409);
    expect(json(stale).code).toBe('CONFLICT');
    const viaBody = await h.call(ADMIN, 'PUT', `/api/v1/apps/${name}`, { labels: { v: '2' }, spec, resourceVersion: json<Obj>(created).resourceVersion });
    expect(viaBody.statusCode).toBe(409);
    const current = await h.call(ADMIN, 'PUT', `/api/v1/apps/${name}`, { labels: { v: '3' }, spec, resourceVersion: json<Obj>(first).resourceVersion });
    expect(current.statusCode).toBe(200);
    const any = await h.call(ADMIN, 'PUT', `/api/v1/apps/${name}`, { labels: { v: '4' }, spec }, { 'if-match': '*' });
    expect(any.statusCode).toBe(200);
    const disagree = await h.call(ADMIN, 'PUT', `/api/v1/apps/${name}`, { spec, resourceVersion: '1' }, { 'if-match': '"2"' });
    expect(disagree.statusCode).toBe(400);
    const staleDelete = await h.call(ADMIN, 'DELETE', `/api/v1/apps/${name}`, undefined, { 'if-match': etag });
    expect(staleDelete.statusCode).toBe(409);
    const fresh = await h.call(ADMIN, 'GET', `/api/v1/apps/${name}`);
    expect((await h.call(ADMIN, 'DELETE', `/api/v1/apps/${name}`, undefined, { 'if-match': fresh.headers.etag as string })).statusCode).toBe(202);
  });
});

describe('lists', () => {
  const project = 'acme-paged';
  beforeAll(async () => {
    await adminCreate(h, '/api/v1/tenants/acme/projects', { name: project });
    for (let i = 0; i < 7; i++) await adminCreate(h, '/api/v1/apps', appBody(`acme-paged-${i}`, project, { tier: i % 2 === 0 ? 'web' : 'db' }));
  });

  async function all(url: string, limit: number, caller = ADMIN): Promise<string[]> {
    const names: string[] = [];
    let cursor: string | undefined;
    do {
      const sep = url.includes('?') ? '&' : '?';
      const res = await h.call(caller, 'GET', `${url}${sep}limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      expect(res.statusCode, res.body).toBe(200);
      const page = json<{ items: Obj[]; nextCursor?: string }>(res);
      expect(page.items.length).toBeLessThanOrEqual(limit);
      names.push(...page.items.map((i) => i.name));
      cursor = page.nextCursor;
    } while (cursor);
    return names;
  }

  it('page with limit and cursor, in name order, each object once', async () => {
    const names = await all(`/api/v1/projects/${project}/apps`, 3);
    expect(names).toEqual(['acme-paged-0', 'acme-paged-1', 'acme-paged-2', 'acme-paged-3', 'acme-paged-4', 'acme-paged-5', 'acme-paged-6']);
  });

  it('filter by label selector, also across pages', async () => {
    expect(await all(`/api/v1/projects/${project}/apps?labelSelector=tier%3Dweb`, 2)).toEqual(['acme-paged-0', 'acme-paged-2', 'acme-paged-4', 'acme-paged-6']);
    expect(await all(`/api/v1/apps?labelSelector=${encodeURIComponent(`kubenova.io/project=${project},tier in (db)`)}`, 2)).toEqual([
      'acme-paged-1',
      'acme-paged-3',
      'acme-paged-5',
    ]);
    expect(await all(`/api/v1/apps?labelSelector=${encodeURIComponent(`kubenova.io/project=${project},!tier`)}`, 5)).toEqual([]);
  });

  it('filter by phase and by a part of the name, across pages; count over all pages when asked', async () => {
    for (const [i, phase] of [
      [1, 'Error'],
      [4, 'Drifted'],
    ] as const) {
      await h.store.objects.updateStatus('App', `acme-paged-${i}`, { phase, conditions: [], observedGeneration: 1 });
    }
    expect(await all(`/api/v1/projects/${project}/apps?phase=Error,Drifted`, 1)).toEqual(['acme-paged-1', 'acme-paged-4']);
    expect(await all(`/api/v1/tenants/acme/apps?nameContains=paged-5`, 1)).toEqual(['acme-paged-5']);
    expect(await all(`/api/v1/apps?nameContains=paged&phase=Pending&labelSelector=tier%3Dweb`, 2)).toEqual(['acme-paged-0', 'acme-paged-2', 'acme-paged-6']);
    const first = json<{ items: Obj[]; nextCursor: string; total: number }>(
      await h.call(ADMIN, 'GET', `/api/v1/projects/${project}/apps?limit=2&count=true&phase=Pending`),
    );
    expect(first.items.map((i) => i.name)).toEqual(['acme-paged-0', 'acme-paged-2']);
    expect(first.total).toBe(5);
    const second = json<{ total: number }>(
      await h.call(ADMIN, 'GET', `/api/v1/projects/${project}/apps?limit=2&count=true&phase=Pending&cursor=${encodeURIComponent(first.nextCursor)}`),
    );
    expect(second.total).toBe(5);
    expect(json<{ total?: number }>(await h.call(ADMIN, 'GET', `/api/v1/projects/${project}/apps?limit=2`)).total).toBeUndefined();
  });

  it('a tenant reader pages through exactly the policy sets attached to its tenants', async () => {
    const attached = ['pa-1', 'pa-2', 'pa-3'];
    for (const n of [...attached, 'pa-unattached']) await adminCreate(h, '/api/v1/policysets', { name: n, labels: { set: 'pa' }, spec: {} });
    const acme = json<Obj>(await h.call(ADMIN, 'GET', '/api/v1/tenants/acme'));
    const put = await h.call(ADMIN, 'PUT', '/api/v1/tenants/acme', { labels: acme.labels, spec: { ...acme.spec, policySets: ['ps-acme', ...attached] } });
    expect(put.statusCode, put.body).toBe(200);
    const reader = CALLERS['tenant-reader'];
    expect(await all('/api/v1/policysets', 2, reader)).toEqual([...attached, 'ps-acme']);
    expect(await all('/api/v1/policysets?labelSelector=set%3Dpa', 1, reader)).toEqual(attached);
    expect(await all('/api/v1/policysets?nameContains=pa-', 1, reader)).toEqual(attached);
    // Counted as listed, whatever the page.
    const page = json<{ items: Obj[]; nextCursor: string; total: number }>(await h.call(reader, 'GET', '/api/v1/policysets?limit=1&count=true'));
    expect(page.total).toBe(4);
    const next = json<{ total: number }>(await h.call(reader, 'GET', `/api/v1/policysets?limit=1&count=true&cursor=${encodeURIComponent(page.nextCursor)}`));
    expect(next.total).toBe(4);
    expect((await h.call(reader, 'GET', '/api/v1/policysets/pa-unattached')).statusCode).toBe(404);
  });
});
