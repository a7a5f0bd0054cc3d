// KubeNova events: what happened to an object, in words, with the correlation id of the write
// that caused it. The events of object changes (accepted writes and every phase transition of
// an object and of its cluster entries, whoever wrote the status) are written by the store in
// the change's own transaction (store/object-events.ts): an acknowledged write always has its
// events. The runtime records the others here (reconcile failures), appended in order. Every
// event this replica stores is counted in kubenova_events_total; live subscribers (the SSE
// stream) get the events every replica stores (the event store announces each append).
import type { EventRecord, NewEvent, Store } from '../store/types.js';
import { LiveEvents } from './live-events.js';
import type { Logger } from './logger.js';
import type { Metrics } from './metrics.js';

export interface EventRecorder {
  /** Appends one event (after those already pending); never throws: a failure is logged. */
  record(e: NewEvent): Promise<EventRecord | undefined>;
  /** Every event recorded from now on, with its id, by this replica or another one. */
  subscribe(listener: (e: EventRecord) => void): () => void;
  /** Resolves once every event recorded so far is stored. */
  flush(): Promise<void>;
  /** Stops listening to the store. */
  close(): void;
}

export function createEventRecorder(deps: { store: Store; logger: Logger; metrics?: Metrics }): EventRecorder {
  const { store, logger, metrics } = deps;
  const live = new LiveEvents(store, logger);
  let tail: Promise<unknown> = Promise.resolve();

  const record = (e: NewEvent): Promise<EventRecord | undefined> => {
    const next = tail.then(async () => {
      try {
        return await store.events.append(e);
      } catch (err) {
        logger.warn({ err, event: { kind: e.kind, name: e.name, reason: e.reason } }, 'recording an event failed');
        return undefined;
      }
    });
    tail = next;
    return next;
  };

  // This replica's appends: its own records and those of its object writes.
  const unsubscribe = store.events.onAppend((e) => metrics?.eventsTotal.inc({ kind: e.kind, type: e.type }));

  return {
    record,
    subscribe: (listener) => live.subscribe(listener),
    flush: () => tail.then(() => undefined),
    close() {
      unsubscribe();
      live.close();
    },
  };
}
