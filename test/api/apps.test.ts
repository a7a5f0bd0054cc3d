// App admission through HTTP: KubeVela metadata keys are refused wherever a caller could put
// them, types are checked against the Definitions each target cluster reports, and policy sets
// restrict component types; all 422 naming the field, before anything is stored.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClusterCapabilities } from '../../src/domain/capabilities.js';
import { kubeconfigB64 } from '../support/kubeconfig.js';
import { ADMIN, json, startHarness, type Harness } from './support/harness.js';
import { adminCreate, uniq } from './support/world.js';

let h: Harness;
const T = uniq('t');
const P = `${T}-web`;
const C = uniq('c');

const capabilities: ClusterCapabilities = {
  observedAt: '2026-01-01T00:00:00Z',
  resources: { 'capsule.clastix.io/v1beta2': ['tenants'] },
  kubevela: {
    apiVersions: ['v1beta1'],
    workflowRun: false,
    definitions: { components: ['webservice', 'worker'], traits: ['scaler'], policies: ['topology'], workflowSteps: ['deploy', 'suspend'] },
  },
};

beforeAll(async () => {
  h = await startHarness();
  await adminCreate(h, '/api/v1/clusters', { name: C, kubeconfig: kubeconfigB64(), labels: {} });
  await h.store.objects.updateStatus('Cluster', C, { phase: 'Deployed', conditions: [], observedGeneration: 1, capabilities });
  const ps = uniq('ps');
  await adminCreate(h, '/api/v1/policysets', { name: ps, spec: { allowedComponentTypes: ['webservice'] } });
  await adminCreate(h, '/api/v1/tenants', { name: T, spec: { placement: { clusters: [C] }, policySets: [ps] } });
  await adminCreate(h, `/api/v1/tenants/${T}/projects`, { name: P });
});
afterAll(() => h?.close());

type ApiErr = { code: string; message: string; details: { field: string; reason: string }[] };

const app = (spec: Record<string, unknown>, labels: Record<string, string> = {}) => ({
  name: uniq(`${T}-app`),
  labels,
  spec: { project: P, components: [{ name: 'web', type: 'webservice', properties: { image: 'nginx:1.27' } }], ...spec },
});

async function refused(body: ReturnType<typeof app>): Promise<ApiErr> {
  const res = await h.call(ADMIN, 'POST', '/api/v1/apps', body);
  expect(res.statusCode, res.body).toBe(422);
  expect(await h.store.objects.get('App', body.name)).toBeUndefined();
  return json<ApiErr>(res);
}

describe('app admission', () => {
  it('accepts an app whose types the cluster has and its policy sets allow', async () => {
    const res = await h.call(ADMIN, 'POST', '/api/v1/apps', app({ workflow: { steps: [{ name: 'ship', type: 'deploy', timeout: '5m' }] } }));
    expect(res.statusCode, res.body).toBe(201);
  });

  it('refuses an unknown component, trait or step type, naming type, field and cluster', async () => {
    const err = await refused(
      app({
        components: [{ name: 'web', type: 'webservice', traits: [{ type: 'gateway' }] }],
        workflow: { steps: [{ name: 'notify', type: 'notification' }] },
      }),
    );
    expect(err.code).toBe('UNPROCESSABLE');
    expect(err.details).toEqual([
      {
        field: 'body/spec/components/0/traits/0/type',
        reason: `cluster "${C}" lacks TraitDefinition "gateway" [core.oam.dev/v1beta1/traitdefinitions/gateway]`,
      },
      {
        field: 'body/spec/workflow/steps/0/type',
        reason: `cluster "${C}" lacks WorkflowStepDefinition "notification" [core.oam.dev/v1beta1/workflowstepdefinitions/notification]`,
      },
    ]);
  });

  it("refuses component types the tenant's policy set does not allow, naming the rule", async () => {
    const err = await refused(app({ components: [{ name: 'bg', type: 'worker', properties: { image: 'busybox' } }] }));
    expect(err.details).toEqual([
      {
        field: 'body/spec/components/0/type',
        reason: expect.stringMatching(/component type "worker" is not allowed by policy set "ps-.*" \(allowedComponentTypes: webservice\)/),
      },
    ]);
  });

  it('refuses KubeVela metadata keys in labels and anywhere in properties', async () => {
    const labelled = await refused(app({}, { 'app.oam.dev/username': 'kubernetes-admin' }));
    expect(labelled.details).toEqual([{ field: 'body/labels/app.oam.dev/username', reason: expect.stringContaining("KubeVela's") }]);
    const inProperties = await refused(
      app({
        components: [
          {
            name: 'web',
            type: 'webservice',
            properties: { image: 'nginx', annotations: { 'app.oam.dev/group': 'system:masters' } },
            traits: [{ type: 'scaler', properties: { 'oam.dev/x': '1' } }],
          },
        ],
      }),
    );
    expect(inProperties.details.map((d) => d.field)).toEqual([
      'body/spec/components/0/properties/annotations/app.oam.dev~1group',
      'body/spec/components/0/traits/0/properties/oam.dev~1x',
    ]);
  });

  it("refuses tenant-identity keys anywhere in properties (a labels trait would mark the app's objects as another owner's), naming the key, never the value", async () => {
    const err = await refused(
      app({
        components: [
          {
            name: 'web',
            type: 'webservice',
            properties: { image: 'nginx', labels: { 'kubenova.io/tenant': 'victim-b', team: 'a' } },
            traits: [{ type: 'scaler', properties: { 'capsule.clastix.io/tenant': 'victim-b', 'app.kubernetes.io/name': 'web' } }],
          },
        ],
      }),
    );
    expect(err.details).toEqual([
      { field: 'body/spec/components/0/properties/labels/kubenova.io~1tenant', reason: expect.stringContaining('tenant identity') },
      { field: 'body/spec/components/0/traits/0/properties/capsule.clastix.io~1tenant', reason: expect.stringContaining('tenant identity') },
    ]);
    expect(JSON.stringify(err)).not.toContain('victim-b');
  });

  it('names a refused key with markup by position only, never quoting it', async () => {
    const markup = 'oam.dev/<img src=x onerror=alert(1)>';
    const res = await h.call(
      ADMIN,
      'POST',
      '/api/v1/apps',
      app({ components: [{ name: 'web', type: 'webservice', properties: { image: 'nginx', '<b>': { [markup]: 1 } } }] }),
    );
    expect(res.statusCode).toBe(422);
    expect(json<ApiErr>(res).details).toEqual([{ field: 'body/spec/components/0/properties/*/*', reason: expect.stringContaining('KubeVela metadata keys') }]);
    expect(res.body).not.toMatch(/<img|<b>|onerror/);
  });

  it('shows the rollout from stored status only', async () => {
    const body = app({});
    await adminCreate(h, '/api/v1/apps', body);
    const rollout = json(await h.call(ADMIN, 'GET', `/api/v1/apps/${body.name}/rollout`));
    expect(rollout).toEqual({ app: body.name, phase: 'Pending', generation: 1, observedGeneration: 0, clusters: {} });
  });
});
