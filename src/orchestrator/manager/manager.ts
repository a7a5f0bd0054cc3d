// The reconcile runtime the server process starts: one Controller (work queue + workers) per
// registered kind, fed by the store's change feed (`Kind/name` keys carrying the write's
// correlation id), by triggers between kinds (a Cluster's change → the tenants placed on it) and
// by a periodic resync of every object; a ClusterClient cache shared by all reconcilers; metrics
// and log context per reconcile; and a graceful stop (the reconciles in flight finish). With
// several replicas, a WorkShare (shards.ts) decides which keys this one reconciles: it queues only
// those, runs each reconcile under its shard's fencing token, and resyncs when it gains shards.
import { randomUUID } from 'node:crypto';
import { reconcileKey, type Kind } from '../../domain/resource.js';
import { runWithLogContext, type LogContext } from '../../observability/context.js';
import type { EventRecorder } from '../../observability/events.js';
import type { Logger } from '../../observability/logger.js';
import type { Metrics } from '../../observability/metrics.js';
import { contextOf, inSpan, SpanKind, trace } from '../../observability/tracing.js';
import { FencedError, runFenced } from '../../store/leases.js';
import { eachObject } from '../../store/paging.js';
import type { ChangeEvent, Store } from '../../store/types.js';
import { createClusterClients, type ClusterClients } from './cluster-clients.js';
import { Controller, type Reconciler, type ReconcileRequest, type ReconcileResult } from './controller.js';
import type { BackoffOptions, TokenBucketOptions } from './rate-limit.js';
import { WHOLE_SHARE, type Claim, type WorkShare } from './shards.js';
import type { Lane } from './work-queue.js';

/** `Kind/name`: the work-queue key of an object. */

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
  /** For reconcilers that count (countDriftRepair). */
  metrics?: Metrics;
  /** KubeNova events beyond those the store's changes make (see observability/events.ts). */
  events?: EventRecorder;
  /** Queues `Kind/name` on its kind's controller (follow-ups of a write). */
  enqueue(key: string, correlationId?: string, traceparent?: string): void;
  /** Queues `Kind/name` in a lane of its kind's queue (work-queue.ts): `observed` for what a
   *  cluster's watch reported, `background` for a watch's first list. */
  enqueueIn(lane: Lane, key: string): void;
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
  /** Whether a change of only an object's status wakes its own reconciler (default true). A
   *  reconciler that writes its object's status itself and schedules its own next look says
   *  false: its report is then not taken for a request to act (controller-runtime's
   *  GenerationChangedPredicate). Triggers of other kinds see status-only changes unless they
   *  say otherwise (Trigger.onStatus). */
  wakeOnOwnStatus?: boolean;
  /** Changes of other kinds that should reconcile objects of this kind. */
  triggers?: Trigger[];
}

/** Changes of `kind` that wake objects of another kind: `keys` says which. */
export interface Trigger {
  kind: Kind;
  /** Which changes of only the other object's status wake them: `any` (the default), `phase`
   *  (only one that changes a phase, the object's or a cluster entry's), or `none`. Narrower
   *  when the woken kind reads less of that status: a tenant's usage, reported as its quotas
   *  fill, is nothing its projects plan from, and waking them all on each report is work for
   *  nothing; that the tenant became Deployed is something they wait for. */
  onStatus?: 'any' | 'phase' | 'none';
  keys(event: ChangeEvent, services: RuntimeServices): string[] | Promise<string[]>;
}

export interface RuntimeOptions {
  store: Store;
  logger: Logger;
  metrics?: Metrics;
  /** Where reconcile failures are recorded as Warning events. */
  events?: EventRecorder;
  reconcilers: readonly ReconcilerRegistration[];
  /** Default: built on the store (createClusterClients). */
  clients?: ClusterClients;
  /** How often every object of every registered kind that has no reconcile queued, running or
   *  scheduled is reconciled. Default 30 min: a safety net only (controller-runtime's resync is
   *  10 h). Changes arrive by the feed and the cluster watches, and every reconciler schedules
   *  its own next look (projected kinds every 30 min once settled), so an idle replica's pass
   *  queues next to nothing: objects with a look pending are not looked at twice. */
  resyncIntervalMs?: number;
  /** Global rate limit of retries, per controller. Default 20/s, burst 100. */
  rateLimit?: TokenBucketOptions;
  /** Which keys this replica reconciles. Default: all of them (one process). */
  share?: WorkShare;
}

