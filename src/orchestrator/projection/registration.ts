// The one builder of projected kinds' entries for the manager: a ProjectionKind (the kind's
// store side) with its adapter (the engine's side) becomes a registration whose reconciler is the
// generic ProjectionReconciler, whose cluster watches are the adapter's, and whose triggers say
// which store changes of other kinds wake it. Kinds whose adapters share one watch list (a
// tenant and its projects) share one set of watches per cluster.
import type { ClusterWatch } from '../../adapters/contract.js';
import { KubeEventRecorder } from '../../adapters/kube/events.js';
import type { KubeObject } from '../../adapters/kube/types.js';
import type { ReconcilerRegistration, RuntimeServices, Trigger } from '../manager/manager.js';
import type { BackoffOptions } from '../manager/rate-limit.js';
import { projectionDeps, type ProjectionOptions } from './deps.js';
import { ProjectionReconciler, type ProjectionKind } from './reconciler.js';
import { ClusterWatches } from './watches.js';

export interface ProjectedKind {
  projection: ProjectionKind<unknown, unknown, unknown>;
  /** Store changes of other kinds that should reconcile objects of this kind: their keys. */
  triggers: readonly Trigger[];
  /** Parallel reconciles (default 2). */
  workers?: number;
  /** Deadline of one reconcile (default 120 s). */
  timeoutMs?: number;
}

const DEFAULT_BACKOFF: BackoffOptions = { baseDelayMs: 1_000, maxDelayMs: 30_000 };

/** Something that also reads every event of the kinds' cluster watches (the usage tracker), and
 *  is closed with them. */
export interface WatchObserver {
  observe(cluster: string, type: 'ADDED' | 'MODIFIED' | 'DELETED', obj: KubeObject): void;
  close(): void;
}

/** The registrations of `kinds`; those whose adapters name the same watch list share its watches
 *  (and `observer`, built once from the manager's services, sees their events). */
export function projectionRegistrations(
  kinds: readonly ProjectedKind[],
  opts: ProjectionOptions = {},
  observer?: (services: RuntimeServices) => WatchObserver,
): ReconcilerRegistration[] {
  let observing: WatchObserver | undefined;
  let kubeEvents: KubeEventRecorder | undefined;
  const shared = new Map<readonly ClusterWatch[], ClusterWatches>();
  return kinds.map(({ projection, triggers, workers, timeoutMs }) => {
    const adapter = projection.adapter;
    return {
      kind: projection.kind,
      adapter: adapter.engine,
      workers: workers ?? 2,
      timeoutMs: timeoutMs ?? 120_000,
      backoff: DEFAULT_BACKOFF,
      // Its own status writes are its reports; watches, triggers and requeues bring the next look.
      wakeOnOwnStatus: false,
      reconciler: (services: RuntimeServices) => {
        let watches = shared.get(adapter.watches);
        if (!watches) {
          observing ??= observer?.(services);
          const seen = observing;
          watches = new ClusterWatches(
            (key, lane) => services.enqueueIn(lane, key),
            adapter.watches,
            seen && ((cluster, type, obj) => seen.observe(cluster, type, obj)),
          );
          shared.set(adapter.watches, watches);
        }
        const running = watches;
        const events = (kubeEvents ??= new KubeEventRecorder({ logger: services.logger }));
        const reconciler = new ProjectionReconciler(projection, { ...projectionDeps(services, adapter.engine, running, opts), kubeEvents: events });
        return Object.assign(reconciler, {
          close: async () => {
            running.close();
            observing?.close();
            await events.flush();
          },
        });
      },
      triggers: [...triggers],
    };
  });
}
