// Definition: a platform admin's own KubeVela ComponentDefinition or TraitDefinition, kept in
// KubeNova and projected into vela-system on each of its clusters (all registered ones by
// default) by the DefinitionReconciler. Once there, cluster capability discovery lists it and
// apps may use its type. Also `GET /clusters/{name}/definitions`: what a cluster offers.
import { definitionNeeds } from '../../adapters/vela/definitions.js';
import { capabilitiesOf, unmetNeeds } from '../../domain/capabilities.js';
import { CLEANUP_FINALIZER } from '../../domain/ownership.js';
import { definitionClusters } from '../../domain/placement.js';
import type { Resource } from '../../domain/resource.js';
import { listAll } from '../../store/paging.js';
import { DEFINITION_SPEC, MAX_TEMPLATE_BYTES, type DefinitionSpec } from '../../domain/kinds/definition.js';
import type { FieldProblem, KindDescriptor, Subresource } from './descriptor.js';
import { rejectProblems, unprocessable } from './references.js';

export type DefinitionResource = Resource<DefinitionSpec>;

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
  spec: DEFINITION_SPEC,
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
    const registered = await listAll(ctx.objects, 'Cluster');
    for (const d of (await listAll(ctx.objects, 'Definition')) as unknown as DefinitionResource[]) {
      if (!definitionClusters(d.spec.clusters, registered).includes(cluster.name)) continue;
      const here = d.status.clusters?.[cluster.name];
      installed.push({
        name: d.name,
        type: d.spec.type,
        phase: here?.phase ?? 'Pending',
        observedGeneration: here?.observedGeneration ?? 0,
        generation: d.generation,
      });
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
