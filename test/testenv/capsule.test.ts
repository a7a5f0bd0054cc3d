// Capsule, running for real in the test cluster: its controller reconciles Tenants and its
// webhooks admit, label and limit tenant namespaces.
import { randomBytes } from 'node:crypto';
import { CoreV1Api, CustomObjectsApi } from '@kubernetes/client-node';
import { afterAll, describe, expect, inject, it, vi } from 'vitest';
import { adminKubeConfig, userKubeConfig } from '../support/cluster.js';

const cluster = inject('cluster');
const admin = adminKubeConfig(cluster);
const adminObjects = admin.makeApiClient(CustomObjectsApi);
const adminCore = admin.makeApiClient(CoreV1Api);

const suffix = randomBytes(3).toString('hex');
const tenant = `acme-${suffix}`;
const owner = `alice-${suffix}`;
const tenantApi = { group: 'capsule.clastix.io', version: 'v1beta2', plural: 'tenants' };

interface Tenant {
  metadata: { name: string };
  status?: { state?: string; size?: number; namespaces?: string[]; conditions?: { type: string; status: string }[] };
}

async function readTenant(): Promise<Tenant> {
  return (await adminObjects.getClusterCustomObject({ ...tenantApi, name: tenant })) as Tenant;
}

afterAll(async () => {
  await adminObjects.deleteClusterCustomObject({ ...tenantApi, name: tenant }).catch(() => {});
});

describe('Capsule in the test cluster', () => {
  it('reconciles a Tenant to Ready / Active', async () => {
    await adminObjects.createClusterCustomObject({
      ...tenantApi,
      body: {
        apiVersion: 'capsule.clastix.io/v1beta2',
        kind: 'Tenant',
        metadata: { name: tenant },
        spec: { owners: [{ kind: 'User', name: owner }], namespaceOptions: { quota: 1 } },
      },
    });
    await vi.waitFor(
      async () => {
        const { status } = await readTenant();
        expect(status?.state).toBe('Active');
        expect(status?.conditions?.find((c) => c.type === 'Ready')?.status).toBe('True');
      },
      { timeout: 30_000, interval: 250 },
    );
  });

  it("admits the owner's namespace through the webhook and labels it with the tenant", async () => {
    // A real identity: client cert for the owner, in Capsule's user group.
    const ownerCore = (await userKubeConfig(cluster, owner, ['projectcapsule.dev'])).makeApiClient(CoreV1Api);
    const name = `${tenant}-dev`;
    await ownerCore.createNamespace({ body: { metadata: { name } } });

    const ns = await adminCore.readNamespace({ name });
    expect(ns.metadata?.labels?.['capsule.clastix.io/tenant']).toBe(tenant);
    expect(ns.metadata?.ownerReferences?.some((ref) => ref.kind === 'Tenant' && ref.name === tenant)).toBe(true);
    await vi.waitFor(async () => expect((await readTenant()).status?.namespaces).toContain(name), { timeout: 30_000, interval: 250 });
  });

  it("denies a namespace beyond the tenant's namespace quota", async () => {
    const ownerCore = (await userKubeConfig(cluster, owner, ['projectcapsule.dev'])).makeApiClient(CoreV1Api);
    const denied = await ownerCore.createNamespace({ body: { metadata: { name: `${tenant}-prod` } } }).then(
      () => undefined,
      (err: { code?: number; body?: string }) => err,
    );
    expect(denied?.code).toBe(403);
    const status = JSON.parse(String(denied?.body)) as { reason?: string; message?: string };
    expect(status.reason).toBe('Forbidden');
    expect(status.message).toMatch(/admission webhook "[^"]*projectcapsule\.dev" denied the request: Cannot exceed Namespace quota/);
  });
});
