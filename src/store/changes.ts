// Where committed changes go. In-process for now; a multi-replica feed (LISTEN/NOTIFY, fed by
// the same publish call after commit) implements the same interface later.
import { EventEmitter } from 'node:events';
import type { ChangeEvent } from './types.js';

/** Per object, events follow commit order (the row lock serialises its writes). Across objects
 *  on PostgreSQL, two commits of the same instant may be published in either order; consumers
 *  are level-triggered and re-read the object anyway. */
export interface ChangeFeed {
  /** Called once per committed write, after the commit. */
  publish(event: ChangeEvent): void;
  subscribe(listener: (e: ChangeEvent) => void): () => void;
  close(): void;
}

export class LocalChangeFeed implements ChangeFeed {
  readonly #emitter = new EventEmitter().setMaxListeners(0);

  publish(event: ChangeEvent): void {
    this.#emitter.emit('change', event);
  }

  subscribe(listener: (e: ChangeEvent) => void): () => void {
    // A failing listener must neither fail the write that already committed nor starve the
    // other listeners.
    const guarded = (e: ChangeEvent) => {
      try {
        listener(e);
      } catch (err) {
        process.emitWarning(`change listener failed: ${(err as Error)?.message ?? String(err)}`);
      }
    };
    this.#emitter.on('change', guarded);
    return () => this.#emitter.off('change', guarded);
  }

  close(): void {
    this.#emitter.removeAllListeners();
  }
}
