// vela-core, running for real in the test cluster with Application authentication: an
// Application written by a developer is rendered with the developer's identity into a
// Deployment whose Pods kwok runs on its fake node.
import { randomBytes } from 'node:crypto';
import { AppsV1Api, CoreV1Api, CustomObjectsApi, RbacAuthorizationV1Api } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { adminKubeConfig, userKubeConfig } from '../support/cluster.js';

const cluster = inject('cluster');
const admin = adminKubeConfig(cluster);
const adminCore = admin.makeApiClient(CoreV1Api);
const adminApps = admin.makeApiClient(AppsV1Api);
const adminRbac = admin.makeApiClient(RbacAuthorizationV1Api);
const adminObjects = admin.makeApiClient(CustomObjectsApi);

const suffix = randomBytes(3).toString('hex');
const namespace = `vela-${suffix}`;
const developer = `dev-${suffix}`;
const team = `kubevela:team-${suffix}`;
const appRole = `kubevela-app-developer-${suffix}`;
const applications = { group: 'core.oam.dev', version: 'v1beta1', plural: 'applications' };

interface Application {
  metadata: { annotations?: Record<string, string> };
  status?: { status?: string; services?: { name: string; healthy: boolean }[] };
}

beforeAll(async () => {
  await adminCore.createNamespace({ body: { metadata: { name: namespace } } });
  // What a platform grants a team in its namespace: the built-in admin role plus Applications
  // (and the ControllerRevisions vela-core writes for components, as that team).
  await adminRbac.createClusterRole({
    body: {
      metadata: { name: appRole },
      rules: [
        { apiGroups: ['core.oam.dev'], resources: ['applications'], verbs: ['*'] },
        { apiGroups: ['apps'], resources: ['controllerrevisions'], verbs: ['*'] },
      ],
    },
  });
  for (const role of ['admin', appRole]) {
    await adminRbac.createNamespacedRoleBinding({
      namespace,
      body: {
        metadata: { name: `team-${role}` },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: role },
        subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: team }],
      },
    });
  }
});

afterAll(async () => {
  await adminCore.deleteNamespace({ name: namespace }).catch(() => {});
  await adminRbac.deleteClusterRole({ name: appRole }).catch(() => {});
});

describe('KubeVela in the test cluster', () => {
  it('renders a webservice Application into a running Deployment, as its author', async () => {
    const developerObjects = (await userKubeConfig(cluster, developer, [team])).makeApiClient(CustomObjectsApi);
    await developerObjects.createNamespacedCustomObject({
      ...applications,
      namespace,
      body: {
        apiVersion: 'core.oam.dev/v1beta1',
        kind: 'Application',
        metadata: { name: 'hello', namespace },
        spec: {
          components: [
            {
              name: 'hello',
              type: 'webservice',
              properties: { image: 'nginx:1.27', ports: [{ port: 80, expose: true }] },
              traits: [{ type: 'scaler', properties: { replicas: 2 } }],
            },
          ],
        },
      },
    });

    // vela-core's mutating webhook stamped the author and its kubevela:* groups.
    const app = (await adminObjects.getNamespacedCustomObject({ ...applications, namespace, name: 'hello' })) as Application;
    expect(app.metadata.annotations?.['app.oam.dev/username']).toBe(developer);
    expect(app.metadata.annotations?.['app.oam.dev/group']).toBe(team);

    await vi.waitFor(
      async () => {
        const deployment = await adminApps.readNamespacedDeployment({ namespace, name: 'hello' });
        expect(deployment.spec?.replicas).toBe(2);
        expect(deployment.status?.readyReplicas).toBe(2);
      },
      { timeout: 60_000, interval: 500 },
    );
    const pods = await adminCore.listNamespacedPod({ namespace, labelSelector: 'app.oam.dev/component=hello' });
    expect(pods.items.map((p) => p.status?.phase)).toEqual(['Running', 'Running']);
    expect(pods.items.every((p) => p.spec?.nodeName?.startsWith('kwok-'))).toBe(true);
    await adminCore.readNamespacedService({ namespace, name: 'hello' });

    await vi.waitFor(
      async () => {
        const current = (await adminObjects.getNamespacedCustomObject({ ...applications, namespace, name: 'hello' })) as Application;
        expect(current.status?.status).toBe('running');
        expect(current.status?.services?.every((s) => s.healthy)).toBe(true);
      },
      { timeout: 60_000, interval: 500 },
    );
  });
});
