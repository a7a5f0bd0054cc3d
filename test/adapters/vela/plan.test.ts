import { describe, expect, it } from 'vitest';
import { appNeeds, planApp, typesUsed, velaAppAdapter, type AppIntent } from '../../../src/adapters/vela/index.js';
import { projectAppServiceAccount, projectAppUsername } from '../../../src/adapters/cluster/app-identity.js';
import type { AppSpec } from '../../../src/domain/kinds/app.js';
import type { ClusterCapabilities } from '../../../src/domain/capabilities.js';

const caps: ClusterCapabilities = {
  kubevela: {
    apiVersions: ['v1alpha1', 'v1beta1'],
    workflowRun: false,
    definitions: { components: ['k8s-objects', 'webservice'], traits: ['scaler'], policies: ['topology'], workflowSteps: ['deploy', 'suspend'] },
  },
};

const spec: AppSpec = {
  project: 'acme-web',
  components: [{ name: 'web', type: 'webservice', properties: { image: 'nginx:1.27' }, traits: [{ type: 'scaler', properties: { replicas: 2 } }] }],
  workflow: {
    steps: [
      { name: 'hold', type: 'suspend', properties: {} },
      { name: 'ship', type: 'deploy', properties: { policies: [] }, timeout: '5m' },
    ],
  },
};

const intent: AppIntent = { name: 'shop', tenant: 'acme', project: 'acme-web', spec };

describe('planApp', () => {
  it('waits for discovery and refuses clusters without KubeVela or a Definition, naming type and field', () => {
    expect(planApp(intent, undefined)).toEqual({ outcome: 'undiscovered' });
    expect(planApp(intent, {})).toMatchObject({ outcome: 'unsupported', missing: [{ capability: 'core.oam.dev/v1beta1/applications' }] });
    const unknown = { ...spec, components: [{ ...spec.components[0]!, type: 'lambda', traits: [{ type: 'gateway' }] }] };
    expect(appNeeds(unknown, caps)).toEqual([
      { capability: 'core.oam.dev/v1beta1/componentdefinitions/lambda', description: 'ComponentDefinition "lambda" (used by spec/components/0/type)' },
      { capability: 'core.oam.dev/v1beta1/traitdefinitions/gateway', description: 'TraitDefinition "gateway" (used by spec/components/0/traits/0/type)' },
    ]);
  });

  it('lists every type the app uses with its field', () => {
    expect(typesUsed(spec).map((u) => `${u.definition}:${u.type}@${u.field}`)).toEqual([
      'components:webservice@spec/components/0/type',
      'traits:scaler@spec/components/0/traits/0/type',
      'workflowSteps:suspend@spec/workflow/steps/0/type',
      'workflowSteps:deploy@spec/workflow/steps/1/type',
    ]);
  });

  it("projects one Application carrying only KubeNova's labels, written as its project's app identity", () => {
    const plan = planApp(intent, caps);
    if (plan.outcome !== 'planned') throw new Error(plan.outcome);
    expect(plan.objects.map((o) => `${o.kind}/${o.metadata.namespace}/${o.metadata.name}`)).toEqual(['Application/acme-web/shop']);
    const app = plan.objects[0]!;
    expect(app.apiVersion).toBe('core.oam.dev/v1beta1');
    expect(app.metadata.labels).toEqual({
      'app.kubernetes.io/managed-by': 'kubenova',
      'kubenova.io/tenant': 'acme',
      'kubenova.io/project': 'acme-web',
      'kubenova.io/app': 'shop',
    });
    // The only annotation says which identity writes it (a change of identity is a change to apply).
    expect(app.metadata.annotations).toEqual({ 'kubenova.io/runs-as': projectAppUsername('acme-web') });
    expect(app.spec).toEqual({
      components: [{ name: 'web', type: 'webservice', properties: { image: 'nginx:1.27' }, traits: [{ type: 'scaler', properties: { replicas: 2 } }] }],
      workflow: {
        steps: [
          { name: 'hold', type: 'suspend', properties: {} },
          { name: 'ship', type: 'deploy', properties: { policies: [] }, timeout: '5m' },
        ],
      },
    });
    expect(velaAppAdapter.writeAs?.(app)).toBe(projectAppUsername('acme-web'));
    expect(projectAppUsername('acme-web')).toBe(`system:serviceaccount:kubenova-system:${projectAppServiceAccount('acme-web')}`);
  });

  it("deletes the Application before an identity of its own (apps had one before they ran as their project's)", () => {
    expect(velaAppAdapter.deleteInOrder).toBe(true);
    expect(velaAppAdapter.ownedTypes.map((t) => t.kind)).toEqual(['Application', 'RoleBinding', 'ServiceAccount']);
  });
});
