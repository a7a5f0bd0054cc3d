import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { initialStatus, type Kind, type Resource, type ResourceStatus } from '../../src/domain/resource.js';
import { createStore, type OpenedStore } from '../../src/store/factory.js';
import type { ChangeEvent } from '../../src/store/types.js';
import { backends, testKeyring } from '../support/stores.js';

/** Rejects with a StoreError of this code. */
async function expectStoreError(p: Promise<unknown>, code: string, message?: RegExp) {
  await expect(p).rejects.toMatchObject({ name: 'StoreError', code });
  if (message) await expect(p).rejects.toThrow(message);
}

describe.each(backends)('objects ($name)', (backend) => {
  let store: OpenedStore;
  beforeAll(async () => {
    store = await createStore((await backend.fresh()).config(testKeyring()));
  });
  afterAll(() => store?.close());

  // Tests share one store: each works on its own names.
  const uniqueName = (prefix: string) => `${prefix}-${randomUUID().slice(0, 8)}`;

  /** Events about `name` published while `fn` runs. */
  async function eventsDuring(name: string, fn: () => Promise<unknown>): Promise<ChangeEvent[]> {
    const seen: ChangeEvent[] = [];
    const stop = store.objects.onChange((e) => e.name === name && seen.push(e));
    try {
      await fn();
    } finally {
      stop();
    }
    return seen;
  }

  test('create stores the object with generation 1, an initial status and a resourceVersion', async () => {
    const name = uniqueName('web');
    const created = await store.objects.create({
      kind: 'App',
      name,
      tenant: 'acme',
      labels: { team: 'a' },
      spec: { image: 'nginx', replicas: 2 },
    });
    expect(created).toMatchObject({
      kind: 'App',
      name,
      tenant: 'acme',
      labels: { team: 'a' },
      spec: { image: 'nginx', replicas: 2 },
      status: initialStatus(),
      generation: 1,
      finalizers: [],
    });
    expect(created.resourceVersion).toMatch(/^\d+$/);
    expect(created.deletionTimestamp).toBeUndefined();
    expect(Date.parse(created.createdAt)).not.toBeNaN();
    expect(await store.objects.get('App', name)).toEqual(created);
  });

  test('platform-scoped objects have no tenant field', async () => {
    const created = await store.objects.create({ kind: 'Cluster', name: uniqueName('c'), spec: {} });
    expect('tenant' in created).toBe(false);
  });

  test('creating an existing name fails with ALREADY_EXISTS and changes nothing', async () => {
    const name = uniqueName('dup');
    const first = await store.objects.create({ kind: 'Tenant', name, spec: { owners: ['a'] } });
    await expectStoreError(store.objects.create({ kind: 'Tenant', name, spec: { owners: ['b'] } }), 'ALREADY_EXISTS', /already exists/);
    expect(await store.objects.get('Tenant', name)).toEqual(first);
    // The same name under another kind is another object.
    await store.objects.create({ kind: 'Project', name, tenant: name, spec: {} });
  });

  test('a missing object: get is undefined, writes are NOT_FOUND', async () => {
    const name = uniqueName('ghost');
    expect(await store.objects.get('App', name)).toBeUndefined();
    await expectStoreError(store.objects.update('App', name, { spec: {} }), 'NOT_FOUND', /not found/);
    await expectStoreError(store.objects.updateStatus('App', name, initialStatus()), 'NOT_FOUND');
    await expectStoreError(store.objects.delete('App', name), 'NOT_FOUND');
  });

  test('optimistic concurrency: the current expectedVersion wins, a stale one is CONFLICT', async () => {
    const name = uniqueName('occ');
    const v1 = await store.objects.create({ kind: 'App', name, tenant: 't', spec: { n: 1 } });
    const v2 = await store.objects.update('App', name, { spec: { n: 2 } }, { expectedVersion: v1.resourceVersion });
    expect(v2.resourceVersion).not.toBe(v1.resourceVersion);
    await expectStoreError(
      store.objects.update('App', name, { spec: { n: 3 } }, { expectedVersion: v1.resourceVersion }),
      'CONFLICT',
      /resourceVersion is \d+, not \d+/,
    );
    await expectStoreError(store.objects.updateStatus('App', name, initialStatus(), { expectedVersion: v1.resourceVersion }), 'CONFLICT');
    await expectStoreError(store.objects.delete('App', name, { expectedVersion: v1.resourceVersion }), 'CONFLICT');
    expect((await store.objects.get('App', name))?.spec).toEqual({ n: 2 });
  });

  test('concurrent writers with the same expectedVersion: exactly one succeeds', async () => {
    const name = uniqueName('race');
    const v1 = await store.objects.create({ kind: 'App', name, tenant: 't', spec: { n: 0 } });
    const results = await Promise.allSettled(
      [1, 2, 3, 4, 5].map((n) => store.objects.update('App', name, { spec: { n } }, { expectedVersion: v1.resourceVersion })),
    );
    const won = results.filter((r) => r.status === 'fulfilled');
    const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(won).toHaveLength(1);
    expect(lost.map((r) => (r.reason as { code: string }).code)).toEqual(['CONFLICT', 'CONFLICT', 'CONFLICT', 'CONFLICT']);
    expect((await store.objects.get('App', name))?.generation).toBe(2);
  });

  test('resourceVersions increase with every write, across objects', async () => {
    const a = await store.objects.create({ kind: 'App', name: uniqueName('rv'), tenant: 't', spec: {} });
    const b = await store.objects.create({ kind: 'App', name: uniqueName('rv'), tenant: 't', spec: {} });
    const a2 = await store.objects.update('App', a.name, { labels: { x: 'y' } });
    const [ra, rb, ra2] = [a, b, a2].map((o) => BigInt(o.resourceVersion));
    expect(ra! < rb! && rb! < ra2!).toBe(true);
  });

  describe('generation', () => {
    const status = (phase: ResourceStatus['phase'], observedGeneration: number): ResourceStatus => ({
      phase,
      conditions: [],
      observedGeneration,
    });
    // Applied in order to one object; each step states whether generation and resourceVersion move.
    const steps: {
      reason: string;
      write: (kind: Kind, name: string, s: OpenedStore) => Promise<unknown>;
      generation: number;
      newVersion: boolean;
    }[] = [
      {
        reason: 'the same spec with keys in another order is no change: no write at all',
        write: (k, n, s) => s.objects.update(k, n, { spec: { b: { y: 2, x: 1 }, a: [1, 2] } }),
        generation: 1,
        newVersion: false,
      },
      {
        reason: 'a label change is a write, but not a spec change',
        write: (k, n, s) => s.objects.update(k, n, { labels: { tier: 'gold' } }),
        generation: 1,
        newVersion: true,
      },
      {
        reason: 'a real spec change bumps generation',
        write: (k, n, s) => s.objects.update(k, n, { spec: { a: [1, 2], b: { x: 1, y: 3 } } }),
        generation: 2,
        newVersion: true,
      },
      {
        reason: 'array order is significant in a spec',
        write: (k, n, s) => s.objects.update(k, n, { spec: { a: [2, 1], b: { x: 1, y: 3 } } }),
        generation: 3,
        newVersion: true,
      },
      {
        reason: 'a status write never bumps generation',
        write: (k, n, s) => s.objects.updateStatus(k, n, status('Deployed', 3)),
        generation: 3,
        newVersion: true,
      },
      {
        reason: 'writing the same status again is a no-op (reconcilers must not wake themselves)',
        write: (k, n, s) => s.objects.updateStatus(k, n, status('Deployed', 3)),
        generation: 3,
        newVersion: false,
      },
      {
        reason: 'a patch with labels only leaves spec and generation alone',
        write: (k, n, s) => s.objects.update(k, n, { labels: {} }),
        generation: 3,
        newVersion: true,
      },
    ];

    test('moves only on real spec changes', async () => {
      const name = uniqueName('gen');
      let prev: Resource<unknown> = await store.objects.create({ kind: 'App', name, tenant: 't', spec: { a: [1, 2], b: { x: 1, y: 2 } } });
      for (const step of steps) {
        const events = await eventsDuring(name, () => step.write('App', name, store));
        const now = (await store.objects.get('App', name))!;
        expect(now.generation, step.reason).toBe(step.generation);
        expect(now.resourceVersion !== prev.resourceVersion, step.reason).toBe(step.newVersion);
        expect(events.length, `events: ${step.reason}`).toBe(step.newVersion ? 1 : 0);
        prev = now;
      }
      expect(prev.status).toEqual(status('Deployed', 3));
      expect(prev.labels).toEqual({});
    });
  });

  describe('deletion', () => {
    test('without finalizers, delete removes the object at once', async () => {
      const name = uniqueName('del');
      await store.objects.create({ kind: 'App', name, tenant: 't', spec: {} });
      expect(await store.objects.delete('App', name)).toBeUndefined();
      expect(await store.objects.get('App', name)).toBeUndefined();
      await expectStoreError(store.objects.delete('App', name), 'NOT_FOUND');
    });

    test('with finalizers, delete marks the object; removing the last finalizer removes it', async () => {
      const name = uniqueName('fin');
      await store.objects.create({ kind: 'Cluster', name, spec: { v: 1 }, finalizers: ['kubenova.io/a', 'kubenova.io/b'] });

      const marked = await store.objects.delete('Cluster', name);
      expect(marked?.deletionTimestamp).toBeDefined();
      expect(await store.objects.get('Cluster', name)).toEqual(marked);

      const again = await store.objects.delete('Cluster', name);
      expect(again, 'a repeated delete request changes nothing').toEqual(marked);

      await expectStoreError(
        store.objects.update('Cluster', name, { finalizers: ['kubenova.io/a', 'kubenova.io/b', 'kubenova.io/c'] }),
        'INVALID_ARGUMENT',
        /being deleted; no finalizers can be added/,
      );

      // Status and spec may still be written while finalizers run.
      await store.objects.updateStatus('Cluster', name, { ...initialStatus(), phase: 'Applying' });
      const one = await store.objects.update('Cluster', name, { finalizers: ['kubenova.io/b'] });
      expect(one.deletionTimestamp).toBe(marked?.deletionTimestamp);

      const events = await eventsDuring(name, async () => {
        const last = await store.objects.update('Cluster', name, { finalizers: [] });
        expect(last).toMatchObject({ name, finalizers: [], deletionTimestamp: marked?.deletionTimestamp });
        expect(BigInt(last.resourceVersion) > BigInt(one.resourceVersion)).toBe(true);
      });
      expect(await store.objects.get('Cluster', name)).toBeUndefined();
      expect(events.map((e) => e.type)).toEqual(['deleted']);
    });
  });

  describe('change events', () => {
    test('created, updated and deleted, after commit, in order, with resourceVersion and correlation id', async () => {
      const name = uniqueName('ev');
      const seen: ChangeEvent[] = [];
      const stop = store.objects.onChange((e) => {
        if (e.name !== name) return;
        seen.push(e);
      });
      // A listener sees the committed write: reading the object back finds it.
      const visible: boolean[] = [];
      const stopCheck = store.objects.onChange((e) => {
        if (e.name === name && e.type === 'created') void store.objects.get('App', name).then((o) => visible.push(!!o));
      });
      const created = await store.objects.create({ kind: 'App', name, tenant: 'acme', spec: {} }, { correlationId: 'req-1' });
      const updated = await store.objects.update('App', name, { spec: { a: 1 } }, { correlationId: 'req-2' });
      await store.objects.update('App', name, { spec: { a: 1 } }, { correlationId: 'req-noop' });
      await expectStoreError(store.objects.update('App', name, { spec: {} }, { expectedVersion: created.resourceVersion }), 'CONFLICT');
      await store.objects.delete('App', name);
      stop();
      stopCheck();
      await store.objects.create({ kind: 'App', name, tenant: 'acme', spec: {} }); // after unsubscribing

      expect(seen).toEqual([
        { type: 'created', kind: 'App', name, tenant: 'acme', resourceVersion: created.resourceVersion, correlationId: 'req-1' },
        { type: 'updated', kind: 'App', name, tenant: 'acme', resourceVersion: updated.resourceVersion, correlationId: 'req-2', specChanged: true },
        { type: 'deleted', kind: 'App', name, tenant: 'acme', resourceVersion: expect.stringMatching(/^\d+$/) },
      ]);
      expect(visible).toEqual([true]);
    });

    test('a write of only the status is marked statusOnly; spec, label, finalizer and deletion changes are not', async () => {
      const name = uniqueName('st');
      const seen: ChangeEvent[] = [];
      const stop = store.objects.onChange((e) => e.name === name && seen.push(e));
      await store.objects.create({ kind: 'App', name, tenant: 'acme', spec: {} });
      await store.objects.updateStatus('App', name, { phase: 'Applying', conditions: [], observedGeneration: 1 });
      await store.objects.update('App', name, { labels: { a: 'b' } });
      await store.objects.update('App', name, { finalizers: ['x/y'] });
      await store.objects.update('App', name, { spec: { a: 1 } });
      await store.objects.delete('App', name);
      stop();
      expect(seen.map((e) => [e.type, e.statusOnly ?? false])).toEqual([
        ['created', false],
        ['updated', true],
        ['updated', false],
        ['updated', false],
        ['updated', false],
        ['updated', false],
      ]);
      expect(seen.at(-1)).toMatchObject({ deletionStarted: true });
    });

    test('a throwing listener neither fails the write nor starves other listeners', async () => {
      const name = uniqueName('boom');
      const warnings: string[] = [];
      const onWarning = (w: Error) => warnings.push(w.message);
      process.on('warning', onWarning);
      const stopBad = store.objects.onChange(() => {
        throw new Error('listener bug');
      });
      const seen: string[] = [];
      const stopGood = store.objects.onChange((e) => e.name === name && seen.push(e.type));
      try {
        await store.objects.create({ kind: 'App', name, tenant: 't', spec: {} });
      } finally {
        stopBad();
        stopGood();
      }
      await new Promise((r) => setImmediate(r)); // warnings are delivered asynchronously
      process.off('warning', onWarning);
      expect(seen).toEqual(['created']);
      expect(await store.objects.get('App', name)).toBeDefined();
      expect(warnings.some((w) => w.includes('listener bug'))).toBe(true);
    });
  });
});
