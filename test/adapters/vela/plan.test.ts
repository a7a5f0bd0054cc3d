import { describe, expect, it } from 'vitest';
import { appNeeds, appServiceAccount, appUsername, planApp, typesUsed, velaAppAdapter, type AppIntent } from '../../../src/adapters/vela/index.js';
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

  it("projects the app's identity, then one Application carrying only KubeNova's labels", () => {
    const plan = planApp(intent, caps);
    if (plan.outcome !== 'planned') throw new Error(plan.outcome);
    expect(plan.objects.map((o) => `${o.kind}/${o.metadata.namespace}/${o.metadata.name}`)).toEqual([
      'ServiceAccount/kubenova-system/app-shop',
      'RoleBinding/acme-web/kubenova-app-shop-admin',
      'RoleBinding/acme-web/kubenova-app-shop-runner',
      'Application/acme-web/shop',
    ]);
    const app = plan.objects[3]!;
    expect(app.apiVersion).toBe('core.oam.dev/v1beta1');
    expect(app.metadata.labels).toEqual({
      'app.kubernetes.io/managed-by': 'kubenova',
      'kubenova.io/tenant': 'acme',
      'kubenova.io/project': 'acme-web',
      'kubenova.io/app': 'shop',
    });
    expect(app.metadata.annotations).toBeUndefined();
    expect(app.spec).toEqual({
      components: [{ name: 'web', type: 'webservice', properties: { image: 'nginx:1.27' }, traits: [{ type: 'scaler', properties: { replicas: 2 } }] }],
      workflow: {
        steps: [
          { name: 'hold', type: 'suspend', properties: {} },
          { name: 'ship', type: 'deploy', properties: { policies: [] }, timeout: '5m' },
        ],
      },
    });
    // Only the Application is written as the app's identity; its bindings are in its namespace only.
    expect(plan.objects.map((o) => velaAppAdapter.writeAs?.(o))).toEqual([undefined, undefined, undefined, appUsername('shop')]);
    expect(appUsername('shop')).toBe(`system:serviceaccount:kubenova-system:${appServiceAccount('shop')}`);
    expect(plan.objects.filter((o) => o.kind === 'RoleBinding').map((o) => [(o.roleRef as { name: string }).name, o.subjects])).toEqual([
      ['admin', [{ kind: 'ServiceAccount', name: 'app-shop', namespace: 'kubenova-system' }]],
      ['kubenova-app-runner', [{ kind: 'ServiceAccount', name: 'app-shop', namespace: 'kubenova-system' }]],
    ]);
  });

  it('deletes the Application before the identity it is cleaned up with', () => {
    expect(velaAppAdapter.deleteInOrder).toBe(true);
    expect(velaAppAdapter.ownedTypes.map((t) => t.kind)).toEqual(['Application', 'RoleBinding', 'ServiceAccount']);
  });
});
