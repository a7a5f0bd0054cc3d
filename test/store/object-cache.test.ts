// Objects read by name and kept in memory (the embedded store only): a read never returns a
// version older than the last write that ended before it, and callers cannot change what is kept.
import { describe, expect, test } from 'vitest';
import { initialStatus, type Resource } from '../../src/domain/resource.js';
import { createStore } from '../../src/store/factory.js';
import { ObjectCache } from '../../src/store/objects.js';
import { backends, testKeyring } from '../support/stores.js';

const tenant = (resourceVersion: string): Resource => ({
  kind: 'Tenant',
  name: 't',
  labels: {},
  spec: { v: resourceVersion },
  status: initialStatus(),
  generation: 1,
  resourceVersion,
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:00.000Z',
  finalizers: [],
});

describe('ObjectCache', () => {
  test('keeps a read only if no write ended while it was under way', () => {
    const cache = new ObjectCache(10);
    const read = cache.reading();
    cache.forget('Tenant', 't');
    cache.keep(tenant('1'), read);
    expect(cache.get('Tenant', 't'), 'the read may predate the write').toBeUndefined();
    cache.keep(tenant('2'), cache.reading());
    expect(cache.get('Tenant', 't')?.resourceVersion).toBe('2');
    cache.forget('Tenant', 't');
    expect(cache.get('Tenant', 't')).toBeUndefined();
  });

  test('hands out copies, and drops the least recently read beyond its size', () => {
    const cache = new ObjectCache(2);
    for (const name of ['a', 'b']) cache.keep({ ...tenant('1'), name }, cache.reading());
    const a = cache.get<{ v: string }>('Tenant', 'a')!;
    a.spec.v = 'changed by a caller';
    expect(cache.get<{ v: string }>('Tenant', 'a')?.spec.v).toBe('1');
    cache.keep({ ...tenant('1'), name: 'c' }, cache.reading());
    expect(cache.get('Tenant', 'b'), 'b was read least recently').toBeUndefined();
    expect(cache.get('Tenant', 'a')).toBeDefined();
    expect(cache.get('Tenant', 'c')).toBeDefined();
  });
});

describe.each(backends)('reads by name after writes ($name)', (backend) => {
  test('a get after each write sees that write, whether or not the object was read before', async () => {
    const store = await createStore((await backend.fresh()).config(testKeyring()));
    try {
      await store.objects.create({ kind: 'Tenant', name: 'acme', spec: { n: 1 } });
      const first = await store.objects.get<{ n: number }>('Tenant', 'acme');
      first!.spec.n = 99;
      expect((await store.objects.get<{ n: number }>('Tenant', 'acme'))?.spec.n, 'a caller changing its copy changes nothing').toBe(1);
      const updated = await store.objects.update('Tenant', 'acme', { spec: { n: 2 } });
      expect(await store.objects.get('Tenant', 'acme')).toEqual(updated);
      // A read racing a write may see either version; the read after it sees the write.
      const [, written] = await Promise.all([store.objects.get('Tenant', 'acme'), store.objects.update('Tenant', 'acme', { spec: { n: 3 } })]);
      expect(await store.objects.get('Tenant', 'acme')).toEqual(written);
      await store.objects.update('Tenant', 'acme', { finalizers: [] });
      await store.objects.delete('Tenant', 'acme');
      expect(await store.objects.get('Tenant', 'acme')).toBeUndefined();
    } finally {
      await store.close();
    }
  });
});
