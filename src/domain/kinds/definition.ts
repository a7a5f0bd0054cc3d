// Definition: a platform admin's own component or trait type, kept in KubeNova and installed on
// its clusters. Its spec schema and the type derived from it.
import { Type, type Static } from 'typebox';
import { List, Name, Patterned, StringEnum, Strict } from '../schema.js';

/** Room for any real definition's CUE (KubeVela's largest built-in is some 20 KiB), and a bound. */
export const MAX_TEMPLATE_BYTES = 64 * 1024;

const ApiVersion = Patterned('^(?:[a-z0-9](?:[-a-z0-9.]*[a-z0-9])?/)?v[0-9]+(?:(?:alpha|beta)[0-9]+)?$', 'must be an apiVersion such as apps/v1 or v1', {
  maxLength: 253,
});
const KindName = Patterned('^[A-Z][A-Za-z0-9]*$', 'must be a Kubernetes kind such as Deployment', { maxLength: 63 });
/** `deployments.apps`, `*`, or a definition name: what KubeVela accepts in appliesToWorkloads. */
const WorkloadRef = Patterned('^(?:\\*|[a-z0-9](?:[-a-z0-9.]*[a-z0-9])?)$', 'must be `*`, a resource such as deployments.apps, or a definition name', {
  maxLength: 253,
});

/** The definition spec's fields, as the API validates them. */
export const DEFINITION_SPEC = {
  type: StringEnum(['component', 'trait'], { description: 'component: a KubeVela ComponentDefinition; trait: a TraitDefinition.' }),
  clusters: Type.Optional(List(Name, 64, { uniqueItems: true, description: 'Clusters to install it on; default: every registered cluster.' })),
  description: Type.Optional(Type.String({ maxLength: 1024, description: "Shown by KubeVela tools as the definition's description." })),
  template: Type.String({
    minLength: 1,
    maxLength: MAX_TEMPLATE_BYTES,
    description: "The CUE template (KubeVela's schematic.cue.template). KubeVela's webhook on each cluster checks that it compiles.",
  }),
  workload: Type.Optional(
    Strict(
      { apiVersion: ApiVersion, kind: KindName },
      { description: 'component: the workload the template outputs, e.g. apps/v1 Deployment; default: detected by KubeVela.' },
    ),
  ),
  appliesToWorkloads: Type.Optional(
    List(WorkloadRef, 32, { uniqueItems: true, description: 'trait: workloads it may be attached to, e.g. deployments.apps or *.' }),
  ),
};

export const DefinitionSpecSchema = Strict(DEFINITION_SPEC);

export type DefinitionSpec = Static<typeof DefinitionSpecSchema>;
/** What kind of type a definition adds: a component or a trait. */
export type DefinitionType = DefinitionSpec['type'];
