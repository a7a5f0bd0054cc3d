import { afterEach, describe, expect, it, vi } from 'vitest';
import { PerKeyBackoff, TokenBucket } from '../../src/orchestrator/manager/rate-limit.js';
import { WorkQueue } from '../../src/orchestrator/manager/work-queue.js';

afterEach(() => vi.useRealTimers());

describe('WorkQueue', () => {
  it('queues a key at most once', async () => {
    const q = new WorkQueue();
    q.add('a');
    q.add('a');
    q.add('b');
    expect(q.length).toBe(2);
    expect(await q.get()).toBe('a');
    expect(await q.get()).toBe('b');
  });

  it('never hands a key being processed to a second worker, and re-queues it when done', async () => {
    const q = new WorkQueue();
    q.add('a');
    const key = await q.get();
    q.add('a'); // a change arrives while a worker holds it
    expect(q.length).toBe(0);
    expect(q.isProcessing('a')).toBe(true);
    q.done(key!);
    expect(q.length).toBe(1);
    expect(await q.get()).toBe('a');
  });

  it('knows whether a key is scheduled: queued, being processed, or waiting in a delayed add', async () => {
    vi.useFakeTimers();
    const q = new WorkQueue();
    expect(q.isScheduled('a')).toBe(false);
    q.add('a');
    expect(q.isScheduled('a')).toBe(true);
    await q.get();
    expect(q.isScheduled('a')).toBe(true);
    q.done('a');
    expect(q.isScheduled('a')).toBe(false);
    q.addAfter('a', 1_000);
    expect(q.isScheduled('a')).toBe(true);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(await q.get()).toBe('a');
    q.done('a');
    expect(q.isScheduled('a')).toBe(false);
  });

  it('wakes an idle getter when a key arrives', async () => {
    const q = new WorkQueue();
    const pending = q.get();
    q.add('x');
    expect(await pending).toBe('x');
    expect(q.isProcessing('x')).toBe(true);
  });

  it('delays addAfter, and an earlier pending delay of the same key wins', async () => {
    vi.useFakeTimers();
    const q = new WorkQueue();
    q.addAfter('a', 1000);
    q.addAfter('a', 5000);
    await vi.advanceTimersByTimeAsync(999);
    expect(q.length).toBe(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(q.length).toBe(1);
    await q.get();
    q.done('a');
    await vi.advanceTimersByTimeAsync(10_000);
    expect(q.length).toBe(0);
  });

  it('drops a pending delayed add once the key is asked for now, unless only in the background lane', async () => {
    vi.useFakeTimers();
    const q = new WorkQueue();
    // A requeue-after waits; then a watch wakes the key: its reconcile decides the next look.
    q.addAfter('a', 15_000);
    q.add('a', 'observed');
    expect(await q.get()).toBe('a');
    q.done('a');
    await vi.advanceTimersByTimeAsync(15_000);
    expect(q.length).toBe(0);
    expect(q.isScheduled('a')).toBe(false);
    // Also when the key is being worked on: it is queued again when done, once.
    q.addAfter('b', 15_000);
    q.add('c');
    q.add('b');
    expect(await q.get()).toBe('c');
    expect(await q.get()).toBe('b');
    q.add('b');
    q.done('b');
    expect(await q.get()).toBe('b');
    q.done('b');
    await vi.advanceTimersByTimeAsync(15_000);
    expect(q.length).toBe(0);
    // A resync's background look may come later than the timer: the timer stays.
    q.addAfter('d', 1_000);
    q.add('d', 'background');
    expect(await q.get()).toBe('d');
    q.done('d');
    await vi.advanceTimersByTimeAsync(1_000);
    expect(await q.get()).toBe('d');
  });

  it('after shutDown hands out nothing and drops delayed adds', async () => {
    vi.useFakeTimers();
    const q = new WorkQueue();
    const first = q.get();
    q.add('a');
    q.done((await first)!);
    const idle = q.get();
    q.shutDown();
    expect(await idle).toBeUndefined();
    q.addAfter('later', 100);
    q.add('b');
    expect(await q.get()).toBeUndefined();
    await vi.advanceTimersByTimeAsync(200);
    expect(q.length).toBe(0);
  });

  it('reports its depth', () => {
    const depths: number[] = [];
    const q = new WorkQueue({ depth: (n) => depths.push(n) });
    q.add('a');
    q.add('b');
    void q.get();
    expect(depths).toEqual([1, 2, 1]);
  });
  it('serves the observed lane, then changes, then background looks, each first in, first out', async () => {
    const q = new WorkQueue();
    q.add('look-1', 'background');
    q.add('change-1');
    q.add('look-2', 'background');
    q.add('seen-1', 'observed');
    q.add('change-2', 'normal');
    q.add('seen-2', 'observed');
    const order: string[] = [];
    while (q.length > 0) order.push((await q.get())!);
    expect(order).toEqual(['seen-1', 'seen-2', 'change-1', 'change-2', 'look-1', 'look-2']);
  });

  it('moves a queued key up a lane, never down, and hands it out once', async () => {
    const q = new WorkQueue();
    q.add('a', 'background');
    q.add('b', 'background');
    q.add('c');
    q.add('b', 'observed'); // up: ahead of everything
    q.add('c', 'background'); // not down
    expect(q.length).toBe(3);
    const order: string[] = [];
    while (q.length > 0) order.push((await q.get())!);
    expect(order).toEqual(['b', 'c', 'a']);
    // The entries `b` left behind in the background lane are not handed out again.
    q.add('d', 'background');
    expect(await q.get()).toBe('d');
    expect(q.length).toBe(0);
  });

  it('a key added meanwhile in several lanes is queued again in the highest of them', async () => {
    const q = new WorkQueue();
    q.add('a');
    const key = await q.get();
    q.add('a', 'background');
    q.add('a', 'observed');
    q.add('z');
    q.done(key!);
    expect(await q.get()).toBe('a');
    expect(await q.get()).toBe('z');
  });

  it('keeps first-in-first-out order through thousands of keys (the lane compacts as it drains)', async () => {
    const q = new WorkQueue();
    const depths: number[] = [];
    const watched = new WorkQueue({ depth: (n) => depths.push(n) });
    for (let i = 0; i < 5_000; i++) {
      q.add(`k${i}`, 'background');
      watched.add(`k${i}`);
    }
    for (let i = 0; i < 5_000; i++) {
      expect(await q.get()).toBe(`k${i}`);
      if (i === 2_500) q.add('late', 'background');
    }
    expect(await q.get()).toBe('late');
    expect(depths.at(-1)).toBe(5_000);
    await watched.get();
    expect(depths.at(-1)).toBe(4_999);
  });
});

describe('PerKeyBackoff', () => {
  it.each([
    { failures: 1, delay: 100, reason: 'first failure waits the base delay' },
    { failures: 2, delay: 200, reason: 'doubles' },
    { failures: 5, delay: 1600, reason: 'keeps doubling' },
    { failures: 10, delay: 30_000, reason: 'capped at the maximum' },
    { failures: 2000, delay: 30_000, reason: 'no overflow after many failures' },
  ])('$reason', ({ failures, delay }) => {
    const b = new PerKeyBackoff({ baseDelayMs: 100, maxDelayMs: 30_000 });
    let last = 0;
    for (let i = 0; i < failures; i++) last = b.next('k');
    expect(last).toBe(delay);
    expect(b.next('other')).toBe(100);
  });

  it('forgets a key', () => {
    const b = new PerKeyBackoff({ baseDelayMs: 10, maxDelayMs: 1000 });
    b.next('k');
    b.next('k');
    b.forget('k');
    expect(b.failuresOf('k')).toBe(0);
    expect(b.next('k')).toBe(10);
  });
});

describe('TokenBucket', () => {
  it('lets a burst through, then spaces calls at the rate', () => {
    let now = 0;
    const bucket = new TokenBucket({ perSecond: 10, burst: 3 }, () => now);
    expect([bucket.reserve(), bucket.reserve(), bucket.reserve()]).toEqual([0, 0, 0]);
    expect(bucket.reserve()).toBe(100);
    expect(bucket.reserve()).toBe(200);
    now = 1000; // 10 tokens refilled, 2 owed
    expect(bucket.reserve()).toBe(0);
  });
});
