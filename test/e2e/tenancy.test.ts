// Tenancy end to end against real clusters from tools/testenv (kube-apiserver, Capsule v0.14,
// kwok): the HTTP API on the real embedded store, real cluster registration, the runtime with
// the ClusterReconciler and the Tenant/Project reconcilers, Capsule's own webhooks refusing what
// a tenant owner may not do. Two clusters with Capsule (the shared one and an extra one) and, for
// the 422 case, one without Capsule.
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { explainAdmission, releasedTenant } from '../../src/adapters/capsule/index.js';
import { AGENT } from '../../src/adapters/cluster/agent-identity.js';
import { projectAppServiceAccount } from '../../src/adapters/cluster/app-identity.js';
import { KubeClusterClient } from '../../src/adapters/kube/client.js';
import { KubeError, type KubeObject } from '../../src/adapters/kube/types.js';
import { clusterWriteServices } from '../../src/api/write-services.js';
import { createLogger } from '../../src/observability/logger.js';
import { clusterReconcilerRegistration } from '../../src/orchestrator/reconcilers/cluster.js';
import { startRuntime, type Runtime } from '../../src/orchestrator/manager/manager.js';
import { tenancyRegistrations } from '../../src/orchestrator/reconcilers/registrations.js';
import { ADMIN, json, startHarness, type Harness } from '../api/support/harness.js';
import { removeAgentIdentity } from '../support/agent-cleanup.js';
import { untilPhase } from '../support/phases.js';
import { startComponent, startExtraCluster, stopComponent, userKubeConfig, type ClusterHandle, type ClusterInfo } from '../support/cluster.js';

const shared = inject('cluster');
const suffix = randomBytes(3).toString('hex');
const logger = createLogger({ level: process.env.KUBENOVA_TEST_LOG ?? 'silent' });
const report = (line: string) => process.stderr.write(`[tenancy.test] ${line}\n`);

const A = `a-${suffix}`;
const B = `b-${suffix}`;
const OWNER = `alice-${suffix}`;
const TENANT = `acme-${suffix}`;
const P1 = `${TENANT}-web`;
const P2 = `${TENANT}-db`;

let h: Harness;
let runtime: Runtime | undefined;
let extra: ClusterHandle | undefined;
let bare: ClusterHandle | undefined;
const admins = new Map<string, KubeClusterClient>();
const infos = new Map<string, ClusterInfo>();
/** Tenants this file created (for cleanup after a failure). */
const tenants = new Set<string>();

const TENANT_TYPE = { apiVersion: 'capsule.clastix.io/v1beta2', kind: 'Tenant' } as const;
const NAMESPACE = { apiVersion: 'v1', kind: 'Namespace' } as const;
const NETWORK_POLICY = { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy' } as const;
const b64 = (text: string) => Buffer.from(text).toString('base64');
const admin = (cluster: string) => admins.get(cluster)!;

async function call(method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, body?: unknown) {
  return h.call(ADMIN, method, url, body);
}

async function created(url: string, body: unknown): Promise<void> {
  const res = await call('POST', url, body);
  expect(res.statusCode, `${url}: ${res.body}`).toBe(201);
}

const read = (kind: 'Tenant' | 'Project' | 'Cluster', name: string) => h.store.objects.get<Record<string, unknown>>(kind, name);

/** Resolves once the object is Deployed for its current generation. */
const deployed = (kind: 'Tenant' | 'Project', name: string, timeout = 90_000) => untilPhase(h.store.objects, kind, name, 'Deployed', timeout);

async function gone(kind: 'Tenant' | 'Project', name: string, timeout = 120_000): Promise<void> {
  await vi.waitFor(
    async () => expect(await read(kind, name), `${kind}/${name} still there: ${JSON.stringify((await read(kind, name))?.status)}`).toBeUndefined(),
    {
      timeout,
      interval: 100,
    },
  );
}

async function register(name: string, info: ClusterInfo): Promise<void> {
  const kubeconfig = await readFile(info.kubeconfig, 'utf8');
  admins.set(name, await KubeClusterClient.fromKubeconfigText(`admin-${name}`, kubeconfig));
  infos.set(name, info);
  await created('/api/v1/clusters', { name, kubeconfig: b64(kubeconfig), labels: { suite: suffix } });
}

async function discovered(name: string): Promise<void> {
  await vi.waitFor(async () => expect((await read('Cluster', name))?.status.capabilities).toBeDefined(), { timeout: 60_000, interval: 100 });
}

/** The admin's view of a tenant's projected Capsule Tenant on a cluster. */
const capsuleTenant = (cluster: string, name = TENANT) => admin(cluster).get({ ...TENANT_TYPE, name });

/** A tenant owner's client on a cluster: a real client certificate, in Capsule's user group. */
async function ownerClient(cluster: string): Promise<KubeClusterClient> {
  return KubeClusterClient.fromKubeConfig(`owner-${cluster}`, await userKubeConfig(infos.get(cluster)!, OWNER, ['projectcapsule.dev']));
}

async function refusal(p: Promise<unknown>): Promise<KubeError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err, 'expected a refusal').toBeInstanceOf(KubeError);
  return err as KubeError;
}

