// A tenant's clusters, as every reconcile of the tenant, its projects and its apps loads them:
// named ones whether registered or not, and those a selector matches among the registered ones,
// which only a selector needs to list.
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { TenantSpec } from '../../src/domain/kinds/tenant.js';
import type { Resource } from '../../src/domain/resource.js';
import { loadTenant } from '../../src/orchestrator/reconcilers/tenant.js';
import { openTestStore } from '../api/support/harness.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function world() {
  const { store, close } = await openTestStore();
  cleanups.push(close);
  await store.objects.create({ kind: 'Cluster', name: 'east', labels: { region: 'eu' }, spec: {} });
  await store.objects.create({ kind: 'Cluster', name: 'west', labels: { region: 'us' }, spec: {} });
  return store;
}

const tenant = (placement: TenantSpec['placement']) => ({ name: 'acme', spec: { owners: [], placement } }) as unknown as Resource<TenantSpec>;

describe('loadTenant', () => {
  it('places a tenant on the clusters it names, registered or not, without listing the clusters', async () => {
    const store = await world();
    const list = vi.spyOn(store.objects, 'list');
    const loaded = await loadTenant(tenant({ clusters: ['west', 'gone'] }), store.objects);
    expect(loaded.clusters).toEqual(['gone', 'west']);
    expect(list).not.toHaveBeenCalled();
  });

  it('adds the registered clusters its selector matches', async () => {
    const store = await world();
    const loaded = await loadTenant(tenant({ clusters: ['gone'], clusterSelector: { matchLabels: { region: 'eu' } } }), store.objects);
    expect(loaded.clusters).toEqual(['east', 'gone']);
  });
});