/** A resync pass queues every object (`all`), or only those with no reconcile queued, running
 *  or scheduled (`unscheduled`: the periodic pass, a net under what no reconciler looks at
 *  again by itself). */
export type ResyncScope = 'all' | 'unscheduled';

export interface Runtime extends RuntimeServices {
  /** Queues the objects of every registered kind (`all` by default; the periodic pass queues
   *  the unscheduled ones). */
  resync(scope?: ResyncScope): Promise<void>;
  /** Stops taking work, waits for the reconciles in flight, calls and awaits `close()` of
   *  reconcilers that have one (their watches, Kubernetes Events still being written), closes
   *  cluster clients. */
  stop(): Promise<void>;
}

const logContextOf = (kind: Kind, name: string, requestId: string, adapter?: string): LogContext => ({
  requestId,
  ...(kind === 'Cluster' && { cluster: name }),
  ...(kind === 'Tenant' && { tenant: name }),
  ...(adapter && { adapter }),
});

/** Whether `event` wakes what `trigger` names, as far as its status-only changes go. */
function wakesOnStatus(trigger: Pick<Trigger, 'onStatus'>, event: Pick<ChangeEvent, 'statusOnly' | 'transitions'>): boolean {
  if (!event.statusOnly) return true;
  const mode = trigger.onStatus ?? 'any';
  return mode === 'any' || (mode === 'phase' && (event.transitions?.length ?? 0) > 0);
}

