// The revision history on both backends: a revision commits with the object write that makes it
// or not at all, only spec changes make one, history pages newest first, outcomes settle
// idempotently, and the history goes with its object.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createStore, type OpenedStore } from '../../src/store/factory.js';
import type { ChangeEvent, RevisionAuthor } from '../../src/store/types.js';
import { backends, testKeyring } from '../support/stores.js';

describe.each(backends)('revisions ($name)', (backend) => {
  let store: OpenedStore;
  beforeAll(async () => {
    store = await createStore((await backend.fresh()).config(testKeyring()));
  });
  afterAll(() => store?.close());

  const uniqueName = (prefix: string) => `${prefix}-${randomUUID().slice(0, 8)}`;
  const by = (change: RevisionAuthor['change'], actor = 'dave'): { revision: RevisionAuthor } => ({ revision: { actor, role: 'tenant-dev', change } });

  async function appWithRevision(name: string) {
    return store.objects.create({ kind: 'App', name, tenant: 'acme', spec: { image: 'a' } }, { correlationId: 'req-1', ...by({ type: 'created' }) });
  }

  test('create and spec changes record revisions numbered by generation; other writes record none', async () => {
    const name = uniqueName('app');
    await appWithRevision(name);
    await store.objects.update('App', name, { labels: { x: 'y' } }, by({ type: 'updated' }));
    await store.objects.update('App', name, { spec: { image: 'a' } }, by({ type: 'updated' }));
    await store.objects.updateStatus('App', name, { phase: 'Applying', conditions: [], observedGeneration: 1 });
    await store.objects.update('App', name, { spec: { image: 'b' } }, { correlationId: 'req-2', ...by({ type: 'updated' }, 'alice') });
    // A spec write without a revision context records nothing (other kinds, reconcilers).
    await store.objects.update('App', name, { spec: { image: 'c' } });
    const page = await store.revisions.list('App', name, { limit: 10 });
    expect(page.items.map((r) => [r.number, r.spec, r.change.type, r.actor, r.requestId])).toEqual([
      [2, { image: 'b' }, 'updated', 'alice', 'req-2'],
      [1, { image: 'a' }, 'created', 'dave', 'req-1'],
    ]);
    expect(page.items[0]!.outcome).toEqual({ state: 'pending' });
  });

  test('a revision that cannot be written fails the object write with it: nothing changes, no event', async () => {
    const name = uniqueName('atomic');
    await appWithRevision(name);
    const events: ChangeEvent[] = [];
    const stop = store.objects.onChange((e) => e.name === name && events.push(e));
    try {
      // PostgreSQL text cannot hold NUL: the revision insert fails inside the transaction.
      await expect(store.objects.update('App', name, { spec: { image: 'b' } }, by({ type: 'updated' }, 'bad\u0000actor'))).rejects.toThrow();
      await expect(
        store.objects.create({ kind: 'App', name: `${name}-2`, tenant: 'acme', spec: {} }, by({ type: 'created' }, 'bad\u0000actor')),
      ).rejects.toThrow();
    } finally {
      stop();
    }
    expect(events).toEqual([]);
    const app = await store.objects.get<{ image: string }>('App', name);
    expect([app!.generation, app!.spec.image]).toEqual([1, 'a']);
    expect(await store.objects.get('App', `${name}-2`)).toBeUndefined();
    expect((await store.revisions.list('App', name, { limit: 10 })).items.map((r) => r.number)).toEqual([1]);
  });

  test('pages newest first; cursors are bound to their object', async () => {
    const name = uniqueName('paged');
    await appWithRevision(name);
    for (const image of ['b', 'c', 'd', 'e']) await store.objects.update('App', name, { spec: { image } }, by({ type: 'updated' }));
    const numbers: number[] = [];
    let cursor: string | undefined;
    do {
      const page = await store.revisions.list('App', name, { limit: 2, ...(cursor && { cursor }) });
      numbers.push(...page.items.map((r) => r.number));
      cursor = page.nextCursor;
    } while (cursor);
    expect(numbers).toEqual([5, 4, 3, 2, 1]);
    const first = await store.revisions.list('App', name, { limit: 1 });
    await expect(store.revisions.list('App', 'other', { limit: 1, cursor: first.nextCursor! })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(store.revisions.list('App', name, { limit: 0 })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });

  test('settle: succeeded, failed, superseded, idempotent; lastSucceeded skips the given spec', async () => {
    const name = uniqueName('settle');
    await appWithRevision(name);
    expect(await store.revisions.settle('App', name, { generation: 1, observedGeneration: 1, phase: 'Deployed' })).toBe(1);
    expect(await store.revisions.settle('App', name, { generation: 1, observedGeneration: 1, phase: 'Deployed' })).toBe(0);
    await store.objects.update('App', name, { spec: { image: 'b' } }, by({ type: 'updated' }));
    await store.objects.update('App', name, { spec: { image: 'c' } }, by({ type: 'updated' }));
    expect(await store.revisions.settle('App', name, { generation: 3, observedGeneration: 3, phase: 'Error', message: 'boom' })).toBe(2);
    const outcomes = (await store.revisions.list('App', name, { limit: 10 })).items.map((r) => [r.number, r.outcome.state, r.outcome.message]);
    expect(outcomes).toEqual([
      [3, 'failed', 'boom'],
      [2, 'superseded', undefined],
      [1, 'succeeded', undefined],
    ]);
    expect((await store.revisions.lastSucceeded('App', name, 3, { image: 'c' }))?.number).toBe(1);
    expect(await store.revisions.lastSucceeded('App', name, 3, { image: 'a' })).toBeUndefined();
    expect(await store.revisions.lastSucceeded('App', name, 1, { image: 'c' })).toBeUndefined();
  });

  test('the history goes with its object', async () => {
    const name = uniqueName('gone');
    await appWithRevision(name);
    await store.objects.delete('App', name);
    expect((await store.revisions.list('App', name, { limit: 10 })).items).toEqual([]);
    expect(await store.revisions.get('App', name, 1)).toBeUndefined();
  });
});
