// A work queue keyed by object, in the shape of client-go's workqueue: a key is queued at most
// once; a key being worked on is never handed to a second worker, and if it is added meanwhile
// it is queued again once the worker is done (so no change is lost and none is worked twice at
// once). Delayed adds (back-off, requeue-after) wait in timers, never in a busy loop.
//
// Three lanes, served strictly in order (as controller-runtime's priority queue serves its
// priorities): `observed` for what a cluster reported about work already applied (finishing it
// is cheap and is what the user waits for), `normal` for changes, `background` for the looks of
// a resync (thousands at start-up must not hold up a user's change). A key added again in a
// higher lane moves up; it never moves down.

export type Lane = 'observed' | 'normal' | 'background';
const LANES: readonly Lane[] = ['observed', 'normal', 'background'];
const rank = (lane: Lane) => LANES.indexOf(lane);

export interface WorkQueueHooks {
  /** Called whenever the number of keys waiting to be worked on changes. */
  depth?(n: number): void;
}

/** A key's place in a lane: `seq` tells a live entry from one its key has left. */
interface Entry {
  key: string;
  seq: number;
}

/** First in, first out, with O(1) removal at the head. */
class Fifo {
  private items: Entry[] = [];
  private head = 0;
  push(entry: Entry): void {
    this.items.push(entry);
  }
  shift(): Entry | undefined {
    if (this.head >= this.items.length) return undefined;
    const entry = this.items[this.head++];
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return entry;
  }
}
export class WorkQueue {
  /** Per lane, keys in the order added; an entry whose key has since moved up a lane (or was
   *  handed out) is skipped when reached. */
  private readonly lanes = new Map<Lane, Fifo>(LANES.map((lane) => [lane, new Fifo()]));
  /** Queued keys, their lane and their live entry's seq. */
  private readonly queued = new Map<string, { lane: Lane; seq: number }>();
  private seq = 0;
  private readonly processing = new Set<string>();
  /** Keys added while being processed, with the highest lane asked: re-queued by done(). */
  private readonly dirty = new Map<string, Lane>();
  private readonly timers = new Map<string, { at: number; timer: NodeJS.Timeout }>();
  private readonly waiters: Array<(key: string | undefined) => void> = [];
  private shuttingDown = false;

  constructor(
    private readonly hooks: WorkQueueHooks = {},
    private readonly now: () => number = Date.now,
  ) {}

  add(key: string, lane: Lane = 'normal'): void {
    if (this.shuttingDown) return;
    // A look asked for now makes a pending later one moot: that reconcile decides its own next
    // (as controller-runtime's priority queue keeps one entry per key, at the sooner time). Not
    // for the background lane, which may be slower than the timer.
    if (lane !== 'background') this.cancelTimer(key);
    if (this.processing.has(key)) {
      const asked = this.dirty.get(key);
      if (asked === undefined || rank(lane) < rank(asked)) this.dirty.set(key, lane);
      return;
    }
    const current = this.queued.get(key)?.lane;
    if (current !== undefined && rank(current) <= rank(lane)) return;
    const waiter = current === undefined ? this.waiters.shift() : undefined;
    if (waiter) {
      this.processing.add(key);
      waiter(key);
      return;
    }
    const seq = ++this.seq;
    this.queued.set(key, { lane, seq });
    this.lanes.get(lane)!.push({ key, seq });
    if (current === undefined) this.hooks.depth?.(this.queued.size);
  }

  /** Adds `key` after `delayMs`; an earlier pending delayed add of the same key wins. */
  addAfter(key: string, delayMs: number): void {
    if (this.shuttingDown) return;
    if (delayMs <= 0) return this.add(key);
    const at = this.now() + delayMs;
    const pending = this.timers.get(key);
    if (pending && pending.at <= at) return;
    this.cancelTimer(key);
    const timer = setTimeout(() => {
      this.timers.delete(key);
      this.add(key);
    }, delayMs);
    timer.unref?.();
    this.timers.set(key, { at, timer });
  }

  private cancelTimer(key: string): void {
    const pending = this.timers.get(key);
    if (!pending) return;
    clearTimeout(pending.timer);
    this.timers.delete(key);
  }

  /** The next key to work on; resolves undefined once the queue shuts down. */
  get(): Promise<string | undefined> {
    if (this.shuttingDown) return Promise.resolve(undefined);
    const key = this.next();
    if (key !== undefined) {
      this.queued.delete(key);
      this.processing.add(key);
      this.hooks.depth?.(this.queued.size);
      return Promise.resolve(key);
    }
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Marks `key` finished; if it was added meanwhile, it is queued again. */
  done(key: string): void {
    this.processing.delete(key);
    const lane = this.dirty.get(key);
    if (lane === undefined) return;
    this.dirty.delete(key);
    this.add(key, lane);
  }

  get length(): number {
    return this.queued.size;
  }

  isProcessing(key: string): boolean {
    return this.processing.has(key);
  }

  /** Whether `key` will be worked on without another add: queued, being worked on, or waiting
   *  in a delayed add. */
  isScheduled(key: string): boolean {
    return this.queued.has(key) || this.processing.has(key) || this.timers.has(key);
  }

  /** The head of the highest non-empty lane, skipping entries whose key moved up a lane. */
  private next(): string | undefined {
    if (this.queued.size === 0) return undefined;
    for (const lane of LANES) {
      const fifo = this.lanes.get(lane)!;
      for (let entry = fifo.shift(); entry !== undefined; entry = fifo.shift()) {
        if (this.queued.get(entry.key)?.seq === entry.seq) return entry.key;
      }
    }
    return undefined;
  }

  /** Stops handing out keys (what is still queued stays with the store's level-triggered resync):
   *  pending delayed adds are dropped, idle getters get undefined. */
  shutDown(): void {
    this.shuttingDown = true;
    for (const { timer } of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
    for (const w of this.waiters.splice(0)) w(undefined);
  }
}
