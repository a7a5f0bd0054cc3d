// The cache of RoleRule objects the verifier reads on every request with an ID token: read from
// the store once, and again only after a RoleRule changed (the store's change feed), so a rule
// change applies from the next request. The real store; the reads are counted.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { managedRoleRules } from '../../src/api/kinds/rolerule.js';
import { cachedRoleRules, type RoleRuleCache } from '../../src/api/role-rule-cache.js';
import type { ObjectStore } from '../../src/store/types.js';
import { openTestStore } from './support/harness.js';

let opened: Awaited<ReturnType<typeof openTestStore>>;
let cache: RoleRuleCache;
let reads = 0;

beforeAll(async () => {
  opened = await openTestStore();
  cache = cachedRoleRules(opened.store.objects, (objects: ObjectStore) => {
    reads += 1;
    return managedRoleRules(objects);
  });
});
afterAll(async () => {
  cache?.close();
  await opened?.close();
});

const names = async () => (await cache.rules()).map((r) => r.name);
const rule = (name: string, group: string) => ({ kind: 'RoleRule' as const, name, labels: {}, spec: { group, role: 'read-only' } });

it('reads the store once for any number of requests', async () => {
  expect(await Promise.all([names(), names(), names()])).toEqual([[], [], []]);
  expect(await names()).toEqual([]);
  expect(reads).toBe(1);
});

it('a created, changed or deleted rule applies at the next call; other kinds leave the cache alone', async () => {
  await opened.store.objects.create(rule('auditors', 'audit'));
  expect(await names()).toEqual(['auditors']);
  expect(reads).toBe(2);

  await opened.store.objects.create({ kind: 'Tenant', name: 'acme', labels: {}, spec: {} });
  expect(await names()).toEqual(['auditors']);
  expect(reads).toBe(2);

  const current = await opened.store.objects.get('RoleRule', 'auditors');
  await opened.store.objects.update(
    'RoleRule',
    'auditors',
    { spec: { group: 'auditors-v2', role: 'read-only' } },
    { expectedVersion: current!.resourceVersion },
  );
  expect((await cache.rules())[0]!.spec.group).toBe('auditors-v2');

  await opened.store.objects.delete('RoleRule', 'auditors');
  expect(await names()).toEqual([]);
  expect(reads).toBe(4);
});

it('a change that lands while the rules are being read is not hidden by that read', async () => {
  const reading = cache.rules();
  await opened.store.objects.create(rule('late', 'g'));
  await reading;
  expect(await names()).toEqual(['late']);
});

it('a failed read is not kept: the next call reads again', async () => {
  let failures = 1;
  const flaky = cachedRoleRules(opened.store.objects, async (objects) => {
    if (failures-- > 0) throw new Error('store unavailable');
    return managedRoleRules(objects);
  });
  try {
    await expect(flaky.rules()).rejects.toThrow('store unavailable');
    expect((await flaky.rules()).map((r) => r.name)).toEqual(['late']);
  } finally {
    flaky.close();
  }
});
