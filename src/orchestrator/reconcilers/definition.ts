// The Definition kind on the generic projection loop (key `Definition/<name>`): a platform
// Definition goes into vela-system on each of its clusters and is removed from every cluster
// (finalizer) when deleted; the engine's side is the definition adapter, whose watches also wake
// the Cluster, so the new type is listed (and apps may use it) as soon as it exists.
import { velaDefinitionAdapter } from '../../adapters/vela/index.js';
import type { DefinitionIntent } from '../../adapters/vela/definitions.js';
import type { DefinitionSpec } from '../../domain/kinds/definition.js';
import { definitionClusters } from '../../domain/placement.js';
import { listAll } from '../../store/paging.js';
import type { ProjectionKind } from '../projection/reconciler.js';

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
};
