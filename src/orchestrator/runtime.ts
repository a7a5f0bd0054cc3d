// The reconcile runtime the server process starts: one Controller (work queue + workers) per
// registered kind, fed by the store's change feed (`Kind/name` keys carrying the write's
// correlation id), by triggers between kinds (a Cluster's change → the tenants placed on it) and
// by a periodic resync of every object; a ClusterClient cache shared by all reconcilers; metrics
// and log context per reconcile; and a graceful stop (the reconciles in flight finish).
import { randomUUID } from 'node:crypto';
import type { Kind } from '../domain/resource.js';
import { runWithLogContext, type LogContext } from '../observability/context.js';
import type { Logger } from '../observability/logger.js';
import type { Metrics } from '../observability/metrics.js';
import type { ChangeEvent, Store } from '../store/types.js';
import { createClusterClients, type ClusterClients } from './cluster-clients.js';
import { Controller, type Reconciler, type ReconcileResult } from './controller.js';
import type { BackoffOptions, TokenBucketOptions } from './rate-limit.js';

/** `Kind/name`: the work-queue key of an object. */
export const keyOf = (kind: Kind, name: string): string => `${kind}/${name}`;

export function parseKey(key: string): { kind: Kind; name: string } {
  const slash = key.indexOf('/');
  return { kind: key.slice(0, slash) as Kind, name: key.slice(slash + 1) };
}

/** What reconcilers get from the runtime. */
export interface RuntimeServices {
  store: Store;
  /** Clients of registered clusters (see cluster-clients.ts). */
  clients: ClusterClients;
  logger: Logger;
  /** Queues `Kind/name` on its kind's controller (cluster watch events, follow-ups). */
  enqueue(key: string, correlationId?: string): void;
  metrics?: Metrics;
}

export interface ReconcilerRegistration {
  kind: Kind;
  /** The reconciler, or how to build it from the runtime's services. */
  reconciler: Reconciler | ((services: RuntimeServices) => Reconciler);
  /** Parallel reconciles of different objects (one object is never reconciled twice at once). Default 2. */
  workers?: number;
  /** Deadline of one reconcile; its signal aborts then. Default 60 s. */
  timeoutMs?: number;
  /** Back-off of a key that keeps failing. Default 500 ms doubling up to 60 s. */
  backoff?: BackoffOptions;
  /** Metrics label `adapter` (capsule, vela, kube). */
  adapter?: string;
  /** Changes of other kinds that should reconcile objects of this kind: returns their keys. */
  triggers?: Array<{ kind: Kind; keys(event: ChangeEvent, services: RuntimeServices): string[] | Promise<string[]> }>;
}

export interface RuntimeOptions {
  store: Store;
  logger: Logger;
  metrics?: Metrics;
  reconcilers: readonly ReconcilerRegistration[];
  /** Default: built on the store (createClusterClients). */
  clients?: ClusterClients;
  /** Every object of every registered kind is reconciled again this often. Default 5 min. */
  resyncIntervalMs?: number;
  /** Global rate limit of retries, per controller. Default 20/s, burst 100. */
  rateLimit?: TokenBucketOptions;
}

export interface Runtime extends RuntimeServices {
  /** Queues every object of every registered kind (also runs periodically). */
  resync(): Promise<void>;
  /** Stops taking work, waits for the reconciles in flight, calls `close()` of reconcilers that
   *  have one (their watches), closes cluster clients. */
  stop(): Promise<void>;
}

const logContextOf = (kind: Kind, name: string, requestId: string, adapter?: string): LogContext => ({
  requestId,
  ...(kind === 'Cluster' && { cluster: name }),
  ...(kind === 'Tenant' && { tenant: name }),
  ...(adapter && { adapter }),
});

export function startRuntime(opts: RuntimeOptions): Runtime {
  const { store, logger, metrics } = opts;
  const clients = opts.clients ?? createClusterClients(store);
  const controllers = new Map<Kind, Controller>();

  const enqueue = (key: string, correlationId?: string) => {
    const controller = controllers.get(parseKey(key).kind);
    if (controller) controller.enqueue(key, correlationId);
  };
  const services: RuntimeServices = { store, clients, logger, enqueue, metrics };

  const closers: Array<() => void> = [];
  for (const reg of opts.reconcilers) {
    if (controllers.has(reg.kind)) throw new Error(`two reconcilers registered for ${reg.kind}`);
    const inner: Reconciler & { close?(): void } = typeof reg.reconciler === 'function' ? reg.reconciler(services) : reg.reconciler;
    if (inner.close) closers.push(() => inner.close!());
    const reconciler: Reconciler = {
      reconcile: (req) => {
        const { kind, name } = parseKey(req.key);
        // A reconcile without a triggering write still gets an id of its own in every log line.
        const requestId = req.correlationId ?? `reconcile-${randomUUID()}`;
        return runWithLogContext(logContextOf(kind, name, requestId, reg.adapter), () => inner.reconcile({ ...req, correlationId: requestId }));
      },
    };
    const controller = new Controller(reconciler, {
      workers: reg.workers ?? 2,
      timeoutMs: reg.timeoutMs ?? 60_000,
      backoff: reg.backoff ?? { baseDelayMs: 500, maxDelayMs: 60_000 },
      rateLimit: opts.rateLimit ?? { perSecond: 20, burst: 100 },
      observer: {
        reconciled(key, result: ReconcileResult['type'] | 'error', seconds, error) {
          metrics?.reconcileSeconds.observe({ kind: reg.kind, adapter: reg.adapter ?? '', result }, seconds);
          if (error) {
            const level = result === 'terminal' ? 'error' : 'warn';
            logger[level]({ key, result, err: error, seconds }, `reconcile ${key}: ${result}`);
            if (result === 'error' || result === 'retry') metrics?.adapterErrorsTotal.inc({ adapter: reg.adapter ?? '', operation: 'reconcile' });
          }
        },
      },
    });
    controllers.set(reg.kind, controller);
  }

  const unsubscribe = store.objects.onChange((event) => {
    enqueue(keyOf(event.kind, event.name), event.correlationId);
    for (const reg of opts.reconcilers) {
      for (const trigger of reg.triggers ?? []) {
        if (trigger.kind !== event.kind) continue;
        void (async () => {
          try {
            for (const key of await trigger.keys(event, services)) enqueue(key, event.correlationId);
          } catch (err) {
            logger.warn({ err, event: { kind: event.kind, name: event.name } }, `trigger ${event.kind} → ${reg.kind} failed`);
          }
        })();
      }
    }
  });

  let resyncing: Promise<void> | undefined;
  const resync = () =>
    (resyncing ??= (async () => {
      try {
        for (const kind of controllers.keys()) {
          let cursor: string | undefined;
          do {
            const page = await store.objects.list(kind, { limit: 500, cursor });
            for (const obj of page.items) enqueue(keyOf(kind, obj.name));
            cursor = page.nextCursor;
          } while (cursor);
        }
      } catch (err) {
        logger.warn({ err }, 'resync failed');
      } finally {
        resyncing = undefined;
      }
    })());

  for (const controller of controllers.values()) controller.start();
  void resync();
  const timer = setInterval(() => void resync(), opts.resyncIntervalMs ?? 300_000);
  timer.unref?.();

  let stopped: Promise<void> | undefined;
  return {
    ...services,
    resync,
    stop: () =>
      (stopped ??= (async () => {
        clearInterval(timer);
        unsubscribe();
        await Promise.all([...controllers.values()].map((c) => c.stop()));
        await resyncing;
        for (const close of closers) close();
        clients.close();
      })()),
  };
}
