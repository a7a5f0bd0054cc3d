// Clusters started without Capsule and/or KubeVela (`up --without`): nothing of the left-out
// component is there (no CRDs, process, namespace or webhooks), and the rest works as usual.
import { existsSync } from 'node:fs';
import { AdmissionregistrationV1Api, ApiextensionsV1Api, CoreV1Api } from '@kubernetes/client-node';
import { describe, expect, it, vi } from 'vitest';
import { isAlive } from '../../tools/testenv/src/processes.js';
import { readClusterInfo } from '../../tools/testenv/src/state.js';
import type { ClusterInfo } from '../support/cluster.js';
import { adminKubeConfig, startExtraCluster, stopComponent } from '../support/cluster.js';

const CONTROL_PLANE = ['etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kwok'];

async function crdNames(info: ClusterInfo): Promise<string[]> {
  const crds = await adminKubeConfig(info).makeApiClient(ApiextensionsV1Api).listCustomResourceDefinition();
  return crds.items.map((crd) => crd.metadata!.name!);
}

async function webhookNames(info: ClusterInfo): Promise<string[]> {
  const api = adminKubeConfig(info).makeApiClient(AdmissionregistrationV1Api);
  const [mutating, validating] = await Promise.all([api.listMutatingWebhookConfiguration(), api.listValidatingWebhookConfiguration()]);
  return [...mutating.items, ...validating.items].map((config) => config.metadata!.name!);
}

async function namespaceNames(info: ClusterInfo): Promise<string[]> {
  return (await adminKubeConfig(info).makeApiClient(CoreV1Api).listNamespace()).items.map((ns) => ns.metadata!.name!);
}

describe('a cluster started without some components', () => {
  it('without capsule: KubeVela only, no Capsule CRDs, process, namespace or webhooks', { timeout: 300_000 }, async () => {
    const cluster = await startExtraCluster({ without: ['capsule'] });
    try {
      const { info } = cluster;
      expect(info.components).toEqual([...CONTROL_PLANE, 'vela-core']);
      expect(Object.keys(info.pids)).toEqual(info.components);
      expect(info.capsuleProxy).toBeNull();
      expect(await readClusterInfo(info.dir)).toMatchObject({ components: info.components });

      const crds = await crdNames(info);
      expect(crds.filter((name) => name.endsWith('.capsule.clastix.io') || name.endsWith('.projectcapsule.dev'))).toEqual([]);
      expect(crds).toContain('applications.core.oam.dev');
      await expect(
        adminKubeConfig(info).makeApiClient(ApiextensionsV1Api).readCustomResourceDefinition({ name: 'tenants.capsule.clastix.io' }),
      ).rejects.toMatchObject({ code: 404 });

      const webhooks = await webhookNames(info);
      expect(webhooks.some((name) => name.includes('capsule'))).toBe(false);
      expect(webhooks.some((name) => name.includes('kubevela'))).toBe(true);
      const namespaces = await namespaceNames(info);
      expect(namespaces).toContain('vela-system');
      expect(namespaces).not.toContain('capsule-system');
    } finally {
      await cluster.stop();
    }
  });

  it('without capsule and kubevela: a bare control plane; down works with a component stopped', { timeout: 300_000 }, async () => {
    const cluster = await startExtraCluster({ without: ['capsule', 'kubevela'] });
    let info = cluster.info;
    const allPids = Object.values(info.pids);
    try {
      expect(info.components).toEqual(CONTROL_PLANE);
      expect(await crdNames(info)).toEqual([]);
      expect(await webhookNames(info)).toEqual([]);
      const namespaces = await namespaceNames(info);
      expect(namespaces.filter((name) => ['capsule-system', 'vela-system'].includes(name))).toEqual([]);

      // Workloads still run on the fake node (controller-manager, scheduler, kwok).
      const core = adminKubeConfig(info).makeApiClient(CoreV1Api);
      await core.createNamespace({ body: { metadata: { name: 'plain' } } });
      await vi.waitFor(() => core.readNamespacedServiceAccount({ namespace: 'plain', name: 'default' }), { timeout: 30_000, interval: 250 });
      await core.createNamespacedPod({ namespace: 'plain', body: { metadata: { name: 'p' }, spec: { containers: [{ name: 'c', image: 'nginx' }] } } });
      await vi.waitFor(async () => expect((await core.readNamespacedPod({ namespace: 'plain', name: 'p' })).status?.phase).toBe('Running'), {
        timeout: 60_000,
        interval: 500,
      });

      info = await stopComponent(info, 'kube-apiserver');
      expect(info.pids['kube-apiserver']).toBeUndefined();
    } finally {
      await cluster.stop();
    }
    expect((await Promise.all(allPids.map(isAlive))).some(Boolean)).toBe(false);
    expect(existsSync(info.dir)).toBe(false);
  });
});