beforeAll(async () => {
  h = await startHarness({ writeServices: clusterWriteServices(logger) });
  extra = await startExtraCluster();
  await register(A, shared);
  await register(B, extra.info);
  runtime = startRuntime({
    store: h.store,
    logger,
    reconcilers: [clusterReconcilerRegistration(), ...tenancyRegistrations()],
  });
  await Promise.all([discovered(A), discovered(B)]);
}, 300_000);

afterAll(async () => {
  await runtime?.stop();
  // After a failure: what this file projected into the shared cluster goes (Tenants first lose
  // their deletion guard; Capsule then deletes their namespaces).
  const client = admins.get(A);
  if (client) {
    for (const name of tenants) {
      const live = await client.get({ ...TENANT_TYPE, name }).catch(() => undefined);
      if (live) {
        await client.apply(releasedTenant(live));
        await client.delete({ ...TENANT_TYPE, name });
      }
    }
    await removeAgentIdentity(client).catch((err: unknown) => report(`cleanup of the agent identity failed: ${String(err)}`));
  }
  for (const c of admins.values()) c.close();
  await Promise.all([extra?.stop(), bare?.stop()]);
  await h?.close();
}, 300_000);

describe('a tenant with quotas and two projects on two clusters', () => {
  it('is projected onto both clusters and reaches Deployed', { timeout: 180_000 }, async () => {
    await created('/api/v1/policysets', {
      name: `ps-${suffix}`,
      spec: { podSecurity: 'baseline', defaultLimits: { defaultRequest: { cpu: '100m', memory: '64Mi' }, default: { cpu: '200m', memory: '128Mi' } } },
    });
    const t0 = performance.now();
    tenants.add(TENANT);
    await created('/api/v1/tenants', {
      name: TENANT,
      spec: {
        owners: [{ kind: 'User', name: OWNER }],
        quotas: { namespaces: 3, pods: 4, cpu: '2', memory: '2Gi' },
        allowedRegistries: ['ghcr.io/acme'],
        namespaceOptions: { labels: { team: 'acme' }, forbiddenLabels: ['acme.io/tier'] },
        placement: { clusters: [A, B] },
        policySets: [`ps-${suffix}`],
      },
    });
    await created(`/api/v1/tenants/${TENANT}/projects`, { name: P1 });
    await created(`/api/v1/tenants/${TENANT}/projects`, { name: P2 });
    const tenant = await deployed('Tenant', TENANT);
    await Promise.all([deployed('Project', P1), deployed('Project', P2)]);
    report(`tenant + 2 projects on 2 clusters → Deployed: ${(performance.now() - t0).toFixed(0)} ms`);
    expect(Object.keys(tenant.status.clusters ?? {}).sort()).toEqual([A, B].sort());

    for (const cluster of [A, B]) {
      const c = admin(cluster);
      // The Capsule Tenant: KubeNova's, guarded, with the owner, the namespace quota and rules.
      const t = (await capsuleTenant(cluster))!;
      expect(t.metadata.labels).toMatchObject({ 'app.kubernetes.io/managed-by': 'kubenova', 'kubenova.io/tenant': TENANT });
      expect(t.spec).toMatchObject({ owners: [{ kind: 'User', name: OWNER }], preventDeletion: true, namespaceOptions: { quota: 3 } });
      // Capsule counts adopted namespaces in the Tenant's status asynchronously.
      await vi.waitFor(async () => expect(((await capsuleTenant(cluster))!.status as { namespaces?: string[] }).namespaces?.sort()).toEqual([P2, P1].sort()), {
        timeout: 30_000,
        interval: 100,
      });

      for (const project of [P1, P2]) {
        // The namespace, adopted by Capsule: ownerReference to this Tenant's uid.
        const ns = (await c.get({ ...NAMESPACE, name: project }))!;
        expect(ns.metadata.ownerReferences).toEqual([expect.objectContaining({ kind: 'Tenant', name: TENANT, uid: t.metadata.uid })]);
        // Capsule stamps the tenant's namespace metadata and the policy set's pod security level.
        expect(ns.metadata.labels).toMatchObject({
          'capsule.clastix.io/tenant': TENANT,
          'kubenova.io/project': project,
          team: 'acme',
          'pod-security.kubernetes.io/enforce': 'baseline',
        });
        // Quota: the tenant-wide GlobalResourceQuota's ResourceQuota in each namespace.
        const quotas = await c.list({ apiVersion: 'v1', kind: 'ResourceQuota' }, { namespace: project });
        expect(quotas.map((q) => (q.spec as { hard: Record<string, string> }).hard)).toContainEqual(
          expect.objectContaining({ pods: '4', 'requests.cpu': '2', 'requests.memory': '2Gi' }),
        );
        // Owner RoleBindings: Capsule's, for the tenant's owner.
        const bindings = await c.list({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding' }, { namespace: project });
        expect(
          bindings.some(
            (b) => (b.subjects as { name: string }[] | undefined)?.some((s) => s.name === OWNER) && (b.roleRef as { name: string }).name === 'admin',
          ),
        ).toBe(true);
        // KubeNova's own: the isolation NetworkPolicy and the policy set's LimitRange.
        const np = (await c.get({ ...NETWORK_POLICY, namespace: project, name: 'kubenova-network' }))!;
        expect((np.spec as { ingress: unknown }).ingress).toEqual([
          { from: [{ namespaceSelector: { matchLabels: { 'capsule.clastix.io/tenant': TENANT } } }] },
        ]);
        const lr = (await c.get({ apiVersion: 'v1', kind: 'LimitRange', namespace: project, name: 'kubenova-defaults' }))!;
        expect(lr.metadata.labels).toMatchObject({ 'kubenova.io/project': project });
      }
      const grq = (await c.get({ apiVersion: 'capsule.clastix.io/v1beta2', kind: 'GlobalResourceQuota', name: `${TENANT}-kubenova` }))!;
      expect((grq.spec as { quota: { hard: Record<string, string> } }).quota.hard).toEqual({ pods: '4', 'requests.cpu': '2', 'requests.memory': '2Gi' });
    }
  });

  it('lets a tenant owner create a namespace within quota, and Capsule refuses one beyond it', { timeout: 120_000 }, async () => {
    const owner = await ownerClient(A);
    try {
      const own = `${TENANT}-scratch`;
      await owner.apply({ ...NAMESPACE, metadata: { name: own } });
      // Capsule counts namespaces from the Tenant's status; wait for it to count this one.
      await vi.waitFor(async () => expect((await capsuleTenant(A))!.status).toMatchObject({ size: 3 }), { timeout: 30_000, interval: 100 });

      const denied = await refusal(owner.apply({ ...NAMESPACE, metadata: { name: `${TENANT}-one-too-many` } }));
      expect(denied.status).toBe(403);
      expect(denied.reason).toBe('AdmissionDenied');
      expect(explainAdmission(denied)).toMatchObject({ code: 'TENANT_NAMESPACE_QUOTA_EXCEEDED' });

      // Capsule enforces the tenant's other rules for the owner too.
      const label = await refusal(owner.apply({ ...NAMESPACE, metadata: { name: `${TENANT}-labelled`, labels: { 'acme.io/tier': 'gold' } } }));
      expect(explainAdmission(label)?.code).toMatch(/FORBIDDEN_METADATA|TENANT_NAMESPACE_QUOTA_EXCEEDED/);
      const pod = (image: string, name: string): KubeObject => ({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name, namespace: P1 },
        spec: { containers: [{ name: 'main', image }] },
      });
      const registry = await refusal(owner.apply(pod('nginx:1.27', 'from-docker-hub')));
      expect(explainAdmission(registry)).toMatchObject({ code: 'REGISTRY_NOT_ALLOWED' });
      // Allowed registry; requests come from the policy set's LimitRange.
      await owner.apply(pod('ghcr.io/acme/web:1', 'allowed'));

      // The namespace the owner made gets KubeNova's guards from the tenant (not a project).
      await vi.waitFor(
        async () => {
          const np = await admin(A).get({ ...NETWORK_POLICY, namespace: own, name: 'kubenova-network' });
          // (Capsule's metadata webhook adds its own tenant labels to objects in tenant namespaces.)
          expect(np?.metadata.labels).toMatchObject({ 'app.kubernetes.io/managed-by': 'kubenova', 'kubenova.io/tenant': TENANT });
          expect(np?.metadata.labels?.['kubenova.io/project']).toBeUndefined();
        },
        { timeout: 60_000, interval: 100 },
      );
      await deployed('Tenant', TENANT);
      // The tenant's status follows Capsule's, which counts the new namespace a moment later.
      await vi.waitFor(
        async () => expect((await read('Tenant', TENANT))!.status.clusters?.[A]).toMatchObject({ state: 'Active', namespaces: [P2, P1, own].sort() }),
        { timeout: 30_000, interval: 100 },
      );
    } finally {
      owner.close();
    }
  });

  it('converges both clusters after a quota update', { timeout: 120_000 }, async () => {
    const before = (await read('Tenant', TENANT))!;
    const spec = { ...before.spec, quotas: { namespaces: 3, pods: 6, cpu: '3', memory: '2Gi' } };
    const t0 = performance.now();
    const res = await call('PUT', `/api/v1/tenants/${TENANT}`, { spec });
    expect(res.statusCode, res.body).toBe(200);
    expect(json<{ generation: number }>(res).generation).toBe(before.generation + 1);
    await deployed('Tenant', TENANT);
    report(`quota update → Deployed on 2 clusters: ${(performance.now() - t0).toFixed(0)} ms`);
    for (const cluster of [A, B]) {
      const grq = (await admin(cluster).get({ apiVersion: 'capsule.clastix.io/v1beta2', kind: 'GlobalResourceQuota', name: `${TENANT}-kubenova` }))!;
      expect((grq.spec as { quota: { hard: Record<string, string> } }).quota.hard).toEqual({ pods: '6', 'requests.cpu': '3', 'requests.memory': '2Gi' });
    }
  });
});

describe("a tenant never labels its namespaces as another tenant's", () => {
  it('the API refuses identity keys; an intent already holding them is stamped without them by the real Capsule', { timeout: 180_000 }, async () => {
    const before = (await read('Tenant', TENANT))!;
    const spec = before.spec as { namespaceOptions: Record<string, unknown> };
    const victim = `globex-${suffix}`;
    const escape = {
      labels: { team: 'acme', 'capsule.clastix.io/tenant': victim, 'kubenova.io/tenant': victim },
      annotations: { 'kubenova.io/project': victim },
    };
    const refused = await h.call({ roles: ['tenant-admin'], tenants: [TENANT] }, 'PUT', `/api/v1/tenants/${TENANT}`, {
      spec: { ...spec, namespaceOptions: { ...spec.namespaceOptions, ...escape } },
    });
    expect(refused.statusCode, refused.body).toBe(422);
    expect(json<{ code: string; details: { field: string }[] }>(refused)).toMatchObject({
      code: 'UNPROCESSABLE',
      details: [
        { field: 'body/spec/namespaceOptions/labels/capsule.clastix.io~1tenant' },
        { field: 'body/spec/namespaceOptions/labels/kubenova.io~1tenant' },
        { field: 'body/spec/namespaceOptions/annotations/kubenova.io~1project' },
      ],
    });
    expect(refused.body).not.toContain(victim);

    // Defence in depth: such an intent in the store (as an older release accepted it) reaches
    // Capsule without the identity keys. The marker shows Capsule stamped the new metadata.
    const marker = `m-${suffix}`;
    await h.store.objects.update('Tenant', TENANT, {
      labels: before.labels,
      spec: { ...spec, namespaceOptions: { ...spec.namespaceOptions, ...escape, labels: { ...escape.labels, marker } } },
    });
    try {
      await deployed('Tenant', TENANT);
      const identity = async (cluster: string, project: string) => {
        const ns = (await admin(cluster).get({ ...NAMESPACE, name: project }))!;
        expect(ns.metadata.labels).toMatchObject({ marker, 'capsule.clastix.io/tenant': TENANT, 'kubenova.io/tenant': TENANT, 'kubenova.io/project': project });
        expect(ns.metadata.annotations?.['kubenova.io/project']).toBeUndefined();
      };
      for (const cluster of [A, B]) {
        for (const project of [P1, P2]) await vi.waitFor(() => identity(cluster, project), { timeout: 60_000, interval: 200 });
      }
      // And it stays so (Capsule and KubeNova's reconcilers have had their turns).
      await new Promise((r) => setTimeout(r, 3_000));
      for (const cluster of [A, B]) for (const project of [P1, P2]) await identity(cluster, project);
      const np = (await admin(A).get({ ...NETWORK_POLICY, namespace: P1, name: 'kubenova-network' }))!;
      expect((np.spec as { ingress: unknown }).ingress).toEqual([{ from: [{ namespaceSelector: { matchLabels: { 'capsule.clastix.io/tenant': TENANT } } }] }]);
    } finally {
      const restored = await call('PUT', `/api/v1/tenants/${TENANT}`, { spec });
      expect(restored.statusCode, restored.body).toBe(200);
      await deployed('Tenant', TENANT);
    }
  });
});

describe('drift', () => {
  it('puts back a projected object someone deleted or changed (woken by the watch)', { timeout: 120_000 }, async () => {
    const c = admin(B);
    const ref = { ...NETWORK_POLICY, namespace: P1, name: 'kubenova-network' };
    const t0 = performance.now();
    await c.delete(ref);
    await vi.waitFor(async () => expect(await c.get(ref)).toBeDefined(), { timeout: 60_000, interval: 100 });
    report(`deleted NetworkPolicy → back: ${(performance.now() - t0).toFixed(0)} ms`);
    // A binding an earlier version wrote for the identity (it bound admin and the app-runner role
    // one RoleBinding each) is the project's but no longer planned: a full reconcile removes it
    // (after an upgrade the first one is full; here, the repair below).
    const legacy = { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', namespace: P1, name: 'kubenova-apps-admin' };
    const projectLabels = { 'app.kubernetes.io/managed-by': 'kubenova', 'kubenova.io/tenant': TENANT, 'kubenova.io/project': P1 };
    await c.apply({
      apiVersion: legacy.apiVersion,
      kind: legacy.kind,
      metadata: { name: legacy.name, namespace: P1, labels: projectLabels },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'admin' },
      subjects: [{ kind: 'ServiceAccount', name: projectAppServiceAccount(P1), namespace: AGENT.namespace }],
    });
    // The identity of the project's apps too: its binding in the namespace and its ServiceAccount.
    for (const identity of [
      { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', namespace: P1, name: 'kubenova-apps' },
      { apiVersion: 'v1', kind: 'ServiceAccount', namespace: AGENT.namespace, name: projectAppServiceAccount(P1) },
    ]) {
      await c.delete(identity);
      await vi.waitFor(async () => expect(await c.get(identity)).toBeDefined(), { timeout: 60_000, interval: 100 });
    }
    await vi.waitFor(async () => expect(await c.get(legacy)).toBeUndefined(), { timeout: 60_000, interval: 100 });
    const t = (await capsuleTenant(B))!;
    await c.apply({ ...TENANT_TYPE, metadata: { name: TENANT, labels: t.metadata.labels }, spec: { ...(t.spec as object), namespaceOptions: { quota: 99 } } });
    await vi.waitFor(async () => expect((await capsuleTenant(B))!.spec).toMatchObject({ namespaceOptions: { quota: 3 } }), { timeout: 60_000, interval: 100 });
  });
});

describe('a cluster whose API server stops', () => {
  it('turns the tenant Error on that cluster, and Deployed again once it is back, without human action', { timeout: 300_000 }, async () => {
    const info = extra!.info;
    const stoppedAt = performance.now();
    await stopComponent(info, 'kube-apiserver');
    report(`API server stop command → stopped: ${(performance.now() - stoppedAt).toFixed(0)} ms`);
    let startedAt = 0;
    try {
      await vi.waitFor(
        async () => {
          const t = (await read('Tenant', TENANT))!;
          expect(t.status.clusters?.[B]?.phase, JSON.stringify(t.status.clusters?.[B])).toBe('Error');
          expect(t.status.clusters?.[B]?.conditions[0]).toMatchObject({ type: 'Ready', status: 'False', reason: 'Unreachable' });
          expect(t.status.clusters?.[A]?.phase).toBe('Deployed');
          expect(t.status.phase).toBe('Error');
        },
        { timeout: 120_000, interval: 200 },
      );
      report(`API server stop command → tenant Error on ${B}: ${(performance.now() - stoppedAt).toFixed(0)} ms`);
    } finally {
      startedAt = performance.now();
      await startComponent(info, 'kube-apiserver');
    }
    report(`API server start command → ready: ${(performance.now() - startedAt).toFixed(0)} ms`);
    await deployed('Tenant', TENANT, 180_000);
    await Promise.all([deployed('Project', P1, 180_000), deployed('Project', P2, 180_000)]);
    report(`API server started → tenant and projects Deployed again: ${(performance.now() - startedAt).toFixed(0)} ms after the start command`);
  });
});

describe('deletion', () => {
  it('removes a project, then the tenant, from both clusters, and nothing else', { timeout: 300_000 }, async () => {
    const c = admin(A);
    // Objects KubeNova must not touch: a namespace of nobody's, one that only looks like ours
    // (tenant label without managed-by), and someone's NetworkPolicy next to ours in a project.
    const bystander = `bystander-${suffix}`;
    const lookalike = `lookalike-${suffix}`;
    await c.apply({ ...NAMESPACE, metadata: { name: bystander } });
    await c.apply({ ...NETWORK_POLICY, metadata: { name: 'keep', namespace: bystander }, spec: { podSelector: {} } });
    await c.apply({ ...NAMESPACE, metadata: { name: lookalike, labels: { 'kubenova.io/tenant': TENANT } } });
    await c.apply({ ...NETWORK_POLICY, metadata: { name: 'team-rules', namespace: P2 }, spec: { podSelector: {} } });

    // A tenant with projects is refused (deleting it would delete their namespaces).
    const refused = await call('DELETE', `/api/v1/tenants/${TENANT}`);
    expect(refused.statusCode).toBe(409);
    expect(json(refused)).toMatchObject({ code: 'HAS_DEPENDENTS' });

    // The identity of the project's apps is there with it, on both clusters.
    const identity = (p: string) => ({ apiVersion: 'v1', kind: 'ServiceAccount', namespace: AGENT.namespace, name: projectAppServiceAccount(p) });
    for (const cluster of [A, B]) expect(await admin(cluster).get(identity(P1))).toBeDefined();

    const del = await call('DELETE', `/api/v1/projects/${P1}`);
    expect(del.statusCode).toBe(202);
    await gone('Project', P1);
    for (const cluster of [A, B]) {
      expect(await admin(cluster).get({ ...NAMESPACE, name: P1 })).toBeUndefined();
      // ... and goes with it (its bindings went with the namespace); P2's stays.
      expect(await admin(cluster).get(identity(P1))).toBeUndefined();
      expect(await admin(cluster).get(identity(P2))).toBeDefined();
      expect(await admin(cluster).get({ ...NETWORK_POLICY, namespace: P2, name: 'kubenova-network' })).toBeDefined();
    }
    expect(await c.get({ ...NETWORK_POLICY, namespace: P2, name: 'team-rules' })).toBeDefined();

    expect((await call('DELETE', `/api/v1/projects/${P2}`)).statusCode).toBe(202);
    // The project is still being deleted: the tenant's deletion waits for it.
    const tenantDelete = await call('DELETE', `/api/v1/tenants/${TENANT}`);
    expect(tenantDelete.statusCode).toBe(202);
    await gone('Project', P2);
    await gone('Tenant', TENANT);
    tenants.delete(TENANT);

    for (const cluster of [A, B]) {
      const k = admin(cluster);
      expect(await k.get({ ...TENANT_TYPE, name: TENANT })).toBeUndefined();
      expect(await k.get({ ...NAMESPACE, name: P2 })).toBeUndefined();
      expect(await k.list(NETWORK_POLICY, { labelSelector: `kubenova.io/tenant=${TENANT}` })).toEqual([]);
    }
    // Capsule deleted the namespace the owner had made (it was the tenant's).
    await vi.waitFor(async () => expect(await c.get({ ...NAMESPACE, name: `${TENANT}-scratch` })).toBeUndefined(), { timeout: 60_000, interval: 200 });
    // Untouched.
    expect(await c.get({ ...NAMESPACE, name: bystander })).toMatchObject({ metadata: { name: bystander } });
    expect(await c.get({ ...NETWORK_POLICY, namespace: bystander, name: 'keep' })).toBeDefined();
    expect((await c.get({ ...NAMESPACE, name: lookalike }))?.metadata.deletionTimestamp).toBeUndefined();
    await c.delete({ ...NAMESPACE, name: bystander });
    await c.delete({ ...NAMESPACE, name: lookalike });
  });
});

describe('a cluster without Capsule', () => {
  it('refuses a tenant placed on it with 422 naming the cluster and the missing capability', { timeout: 300_000 }, async () => {
    bare = await startExtraCluster({ without: ['capsule', 'kubevela'] });
    const C = `plain-${suffix}`;
    await register(C, bare.info);
    await discovered(C);
    const res = await call('POST', '/api/v1/tenants', { name: `nocapsule-${suffix}`, spec: { placement: { clusters: [A, C] } } });
    expect(res.statusCode, res.body).toBe(422);
    const body = json<{ code: string; message: string; details: { field: string; reason: string }[] }>(res);
    expect(body.code).toBe('UNPROCESSABLE');
    expect(body.message).toContain(`cluster "${C}"`);
    expect(body.details).toEqual([{ field: 'body/spec/placement', reason: expect.stringContaining('[capsule.clastix.io/v1beta2/tenants]') }]);
    expect(await read('Tenant', `nocapsule-${suffix}`)).toBeUndefined();
    expect(await admin(A).get({ ...TENANT_TYPE, name: `nocapsule-${suffix}` })).toBeUndefined();
    await bare.stop();
    bare = undefined;
  });
});

describe('time to Deployed', () => {
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

  async function once(name: string, clusters: string[]): Promise<number> {
    tenants.add(name);
    const t0 = performance.now();
    await created('/api/v1/tenants', { name, spec: { owners: [{ kind: 'User', name: OWNER }], quotas: { namespaces: 5, pods: 10 }, placement: { clusters } } });
    await created(`/api/v1/tenants/${name}/projects`, { name: `${name}-one` });
    await created(`/api/v1/tenants/${name}/projects`, { name: `${name}-two` });
    await Promise.all([deployed('Tenant', name), deployed('Project', `${name}-one`), deployed('Project', `${name}-two`)]);
    const ms = performance.now() - t0;
    for (const p of [`${name}-one`, `${name}-two`]) expect((await call('DELETE', `/api/v1/projects/${p}`)).statusCode).toBe(202);
    expect((await call('DELETE', `/api/v1/tenants/${name}`)).statusCode).toBe(202);
    await gone('Tenant', name);
    tenants.delete(name);
    return ms;
  }

  it('a tenant with 2 projects, on one and on two clusters (median of 5 runs)', { timeout: 900_000 }, async () => {
    const runs = 5;
    const one: number[] = [];
    const two: number[] = [];
    for (let i = 0; i < runs; i++) {
      one.push(await once(`m1-${suffix}-${i}`, [A]));
      two.push(await once(`m2-${suffix}-${i}`, [A, B]));
    }
    report(`tenant + 2 projects → Deployed, one cluster: median ${median(one).toFixed(0)} ms (runs: ${one.map((x) => x.toFixed(0)).join(', ')})`);
    report(`tenant + 2 projects → Deployed, two clusters: median ${median(two).toFixed(0)} ms (runs: ${two.map((x) => x.toFixed(0)).join(', ')})`);
    expect(median(two)).toBeLessThan(60_000);
  });
});
