// What the runtime gives every projected kind's reconciler (tenants, projects, apps, definitions):
// the store, the cluster clients, the kind's cluster watches (and what they saw), the logger, and drift repairs
// counted under the kind's adapter. One place, so a new dependency reaches every kind.
import type { FightingOptions } from './drift-fighting.js';
import type { ProjectionDeps } from './reconciler.js';
import type { RuntimeServices } from '../manager/manager.js';
import type { ClusterClient } from '../../adapters/kube/types.js';
import type { ObservedObjects } from './watches.js';

export interface ProjectionOptions {
  /** Safety-net requeue while clusters converge (watches normally wake the reconcilers). */
  waitRequeueMs?: number;
  resyncMs?: number;
  /** How long after a full check on a cluster a reconcile of the same plan only refreshes the
   *  observed status (default 60 s; see refresh.ts). */
  fullCheckMs?: number;
  /** When repeated drift repairs count as a fight (defaults: 3 within 5 min, pauses from 30 s). */
  fighting?: FightingOptions;
}

export function projectionDeps(
  services: RuntimeServices,
  adapter: string,
  watches: ObservedObjects & { ensure(cluster: string, client: ClusterClient): void },
  opts: ProjectionOptions,
): ProjectionDeps {
  return {
    objects: services.store.objects,
    clients: services.clients,
    waitRequeueMs: opts.waitRequeueMs,
    resyncMs: opts.resyncMs,
    fullCheckMs: opts.fullCheckMs,
    observed: watches,
    onClient: (cluster, client) => watches.ensure(cluster, client),
    logger: services.logger,
    fighting: opts.fighting,
    ...(services.metrics && { driftRepairs: { counter: services.metrics.driftRepairsTotal, adapter } }),
  };
}
