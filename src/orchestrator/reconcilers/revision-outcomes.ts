// Settles the outcomes of revisions (store/revisions.ts) from the status of their objects, with
// no HTTP request involved: every store change of a kind with history (and every such object at
// start) queues the object; one reconcile reads its status and lets the store mark the revision
// at observedGeneration succeeded (Deployed) or failed (Error), and pending older ones
// superseded. Level-triggered: it acts on the status as it is, so running it twice, or after a
// missed change, gives the same history. It reads only the generic status fields every
// projection reconciler writes (phase, observedGeneration, the Ready condition).
import { reconcileKey, type Kind } from '../../domain/resource.js';
import type { Logger } from '../../observability/logger.js';
import { eachObject } from '../../store/paging.js';
import type { Store } from '../../store/types.js';
import { Controller, type ReconcileRequest, type ReconcileResult, type Reconciler } from '../manager/controller.js';
import { READY } from '../projection/phases.js';
import { parseKey } from '../manager/manager.js';

export class RevisionOutcomeReconciler implements Reconciler {
  constructor(private readonly store: Store) {}

  async reconcile(req: ReconcileRequest): Promise<ReconcileResult> {
    const { kind, name } = parseKey(req.key);
    const obj = await this.store.objects.get(kind, name);
    // A deleting object's status describes the removal, not a revision.
    if (!obj || obj.deletionTimestamp) return { type: 'done' };
    const { phase, observedGeneration, conditions } = obj.status;
    const message = phase === 'Error' ? conditions.find((c) => c.type === READY)?.message : undefined;
    await this.store.revisions.settle(kind, name, {
      generation: obj.generation,
      observedGeneration,
      phase,
      ...(message !== undefined && { message }),
    });
    return { type: 'done' };
  }
}

export interface RevisionOutcomes {
  stop(): Promise<void>;
}

/** Starts settling the revisions of objects of `kinds` (apps) until stopped. */
export function startRevisionOutcomes(opts: { store: Store; logger: Logger; kinds: readonly Kind[] }): RevisionOutcomes {
  const { store, logger, kinds } = opts;
  const controller = new Controller(new RevisionOutcomeReconciler(store), {
    workers: 1,
    timeoutMs: 30_000,
    backoff: { baseDelayMs: 500, maxDelayMs: 30_000 },
    rateLimit: { perSecond: 20, burst: 100 },
    observer: {
      reconciled(key, result, _seconds, error) {
        if (error) logger.warn({ key, result, err: error }, `settling revisions of ${key} failed`);
      },
    },
  });
  const unsubscribe = store.objects.onChange((e) => {
    if (kinds.includes(e.kind) && e.type !== 'deleted') controller.enqueue(reconcileKey(e.kind, e.name), e.correlationId);
  });
  controller.start();
  // Whatever changed while KubeNova was not running.
  const initial = (async () => {
    for (const kind of kinds) for await (const obj of eachObject(store.objects, kind)) controller.enqueue(reconcileKey(kind, obj.name));
  })().catch((err: unknown) => logger.warn({ err }, 'listing objects to settle their revisions failed'));
  return {
    async stop() {
      unsubscribe();
      await initial;
      await controller.stop();
    },
  };
}
