// Kubernetes Events (events.k8s.io/v1) on the objects KubeNova projects, for the same phase
// transitions its own events record, carrying the correlation id (annotation and note) so a
// cluster user can follow a change back to the API call. Best effort: a failure is logged and
// never fails a reconcile, and the write happens off the reconcile's path (KubeEventRecorder).
import { randomBytes } from 'node:crypto';
import type { ClusterClient, KubeObject } from './types.js';
import { currentLogContext } from '../../observability/context.js';
import type { Logger } from '../../observability/logger.js';

export const CORRELATION_ANNOTATION = 'kubenova.io/correlation-id';
export const REPORTING_CONTROLLER = 'kubenova';
const MAX_NOTE = 1024;

export interface KubeEventInput {
  type: 'Normal' | 'Warning';
  reason: string;
  /** What KubeNova did: Reconcile, Delete. */
  action: string;
  note: string;
  correlationId?: string;
}

/** The Event for `regarding` (pure apart from its random name suffix and time). */
export function kubeEventFor(regarding: KubeObject, e: KubeEventInput, now = new Date()): KubeObject {
  const { name, namespace, uid } = regarding.metadata;
  const note = e.correlationId ? `${e.note} [correlation id ${e.correlationId}]` : e.note;
  return {
    apiVersion: 'events.k8s.io/v1',
    kind: 'Event',
    metadata: {
      name: `${name}.${now.getTime().toString(16)}${randomBytes(3).toString('hex')}`,
      // An Event of a cluster-scoped object (a Capsule Tenant, a Namespace) lives in `default`.
      namespace: namespace ?? 'default',
      labels: { 'app.kubernetes.io/managed-by': 'kubenova' },
      ...(e.correlationId && { annotations: { [CORRELATION_ANNOTATION]: e.correlationId } }),
    },
    eventTime: now.toISOString().replace(/Z$/, '000Z'),
    reportingController: REPORTING_CONTROLLER,
    reportingInstance: REPORTING_CONTROLLER,
    action: e.action,
    reason: e.reason,
    type: e.type,
    note: note.length > MAX_NOTE ? `${note.slice(0, MAX_NOTE - 1)}…` : note,
    regarding: {
      apiVersion: regarding.apiVersion,
      kind: regarding.kind,
      name,
      ...(namespace && { namespace }),
      ...(uid && { uid }),
    },
  };
}

export interface KubeEventRecorderOptions {
  /** Events written at once (default 4). */
  concurrency?: number;
  /** Events waiting beyond this many are dropped, newest first (default 1,000). */
  maxPending?: number;
  logger?: Logger;
}

/**
 * Writes Kubernetes Events off the caller's path, as client-go's event broadcaster does:
 * `record` returns at once and a small pool writes them in the order recorded. In a tenant's
 * namespace every write waits for the admission webhooks (about a second on a busy cluster), and
 * a reconcile that waited for its Event held a worker that long for a report nobody reads on the
 * way. A bounded queue keeps a slow or unreachable cluster from growing memory: past
 * `maxPending` an Event is dropped and logged, like client-go's full broadcaster channel.
 */
export class KubeEventRecorder {
  private readonly queue: Array<() => Promise<void>> = [];
  private running = 0;
  private idle: Array<() => void> = [];
  private droppedCount = 0;
  private readonly concurrency: number;
  private readonly maxPending: number;

  constructor(private readonly opts: KubeEventRecorderOptions = {}) {
    this.concurrency = opts.concurrency ?? 4;
    this.maxPending = opts.maxPending ?? 1_000;
  }

  /** Queues the Event (its time and the log context's request id are taken now). */
  record(client: Pick<ClusterClient, 'cluster' | 'apply'>, regarding: KubeObject, e: KubeEventInput): void {
    if (this.queue.length >= this.maxPending) {
      this.droppedCount++;
      this.opts.logger?.warn(
        { cluster: client.cluster, reason: e.reason, pending: this.queue.length },
        'Kubernetes Event dropped: too many waiting to be written',
      );
      return;
    }
    const event = kubeEventFor(regarding, e);
    const requestId = currentLogContext()?.requestId;
    this.queue.push(async () => {
      try {
        await client.apply(event);
      } catch (err) {
        this.opts.logger?.warn(
          { err, cluster: client.cluster, regarding: { kind: regarding.kind, name: regarding.metadata.name }, request_id: requestId },
          'emitting a Kubernetes Event failed',
        );
      }
    });
    this.pump();
  }

  /** Events dropped because the queue was full. */
  get dropped(): number {
    return this.droppedCount;
  }

  /** Resolves once every Event recorded so far is written (or has failed), or after `timeoutMs`. */
  flush(timeoutMs = 5_000): Promise<void> {
    if (this.running === 0 && this.queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, timeoutMs);
      timer.unref?.();
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.idle.push(done);
    });
  }

  private pump(): void {
    while (this.running < this.concurrency && this.queue.length > 0) {
      const write = this.queue.shift()!;
      this.running++;
      void write().finally(() => {
        this.running--;
        if (this.queue.length > 0) this.pump();
        else if (this.running === 0) for (const done of this.idle.splice(0)) done();
      });
    }
  }
}
