// The VelaAdapter's definition plan and refusal explanations, and the ownership of platform-wide
// objects: tables of cases with reasons (pure functions, no cluster).
import { describe, expect, it } from 'vitest';
import { KubeError } from '../../../src/adapters/kube/types.js';
import { errorFromStatus } from '../../../src/adapters/kube/errors.js';
import { explainDefinitionRefusal, planDefinition, type DefinitionIntent } from '../../../src/adapters/vela/definitions.js';
import type { ClusterCapabilities } from '../../../src/domain/capabilities.js';
import { isOwnedBy, ownerKeyOf, ownershipLabels, ownershipSelector } from '../../../src/domain/ownership.js';

const VELA: ClusterCapabilities = { resources: { 'core.oam.dev/v1beta1': ['componentdefinitions', 'traitdefinitions'] } };
const intent = (over: Partial<DefinitionIntent> = {}): DefinitionIntent => ({ name: 'web', type: 'component', template: 'output: {}', ...over });

describe('planDefinition', () => {
  it('waits for discovery, and refuses clusters without the definitions API', () => {
    expect(planDefinition(intent(), undefined)).toEqual({ outcome: 'undiscovered' });
    const plan = planDefinition(intent({ type: 'trait' }), { resources: { 'core.oam.dev/v1beta1': ['componentdefinitions'] } });
    expect(plan).toMatchObject({ outcome: 'unsupported', missing: [{ capability: 'core.oam.dev/v1beta1/traitdefinitions' }] });
  });

  it('a component: ComponentDefinition in vela-system, its workload named or detected, owned by the Definition', () => {
    const named = planDefinition(intent({ workload: { apiVersion: 'apps/v1', kind: 'Deployment' }, description: 'd' }), VELA);
    expect(named).toMatchObject({
      outcome: 'planned',
      objects: [
        {
          apiVersion: 'core.oam.dev/v1beta1',
          kind: 'ComponentDefinition',
          metadata: {
            name: 'web',
            namespace: 'vela-system',
            labels: ownershipLabels({ definition: 'web' }),
            annotations: { 'definition.oam.dev/description': 'd' },
          },
          spec: { workload: { definition: { apiVersion: 'apps/v1', kind: 'Deployment' } }, schematic: { cue: { template: 'output: {}' } } },
        },
      ],
    });
    const detected = planDefinition(intent(), VELA);
    expect(detected.outcome === 'planned' && detected.objects[0]!.spec).toEqual({
      workload: { type: 'autodetects.core.oam.dev' },
      schematic: { cue: { template: 'output: {}' } },
    });
  });

  it('a trait: TraitDefinition with appliesToWorkloads only when given', () => {
    const plan = planDefinition(intent({ type: 'trait', appliesToWorkloads: ['deployments.apps'] }), VELA);
    expect(plan).toMatchObject({ outcome: 'planned', objects: [{ kind: 'TraitDefinition', spec: { appliesToWorkloads: ['deployments.apps'] } }] });
    const bare = planDefinition(intent({ type: 'trait' }), VELA);
    expect(bare.outcome === 'planned' && bare.objects[0]!.spec).toEqual({ schematic: { cue: { template: 'output: {}' } } });
  });
});

