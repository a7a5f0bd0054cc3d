// KubeNova events: what happened to an object, in words, with the correlation id of the write
// that caused it. Recorded from the store's change feed (accepted writes and every phase
// transition of an object and of its cluster entries, whoever wrote the status) and by the
// runtime (reconcile failures); appended to the store's events table in commit order, counted
// in kubenova_events_total and handed to live subscribers (the SSE stream). Each replica records
// the events of its own writes (the change feed's default, local subscription), and its live
// subscribers get the events every replica records (the event store announces each append).
//
// Recording happens after the write committed and off the request path: an event can be lost
// if the process dies in between (the object itself never is).
import type { PhaseTransition } from '../domain/phase-transitions.js';
import type { EventRecord, NewEvent } from '../store/records.js';
import type { ChangeEvent, Store } from '../store/types.js';
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

const WARNING_PHASES = new Set(['Error', 'Drifted']);

function transitionEvent(change: ChangeEvent, t: PhaseTransition): NewEvent {
  const where = t.cluster ? ` on cluster ${t.cluster}` : '';
  const why = t.reason && t.reason !== t.to ? `: ${t.reason}` : '';
  const detail = t.message ? ` (${t.message})` : '';
  return {
    type: WARNING_PHASES.has(t.to) ? 'Warning' : 'Normal',
    reason: t.to,
    message: `${t.from ?? 'new'} → ${t.to}${where}${why}${detail}`,
    kind: change.kind,
    name: change.name,
    ...(change.tenant !== undefined && { tenant: change.tenant }),
    ...(t.cluster !== undefined && { cluster: t.cluster }),
    ...(change.correlationId !== undefined && { correlationId: change.correlationId }),
    ...(change.clientRequestId !== undefined && { clientRequestId: change.clientRequestId }),
  };
}

/** The events a committed change stands for (pure). */
export function eventsOfChange(change: ChangeEvent): NewEvent[] {
  const base = {
    kind: change.kind,
    name: change.name,
    ...(change.tenant !== undefined && { tenant: change.tenant }),
    ...(change.correlationId !== undefined && { correlationId: change.correlationId }),
    ...(change.clientRequestId !== undefined && { clientRequestId: change.clientRequestId }),
  };
  const what = `${change.kind} "${change.name}"`;
  const out: NewEvent[] = [];
  if (change.type === 'created') out.push({ ...base, type: 'Normal', reason: 'Created', message: `${what} created` });
  if (change.type === 'deleted') out.push({ ...base, type: 'Normal', reason: 'Deleted', message: `${what} deleted` });
  if (change.specChanged) out.push({ ...base, type: 'Normal', reason: 'Updated', message: `${what}: spec changed` });
  if (change.deletionStarted) out.push({ ...base, type: 'Normal', reason: 'Deleting', message: `${what}: deletion requested` });
  for (const t of change.transitions ?? []) out.push(transitionEvent(change, t));
  return out;
}

export function createEventRecorder(deps: { store: Store; logger: Logger; metrics?: Metrics }): EventRecorder {
  const { store, logger, metrics } = deps;
  const live = new LiveEvents(store, logger);
  let tail: Promise<unknown> = Promise.resolve();

  const record = (e: NewEvent): Promise<EventRecord | undefined> => {
    const next = tail.then(async () => {
      try {
        const stored = await store.events.append(e);
        metrics?.eventsTotal.inc({ kind: e.kind, type: e.type });
        return stored;
      } catch (err) {
        logger.warn({ err, event: { kind: e.kind, name: e.name, reason: e.reason } }, 'recording an event failed');
        return undefined;
      }
    });
    tail = next;
    return next;
  };

  const unsubscribe = store.objects.onChange((change) => {
    for (const e of eventsOfChange(change)) void record(e);
  });

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
