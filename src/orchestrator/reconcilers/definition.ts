// DefinitionReconciler (key `Definition/<name>`): a platform Definition on the generic projection
// loop with the VelaAdapter's definition plan, into vela-system on each of its clusters; removed
// from every cluster (finalizer) when deleted. What wakes it, and what it wakes: a watch on the
// KubeVela definitions KubeNova projected, per cluster, queues the owning Definition (drift,
// deletion by someone else) and the Cluster, whose reconciler then discovers capabilities again,
// so the new type is listed (and apps may use it) as soon as it exists, and unlisted once gone.
import { COMPONENT_DEFINITION_TYPE, planDefinition, TRAIT_DEFINITION_TYPE, velaDefinitionAdapter, type DefinitionIntent } from '../../adapters/vela/definitions.js';
import { definitionClusters } from '../../domain/placement.js';
import { type DefinitionSpec } from '../../domain/kinds/definition.js';
import type { KubeObject } from '../../adapters/kube/types.js';
import { DEFINITION_LABEL, MANAGED_SELECTOR, ownerKeyOf } from '../../domain/ownership.js';
import { listAll } from '../../store/paging.js';
import { ProjectionReconciler, type ProjectionDeps, type ProjectionKind } from '../projection/reconciler.js';
import { projectionDeps, type ProjectionOptions } from '../projection/deps.js';
import { keyOf, type ReconcilerRegistration, type RuntimeServices } from '../manager/manager.js';
import { ClusterWatches, type ClusterWatch } from '../projection/watches.js';

export const definitionProjection: ProjectionKind<DefinitionIntent, void, void> = {
  kind: 'Definition',
  adapter: velaDefinitionAdapter,
  async load(obj, objects) {
    const spec = obj.spec as unknown as DefinitionSpec;
    const intent: DefinitionIntent = {
      name: obj.name,
      type: spec.type,
      template: spec.template,
      ...(spec.description !== undefined && { description: spec.description }),
      ...(spec.workload !== undefined && { workload: spec.workload }),
      ...(spec.appliesToWorkloads !== undefined && { appliesToWorkloads: spec.appliesToWorkloads }),
    };
    return { intent, clusters: definitionClusters(spec.clusters, await listAll(objects, 'Cluster')) };
  },
  owner: (obj) => ({ definition: obj.name }),
  async prepare() {
    return { ctx: undefined, input: undefined };
  },
  plan: (intent, caps) => planDefinition(intent, caps),
};

const projected = (obj: KubeObject, cluster: string) => [...(ownerKeyOf(obj.metadata.labels) ? [ownerKeyOf(obj.metadata.labels)!] : []), keyOf('Cluster', cluster)];

/** KubeNova's definitions on a cluster: each event queues its Definition and the cluster. */
export const DEFINITION_WATCHES: readonly ClusterWatch[] = [COMPONENT_DEFINITION_TYPE, TRAIT_DEFINITION_TYPE].map((type) => ({
  type,
  labelSelector: `${MANAGED_SELECTOR},${DEFINITION_LABEL}`,
  keysOf: projected,
}));

export type DefinitionOptions = ProjectionOptions;

/** The Definition kind's entry for startRuntime. */
export function definitionRegistration(opts: DefinitionOptions = {}): ReconcilerRegistration {
  let watches: ClusterWatches | undefined;
  const deps = (services: RuntimeServices): ProjectionDeps =>
    projectionDeps(services, 'vela', (watches ??= new ClusterWatches((key) => services.enqueue(key), DEFINITION_WATCHES)), opts);
  return {
    kind: 'Definition',
    adapter: 'vela',
    workers: 2,
    timeoutMs: 60_000,
    backoff: { baseDelayMs: 1_000, maxDelayMs: 30_000 },
    reconciler: (services) => Object.assign(new ProjectionReconciler(definitionProjection, deps(services)), { close: () => watches?.close() }),
    // A cluster registered (or gone, or whose capabilities changed): definitions placed on every
    // cluster follow it.
    triggers: [
      {
        kind: 'Cluster',
        async keys(_e, services) {
          return (await listAll(services.store.objects, 'Definition')).map((d) => keyOf('Definition', d.name));
        },
      },
    ],
  };
}
