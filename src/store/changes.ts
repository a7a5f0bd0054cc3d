// Where committed writes are announced. A Broadcast carries one kind of message (committed
// object changes: the ChangeFeed; recorded KubeNova events) to this process's listeners after
// the commit, and, on a PostgreSQL server, to the other replicas too: the write stages a NOTIFY
// inside its own transaction (pg-broadcast.ts), so a write commits with its announcement or not
// at all. PGlite has one process, so LocalBroadcast only has local listeners.
import { EventEmitter } from 'node:events';
import type { Broadcast, ChangeEvent } from './types.js';

export type ChangeFeed = Broadcast<ChangeEvent>;

/** Listeners of one message type; a failing listener must neither fail the write that already
 *  committed nor starve the other listeners. */
export class Listeners<T> {
  readonly #emitter = new EventEmitter().setMaxListeners(0);

  constructor(private readonly onError: (err: unknown) => void = (err) => process.emitWarning(`listener failed: ${(err as Error)?.message ?? String(err)}`)) {}

  emit(message: T): void {
    this.#emitter.emit('message', message);
  }

  add(listener: (message: T) => void): () => void {
    const guarded = (m: T) => {
      try {
        listener(m);
      } catch (err) {
        this.onError(err);
      }
    };
    this.#emitter.on('message', guarded);
    return () => this.#emitter.off('message', guarded);
  }

  get size(): number {
    return this.#emitter.listenerCount('message');
  }

  clear(): void {
    this.#emitter.removeAllListeners();
  }
}

/** One process, no other replicas: nothing to stage, never a gap. */
export class LocalBroadcast<T> implements Broadcast<T> {
  readonly #listeners = new Listeners<T>();

  stage(): Promise<void> {
    return Promise.resolve();
  }

  publish(message: T): void {
    this.#listeners.emit(message);
  }

  subscribe(listener: (message: T) => void): () => void {
    return this.#listeners.add(listener);
  }

  onGap(): () => void {
    return () => {};
  }

  close(): void {
    this.#listeners.clear();
  }
}
