// Definitions at the API on the real store: platform admins write them, readers read them,
// tenants never see them; bad templates and misplaced fields are 400, unknown clusters and
// clusters without KubeVela 422; `GET /clusters/{name}/definitions` shows what discovery found
// and which KubeNova Definitions are placed there.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_TEMPLATE_BYTES } from '../../src/domain/kinds/definition.js';
import { ADMIN, json, startHarness, type Harness } from './support/harness.js';
import { CALLERS, seedWorld, uniq } from './support/world.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
  await seedWorld(h);
  // What discovery reports for c1 (KubeVela) and c2 (no KubeVela).
  const vela = {
    resources: { 'core.oam.dev/v1beta1': ['componentdefinitions', 'traitdefinitions'] },
    kubevela: {
      apiVersions: ['v1beta1'],
      workflowRun: false,
      definitions: { components: ['webservice'], traits: ['scaler'], policies: ['topology'], workflowSteps: ['deploy'] },
    },
    observedAt: '2026-01-01T00:00:00.000Z',
  };
  for (const [cluster, capabilities] of [
    ['c1', vela],
    ['c2', { resources: { v1: ['namespaces'] }, observedAt: '2026-01-01T00:00:00.000Z' }],
  ] as const) {
    const c = (await h.store.objects.get('Cluster', cluster))!;
    await h.store.objects.updateStatus('Cluster', cluster, { ...c.status, capabilities });
  }
});
afterAll(() => h?.close());

const TEMPLATE = 'output: {apiVersion: "apps/v1", kind: "Deployment"}\nparameter: {image: string}\n';
const component = (name: string, spec: Record<string, unknown> = {}) => ({ name, spec: { type: 'component', template: TEMPLATE, ...spec } });

describe('Definition writes', () => {
  it('platform admins create one; it is stored with defaults and the cleanup finalizer', async () => {
    const name = uniq('def');
    const res = await h.call(
      ADMIN,
      'POST',
      '/api/v1/definitions',
      component(name, { clusters: ['c1'], workload: { apiVersion: 'apps/v1', kind: 'Deployment' }, description: 'd' }),
    );
    expect(res.statusCode, res.body).toBe(201);
    expect(json(res)).toMatchObject({ kind: 'Definition', spec: { type: 'component', clusters: ['c1'] }, finalizers: ['kubenova.io/cleanup'] });
    expect(json(res).tenant).toBeUndefined();
  });

  it('only platform admins write; platform readers read; tenant callers see none', async () => {
    const name = uniq('def');
    expect((await h.call(ADMIN, 'POST', '/api/v1/definitions', component(name))).statusCode).toBe(201);
    for (const who of ['tenant-admin', 'tenant-dev', 'tenant-reader', 'platform-reader'] as const) {
      expect((await h.call(CALLERS[who], 'POST', '/api/v1/definitions', component(uniq('x')))).statusCode, who).toBe(403);
      expect((await h.call(CALLERS[who], 'DELETE', `/api/v1/definitions/${name}`)).statusCode, who).toBe(403);
    }
    expect((await h.call(CALLERS['platform-reader'], 'GET', `/api/v1/definitions/${name}`)).statusCode).toBe(200);
    expect((await h.call(CALLERS['tenant-admin'], 'GET', `/api/v1/definitions/${name}`)).statusCode).toBe(403);
    expect((await h.call(CALLERS['tenant-admin'], 'GET', '/api/v1/clusters/c1/definitions')).statusCode).toBe(403);
  });

  it.each([
    ['an empty template', component('e', { template: '' }), 'body/spec/template'],
    ['a blank template', component('b', { template: ' \n\t' }), 'body/spec/template'],
    ['a template over the size limit', component('big', { template: 'x'.repeat(MAX_TEMPLATE_BYTES + 1) }), 'body/spec/template'],
    ['a template over the size limit in bytes', component('big2', { template: 'é'.repeat(MAX_TEMPLATE_BYTES / 2 + 1) }), 'body/spec/template'],
    ['no template', { name: 'n', spec: { type: 'component' } }, 'body/spec/template'],
    ['an unknown type', component('u', { type: 'policy' }), 'body/spec/type'],
    [
      'a workload on a trait',
      { name: 't', spec: { type: 'trait', template: TEMPLATE, workload: { apiVersion: 'apps/v1', kind: 'Deployment' } } },
      'body/spec/workload',
    ],
    ['appliesToWorkloads on a component', component('a', { appliesToWorkloads: ['deployments.apps'] }), 'body/spec/appliesToWorkloads'],
    ['a malformed workload kind', component('k', { workload: { apiVersion: 'apps/v1', kind: 'deployment' } }), 'body/spec/workload/kind'],
    ['an unknown field', component('f', { schematic: {} }), 'body/spec/schematic'],
  ])('%s is a 400 naming the field', async (_what, body, field) => {
    const res = await h.call(ADMIN, 'POST', '/api/v1/definitions', { ...body, name: uniq(body.name) });
    expect(res.statusCode, res.body).toBe(400);
    expect(json<{ details: { field: string }[] }>(res).details.map((d) => d.field)).toContain(field);
  });

  it('an unregistered cluster, or one without KubeVela definitions, is a 422 naming it', async () => {
    const missing = await h.call(ADMIN, 'POST', '/api/v1/definitions', component(uniq('d'), { clusters: ['nowhere'] }));
    expect(missing.statusCode).toBe(422);
    expect(json(missing)).toMatchObject({ code: 'UNPROCESSABLE', details: [{ field: 'body/spec/clusters/0' }] });
    const bare = await h.call(ADMIN, 'POST', '/api/v1/definitions', component(uniq('d'), { clusters: ['c1', 'c2'] }));
    expect(bare.statusCode).toBe(422);
    expect(json<{ message: string; details: { field: string }[] }>(bare)).toMatchObject({ details: [{ field: 'body/spec/clusters/1' }] });
    expect(json<{ message: string }>(bare).message).toMatch(
      /cluster "c2" lacks KubeVela ComponentDefinitions \[core\.oam\.dev\/v1beta1\/componentdefinitions\]/,
    );
  });

  it('the type cannot change after creation', async () => {
    const name = uniq('def');
    expect((await h.call(ADMIN, 'POST', '/api/v1/definitions', component(name))).statusCode).toBe(201);
    const res = await h.call(ADMIN, 'PUT', `/api/v1/definitions/${name}`, { spec: { type: 'trait', template: TEMPLATE } });
    expect(res.statusCode).toBe(400);
    expect(json(res)).toMatchObject({ details: [{ field: 'body/spec/type' }] });
  });
});

