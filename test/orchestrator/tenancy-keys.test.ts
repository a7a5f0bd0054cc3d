// Which tenancy reconciles a store change wakes: a tenant's projects follow their tenant, and a
// tenant wakes for a project only when the project is gone (a tenant being deleted waits for it).
import { afterEach, describe, expect, it } from 'vitest';
import { tenancyKeysFor } from '../../src/orchestrator/reconcilers/tenant.js';
import type { ChangeEvent, ObjectStore } from '../../src/store/types.js';
import { openTestStore } from '../api/support/harness.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function world() {
  const { store, close } = await openTestStore();
  cleanups.push(close);
  await store.objects.create({ kind: 'Tenant', name: 'acme', spec: { owners: [] } });
  await store.objects.create({ kind: 'Project', name: 'web', tenant: 'acme', spec: { tenant: 'acme' } });
  return store;
}

const change = (e: Partial<ChangeEvent> & Pick<ChangeEvent, 'type' | 'kind' | 'name'>): ChangeEvent => ({ resourceVersion: '1', ...e });

describe('tenancyKeysFor', () => {
  it("wakes a tenant's projects when the tenant changes", async () => {
    const store = await world();
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
