// The runtime on the real embedded store: store changes become `Kind/name` keys with the
// write's correlation id, triggers reach other kinds, existing objects are resynced at start,
// every reconcile runs in a log context, and stop waits for the reconciles in flight.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { currentLogContext } from '../../src/observability/context.js';
import { createLogger } from '../../src/observability/logger.js';
import type { ReconcileRequest } from '../../src/orchestrator/manager/controller.js';
import { reconcileKey as keyOf } from '../../src/domain/resource.js';
import { parseKey, startRuntime, type Runtime } from '../../src/orchestrator/manager/manager.js';
import { WHOLE_SHARE, type WorkShare } from '../../src/orchestrator/manager/shards.js';
import { openTestStore } from '../api/support/harness.js';

const logger = createLogger({ level: 'silent' });
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function setup() {
  const { store, close } = await openTestStore();
  cleanups.push(close);
  return store;
}

function recorder() {
  const seen: Array<ReconcileRequest & { requestId?: string; tenant?: string }> = [];
  return {
    seen,
    reconciler: {
      reconcile(req: ReconcileRequest) {
        const ctx = currentLogContext();
        seen.push({ ...req, requestId: ctx?.requestId, tenant: ctx?.tenant });
        return Promise.resolve({ type: 'done' as const });
      },
    },
  };
}

