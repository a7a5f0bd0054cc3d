// A tenant's clusters, as every reconcile of the tenant, its projects and its apps loads them:
// named ones whether registered or not, and those a selector matches among the registered ones,
// which only a selector needs to list. And which tenancy reconciles a store change wakes: a
// tenant's projects follow their tenant, and a tenant wakes for a project only once it is gone
// (a tenant being deleted waits for it).
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { TenantSpec } from '../../src/domain/kinds/tenant.js';
import type { Resource } from '../../src/domain/resource.js';
import { loadTenant, tenancyKeysFor } from '../../src/orchestrator/reconcilers/tenant.js';
import type { ChangeEvent, ObjectStore } from '../../src/store/types.js';
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

const change = (e: Partial<ChangeEvent> & Pick<ChangeEvent, 'type' | 'kind' | 'name'>): ChangeEvent => ({ resourceVersion: '1', ...e });

describe('tenancyKeysFor', () => {
  it("wakes a tenant's projects when the tenant changes", async () => {
    const store = await world();
    await store.objects.create({ kind: 'Tenant', name: 'acme', spec: { owners: [] } });
    await store.objects.create({ kind: 'Project', name: 'web', tenant: 'acme', spec: { tenant: 'acme' } });
    expect(await tenancyKeysFor(change({ type: 'updated', kind: 'Tenant', name: 'acme', specChanged: true }), store.objects)).toEqual([
      'Tenant/acme',
      'Project/web',
    ]);
  });

  it('wakes a tenant for its project only when the project is gone, without reading the store', async () => {
    const objects = new Proxy({} as ObjectStore, {
      get: () => {
        throw new Error('a project change is answered from the change itself');
      },
    });
    for (const type of ['created', 'updated'] as const) {
      expect(await tenancyKeysFor(change({ type, kind: 'Project', name: 'web', tenant: 'acme' }), objects)).toEqual(['Project/web']);
    }
    expect(await tenancyKeysFor(change({ type: 'deleted', kind: 'Project', name: 'web', tenant: 'acme' }), objects)).toEqual(['Project/web', 'Tenant/acme']);
  });
});
