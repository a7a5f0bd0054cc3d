// Someone fighting KubeNova over an object: repairs of the same object keep coming within a short
// window. Then repairs go on with an exponentially growing pause between them (KubeNova's intent
// still wins in the end, but no tight loop against another controller), and the object's status
// names the object, the field and the other writer. In memory, per reconciler: a restart forgets
// the history, which at worst costs `threshold` more quick repairs.

export interface FightingOptions {
  /** Repairs of one object within `windowMs` that make it a fight. Default 3. */
  threshold?: number;
  /** Default 5 min. */
  windowMs?: number;
  /** First pause once fighting; doubles with each further repair. Default 30 s. */
  baseBackoffMs?: number;
  /** Default 10 min. */
  maxBackoffMs?: number;
}

/** What is known about one fight: the object, the field and the other writer last seen. */
export interface Fight {
  object: string;
  field: string;
  writer: string;
  repairs: number;
}

export type RepairVerdict = { fighting: false } | { fighting: true; repairs: number; waitMs: number };

export class DriftFighting {
  private readonly repairs = new Map<string, { times: number[]; fight?: Omit<Fight, 'repairs'> }>();
  private readonly threshold: number;
  private readonly windowMs: number;
  private readonly baseBackoffMs: number;
  private readonly maxBackoffMs: number;

  constructor(opts: FightingOptions = {}) {
    this.threshold = opts.threshold ?? 3;
    this.windowMs = opts.windowMs ?? 300_000;
    this.baseBackoffMs = opts.baseBackoffMs ?? 30_000;
    this.maxBackoffMs = opts.maxBackoffMs ?? 600_000;
  }

  private recent(key: string, now: number): number[] {
    const entry = this.repairs.get(key);
    const kept = (entry?.times ?? []).filter((t) => now - t < this.windowMs);
    if (kept.length > 0) this.repairs.set(key, { ...entry, times: kept });
    else this.repairs.delete(key);
    return kept;
  }

  /**
   * Whether the repair of `key` about to happen is part of a fight (it would be the
   * `threshold`-th within the window, or later), and how long to wait before it: the n-th repair
   * after the threshold-th waits base·2^(n−1) after the previous one.
   */
  check(key: string, now: number): RepairVerdict {
    const recent = this.recent(key, now);
    const n = recent.length + 1;
    if (n < this.threshold) return { fighting: false };
    const over = n - this.threshold;
    const pause = over === 0 ? 0 : Math.min(this.maxBackoffMs, this.baseBackoffMs * 2 ** (over - 1));
    return { fighting: true, repairs: recent.length, waitMs: Math.max(0, recent[recent.length - 1]! + pause - now) };
  }

  /** A repair of `key` happened now; `fight` says what it was about (shown while fighting). */
  record(key: string, now: number, fight: Omit<Fight, 'repairs'>): void {
    this.repairs.set(key, { times: [...this.recent(key, now), now], fight });
  }

  /** The fights under `prefix` still within the window (threshold reached). */
  active(prefix: string, now: number): Fight[] {
    const out: Fight[] = [];
    for (const key of [...this.repairs.keys()]) {
      if (!key.startsWith(prefix)) continue;
      const times = this.recent(key, now);
      const fight = this.repairs.get(key)?.fight;
      if (fight && times.length >= this.threshold) out.push({ ...fight, repairs: times.length });
    }
    return out;
  }

  /** When the oldest repair under `prefix` leaves the window (to look again then), or undefined. */
  settlesInMs(prefix: string, now: number): number | undefined {
    let soonest: number | undefined;
    for (const [key, entry] of this.repairs) {
      if (!key.startsWith(prefix) || entry.times.length === 0) continue;
      const ms = entry.times[0]! + this.windowMs - now;
      soonest = soonest === undefined ? ms : Math.min(soonest, ms);
    }
    return soonest === undefined ? undefined : Math.max(0, soonest);
  }

  /** Forgets keys that start with `prefix` (an intent deleted, a cluster removed). */
  forget(prefix: string): void {
    for (const key of [...this.repairs.keys()]) if (key.startsWith(prefix)) this.repairs.delete(key);
  }
}
