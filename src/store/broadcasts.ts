// The store's two broadcasts, committed object changes and recorded KubeNova events: local on
// PGlite, across replicas (one LISTEN connection, one channel each) on a PostgreSQL server.
import { LocalBroadcast, type ChangeFeed } from './changes.js';
import type { Broadcast, EventRecord, ChangeEvent } from './types.js';
import { MAX_PAYLOAD_BYTES, PgBroadcast } from './pg-broadcast.js';
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

/** A change event without its optional details (the messages of a big status above all): what
 *  a receiver needs to re-read the object, and which phases changed (triggers wake on those). */
export function essentialChange(e: ChangeEvent): ChangeEvent {
  const { type, kind, name, tenant, resourceVersion, correlationId, statusOnly, transitions } = e;
  const base: ChangeEvent = {
    type,
    kind,
    name,
    resourceVersion,
    ...(tenant !== undefined && { tenant }),
    ...(correlationId !== undefined && { correlationId }),
  };
  if (!transitions?.length) return { ...base, ...(statusOnly && { statusOnly }) };
  const compact: ChangeEvent = { ...base, ...(statusOnly && { statusOnly }), transitions: transitions.map((t) => ({ ...t, message: '' })) };
  // Still too big (phases changed on very many clusters at once): without them, and then not
  // marked status-only either, so that every receiver wakes as for any change and none misses
  // a phase change it waits for. (Room is left for the envelope: origin and framing.)
  return Buffer.byteLength(JSON.stringify(compact)) <= MAX_PAYLOAD_BYTES - 200 ? compact : base;
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
