import { afterEach, describe, expect, it, vi } from 'vitest';
import { Controller, type ReconcileRequest, type ReconcileResult } from '../../src/orchestrator/manager/controller.js';

afterEach(() => vi.useRealTimers());

const options = {
  workers: 2,
  timeoutMs: 1000,
  backoff: { baseDelayMs: 100, maxDelayMs: 10_000 },
  rateLimit: { perSecond: 1000, burst: 1000 },
};

function recorder(decide: (req: ReconcileRequest, n: number) => Promise<ReconcileResult> | ReconcileResult) {
  const calls: ReconcileRequest[] = [];
  return {
    calls,
    reconciler: {
      async reconcile(req: ReconcileRequest) {
        calls.push(req);
        return decide(req, calls.filter((c) => c.key === req.key).length);
      },
    },
  };
}

describe('Controller', () => {
  it('reconciles a key once per add and hands it the correlation id', async () => {
    vi.useFakeTimers();
    const { calls, reconciler } = recorder(() => ({ type: 'done' }));
    const results: string[] = [];
    const c = new Controller(reconciler, { ...options, observer: { reconciled: (k, r) => results.push(`${k}:${r}`) } });
    c.start();
    c.enqueue('tenant/a', 'req-1');
    await vi.advanceTimersByTimeAsync(0);
    expect(calls.map((r) => [r.key, r.correlationId, r.attempt])).toEqual([['tenant/a', 'req-1', 0]]);
    expect(results).toEqual(['tenant/a:done']);
    await c.stop();
  });

  it('retries failures with exponential back-off, keeping the correlation id, then forgets', async () => {
    vi.useFakeTimers();
    const { calls, reconciler } = recorder((_, n) => {
      if (n === 1) throw new Error('cluster unreachable');
      if (n === 2) return { type: 'retry', error: new Error('not yet') };
      return { type: 'done' };
    });
    const retried: string[] = [];
    const c = new Controller(reconciler, { ...options, observer: { retried: (k) => retried.push(k) } });
    c.start();
    c.enqueue('k', 'req-9');
    await vi.advanceTimersByTimeAsync(99);
    expect(calls).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1); // 100 ms after the first failure
    expect(calls).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(199);
    expect(calls).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(1); // 200 ms after the second
    expect(calls.map((r) => [r.correlationId, r.attempt])).toEqual([
      ['req-9', 0],
      ['req-9', 1],
      ['req-9', 2],
    ]);
    expect(retried).toEqual(['k', 'k']);
    c.enqueue('k');
    await vi.advanceTimersByTimeAsync(0);
    expect(calls.at(-1)).toMatchObject({ attempt: 0, correlationId: undefined });
    await c.stop();
  });

  it('keeps the correlation id while the change is still converging, whatever wakes the next reconcile', async () => {
    vi.useFakeTimers();
    const { calls, reconciler } = recorder((_, n) =>
      n < 3 ? { type: 'requeueAfter', delayMs: 60_000, converging: true } : { type: 'requeueAfter', delayMs: 60_000 },
    );
    const c = new Controller(reconciler, options);
    c.start();
    c.enqueue('k', 'req-7');
    await vi.advanceTimersByTimeAsync(0);
    // Woken by something without a cause of its own (a watch event).
    for (let i = 0; i < 3; i++) {
      c.enqueue('k');
      await vi.advanceTimersByTimeAsync(0);
    }
    expect(calls.map((r) => r.correlationId)).toEqual(['req-7', 'req-7', 'req-7', undefined]);
    await c.stop();
  });

  it('never retries a terminal failure', async () => {
    vi.useFakeTimers();
    const { calls, reconciler } = recorder(() => ({ type: 'terminal', error: new Error('bad intent') }));
    const c = new Controller(reconciler, options);
    c.start();
    c.enqueue('k');
    await vi.advanceTimersByTimeAsync(60_000);
    expect(calls).toHaveLength(1);
    await c.stop();
  });

  it('requeues after the delay asked for', async () => {
    vi.useFakeTimers();
    const { calls, reconciler } = recorder((_, n) => (n === 1 ? { type: 'requeueAfter', delayMs: 5000 } : { type: 'done' }));
    const c = new Controller(reconciler, options);
    c.start();
    c.enqueue('k');
    await vi.advanceTimersByTimeAsync(4999);
    expect(calls).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(calls).toHaveLength(2);
    await c.stop();
  });

  it('times a reconcile out, aborts its signal and counts it as a failure', async () => {
    vi.useFakeTimers();
    let signal: AbortSignal | undefined;
    const { calls, reconciler } = recorder((req, n) => {
      signal = req.signal;
      return n === 1 ? new Promise<ReconcileResult>(() => {}) : { type: 'done' };
    });
    const seen: string[] = [];
    const c = new Controller(reconciler, { ...options, observer: { reconciled: (_, r, __, e) => seen.push(`${r}:${e?.message ?? ''}`) } });
    c.start();
    c.enqueue('k');
    await vi.advanceTimersByTimeAsync(1000);
    expect(signal?.aborted).toBe(true);
    expect(seen).toEqual(['error:reconcile timed out after 1000 ms']);
    await vi.advanceTimersByTimeAsync(100);
    expect(calls).toHaveLength(2);
    await c.stop();
  });

  it('works on different keys in parallel but never on the same key twice at once', async () => {
    let inFlight = 0;
    let maxInFlight = 0;
    const perKey = new Map<string, number>();
    let overlapped = false;
    const reconciler = {
      async reconcile({ key }: ReconcileRequest): Promise<ReconcileResult> {
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        perKey.set(key, (perKey.get(key) ?? 0) + 1);
        if (perKey.get(key)! > 1) overlapped = true;
        await new Promise((r) => setTimeout(r, 5));
        perKey.set(key, perKey.get(key)! - 1);
        inFlight--;
        return { type: 'done' };
      },
    };
    const active: number[] = [];
    const c = new Controller(reconciler, { ...options, workers: 3, observer: { activeWorkers: (n) => active.push(n) } });
    c.start();
    for (let i = 0; i < 20; i++) c.enqueue(`k${i % 4}`);
    await vi.waitFor(() => expect(inFlight).toBe(0), { timeout: 2000 });
    await new Promise((r) => setTimeout(r, 20));
    expect(overlapped).toBe(false);
    expect(maxInFlight).toBe(3);
    expect(Math.max(...active)).toBe(3);
    await c.stop();
  });

  it('stop() waits for the reconcile in flight', async () => {
    let finished = false;
    const c = new Controller(
      {
        async reconcile() {
          await new Promise((r) => setTimeout(r, 30));
          finished = true;
          return { type: 'done' } as const;
        },
      },
      options,
    );
    c.start();
    c.enqueue('k');
    await new Promise((r) => setTimeout(r, 5));
    await c.stop();
    expect(finished).toBe(true);
  });
});