describe('runtime', () => {
  it('keys and parses `Kind/name`', () => {
    expect(keyOf('Tenant', 'acme')).toBe('Tenant/acme');
    expect(parseKey('Project/acme-web')).toEqual({ kind: 'Project', name: 'acme-web' });
  });

  it('reconciles what exists at start, then each change with its correlation id in the log context', async () => {
    const store = await setup();
    await store.objects.create({ kind: 'Tenant', name: 'before', tenant: 'before', spec: {} });
    const tenants = recorder();
    const runtime: Runtime = startRuntime({ store, logger, reconcilers: [{ kind: 'Tenant', reconciler: tenants.reconciler }] });
    cleanups.push(() => runtime.stop());
    await vi.waitFor(() => expect(tenants.seen.map((r) => r.key)).toContain('Tenant/before'));

    await store.objects.create({ kind: 'Tenant', name: 'acme', tenant: 'acme', spec: {} }, { correlationId: 'req-123' });
    await vi.waitFor(() =>
      expect(tenants.seen.find((r) => r.key === 'Tenant/acme')).toMatchObject({ correlationId: 'req-123', requestId: 'req-123', tenant: 'acme' }),
    );
    // Without a causing write a reconcile still has an id of its own.
    expect(tenants.seen.find((r) => r.key === 'Tenant/before')?.requestId).toMatch(/^reconcile-/);
  });

  it('triggers reconcile other kinds, and builds reconcilers from its services', async () => {
    const store = await setup();
    const tenants = recorder();
    let services: unknown;
    const runtime = startRuntime({
      store,
      logger,
      reconcilers: [
        {
          kind: 'Tenant',
          reconciler: (s) => {
            services = s;
            return tenants.reconciler;
          },
          triggers: [{ kind: 'Cluster', keys: (e) => [`Tenant/placed-on-${e.name}`] }],
        },
      ],
    });
    cleanups.push(() => runtime.stop());
    expect(services).toMatchObject({ store, clients: expect.anything(), enqueue: expect.any(Function) });
    // Clusters have no reconciler here: only the trigger reacts.
    await store.objects.create({ kind: 'Cluster', name: 'prod', spec: {} }, { correlationId: 'req-c' });
    await vi.waitFor(() => expect(tenants.seen.find((r) => r.key === 'Tenant/placed-on-prod')).toMatchObject({ correlationId: 'req-c' }));
  });

  it('a reconciler that does not wake on its own status is not queued by a status-only write, but by any other change', async () => {
    const store = await setup();
    const tenants = recorder();
    // One worker: keys are reconciled in the order they were queued.
    const runtime = startRuntime({ store, logger, reconcilers: [{ kind: 'Tenant', reconciler: tenants.reconciler, workers: 1, wakeOnOwnStatus: false }] });
    cleanups.push(() => runtime.stop());
    const keys = () => tenants.seen.map((r) => r.key);
    await store.objects.create({ kind: 'Tenant', name: 'acme', tenant: 'acme', spec: {} });
    await vi.waitFor(() => expect(keys()).toEqual(['Tenant/acme']));
    await store.objects.updateStatus('Tenant', 'acme', { phase: 'Deployed', conditions: [], observedGeneration: 1 });
    await store.objects.create({ kind: 'Tenant', name: 'marker', tenant: 'marker', spec: {} });
    await vi.waitFor(() => expect(keys()).toContain('Tenant/marker'));
    expect(keys()).toEqual(['Tenant/acme', 'Tenant/marker']);
    await store.objects.update('Tenant', 'acme', { spec: { a: 1 } });
    await vi.waitFor(() => expect(keys()).toEqual(['Tenant/acme', 'Tenant/marker', 'Tenant/acme']));

    // By default a status write wakes its own reconciler too.
    const other = await setup();
    const projects = recorder();
    const second = startRuntime({ store: other, logger, reconcilers: [{ kind: 'Project', reconciler: projects.reconciler }] });
    cleanups.push(() => second.stop());
    await other.objects.create({ kind: 'Project', name: 'web', tenant: 'acme', spec: {} });
    await other.objects.updateStatus('Project', 'web', { phase: 'Deployed', conditions: [], observedGeneration: 1 }, { correlationId: 'req-status' });
    await vi.waitFor(() => expect(projects.seen.map((r) => r.correlationId)).toContain('req-status'));
  });

  it('a trigger wakes on a status-only change as it says: any, only a phase change, or none', async () => {
    const store = await setup();
    const projects = recorder();
    // One worker: keys are reconciled in the order they were queued.
    const runtime = startRuntime({
      store,
      logger,
      reconcilers: [
        {
          kind: 'Project',
          reconciler: projects.reconciler,
          workers: 1,
          triggers: [
            { kind: 'Tenant', onStatus: 'phase', keys: (e) => [`Project/phase-of-${e.name}`] },
            { kind: 'Tenant', onStatus: 'none', keys: (e) => [`Project/none-of-${e.name}`] },
            { kind: 'Tenant', keys: (e) => [`Project/any-of-${e.name}`] },
          ],
        },
      ],
    });
    cleanups.push(() => runtime.stop());
    const seen = () => projects.seen.map((r) => r.key);
    const count = (key: string) => seen().filter((k) => k === key).length;
    await store.objects.create({ kind: 'Tenant', name: 'acme', tenant: 'acme', spec: {} });
    // A change that is not status-only wakes all three.
    await vi.waitFor(() => expect(['phase', 'none', 'any'].map((m) => count(`Project/${m}-of-acme`))).toEqual([1, 1, 1]));

    // A status write that changes the phase: `phase` and `any`.
    await store.objects.updateStatus('Tenant', 'acme', { phase: 'Deployed', conditions: [], observedGeneration: 1 });
    await vi.waitFor(() => expect(['phase', 'none', 'any'].map((m) => count(`Project/${m}-of-acme`))).toEqual([2, 1, 2]));

    // A status write that changes no phase (a usage report, say): `any` alone.
    await store.objects.updateStatus('Tenant', 'acme', { phase: 'Deployed', conditions: [], observedGeneration: 1, usage: { pods: 3 } });
    await vi.waitFor(() => expect(count('Project/any-of-acme')).toBe(3));
    // A marker queued after it: once reconciled, the write's other keys would have been too.
    await store.objects.create({ kind: 'Tenant', name: 'marker', tenant: 'marker', spec: {} });
    await vi.waitFor(() => expect(count('Project/any-of-marker')).toBe(1));
    expect(['phase', 'none', 'any'].map((m) => count(`Project/${m}-of-acme`))).toEqual([2, 1, 3]);
  });

  it('stop waits for the reconcile in flight and takes no more work', async () => {
    const store = await setup();
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let finished = 0;
    const runtime = startRuntime({
      store,
      logger,
      reconcilers: [{ kind: 'Tenant', reconciler: { reconcile: async () => (await gate, finished++, { type: 'done' as const }) } }],
    });
    await store.objects.create({ kind: 'Tenant', name: 'slow', tenant: 'slow', spec: {} });
    await new Promise((r) => setTimeout(r, 50));
    const stopping = runtime.stop();
    let stopped = false;
    void stopping.then(() => (stopped = true));
    await new Promise((r) => setTimeout(r, 50));
    expect(stopped).toBe(false);
    release();
    await stopping;
    expect(finished).toBe(1);
    await store.objects.create({ kind: 'Tenant', name: 'late', tenant: 'late', spec: {} });
    await new Promise((r) => setTimeout(r, 50));
    expect(finished).toBe(1);
  });

  it('a reconcile whose shard is lost ends then, even while its body waits on something that never answers', async () => {
    const store = await setup();
    const lost = new AbortController();
    let claims = 0;
    let done = 0;
    let bodySignal: AbortSignal | undefined;
    // One shard, held until `lost` aborts (as shards.ts does when a lease expires or is taken).
    const share: WorkShare = {
      ...WHOLE_SHARE,
      claim: () => (claims++, { fence: { shard: 0, holder: 'r', token: '1' }, signal: lost.signal, done: () => void done++ }),
    };
    const runtime = startRuntime({
      store,
      logger,
      share,
      reconcilers: [{ kind: 'Tenant', reconciler: { reconcile: (req) => ((bodySignal = req.signal), new Promise<never>(() => undefined)) } }],
    });
    await store.objects.create({ kind: 'Tenant', name: 'stuck', tenant: 'stuck', spec: {} });
    await vi.waitFor(() => expect(claims).toBe(1));
    await new Promise((r) => setTimeout(r, 50));
    expect(done).toBe(0);
    lost.abort(new Error('shard 0 lease expired before renewal'));
    await vi.waitFor(() => expect(done).toBe(1));
    expect(bodySignal?.aborted).toBe(true); // its cluster calls are cut off too
    await runtime.stop(); // nothing left in flight: before, this waited for the body forever
  });

  it('the periodic resync queues only what has no look scheduled; a resync asked for queues everything', async () => {
    const store = await setup();
    for (const name of ['looked', 'forgotten']) await store.objects.create({ kind: 'Tenant', name, tenant: name, spec: {} });
    const seen: string[] = [];
    const runtime = startRuntime({
      store,
      logger,
      resyncIntervalMs: 100,
      reconcilers: [
        {
          kind: 'Tenant',
          reconciler: {
            reconcile(req: ReconcileRequest) {
              seen.push(req.key);
              // `looked` schedules its own next look (an hour away), `forgotten` none.
              return Promise.resolve(req.key === 'Tenant/looked' ? { type: 'requeueAfter' as const, delayMs: 3_600_000 } : { type: 'done' as const });
            },
          },
        },
      ],
    });
    cleanups.push(() => runtime.stop());
    const count = (key: string) => seen.filter((k) => k === key).length;
    await vi.waitFor(() => expect(count('Tenant/forgotten')).toBeGreaterThanOrEqual(3));
    expect(count('Tenant/looked')).toBe(1);
    await runtime.resync();
    await vi.waitFor(() => expect(count('Tenant/looked')).toBe(2));
  });

  it('a change is reconciled before the looks a start-up resync queued', async () => {
    const store = await setup();
    for (let i = 0; i < 20; i++) await store.objects.create({ kind: 'Tenant', name: `old-${i}`, tenant: `old-${i}`, spec: {} });
    const seen: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const runtime = startRuntime({
      store,
      logger,
      reconcilers: [
        {
          kind: 'Tenant',
          workers: 1,
          reconciler: {
            async reconcile(req: ReconcileRequest) {
              seen.push(req.key);
              if (seen.length === 1) await gate; // the one worker holds the first look
              return { type: 'done' as const };
            },
          },
        },
      ],
    });
    cleanups.push(() => runtime.stop());
    await vi.waitFor(() => expect(seen).toHaveLength(1));
    await store.objects.create({ kind: 'Tenant', name: 'new', tenant: 'new', spec: {} });
    release();
    await vi.waitFor(() => expect(seen).toHaveLength(21));
    // First come first served, it would have waited behind the 19 looks still queued.
    expect(seen[1]).toBe('Tenant/new');
  });

  it('refuses two reconcilers for one kind', async () => {
    const store = await setup();
    const r = recorder().reconciler;
    expect(() =>
      startRuntime({
        store,
        logger,
        reconcilers: [
          { kind: 'Tenant', reconciler: r },
          { kind: 'Tenant', reconciler: r },
        ],
      }),
    ).toThrow('two reconcilers registered for Tenant');
  });
});
