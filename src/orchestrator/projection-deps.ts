// What the runtime gives every projected kind's reconciler (tenants, projects, apps, definitions):
// the store, the cluster clients, the kind's cluster watches, the logger, and drift repairs
// counted under the kind's adapter. One place, so a new dependency reaches every kind.
import type { FightingOptions } from './drift-fighting.js';
import type { ProjectionDeps } from './projection-reconciler.js';
import type { RuntimeServices } from './runtime.js';
import type { ClusterClient } from '../adapters/kube/types.js';

export interface ProjectionOptions {
  /** Safety-net requeue while clusters converge (watches normally wake the reconcilers). */
  waitRequeueMs?: number;
  resyncMs?: number;
  /** When repeated drift repairs count as a fight (defaults: 3 within 5 min, pauses from 30 s). */
  fighting?: FightingOptions;
}

export function projectionDeps(
  services: RuntimeServices,
  adapter: string,
  watches: { ensure(cluster: string, client: ClusterClient): void },
  opts: ProjectionOptions,
): ProjectionDeps {
  return {
    objects: services.store.objects,
    clients: services.clients,
    waitRequeueMs: opts.waitRequeueMs,
    resyncMs: opts.resyncMs,
    onClient: (cluster, client) => watches.ensure(cluster, client),
    logger: services.logger,
    fighting: opts.fighting,
    ...(services.metrics && { driftRepairs: { counter: services.metrics.driftRepairsTotal, adapter } }),
  };
}
