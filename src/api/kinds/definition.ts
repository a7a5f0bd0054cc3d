// Definition: a platform admin's own KubeVela ComponentDefinition or TraitDefinition, kept in
// KubeNova and projected into vela-system on each of its clusters (all registered ones by
// default) by the DefinitionReconciler. Once there, cluster capability discovery lists it and
// apps may use its type. Also `GET /clusters/{name}/definitions`: what a cluster offers.
import { Type } from 'typebox';
import { definitionNeeds, type DefinitionType } from '../../adapters/vela/definitions.js';
import { capabilitiesOf, unmetNeeds } from '../../domain/capabilities.js';
import { CLEANUP_FINALIZER } from '../../domain/ownership.js';
import type { Resource } from '../../domain/resource.js';
import { listAll } from '../../store/paging.js';
import type { ObjectStore } from '../../store/types.js';
import { List, Name, Patterned, StringEnum, Strict } from '../schemas/common.js';
import type { FieldProblem, KindDescriptor, Subresource } from './descriptor.js';
import { rejectProblems, unprocessable } from './references.js';

/** Room for any real definition's CUE (KubeVela's largest built-in is some 20 KiB), and a bound. */
export const MAX_TEMPLATE_BYTES = 64 * 1024;

export interface DefinitionSpec {
  type: DefinitionType;
  clusters?: string[];
  description?: string;
  template: string;
  workload?: { apiVersion: string; kind: string };
  appliesToWorkloads?: string[];
}

const ApiVersion = Patterned('^(?:[a-z0-9](?:[-a-z0-9.]*[a-z0-9])?/)?v[0-9]+(?:(?:alpha|beta)[0-9]+)?$', 'must be an apiVersion such as apps/v1 or v1', {
  maxLength: 253,
});
const KindName = Patterned('^[A-Z][A-Za-z0-9]*$', 'must be a Kubernetes kind such as Deployment', { maxLength: 63 });
/** `deployments.apps`, `*`, or a definition name: what KubeVela accepts in appliesToWorkloads. */
const WorkloadRef = Patterned('^(?:\\*|[a-z0-9](?:[-a-z0-9.]*[a-z0-9])?)$', 'must be `*`, a resource such as deployments.apps, or a definition name', {
  maxLength: 253,
});

export type DefinitionResource = Resource<DefinitionSpec>;

/** The clusters a definition is placed on: those named, or every registered one. */
export async function definitionClusters(spec: DefinitionSpec, objects: ObjectStore): Promise<string[]> {
  return spec.clusters ?? (await listAll(objects, 'Cluster')).map((c) => c.name);
}

function shapeProblems(spec: DefinitionSpec): FieldProblem[] {
  const problems: FieldProblem[] = [];
  if (spec.template.trim() === '') problems.push({ field: 'spec/template', reason: 'must contain a CUE template' });
  if (Buffer.byteLength(spec.template, 'utf8') > MAX_TEMPLATE_BYTES) {
    problems.push({ field: 'spec/template', reason: `must be at most ${MAX_TEMPLATE_BYTES} bytes` });
  }
  if (spec.type !== 'component' && spec.workload) problems.push({ field: 'spec/workload', reason: 'only component definitions have a workload' });
  if (spec.type !== 'trait' && spec.appliesToWorkloads) {
    problems.push({ field: 'spec/appliesToWorkloads', reason: 'only trait definitions have appliesToWorkloads' });
  }
  return problems;
}

export const definitionKind: KindDescriptor = {
  kind: 'Definition',
  plural: 'definitions',
  ownership: 'platform',
  spec: {
    type: StringEnum(['component', 'trait'], { description: 'component: a KubeVela ComponentDefinition; trait: a TraitDefinition.' }),
    clusters: Type.Optional(List(Name, 64, { uniqueItems: true, description: 'Clusters to install it on; default: every registered cluster.' })),
    description: Type.Optional(Type.String({ maxLength: 1024, description: 'Shown by KubeVela tools (definition.oam.dev/description).' })),
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
  },
  immutable: ['type'],
  // The DefinitionReconciler removes it from every cluster before the object goes.
  finalizers: [CLEANUP_FINALIZER],
  async admit(_name, raw, ctx) {
    const spec = raw as unknown as DefinitionSpec;
    rejectProblems(shapeProblems(spec));
    for (const [i, name] of (spec.clusters ?? []).entries()) {
      const cluster = await ctx.objects.get('Cluster', name);
      if (!cluster) throw unprocessable(`spec/clusters/${i}`, `cluster "${name}" is not registered`);
      const caps = capabilitiesOf(cluster);
      const missing = caps ? unmetNeeds(caps, definitionNeeds(spec.type)) : [];
      if (missing.length > 0) {
        throw unprocessable(`spec/clusters/${i}`, `cluster "${name}" lacks ${missing.map((m) => `${m.description} [${m.capability}]`).join(', ')}`);
      }
    }
    return {};
  },
};

/** `GET /clusters/{name}/definitions`: the Definitions a cluster offers, as last discovered, and
 *  which of them KubeNova installs there (with their phase on that cluster). */
export const clusterDefinitionsView: Subresource = {
  name: 'definitions',
  verb: 'get',
  summary: 'The KubeVela Definitions the cluster offers (discovered), and the KubeNova Definitions placed on it',
  async handle(cluster, ctx) {
    const caps = capabilitiesOf(cluster);
    const kubevela = caps?.kubevela;
    const installed = [];
    for (const d of (await listAll(ctx.objects, 'Definition')) as unknown as DefinitionResource[]) {
      if (!(await definitionClusters(d.spec, ctx.objects)).includes(cluster.name)) continue;
      const here = d.status.clusters?.[cluster.name];
      installed.push({ name: d.name, type: d.spec.type, phase: here?.phase ?? 'Pending', observedGeneration: here?.observedGeneration ?? 0, generation: d.generation });
    }
    return {
      cluster: cluster.name,
      discovered: caps !== undefined,
      ...(caps?.observedAt !== undefined && { observedAt: caps.observedAt }),
      kubevela: (kubevela?.apiVersions.length ?? 0) > 0,
      components: kubevela?.definitions.components ?? [],
      traits: kubevela?.definitions.traits ?? [],
      policies: kubevela?.definitions.policies ?? [],
      workflowSteps: kubevela?.definitions.workflowSteps ?? [],
      installed,
    };
  },
};
