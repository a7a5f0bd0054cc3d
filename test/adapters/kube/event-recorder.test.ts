// The Kubernetes Event recorder writes off the caller's path: record() returns before the write,
// writes keep their order, a full queue drops (and says so), flush() waits for what was recorded.
import { describe, expect, it } from 'vitest';
import { KubeEventRecorder } from '../../../src/adapters/kube/events.js';
import type { ClusterClient, KubeObject } from '../../../src/adapters/kube/types.js';
import type { Logger } from '../../../src/observability/logger.js';

const regarding: KubeObject = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'acme-web', uid: 'u1' } };
const event = (reason: string) => ({ type: 'Normal' as const, reason, action: 'Reconcile', note: reason, correlationId: 'c-1' });

/** A cluster whose writes wait until released, in the order they arrived. */
function slowCluster() {
  const started: string[] = [];
  const written: string[] = [];
  const waiting: Array<() => void> = [];
  const client: Pick<ClusterClient, 'cluster' | 'apply'> = {
    cluster: 'east',
    apply: async (obj: KubeObject) => {
      started.push(String(obj.reason));
      await new Promise<void>((resolve) => waiting.push(resolve));
      written.push(String(obj.reason));
      return obj;
    },
  };
  const releaseAll = async () => {
    while (waiting.length > 0) {
      waiting.shift()!();
      await new Promise((r) => setImmediate(r));
    }
  };
  return { client, started, written, releaseAll };
}

function capturingLogger() {
  const warnings: Array<{ fields: Record<string, unknown>; msg: string }> = [];
  const logger = { warn: (fields: Record<string, unknown>, msg: string) => void warnings.push({ fields, msg }) } as unknown as Logger;
  return { logger, warnings };
}

describe('KubeEventRecorder', () => {
  it('returns before the cluster has answered, and writes in the order recorded', async () => {
    const c = slowCluster();
    const recorder = new KubeEventRecorder({ concurrency: 1 });
    recorder.record(c.client, regarding, event('Applying'));
    recorder.record(c.client, regarding, event('Deployed'));
    await new Promise((r) => setImmediate(r));
    expect(c.started).toEqual(['Applying']);
    expect(c.written).toEqual([]);
    let flushed = false;
    const flushing = recorder.flush().then(() => (flushed = true));
    await c.releaseAll();
    await flushing;
    expect(flushed).toBe(true);
    expect(c.written).toEqual(['Applying', 'Deployed']);
  });

  it('writes at most `concurrency` at once', async () => {
    const c = slowCluster();
    const recorder = new KubeEventRecorder({ concurrency: 2 });
    for (const r of ['a', 'b', 'c', 'd']) recorder.record(c.client, regarding, event(r));
    await new Promise((r) => setImmediate(r));
    expect(c.started).toEqual(['a', 'b']);
    await c.releaseAll();
    await recorder.flush();
    expect(c.written).toEqual(['a', 'b', 'c', 'd']);
  });

  it('drops what does not fit in the queue, and logs it', async () => {
    const c = slowCluster();
    const { logger, warnings } = capturingLogger();
    const recorder = new KubeEventRecorder({ concurrency: 1, maxPending: 2, logger });
    for (const r of ['a', 'b', 'c', 'd']) recorder.record(c.client, regarding, event(r));
    expect(recorder.dropped).toBe(1);
    expect(warnings.map((w) => w.msg)).toEqual(['Kubernetes Event dropped: too many waiting to be written']);
    await c.releaseAll();
    await recorder.flush();
    expect(c.written).toEqual(['a', 'b', 'c']);
  });

  it('a failed write is logged and does not stop the ones after it', async () => {
    const { logger, warnings } = capturingLogger();
    const written: string[] = [];
    const client: Pick<ClusterClient, 'cluster' | 'apply'> = {
      cluster: 'east',
      apply: (obj: KubeObject) =>
        obj.reason === 'bad' ? Promise.reject(new Error('refused')) : Promise.resolve(void written.push(String(obj.reason))).then(() => obj),
    };
    const recorder = new KubeEventRecorder({ logger });
    for (const r of ['bad', 'good']) recorder.record(client, regarding, event(r));
    await recorder.flush();
    expect(written).toEqual(['good']);
    expect(warnings.map((w) => w.msg)).toEqual(['emitting a Kubernetes Event failed']);
  });

  it('flush gives up after its timeout when a cluster never answers', async () => {
    const c = slowCluster();
    const recorder = new KubeEventRecorder();
    recorder.record(c.client, regarding, event('Applying'));
    const t0 = Date.now();
    await recorder.flush(50);
    expect(Date.now() - t0).toBeLessThan(1_000);
    expect(c.written).toEqual([]);
  });

  it('flush with nothing recorded resolves at once', async () => {
    await expect(new KubeEventRecorder().flush()).resolves.toBeUndefined();
  });
});
