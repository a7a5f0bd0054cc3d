// Runs a Reconciler over a WorkQueue with N workers: one result type turned into queue actions
// in one place (the controller-runtime contract), a timeout per reconcile, exceptions caught
// and counted as retryable failures, and the correlation id of the write that caused the work
// handed to the reconcile.
import { PerKeyBackoff, TokenBucket, type BackoffOptions, type TokenBucketOptions } from './rate-limit.js';
import { WorkQueue, type Lane } from './work-queue.js';

export type ReconcileResult =
  | { type: 'done' }
  /** Converged for now, but look again later (e.g. waiting on a cluster to report status).
   *  `converging`: the change is still under way, so the next reconcile (whatever wakes it)
   *  keeps the cause of this one (its correlation id and trace). */
  | { type: 'requeueAfter'; delayMs: number; converging?: boolean }
  /** Failed in a way that may pass: retried with per-key exponential back-off. */
  | { type: 'retry'; error: Error }
  /** Failed in a way that will not pass by retrying (bad intent): recorded, never retried. */
  | { type: 'terminal'; error: Error };

export interface ReconcileRequest {
  key: string;
  /** The request id of the latest write that enqueued this key, if any. */
  correlationId?: string;
  /** That write's W3C traceparent, when it was traced: the reconcile continues its trace. */
  traceparent?: string;
  signal: AbortSignal;
  /** How many times in a row this key has failed before this attempt. */
  attempt: number;
}

export interface Reconciler {
  reconcile(req: ReconcileRequest): Promise<ReconcileResult>;
}

/** What the controller reports; the observability layer turns it into metrics and logs. */
export interface ControllerObserver {
  reconciled?(key: string, result: ReconcileResult['type'] | 'error', seconds: number, error?: Error): void;
  activeWorkers?(n: number): void;
  queueDepth?(n: number): void;
  retried?(key: string): void;
}

export interface ControllerOptions {
  workers: number;
  timeoutMs: number;
  backoff: BackoffOptions;
  rateLimit: TokenBucketOptions;
  observer?: ControllerObserver;
}

/** What caused the next reconcile of a key: the latest write's ids. */
interface Cause {
  correlationId: string;
  traceparent?: string;
}

export class TimeoutError extends Error {
  constructor(ms: number) {
    super(`reconcile timed out after ${ms} ms`);
  }
}

export class Controller {
  private readonly queue: WorkQueue;
  private readonly backoff: PerKeyBackoff;
  private readonly bucket: TokenBucket;
  private readonly correlation = new Map<string, Cause>();
  private workers: Promise<void>[] = [];
  private active = 0;

  constructor(
    private readonly reconciler: Reconciler,
    private readonly opts: ControllerOptions,
  ) {
    this.queue = new WorkQueue({ depth: (n) => opts.observer?.queueDepth?.(n) });
    this.backoff = new PerKeyBackoff(opts.backoff);
    this.bucket = new TokenBucket(opts.rateLimit);
  }

  /** Queues `key`; `correlationId` and `traceparent` (latest write wins) are handed to its next
   *  reconcile. */
  enqueue(key: string, correlationId?: string, traceparent?: string): void {
    if (correlationId) this.correlation.set(key, traceparent ? { correlationId, traceparent } : { correlationId });
    this.queue.add(key);
  }

  enqueueAfter(key: string, delayMs: number): void {
    this.queue.addAfter(key, delayMs);
  }

  /** Queues `key` in `lane` (work-queue.ts), with no write's cause. */
  enqueueIn(lane: Lane, key: string): void {
    this.queue.add(key, lane);
  }

  /** Queues `key` in the background lane unless a reconcile of it is already queued, running or
   *  scheduled. */
  enqueueUnlessScheduled(key: string): void {
    if (!this.queue.isScheduled(key)) this.queue.add(key, 'background');
  }

  start(): void {
    for (let i = 0; i < this.opts.workers; i++) this.workers.push(this.work());
  }

  /** Stops taking work and waits for the reconciles in flight to finish. */
  async stop(): Promise<void> {
    this.queue.shutDown();
    await Promise.all(this.workers);
    this.workers = [];
  }

  private async work(): Promise<void> {
    for (let key = await this.queue.get(); key !== undefined; key = await this.queue.get()) {
      this.setActive(+1);
      const cause = this.correlation.get(key);
      try {
        const result = await this.run(key, cause);
        // A retry, or a change still converging, keeps its cause; a success forgets it unless a
        // newer write replaced it.
        const succeeded = result.type !== 'retry' && result.type !== 'error' && !(result.type === 'requeueAfter' && result.converging);
        if (succeeded && this.correlation.get(key) === cause) this.correlation.delete(key);
        this.apply(key, result);
      } finally {
        this.setActive(-1);
        this.queue.done(key);
      }
    }
  }

  private async run(key: string, cause: Cause | undefined): Promise<ReconcileResult | { type: 'error'; error: Error }> {
    const abort = new AbortController();
    const started = performance.now();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const err = new TimeoutError(this.opts.timeoutMs);
        abort.abort(err);
        reject(err);
      }, this.opts.timeoutMs);
    });
    let result: ReconcileResult | { type: 'error'; error: Error };
    try {
      const attempt = this.backoff.failuresOf(key);
      result = await Promise.race([
        this.reconciler.reconcile({ key, correlationId: cause?.correlationId, traceparent: cause?.traceparent, signal: abort.signal, attempt }),
        timeout,
      ]);
    } catch (e) {
      result = { type: 'error', error: e instanceof Error ? e : new Error(String(e)) };
    } finally {
      clearTimeout(timer);
    }
    const error = 'error' in result ? result.error : undefined;
    this.opts.observer?.reconciled?.(key, result.type, (performance.now() - started) / 1000, error);
    return result;
  }

  private apply(key: string, result: ReconcileResult | { type: 'error'; error: Error }): void {
    switch (result.type) {
      case 'done':
      case 'terminal':
        this.backoff.forget(key);
        return;
      case 'requeueAfter':
        this.backoff.forget(key);
        this.queue.addAfter(key, result.delayMs);
        return;
      case 'retry':
      case 'error':
        this.opts.observer?.retried?.(key);
        this.queue.addAfter(key, Math.max(this.backoff.next(key), this.bucket.reserve()));
        return;
    }
  }

  private setActive(delta: number): void {
    this.active += delta;
    this.opts.observer?.activeWorkers?.(this.active);
  }
}
