// The VelaAdapter's plan: a KubeNova App → what one cluster should hold: one KubeVela Application
// in the project's namespace, written as the project's app identity (../cluster/app-identity.ts,
// projected with the project). Pure, no I/O.
//
// Only KubeNova's own labels reach the Application's metadata: nothing the caller wrote is
// copied there, so no `app.oam.dev/*` key (user, group, service account, publish version) can be
// smuggled in. Component, trait, policy and step types must be Definitions the cluster has.
import type { ClusterPlan } from '../contract.js';
import type { AppSpec } from '../../domain/kinds/app.js';
import type { CapabilityNeed, ClusterCapabilities, KubeVelaCapabilities } from '../../domain/capabilities.js';
import { ownershipLabels, type TenancyOwner } from '../../domain/ownership.js';
import type { KubeObject } from '../kube/types.js';
import { APPLICATION_TYPE } from './application-api.js';
import { VELA_GROUP } from './capabilities.js';
import { projectAppUsername } from '../cluster/app-identity.js';

/** An app as the planner needs it. */
export interface AppIntent {
  name: string;
  tenant: string;
  project: string;
  spec: AppSpec;
}

/** App owners always name their app and project. */
export type AppOwner = Required<TenancyOwner>;

/** Which identity KubeNova writes the Application as. Part of the plan, so that a change of
 *  identity (apps of older versions ran as their own) is a change to apply: vela-core takes the
 *  new user from that write. */
export const RUNS_AS_ANNOTATION = 'kubenova.io/runs-as';

export const appOwner = (app: Pick<AppIntent, 'name' | 'tenant' | 'project'>): AppOwner => ({ tenant: app.tenant, project: app.project, app: app.name });

/** The namespace an app's Application lives in: its project's. */
export const appNamespace = (app: Pick<AppIntent, 'project'>): string => app.project;

type DefinitionKind = keyof KubeVelaCapabilities['definitions'];

const DEFINITION_NAMES: Record<DefinitionKind, { kind: string; resource: string }> = {
  components: { kind: 'ComponentDefinition', resource: 'componentdefinitions' },
  traits: { kind: 'TraitDefinition', resource: 'traitdefinitions' },
  policies: { kind: 'PolicyDefinition', resource: 'policydefinitions' },
  workflowSteps: { kind: 'WorkflowStepDefinition', resource: 'workflowstepdefinitions' },
};

/** A type the app uses: where (a JSON pointer into the spec), which kind of Definition, which name. */
export interface TypeUse {
  field: string;
  definition: DefinitionKind;
  type: string;
}

/** Every Definition type the spec uses, with its field. */
export function typesUsed(spec: AppSpec): TypeUse[] {
  const uses: TypeUse[] = [];
  spec.components.forEach((c, i) => {
    uses.push({ field: `spec/components/${i}/type`, definition: 'components', type: c.type });
    (c.traits ?? []).forEach((t, j) => uses.push({ field: `spec/components/${i}/traits/${j}/type`, definition: 'traits', type: t.type }));
  });
  (spec.policies ?? []).forEach((p, i) => uses.push({ field: `spec/policies/${i}/type`, definition: 'policies', type: p.type }));
  (spec.workflow?.steps ?? []).forEach((s, i) => uses.push({ field: `spec/workflow/steps/${i}/type`, definition: 'workflowSteps', type: s.type }));
  return uses;
}

/** The uses whose Definition the cluster lacks (definitions as discovered). */
export function missingDefinitions(spec: AppSpec, vela: KubeVelaCapabilities): TypeUse[] {
  return typesUsed(spec).filter((u) => !vela.definitions[u.definition].includes(u.type));
}

export const describeDefinition = (u: Pick<TypeUse, 'definition' | 'type'>): string => `${DEFINITION_NAMES[u.definition].kind} "${u.type}"`;

const APPLICATIONS_NEED: CapabilityNeed = { capability: `${VELA_GROUP}/v1beta1/applications`, description: 'KubeVela (core.oam.dev/v1beta1 Applications)' };

/** What the cluster lacks for this app, each with the spec field that needs it (none for
 *  KubeVela itself). */
export function appCapabilityGaps(spec: AppSpec, caps: ClusterCapabilities): { field?: string; need: CapabilityNeed }[] {
  const vela = caps.kubevela;
  if (!vela || !vela.apiVersions.includes('v1beta1')) return [{ need: APPLICATIONS_NEED }];
  return missingDefinitions(spec, vela).map((u) => ({
    field: u.field,
    need: { capability: `${VELA_GROUP}/v1beta1/${DEFINITION_NAMES[u.definition].resource}/${u.type}`, description: describeDefinition(u) },
  }));
}

export const appNeeds = (spec: AppSpec, caps: ClusterCapabilities): CapabilityNeed[] =>
  appCapabilityGaps(spec, caps).map((g) => (g.field ? { ...g.need, description: `${g.need.description} (used by ${g.field})` } : g.need));

const nonEmpty = <T>(list: readonly T[] | undefined): T[] | undefined => (list && list.length > 0 ? [...list] : undefined);

/** The Application's spec: the App's model in KubeVela's field names. */
function applicationSpec(spec: AppSpec): Record<string, unknown> {
  const components = spec.components.map((c) => ({
    name: c.name,
    type: c.type,
    properties: c.properties ?? {},
    ...(nonEmpty(c.traits) && { traits: c.traits!.map((t) => ({ type: t.type, properties: t.properties ?? {} })) }),
  }));
  const policies = nonEmpty(spec.policies)?.map((p) => ({ name: p.name, type: p.type, properties: p.properties ?? {} }));
  const steps = spec.workflow?.steps.map((s) => ({ name: s.name, type: s.type, properties: s.properties ?? {}, ...(s.timeout && { timeout: s.timeout }) }));
  return { components, ...(policies && { policies }), ...(steps && { workflow: { steps } }) };
}

export function planApp(app: AppIntent, caps: ClusterCapabilities | undefined): ClusterPlan {
  if (!caps) return { outcome: 'undiscovered' };
  const missing = appNeeds(app.spec, caps);
  if (missing.length > 0) return { outcome: 'unsupported', missing };
  const owner = appOwner(app);
  const namespace = appNamespace(app);
  const application: KubeObject = {
    ...APPLICATION_TYPE,
    metadata: { name: app.name, namespace, labels: ownershipLabels(owner), annotations: { [RUNS_AS_ANNOTATION]: projectAppUsername(app.project) } },
    spec: applicationSpec(app.spec),
  };
  return { outcome: 'planned', objects: [application], notes: [] };
}
