// Reading the replicas' reconcile audit (the `reconcile started` / `reconcile finished` debug
// lines of orchestrator/runtime.ts) back into intervals, and finding what the HA design forbids:
// one object reconciled by two processes at once, or a shard's fencing token going backwards.
import type { LogLine } from './server-process.js';

export interface ReconcileInterval {
  key: string;
  replica: string;
  pid: number;
  shard: number;
  token: bigint;
  start: number;
  /** Infinity while still running when the logs were read. */
  end: number;
}

/** Intervals from every process's lines; a start without its finish ends at `endOf(pid)` (the
 *  moment that process was killed), or at Infinity if it was not. */
export function reconcileIntervals(lines: readonly LogLine[], endOf: (pid: number) => number = () => Infinity): ReconcileInterval[] {
  const open = new Map<string, ReconcileInterval>();
  const done: ReconcileInterval[] = [];
  for (const l of lines) {
    if (l.msg !== 'reconcile started' && l.msg !== 'reconcile finished') continue;
    const id = `${l.pid as number}/${l.key as string}`;
    if (l.msg === 'reconcile started') {
      open.set(id, {
        key: l.key as string,
        replica: l.replica as string,
        pid: l.pid as number,
        shard: l.shard as number,
        token: BigInt(l.fence as string),
        start: l.at as number,
        end: Infinity,
      });
    } else {
      const started = open.get(id);
      if (started) done.push({ ...started, end: l.at as number });
      open.delete(id);
    }
  }
  for (const i of open.values()) done.push({ ...i, end: endOf(i.pid) });
  return done;
}

/** Pairs of intervals of one key, in two different processes, that overlap in time. */
export function concurrentReconciles(intervals: readonly ReconcileInterval[]): Array<[ReconcileInterval, ReconcileInterval]> {
  const byKey = new Map<string, ReconcileInterval[]>();
  for (const i of intervals) byKey.set(i.key, [...(byKey.get(i.key) ?? []), i]);
  const found: Array<[ReconcileInterval, ReconcileInterval]> = [];
  for (const list of byKey.values()) {
    list.sort((a, b) => a.start - b.start);
    list.forEach((later, n) => {
      for (const earlier of list.slice(0, n)) if (earlier.pid !== later.pid && later.start < earlier.end) found.push([earlier, later]);
    });
  }
  return found;
}

/** Reconciles that ran under an older token of their shard after a newer one had been used. */
export function tokensGoingBack(intervals: readonly ReconcileInterval[]): ReconcileInterval[] {
  const byShard = new Map<number, ReconcileInterval[]>();
  for (const i of intervals) byShard.set(i.shard, [...(byShard.get(i.shard) ?? []), i]);
  const found: ReconcileInterval[] = [];
  for (const list of byShard.values()) {
    list.sort((a, b) => a.start - b.start);
    let newest = 0n;
    for (const i of list) {
      if (i.token < newest) found.push(i);
      if (i.token > newest) newest = i.token;
    }
  }
  return found;
}
