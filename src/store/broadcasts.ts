// The store's two broadcasts, committed object changes and recorded KubeNova events: local on
// PGlite, across replicas (one LISTEN connection, one channel each) on a PostgreSQL server.
import { LocalBroadcast, type ChangeFeed } from './changes.js';
import type { Broadcast, EventRecord, ChangeEvent } from './types.js';
import { PgBroadcast } from './pg-broadcast.js';
import { PgListener, type PgListenerOptions } from './pg-listener.js';
import { SqlEventStore } from './records.js';
import type { Sql } from './sql.js';

export interface StoreBroadcasts {
  changes: ChangeFeed;
  events: Broadcast<EventRecord>;
  close(): Promise<void>;
}

export const CHANGES_CHANNEL = 'kubenova_changes';
export const EVENTS_CHANNEL = 'kubenova_events';

/** The two broadcasts, closed together with whatever else `closeMore` closes. */
function both(changes: ChangeFeed, events: Broadcast<EventRecord>, closeMore: () => Promise<void> = () => Promise.resolve()): StoreBroadcasts {
  return {
    changes,
    events,
    close: async () => {
      changes.close();
      events.close();
      await closeMore();
    },
  };
}

export function localBroadcasts(): StoreBroadcasts {
  return both(new LocalBroadcast<ChangeEvent>(), new LocalBroadcast<EventRecord>());
}

/** A change event without its optional details (the transitions of a big status above all):
 *  what a receiver needs to re-read the object. */
export function essentialChange(e: ChangeEvent): ChangeEvent {
  const { type, kind, name, tenant, resourceVersion, correlationId, statusOnly } = e;
  return {
    type,
    kind,
    name,
    resourceVersion,
    ...(tenant !== undefined && { tenant }),
    ...(correlationId !== undefined && { correlationId }),
    ...(statusOnly && { statusOnly }),
  };
}

export async function openPgBroadcasts(url: string, db: Sql, opts: Partial<PgListenerOptions> = {}): Promise<StoreBroadcasts> {
  const listener = await PgListener.open(url, { ...opts, channels: [CHANGES_CHANNEL, EVENTS_CHANNEL] });
  const records = new SqlEventStore(db);
  const changes = new PgBroadcast<ChangeEvent>(listener, CHANGES_CHANNEL, { shrink: essentialChange });
  const events = new PgBroadcast<EventRecord>(listener, EVENTS_CHANNEL, {
    // An event's message has no bound: a big one is read back by id.
    refOf: (e) => e.id,
    resolve: (id) => records.get(id),
  });
  return both(changes, events, () => listener.close());
}
