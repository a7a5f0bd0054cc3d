// Stopping and starting one component of the shared cluster (stopComponent/startComponent):
// while it is down its API or webhooks fail; started again with the same ports, certificates
// and etcd data, it serves the objects it had and everything converges again.
import { randomBytes } from 'node:crypto';
import { CoreV1Api, CustomObjectsApi } from '@kubernetes/client-node';
import { afterAll, describe, expect, inject, it, vi } from 'vitest';
import { httpsGet } from '../../tools/testenv/src/https.js';
import { isAlive } from '../../tools/testenv/src/processes.js';
import { readClusterInfo } from '../../tools/testenv/src/state.js';
import type { ClusterInfo, ComponentRef } from '../support/cluster.js';
import { adminKubeConfig, startComponent, stopComponent } from '../support/cluster.js';

const cluster = inject('cluster');
const admin = adminKubeConfig(cluster);
const core = admin.makeApiClient(CoreV1Api);
const objects = admin.makeApiClient(CustomObjectsApi);

const suffix = randomBytes(3).toString('hex');
const namespace = `restart-${suffix}`;
const tenantApi = { group: 'capsule.clastix.io', version: 'v1beta2', plural: 'tenants' };
const applicationApi = { group: 'core.oam.dev', version: 'v1beta1', plural: 'applications' };
const tenants: string[] = [];
const SLOW = { timeout: 240_000 };

afterAll(async () => {
  // Whatever a failed test left stopped runs again for the next test files.
  for (const name of ['kube-apiserver', 'capsule', 'vela-core'] as const) {
    if (cluster.components.includes(name)) await startComponent(cluster, name);
  }
  await core.deleteNamespace({ name: namespace }).catch(() => {});
  for (const name of tenants) await objects.deleteClusterCustomObject({ ...tenantApi, name }).catch(() => {});
});

/** The error an API call failed with, as client-node reports it. */
async function failure(call: Promise<unknown>): Promise<{ code?: number; body?: unknown; message?: string }> {
  return call.then(
    () => {
      throw new Error('expected the call to fail');
    },
    (err: { code?: number; body?: unknown; message?: string }) => err,
  );
}

/** Stops and starts `name`, checking cluster.json and that every other component kept running. */
async function bounce(name: ComponentRef, whileStopped: (info: ClusterInfo) => Promise<void>): Promise<ClusterInfo> {
  const before = await readClusterInfo(cluster.dir);
  const others = Object.entries(before.pids).filter(([component]) => component !== name);
  const stopped = await stopComponent(cluster, name);
  expect(stopped.pids[name]).toBeUndefined();
  expect((await readClusterInfo(cluster.dir)).pids).toEqual(stopped.pids);
  expect(await isAlive(before.pids[name]!)).toBe(false);

  await whileStopped(stopped);

  const started = await startComponent(cluster, name);
  expect(started.pids[name]).toBeGreaterThan(0);
  expect(started.pids[name]).not.toBe(before.pids[name]);
  expect(await isAlive(started.pids[name]!)).toBe(true);
  expect((await readClusterInfo(cluster.dir)).pids).toEqual(started.pids);
  expect(Object.entries(started.pids).filter(([component]) => component !== name)).toEqual(others);
  expect((await Promise.all(others.map(([, pid]) => isAlive(pid)))).every(Boolean)).toBe(true);
  expect(started.ports).toEqual(before.ports);
  return started;
}

function tenant(name: string) {
  return {
    apiVersion: 'capsule.clastix.io/v1beta2',
    kind: 'Tenant',
    metadata: { name },
    spec: { owners: [{ kind: 'User', name: `owner-${name}` }] },
  };
}

describe('stopping and starting one component', () => {
  it('kube-apiserver: unreachable while stopped; started again it serves its data and the controllers converge', SLOW, async () => {
    await core.createNamespace({ body: { metadata: { name: namespace } } });

    await bounce('kube-apiserver', async () => {
      await expect(core.readNamespace({ name: namespace })).rejects.toThrow();
    });

    // Same URL, same CA and admin certificate (the KubeConfig from before), same etcd data.
    expect((await core.readNamespace({ name: namespace })).metadata?.name).toBe(namespace);
    // controller-manager reconnected: it publishes the cluster CA into a namespace made now.
    const fresh = `${namespace}-after`;
    await core.createNamespace({ body: { metadata: { name: fresh } } });
    try {
      await vi.waitFor(() => core.readNamespacedConfigMap({ namespace: fresh, name: 'kube-root-ca.crt' }), { timeout: 60_000, interval: 500 });
    } finally {
      await core.deleteNamespace({ name: fresh }).catch(() => {});
    }
  });

  it('capsule: Tenants are refused while it is stopped, reconciled once it runs again', SLOW, async () => {
    const refused = `refused-${suffix}`;
    const accepted = `accepted-${suffix}`;
    tenants.push(refused, accepted);
    await bounce('capsule', async () => {
      const err = await failure(objects.createClusterCustomObject({ ...tenantApi, body: tenant(refused) }));
      expect(err.code).toBe(500);
      expect(String(err.body)).toMatch(/failed calling webhook|conversion webhook/);
    });

    await objects.createClusterCustomObject({ ...tenantApi, body: tenant(accepted) });
    await vi.waitFor(
      async () => {
        const { status } = (await objects.getClusterCustomObject({ ...tenantApi, name: accepted })) as { status?: { state?: string } };
        expect(status?.state).toBe('Active');
      },
      { timeout: 60_000, interval: 250 },
    );
  });

  it('vela-core: Applications are refused while it is stopped, admitted by its webhook once it runs again', SLOW, async () => {
    const application = (name: string) => ({
      apiVersion: 'core.oam.dev/v1beta1',
      kind: 'Application',
      metadata: { name, namespace },
      spec: { components: [{ name, type: 'webservice', properties: { image: 'nginx:1.27' } }] },
    });
    await bounce('vela-core', async () => {
      const err = await failure(objects.createNamespacedCustomObject({ ...applicationApi, namespace, body: application('refused') }));
      expect(err.code).toBe(500);
      expect(String(err.body)).toMatch(/failed calling webhook/);
    });

    const created = (await objects.createNamespacedCustomObject({ ...applicationApi, namespace, body: application('accepted') })) as {
      metadata: { annotations?: Record<string, string> };
    };
    // The mutating webhook ran: it stamps the author.
    expect(created.metadata.annotations?.['app.oam.dev/username']).toBeTruthy();
  });

  it.skipIf(!cluster.capsuleProxy)('capsule-proxy: refuses connections while stopped, answers once started', SLOW, async () => {
    const proxy = cluster.capsuleProxy!;
    await bounce('capsule-proxy', async () => {
      await expect(httpsGet(proxy.url, { caFile: proxy.caFile })).rejects.toThrow();
    });
    expect((await httpsGet(proxy.url, { caFile: proxy.caFile })).status).toBeGreaterThan(0);
  });
});
