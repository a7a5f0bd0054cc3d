// A Broadcast across the replicas sharing one PostgreSQL database: the write's transaction
// NOTIFYs its channel (delivered to every listening session at commit, in commit order, never
// if it rolls back), each replica's PgListener hears it, and hands it to the listeners that
// asked for remote messages. A replica skips its own announcements: its listeners got them
// from `publish` after the commit already.
import { Listeners } from './changes.js';
import { type Broadcast, type SubscribeOptions } from './types.js';
import type { PgListener } from './pg-listener.js';
import type { Sql } from './sql.js';

/** PostgreSQL refuses payloads of 8000 bytes or more; this leaves room for the envelope. */
export const MAX_PAYLOAD_BYTES = 7_900;

/** How messages too large for one notification travel. */
export interface WireFormat<T> {
  /** A smaller form that still says what changed (e.g. without optional details receivers
   *  re-read anyway). */
  shrink?(message: T): T;
  /** Else a reference (an id) receivers resolve with `resolve`. */
  refOf?(message: T): string;
  resolve?(this: void, ref: string): Promise<T | undefined>;
}

/** On the wire: origin, and the message or a reference to it. */
type Envelope<T> = { o: string; m: T } | { o: string; ref: string };

export class PgBroadcast<T> implements Broadcast<T> {
  readonly #all = new Listeners<T>();
  readonly #remote = new Listeners<T>();
  /** Remote messages are delivered one after the other, in commit order, even when some must
   *  be resolved first. */
  #delivering: Promise<void> = Promise.resolve();

  constructor(
    private readonly listener: PgListener,
    private readonly channel: string,
    private readonly wire: WireFormat<T> = {},
  ) {
    listener.onNotification(channel, (payload) => this.#receive(payload));
  }

  async stage(tx: Sql, message: T): Promise<void> {
    await tx.query('SELECT pg_notify($1, $2)', [this.channel, this.encode(message)]);
  }

  /** The payload announcing `message`, within MAX_PAYLOAD_BYTES. */
  encode(message: T): string {
    const o = this.listener.origin;
    const fits = (s: string) => Buffer.byteLength(s) <= MAX_PAYLOAD_BYTES;
    let payload = JSON.stringify({ o, m: message } satisfies Envelope<T>);
    if (fits(payload) || (!this.wire.shrink && !this.wire.refOf)) return payload;
    if (this.wire.shrink) payload = JSON.stringify({ o, m: this.wire.shrink(message) } satisfies Envelope<T>);
    if (!fits(payload) && this.wire.refOf) payload = JSON.stringify({ o, ref: this.wire.refOf(message) } satisfies Envelope<T>);
    return payload;
  }

  publish(message: T): void {
    this.#all.emit(message);
  }

  subscribe(listener: (message: T) => void, opts: SubscribeOptions = {}): () => void {
    const offs = [this.#all.add(listener), ...(opts.remote ? [this.#remote.add(listener)] : [])];
    return () => offs.forEach((off) => off());
  }

  onGap(listener: () => void): () => void {
    return this.listener.onGap(listener);
  }

  close(): void {
    this.#all.clear();
    this.#remote.clear();
  }

  #receive(payload: string): void {
    let envelope: Envelope<T>;
    try {
      envelope = JSON.parse(payload) as Envelope<T>;
    } catch {
      process.emitWarning(`postgres broadcast ${this.channel}: ignoring a payload that is not JSON`);
      return;
    }
    if (envelope.o === this.listener.origin) return;
    if ('m' in envelope) {
      this.#delivering = this.#delivering.then(() => this.#remote.emit(envelope.m));
      return;
    }
    const { resolve } = this.wire;
    if (!resolve) return;
    this.#delivering = this.#delivering.then(async () => {
      try {
        const message = await resolve(envelope.ref);
        if (message !== undefined) this.#remote.emit(message);
      } catch (err) {
        process.emitWarning(`postgres broadcast ${this.channel}: reading ${envelope.ref} failed: ${(err as Error).message}`);
      }
    });
  }
}
