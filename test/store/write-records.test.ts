// An object write, the events it stands for and the audit record of the request that made it
// commit in one transaction: they are all there as soon as the write resolves, with nothing
// running after it (no event recorder, no response hook), and none of them when it fails.
import { afterEach, describe, expect, test, vi } from 'vitest';
import { createStore, type OpenedStore } from '../../src/store/index.js';
import type { NewAuditRecord } from '../../src/store/types.js';
import { backends } from '../support/stores.js';

const record = (action: string, status: number): NewAuditRecord => ({
  actor: 'alice',
  roles: ['platform-admin'],
  action,
  kind: 'PolicySet',
  name: 'baseline',
  outcome: status === 202 ? 'initiated' : 'succeeded',
  status,
  requestId: `req-${action}`,
  clientIp: '127.0.0.1',
});

describe.each(backends)('a write commits with its audit record and events ($name)', (backend) => {
  let store: OpenedStore;
  afterEach(() => store?.close());
  const audit = async () => (await store.audit.list({ name: 'baseline', limit: 100 })).items;
  const events = async () => (await store.events.list({ name: 'baseline', limit: 100 })).items;

  test('create, update, an update that changes nothing and delete: each with its records when it resolves', async () => {
    store = await createStore((await backend.fresh()).config());
    const created = await store.objects.create(
      { kind: 'PolicySet', name: 'baseline', spec: { podSecurity: 'baseline' } },
      { correlationId: 'req-create', audit: () => record('create', 201) },
    );
    expect(await audit()).toMatchObject([{ action: 'create', status: 201, outcome: 'succeeded', requestId: 'req-create', actor: 'alice' }]);
    expect(await events()).toMatchObject([{ type: 'Normal', reason: 'Created', kind: 'PolicySet', correlationId: 'req-create' }]);

    await store.objects.update(
      'PolicySet',
      'baseline',
      { spec: { podSecurity: 'restricted' } },
      {
        correlationId: 'req-update',
        expectedVersion: created.resourceVersion,
        audit: () => record('update', 200),
      },
    );
    // A write that changes nothing was still acknowledged: audited, with no event.
    await store.objects.update(
      'PolicySet',
      'baseline',
      { spec: { podSecurity: 'restricted' } },
      { correlationId: 'req-noop', audit: () => record('noop', 200) },
    );
    const removedSeen: boolean[] = [];
    await store.objects.delete('PolicySet', 'baseline', {
      correlationId: 'req-delete',
      audit: ({ removed }) => (removedSeen.push(removed), record('delete', removed ? 204 : 202)),
    });
    expect(removedSeen).toEqual([true]);
    expect((await audit()).map((r) => [r.action, r.status, r.requestId])).toEqual([
      ['create', 201, 'req-create'],
      ['update', 200, 'req-update'],
      ['noop', 200, 'req-noop'],
      ['delete', 204, 'req-delete'],
    ]);
    expect((await events()).map((e) => [e.reason, e.correlationId])).toEqual([
      ['Created', 'req-create'],
      ['Updated', 'req-update'],
      ['Deleted', 'req-delete'],
    ]);
  });

  test('the events reach listeners after the commit, announced by the store', async () => {
    store = await createStore((await backend.fresh()).config());
    const heard: string[] = [];
    const off = store.events.onAppend((e) => heard.push(`${e.reason} ${e.name}`));
    await store.objects.create({ kind: 'PolicySet', name: 'baseline', spec: {} });
    off();
    expect(heard).toEqual(['Created baseline']);
  });

  test('a write that fails leaves neither an audit record nor an event', async () => {
    store = await createStore((await backend.fresh()).config());
    const created = await store.objects.create({ kind: 'PolicySet', name: 'baseline', spec: {} });
    const [auditBefore, eventsBefore] = [await audit(), await events()];
    const never = vi.fn(() => record('refused', 200));
    await expect(store.objects.create({ kind: 'PolicySet', name: 'baseline', spec: {} }, { audit: never })).rejects.toMatchObject({ code: 'ALREADY_EXISTS' });
    await expect(
      store.objects.update('PolicySet', 'baseline', { spec: { podSecurity: 'restricted' } }, { expectedVersion: `${created.resourceVersion}0`, audit: never }),
    ).rejects.toMatchObject({ code: 'CONFLICT' });
    await expect(store.objects.delete('PolicySet', 'absent', { audit: never })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    // The transaction fails after the object row was written (building its audit record): none
    // of it stays.
    const failing = () => {
      throw new Error('refused at the last moment');
    };
    await expect(store.objects.update('PolicySet', 'baseline', { spec: { podSecurity: 'restricted' } }, { audit: failing })).rejects.toThrow(/last moment/);
    expect(never).not.toHaveBeenCalled();
    expect(await audit()).toEqual(auditBefore);
    expect(await events()).toEqual(eventsBefore);
    expect((await store.objects.get('PolicySet', 'baseline'))?.resourceVersion).toBe(created.resourceVersion);
  });
});