export function startRuntime(opts: RuntimeOptions): Runtime {
  const { store, logger, metrics, events } = opts;
  const clients = opts.clients ?? createClusterClients(store);
  const controllers = new Map<Kind, Controller>();
  const quietOnStatus = new Set(opts.reconcilers.filter((r) => r.wakeOnOwnStatus === false).map((r) => r.kind));
  const share = opts.share ?? WHOLE_SHARE;

  // Keys of shards other replicas hold are theirs to queue (they hear of the same changes).
  const enqueue = (key: string, correlationId?: string, traceparent?: string) => {
    const controller = controllers.get(parseKey(key).kind);
    if (controller && share.owns(key)) controller.enqueue(key, correlationId, traceparent);
  };
  const enqueueIn = (lane: Lane, key: string) => {
    const controller = controllers.get(parseKey(key).kind);
    if (controller && share.owns(key)) controller.enqueueIn(lane, key);
  };
  const services: RuntimeServices = { store, clients, logger, enqueue, enqueueIn, ...(metrics && { metrics }), ...(events && { events }) };
  const recordFailure = async (kind: Kind, name: string, error: Error, correlationId: string | undefined) => {
    if (!events) return;
    const obj = await store.objects.get(kind, name).catch(() => undefined);
    await events.record({
      type: 'Warning',
      reason: 'ReconcileFailed',
      message: error.message,
      kind,
      name,
      ...(obj?.tenant !== undefined && { tenant: obj.tenant }),
      ...(kind === 'Cluster' && { cluster: name }),
      ...(correlationId !== undefined && { correlationId }),
    });
  };

  /** A reconcile whose shard was lost or handed over: left to the replica that holds it now. */
  const fenced = (kind: Kind, key: string, why: unknown): ReconcileResult => {
    metrics?.reconcilesFencedTotal.inc({ kind });
    logger.info({ key, replica: share.replica, reason: (why as Error)?.message ?? String(why) }, `reconcile ${key} handed over`);
    return { type: 'done' };
  };

  const closers: Array<() => Promise<void>> = [];
  for (const reg of opts.reconcilers) {
    if (controllers.has(reg.kind)) throw new Error(`two reconcilers registered for ${reg.kind}`);
    const inner: Reconciler & { close?(): void | Promise<void> } = typeof reg.reconciler === 'function' ? reg.reconciler(services) : reg.reconciler;
    if (inner.close) closers.push(async () => inner.close!());
    const lastCause = new Map<string, string>();
    const claimed: Reconciler = {
      reconcile: async (req) => {
        const claim = share.claim(req.key);
        if (!claim) return { type: 'done' }; // its shard has moved to another replica
        try {
          return await reconcileClaimed(req, claim);
        } finally {
          claim.done();
        }
      },
    };
    /** One reconcile under its claim: fenced writes, aborted when the shard is handed over. */
    const reconcileClaimed = async (req: ReconcileRequest, claim: Claim): Promise<ReconcileResult> => {
      const signal = claim.signal ? AbortSignal.any([req.signal, claim.signal]) : req.signal;
      // `fence`, not `token`: the logger redacts fields named token.
      const audit = claim.fence && { key: req.key, replica: share.replica, pid: process.pid, shard: claim.fence.shard, fence: claim.fence.token };
      if (audit) logger.debug({ ...audit, at: Date.now() }, 'reconcile started');
      let result: ReconcileResult | undefined;
      try {
        const run = () => reconciler.reconcile({ ...req, signal });
        const body = claim.fence ? runFenced(claim.fence, run) : run();
        // The claim ends when the shard is lost, whatever the body is still waiting on: from then
        // on its cluster calls are aborted and its store writes fenced, so it can do nothing.
        result = await (claim.signal ? untilAborted(body, claim.signal) : body);
        if (claim.signal?.aborted && result.type !== 'done') return fenced(reg.kind, req.key, claim.signal.reason);
        return result;
      } catch (err) {
        if (err instanceof FencedError || claim.signal?.aborted) return fenced(reg.kind, req.key, err);
        throw err;
      } finally {
        if (audit) logger.debug({ ...audit, at: Date.now(), result: result?.type ?? 'aborted' }, 'reconcile finished');
      }
    };
    const reconciler: Reconciler = {
      reconcile: (req) => {
        const { kind, name } = parseKey(req.key);
        // A reconcile without a triggering write (resync, watch) still gets an id of its own.
        const requestId = req.correlationId ?? `reconcile-${randomUUID()}`;
        lastCause.set(req.key, requestId);
        // Child of the span of the write that caused it (same trace), and linked to it.
        const parent = contextOf(req.traceparent);
        const caused = parent && trace.getSpanContext(parent);
        const attributes = { 'kubenova.kind': kind, 'kubenova.key': req.key, 'kubenova.correlation_id': requestId, 'kubenova.attempt': req.attempt };
        return inSpan(`reconcile ${kind}`, { kind: SpanKind.INTERNAL, attributes, parent, links: caused ? [{ context: caused }] : [] }, async (span) => {
          const result = await runWithLogContext(logContextOf(kind, name, requestId, reg.adapter), () => inner.reconcile({ ...req, correlationId: requestId }));
          span.setAttribute('kubenova.result', result.type);
          return result;
        });
      },
    };
    const controller = new Controller(claimed, {
      workers: reg.workers ?? 2,
      timeoutMs: reg.timeoutMs ?? 60_000,
      backoff: reg.backoff ?? { baseDelayMs: 500, maxDelayMs: 60_000 },
      rateLimit: opts.rateLimit ?? { perSecond: 20, burst: 100 },
      observer: {
        reconciled(key, result: ReconcileResult['type'] | 'error', seconds, error) {
          metrics?.reconcileSeconds.observe({ kind: reg.kind, adapter: reg.adapter ?? '', result }, seconds);
          const correlationId = lastCause.get(key);
          lastCause.delete(key);
          if (error) {
            const { kind, name } = parseKey(key);
            const level = result === 'terminal' ? 'error' : 'warn';
            runWithLogContext(logContextOf(kind, name, correlationId ?? 'unknown', reg.adapter), () =>
              logger[level]({ key, result, err: error, seconds }, `reconcile ${key}: ${result}`),
            );
            if (result === 'error' || result === 'retry') metrics?.adapterErrorsTotal.inc({ adapter: reg.adapter ?? '', operation: 'reconcile' });
            void recordFailure(kind, name, error, correlationId);
          }
        },
        queueDepth: (n) => metrics?.queueDepth.set({ kind: reg.kind }, n),
        activeWorkers: (n) => metrics?.activeWorkers.set({ kind: reg.kind }, n),
        retried: () => metrics?.retriesTotal.inc({ kind: reg.kind }),
      },
    });
    controllers.set(reg.kind, controller);
    // Shown from the start, not only once a key had to wait.
    metrics?.queueDepth.set({ kind: reg.kind }, 0);
    metrics?.activeWorkers.set({ kind: reg.kind }, 0);
  }

  // Other replicas' writes too: a key of this replica's shards may be written through any of them.
  const unsubscribe = store.objects.onChange(
    (event) => {
      if (!event.statusOnly || !quietOnStatus.has(event.kind)) enqueue(reconcileKey(event.kind, event.name), event.correlationId, event.traceparent);
      for (const reg of opts.reconcilers) {
        for (const trigger of reg.triggers ?? []) {
          if (trigger.kind !== event.kind || !wakesOnStatus(trigger, event)) continue;
          void (async () => {
            try {
              for (const key of await trigger.keys(event, services)) enqueue(key, event.correlationId, event.traceparent);
            } catch (err) {
              logger.warn({ err, event: { kind: event.kind, name: event.name } }, `trigger ${event.kind} → ${reg.kind} failed`);
            }
          })();
        }
      }
    },
    { remote: true },
  );
  // Changes of other replicas missed while the database connection was down: look at everything.
  const stopGap = store.objects.onFeedGap(() => void resync());

  let stopped: Promise<void> | undefined;
  let resyncing: Promise<void> | undefined;
  // Asked for while one runs (shards gained mid-way): one more pass follows it, a whole one if
  // any of the asks was.
  let again: ResyncScope | undefined;
  const resync = (scope: ResyncScope = 'all'): Promise<void> => {
    if (resyncing) {
      again = again === 'all' || scope === 'all' ? 'all' : 'unscheduled';
      return resyncing;
    }
    return (resyncing = (async () => {
      try {
        for (const [kind, controller] of controllers) {
          for await (const obj of eachObject(store.objects, kind)) {
            const key = reconcileKey(kind, obj.name);
            // Looks, not changes: behind any change that comes meanwhile (the background lane).
            if (scope === 'all') enqueueIn('background', key);
            else if (share.owns(key)) controller.enqueueUnlessScheduled(key);
          }
        }
      } catch (err) {
        logger.warn({ err }, 'resync failed');
      } finally {
        resyncing = undefined;
        const next = again;
        again = undefined;
        if (next && !stopped) void resync(next);
      }
    })());
  };

  for (const controller of controllers.values()) controller.start();
  void resync();
  // Gained shards: their objects were queued by other replicas, or by nobody.
  const stopGained = share.onGained(() => void resync());
  const timer = setInterval(() => void resync('unscheduled'), opts.resyncIntervalMs ?? 1_800_000);
  timer.unref?.();

  return {
    ...services,
    resync,
    stop: () =>
      (stopped ??= (async () => {
        clearInterval(timer);
        unsubscribe();
        stopGap();
        stopGained();
        await Promise.all([...controllers.values()].map((c) => c.stop()));
        await resyncing;
        await Promise.all(closers.map((close) => close()));
        clients.close();
      })()),
  };
}

/** `work`, or the signal's abort, whichever comes first; `work`'s late outcome is dropped. */
function untilAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) {
    work.catch(() => undefined);
    return Promise.reject(signal.reason as Error);
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason as Error);
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}
