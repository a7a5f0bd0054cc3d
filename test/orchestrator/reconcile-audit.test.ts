// The checker the HA test proves "never two replicas at once" with must itself catch overlaps
// and stale tokens, and accept hand-overs that touch but do not overlap.
import { describe, expect, it } from 'vitest';
import { concurrentReconciles, reconcileIntervals, tokensGoingBack } from '../support/reconcile-audit.js';

const line = (msg: string, pid: number, key: string, at: number, token = '1', shard = 3) => ({
  level: 'debug',
  msg,
  pid,
  key,
  at,
  fence: token,
  shard,
  replica: `r${pid}`,
});
const run = (pid: number, key: string, start: number, end: number, token = '1') => [
  line('reconcile started', pid, key, start, token),
  line('reconcile finished', pid, key, end, token),
];

describe('reconcile audit', () => {
  it('accepts one process after another, and the same process twice', () => {
    const intervals = reconcileIntervals([...run(1, 'Tenant/a', 0, 10), ...run(2, 'Tenant/a', 10, 20, '2'), ...run(2, 'Tenant/a', 20, 30, '2')]);
    expect(intervals).toHaveLength(3);
    expect(concurrentReconciles(intervals)).toEqual([]);
    expect(tokensGoingBack(intervals)).toEqual([]);
  });

  it('finds two processes on one key at once, and ignores other keys', () => {
    const intervals = reconcileIntervals([...run(1, 'Tenant/a', 0, 10), ...run(2, 'Tenant/a', 9, 20), ...run(3, 'Tenant/b', 5, 6)]);
    expect(concurrentReconciles(intervals).map(([x, y]) => [x.pid, y.pid])).toEqual([[1, 2]]);
  });

  it("ends a killed process's unfinished reconcile at the kill, others' never", () => {
    const lines = [line('reconcile started', 1, 'Tenant/a', 0), ...run(2, 'Tenant/a', 50, 60, '2'), line('reconcile started', 3, 'Tenant/b', 0)];
    const killedAt40 = reconcileIntervals(lines, (pid) => (pid === 1 ? 40 : Infinity));
    expect(concurrentReconciles(killedAt40)).toEqual([]);
    expect(killedAt40.find((i) => i.pid === 3)?.end).toBe(Infinity);
    expect(concurrentReconciles(reconcileIntervals(lines, () => 55))).toHaveLength(1);
  });

  it('finds a reconcile under an older token after a newer one ran on its shard', () => {
    const intervals = reconcileIntervals([...run(1, 'Tenant/a', 0, 10, '5'), ...run(2, 'Tenant/c', 20, 30, '7'), ...run(1, 'Tenant/a', 40, 50, '5')]);
    expect(tokensGoingBack(intervals).map((i) => [i.pid, i.start])).toEqual([[1, 40]]);
  });
});