describe('GET /clusters/{name}/definitions', () => {
  it('lists what discovery found and the KubeNova Definitions placed on the cluster', async () => {
    const everywhere = uniq('all');
    const onlyC1 = uniq('one');
    expect((await h.call(ADMIN, 'POST', '/api/v1/definitions', component(everywhere))).statusCode).toBe(201);
    expect(
      (await h.call(ADMIN, 'POST', '/api/v1/definitions', { name: onlyC1, spec: { type: 'trait', template: TEMPLATE, clusters: ['c1'] } })).statusCode,
    ).toBe(201);
    const c1 = json<Record<string, unknown> & { installed: { name: string }[] }>(
      await h.call(CALLERS['platform-reader'], 'GET', '/api/v1/clusters/c1/definitions'),
    );
    expect(c1).toMatchObject({
      cluster: 'c1',
      discovered: true,
      kubevela: true,
      components: ['webservice'],
      traits: ['scaler'],
      policies: ['topology'],
      workflowSteps: ['deploy'],
    });
    expect(c1.installed).toEqual(
      expect.arrayContaining([
        { name: everywhere, type: 'component', phase: 'Pending', observedGeneration: 0, generation: 1 },
        { name: onlyC1, type: 'trait', phase: 'Pending', observedGeneration: 0, generation: 1 },
      ]),
    );
    const c2 = json<Record<string, unknown> & { installed: { name: string }[] }>(await h.call(ADMIN, 'GET', '/api/v1/clusters/c2/definitions'));
    expect(c2).toMatchObject({ cluster: 'c2', discovered: true, kubevela: false, components: [] });
    expect(c2.installed.map((d) => d.name)).toContain(everywhere);
    expect(c2.installed.map((d) => d.name)).not.toContain(onlyC1);
    expect((await h.call(ADMIN, 'GET', '/api/v1/clusters/nowhere/definitions')).statusCode).toBe(404);
  });
});
