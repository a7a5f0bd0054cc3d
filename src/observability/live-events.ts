// The live side of the event recorder: every event appended by any replica, once, to the
// subscribers of this one (the SSE streams). Remote events arrive through the store's
// announcements; after a gap in them (the LISTEN connection was lost), the events recorded
// meanwhile are read back from the store, from the newest one delivered before.
import { Listeners } from '../store/changes.js';
import { allPages } from '../store/paging.js';
import type { EventRecord, Store } from '../store/types.js';
import type { Logger } from './logger.js';

/** Ids delivered lately, to skip what a catch-up reads again: far more than can be in flight. */
const REMEMBERED_IDS = 10_000;
const CATCH_UP_PAGE = 500;

export class LiveEvents {
  readonly #subscribers: Listeners<EventRecord>;
  readonly #delivered = new Set<string>();
  /** The highest id delivered; undefined before the first (then there is nothing to catch up from). */
  #newest: bigint | undefined;
  readonly #offs: (() => void)[];

  constructor(
    private readonly store: Store,
    private readonly logger: Logger,
  ) {
    this.#subscribers = new Listeners((err) => logger.warn({ err }, 'event subscriber failed'));
    this.#offs = [store.events.onAppend((e) => this.#deliver(e), { remote: true }), store.objects.onFeedGap(() => void this.#catchUp())];
  }

  subscribe(listener: (e: EventRecord) => void): () => void {
    return this.#subscribers.add(listener);
  }

  close(): void {
    this.#offs.forEach((off) => off());
    this.#subscribers.clear();
  }

  #deliver(e: EventRecord): void {
    if (this.#delivered.has(e.id)) return;
    this.#delivered.add(e.id);
    if (this.#delivered.size > REMEMBERED_IDS) this.#delivered.delete(this.#delivered.values().next().value!);
    const id = BigInt(e.id);
    if (this.#newest === undefined || id > this.#newest) this.#newest = id;
    this.#subscribers.emit(e);
  }

  async #catchUp(): Promise<void> {
    if (this.#newest === undefined || this.#subscribers.size === 0) return;
    try {
      const afterId = String(this.#newest);
      const missed = allPages((cursor) => this.store.events.list({ afterId, limit: CATCH_UP_PAGE, ...(cursor !== undefined && { cursor }) }));
      for await (const e of missed) this.#deliver(e);
    } catch (err) {
      this.logger.warn({ err }, 'reading the events missed during a change feed gap failed');
    }
  }
}