describe('explainDefinitionRefusal', () => {
  const denial = (webhook: string, message: string) =>
    errorFromStatus(400, { kind: 'Status', code: 400, message: `admission webhook "${webhook}" denied the request: ${message}` }, 'PATCH x');
  const cases: { reason: string; err: unknown; expected: ReturnType<typeof explainDefinitionRefusal> }[] = [
    {
      reason: "KubeVela's validating webhook: its words, without the request UID",
      err: denial('validating.core.oam.dev.v1beta1.traitdefinitions', "expected operand, found 'EOF' (requestUID=1234-abcd)"),
      expected: { code: 'DefinitionRejected', summary: "KubeVela's webhook refused the definition", detail: "expected operand, found 'EOF'" },
    },
    {
      reason: 'the component webhook (oam-dev spelling) too',
      err: denial('validating.core.oam-dev.v1beta1.componentdefinitions', 'bad workload'),
      expected: { code: 'DefinitionRejected', summary: "KubeVela's webhook refused the definition", detail: 'bad workload' },
    },
    { reason: "another webhook's denial is not KubeVela's", err: denial('capsule.clastix.io', 'nope'), expected: undefined },
    { reason: 'a plain API error is left to the generic handling', err: new KubeError('Forbidden', 'forbidden', 403), expected: undefined },
    { reason: 'not a KubeError at all', err: new Error('x'), expected: undefined },
  ];
  for (const c of cases) it(c.reason, () => expect(explainDefinitionRefusal(c.err)).toEqual(c.expected));
});

describe('ownership of platform-wide objects', () => {
  it("a Definition's objects carry its label and no tenant; they map back to it", () => {
    expect(ownershipLabels({ definition: 'web' })).toEqual({ 'app.kubernetes.io/managed-by': 'kubenova', 'kubenova.io/definition': 'web' });
    expect(ownershipSelector({ definition: 'web' })).toBe('app.kubernetes.io/managed-by=kubenova,kubenova.io/definition=web,!kubenova.io/tenant');
    expect(ownerKeyOf(ownershipLabels({ definition: 'web' }))).toBe('Definition/web');
  });

  const cases: { reason: string; labels: Record<string, string> | undefined; owned: boolean }[] = [
    { reason: "the Definition's own labels", labels: ownershipLabels({ definition: 'web' }), owned: true },
    { reason: "another Definition's object", labels: ownershipLabels({ definition: 'api' }), owned: false },
    {
      reason: 'a tenant label makes it a tenant object, never a platform one',
      labels: { ...ownershipLabels({ definition: 'web' }), 'kubenova.io/tenant': 't' },
      owned: false,
    },
    { reason: 'no managed-by label', labels: { 'kubenova.io/definition': 'web' }, owned: false },
  ];
  for (const c of cases) it(c.reason, () => expect(isOwnedBy(c.labels, { definition: 'web' })).toBe(c.owned));

  it("a tenant's objects are never a Definition's, and the other way round", () => {
    expect(isOwnedBy(ownershipLabels({ definition: 'web' }), { tenant: 'web' })).toBe(false);
    expect(isOwnedBy(ownershipLabels({ tenant: 'web' }), { definition: 'web' })).toBe(false);
  });
});

describe("the agent's rights on definitions", () => {
  it('write on component and trait definitions in vela-system only, and only where KubeVela is installed', async () => {
    const { agentObjects, AGENT_VELA_DEFINITION_RULES } = await import('../../../src/adapters/cluster/agent-identity.js');
    const inVelaSystem = (objects: ReturnType<typeof agentObjects>) => objects.flat().filter((o) => o.metadata.namespace === 'vela-system');
    expect(inVelaSystem(agentObjects())).toEqual([]);
    const objects = inVelaSystem(agentObjects({ kubevela: true }));
    expect(objects.map((o) => o.kind).sort()).toEqual(['Role', 'RoleBinding']);
    expect(objects.find((o) => o.kind === 'Role')!.rules).toEqual(AGENT_VELA_DEFINITION_RULES);
    expect(AGENT_VELA_DEFINITION_RULES.flatMap((r) => r.resources)).toEqual(['componentdefinitions', 'traitdefinitions']);
    // No cluster-wide write on definitions.
    const clusterRole = agentObjects({ kubevela: true })
      .flat()
      .find((o) => o.kind === 'ClusterRole')!;
    const writes = (clusterRole.rules as { resources: string[]; verbs: string[] }[]).filter((r) => r.verbs.includes('create'));
    expect(writes.flatMap((r) => r.resources)).not.toContain('componentdefinitions');
  });
});
