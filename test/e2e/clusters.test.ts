// Cluster registration end to end, against the real test cluster (kube-apiserver, Capsule,
// KubeVela from tools/testenv): the HTTP API on the real embedded store, the real registration
// (admin kubeconfig used once, agent ServiceAccount set up, agent credentials stored), the
// runtime with the ClusterReconciler discovering capabilities, token rotation, health, and the
// ClusterClient against Capsule's own admission webhooks.
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { AGENT } from '../../src/adapters/cluster/agent-identity.js';
import { agentTokenInfo } from '../../src/adapters/cluster/credentials.js';
import { registerCluster } from '../../src/adapters/cluster/registration.js';
import { CAPSULE_CONFIGURATION } from '../../src/adapters/capsule/administrators.js';
import { KubeClusterClient } from '../../src/adapters/kube/client.js';
import { KubeError, type KubeObject, type WatchEventType } from '../../src/adapters/kube/types.js';
import { clusterWriteServices } from '../../src/api/write-services.js';
import type { ClusterCapabilities } from '../../src/domain/capabilities.js';
import type { Resource } from '../../src/domain/resource.js';
import { secretRefOf } from '../../src/domain/secret-refs.js';
import { createLogger } from '../../src/observability/logger.js';
import { clusterReconcilerRegistration, type ClusterStatusExtra } from '../../src/orchestrator/reconcilers/cluster.js';
import { startRuntime, type Runtime } from '../../src/orchestrator/manager/manager.js';
import { ADMIN, json, startHarness, type Harness } from '../api/support/harness.js';
import { removeAgentIdentity } from '../support/agent-cleanup.js';
import { userKubeConfig } from '../support/cluster.js';
import { startTcpProxy } from '../support/tcp-proxy.js';

const cluster = inject('cluster');
const suffix = randomBytes(3).toString('hex');
const name = `c-${suffix}`;
const logger = createLogger({ level: process.env.KUBENOVA_TEST_LOG ?? 'silent' });
const report = (line: string) => process.stderr.write(`[clusters.test] ${line}\n`);

let h: Harness;
let runtime: Runtime | undefined;
let admin: KubeClusterClient;
let adminKubeconfig: string;

type ClusterObject = Resource & { status: Resource['status'] & ClusterStatusExtra };

const readCluster = (n = name): Promise<ClusterObject | undefined> => h.store.objects.get('Cluster', n);

/** The credentials KubeNova stored for a cluster, decrypted through the store. */
async function storedCredentials(n = name): Promise<string> {
  const obj = await readCluster(n);
  const ref = obj && secretRefOf(obj, 'kubeconfig');
  const bytes = ref && (await h.store.secrets.get(ref));
  if (!bytes) throw new Error(`no stored credentials for ${n}`);
  return bytes.toString('utf8');
}

const b64 = (text: string) => Buffer.from(text).toString('base64');

/** `promise`, or a failure naming `what` after `ms`. */
function within<T>(ms: number, promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`not within ${ms} ms: ${what}`)), ms)));
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

beforeAll(async () => {
  h = await startHarness({ writeServices: clusterWriteServices(logger) });
  adminKubeconfig = await readFile(cluster.kubeconfig, 'utf8');
  admin = await KubeClusterClient.fromKubeconfigText('admin', adminKubeconfig);
});

afterAll(async () => {
  await runtime?.stop();
  await h?.close();
  if (!admin) return;
  const t0 = performance.now();
  // What registration created in the shared cluster goes again.
  await removeAgentIdentity(admin);
  report(`cleanup (agent identity removed from the cluster): ${(performance.now() - t0).toFixed(0)} ms`);
  admin.close();
});

describe('registering a cluster', () => {
  it('sets up the agent with the admin kubeconfig and stores only the agent credentials', async () => {
    const t0 = performance.now();
    const res = await h.call(ADMIN, 'POST', '/api/v1/clusters', { name, kubeconfig: b64(adminKubeconfig), labels: { region: 'local' } });
    const registrationMs = performance.now() - t0;
    expect(res.statusCode, res.body).toBe(201);
    report(`registration (POST /api/v1/clusters → 201): ${registrationMs.toFixed(0)} ms`);
    expect(json(res)).toMatchObject({ kind: 'Cluster', name, labels: { region: 'local' }, kubeconfig: { set: true } });

    const stored = await storedCredentials();
    expect(stored).not.toBe(adminKubeconfig);
    expect(stored).not.toContain('client-key-data');
    const agent = await KubeClusterClient.fromKubeconfigText(name, stored);
    try {
      expect((await agent.whoAmI()).username).toBe('system:serviceaccount:kubenova-system:kubenova-agent');
      // Least privilege: no Secrets outside kubenova-grants, no RBAC role writes.
      expect(await agent.canI({ verb: 'list', group: '', resource: 'secrets', namespace: 'kube-system' })).toBe(false);
      expect(await agent.canI({ verb: 'create', group: '', resource: 'secrets', namespace: AGENT.grantsNamespace })).toBe(true);
      expect(await agent.canI({ verb: 'create', group: 'rbac.authorization.k8s.io', resource: 'clusterrolebindings' })).toBe(false);
      expect(await agent.canI({ verb: 'create', group: 'capsule.clastix.io', resource: 'tenants' })).toBe(true);
    } finally {
      agent.close();
    }
    const info = agentTokenInfo(stored);
    expect(info.expiresAt!.getTime() - info.issuedAt!.getTime()).toBeGreaterThan(23 * 3600 * 1000);

    const config = await admin.get({ ...CAPSULE_CONFIGURATION });
    expect((config!.spec as { administrators: unknown[] }).administrators).toContainEqual({ kind: 'ServiceAccount', name: AGENT.username });
  });

  it('registering again (a new kubeconfig) is idempotent and replaces the credentials', async () => {
    const before = await storedCredentials();
    const res = await h.call(ADMIN, 'PUT', `/api/v1/clusters/${name}`, { kubeconfig: b64(adminKubeconfig), labels: { region: 'local' } });
    expect(res.statusCode, res.body).toBe(200);
    expect(await storedCredentials()).not.toBe(before);
    const config = await admin.get({ ...CAPSULE_CONFIGURATION });
    const entries = (config!.spec as { administrators: Array<{ name: string }> }).administrators.filter((a) => a.name === AGENT.username);
    expect(entries).toHaveLength(1);
  });

  it('refuses a kubeconfig whose API server does not answer: 422 CLUSTER_UNREACHABLE', async () => {
    const port = await closedPort();
    const kubeconfig = adminKubeconfig.replace(/server: \S+/, `server: https://127.0.0.1:${port}`);
    const res = await h.call(ADMIN, 'POST', '/api/v1/clusters', { name: `unreachable-${suffix}`, kubeconfig: b64(kubeconfig) });
    expect(res.statusCode).toBe(422);
    expect(json(res)).toMatchObject({ code: 'CLUSTER_UNREACHABLE' });
    expect(json<{ message: string }>(res).message).toMatch(/cannot reach https:\/\/127\.0\.0\.1:\d+: connection refused.*Check the server URL/);
    expect(await readCluster(`unreachable-${suffix}`)).toBeUndefined();
  });

  it('refuses a kubeconfig of a user without rights: 422 CLUSTER_UNAUTHORIZED naming what is missing', async () => {
    const user = `nobody-${suffix}`;
    const kc = await userKubeConfig(cluster, user);
    const res = await h.call(ADMIN, 'POST', '/api/v1/clusters', { name: `unauthorized-${suffix}`, kubeconfig: b64(kc.exportConfig()) });
    expect(res.statusCode).toBe(422);
    const body = json<{ code: string; message: string }>(res);
    expect(body.code).toBe('CLUSTER_UNAUTHORIZED');
    expect(body.message).toContain(`the kubeconfig's user "${user}" may not create namespaces`);
    expect(body.message).toContain('escalate clusterroles.rbac.authorization.k8s.io');
    expect(body.message).toContain('cluster-admin kubeconfig');
    expect(await readCluster(`unauthorized-${suffix}`)).toBeUndefined();
  });

  it('refuses a kubeconfig that would run a command on the KubeNova host: 400', async () => {
    const exec = adminKubeconfig.replace(/client-certificate-data: \S+/, 'exec: {apiVersion: client.authentication.k8s.io/v1, command: /bin/true}');
    const res = await h.call(ADMIN, 'POST', '/api/v1/clusters', { name: `exec-${suffix}`, kubeconfig: b64(exec) });
    expect(res.statusCode).toBe(400);
    expect(json<{ details: Array<{ reason: string }> }>(res).details[0]!.reason).toContain('"exec"');
  });

  // The reported hole: a merge key passed the check and client-node merged the exec in, so the
  // command ran on the KubeNova host. Refused at the API and, behind it, by registration itself.
  it('a merge-key exec in a working admin kubeconfig never runs: 400 at the API, refused by registration too', async () => {
    const marker = join(await mkdtemp(join(tmpdir(), 'kn-merge-')), 'ran');
    const merged = adminKubeconfig.replace(
      /(\n(\s+)client-certificate-data: \S+)/,
      `$1\n$2<<: {exec: {apiVersion: client.authentication.k8s.io/v1beta1, command: /bin/touch, args: ['${marker}'], interactiveMode: Never}}`,
    );
    expect(merged).toContain('<<:');
    const res = await h.call(ADMIN, 'POST', '/api/v1/clusters', { name: `merge-${suffix}`, kubeconfig: b64(merged) });
    expect(res.statusCode).toBe(400);
    expect(json<{ details: Array<{ reason: string }> }>(res).details[0]!.reason).toContain('merge key');
    await expect(registerCluster(`merge-${suffix}`, Buffer.from(merged), { timeoutMs: 5_000 })).rejects.toThrow('merge key');
    expect(existsSync(marker)).toBe(false);
    expect(await readCluster(`merge-${suffix}`)).toBeUndefined();
  });
});

describe('the ClusterReconciler', () => {
  it('discovers capabilities into status as the agent', async () => {
    const t0 = performance.now();
    runtime = startRuntime({ store: h.store, logger, reconcilers: [clusterReconcilerRegistration()] });
    let caps: ClusterCapabilities | undefined;
    await vi.waitFor(
      async () => {
        caps = (await readCluster())?.status.capabilities;
        expect(caps).toBeDefined();
      },
      { timeout: 30_000, interval: 50 },
    );
    report(`capability discovery (runtime start → status.capabilities): ${(performance.now() - t0).toFixed(0)} ms`);
    const obj = (await readCluster())!;
    expect(obj.status.phase).toBe('Deployed');
    expect(obj.status.observedGeneration).toBe(obj.generation);
    expect(obj.status.conditions.find((c) => c.type === 'Reachable')).toMatchObject({ status: 'True', reason: 'Connected' });
    expect(obj.status.conditions.find((c) => c.type === 'AgentCredentials')).toMatchObject({ status: 'True', reason: 'Valid' });
    expect(obj.status.agent).toMatchObject({ serviceAccount: 'kubenova-system/kubenova-agent', tokenExpiresAt: expect.any(String) });
    expect(caps).toMatchObject({
      kubernetesVersion: 'v1.36.3',
      capsule: {
        webhooks: { registered: true, answering: true },
        controller: { running: true },
        agentIsAdministrator: true,
      },
      capsuleProxy: { configured: false, reachable: false },
      kubevela: { workflowRun: false },
    });
    expect(caps!.capsule!.apiVersions).toContain('v1beta2');
    expect(caps!.kubevela!.apiVersions).toContain('v1beta1');
    expect(caps!.kubevela!.definitions.components).toContain('webservice');
    expect(caps!.kubevela!.definitions.traits).toContain('scaler');
    expect(caps!.kubevela!.definitions.workflowSteps).toContain('deploy');
    expect(caps!.resources!['capsule.clastix.io/v1beta2']).toContain('tenants');
    expect(caps!.resources!['core.oam.dev/v1beta1']).toContain('applications');
    expect(caps!.resources!['v1']).toContain('namespaces');
  });

  it('writes nothing when a refresh finds nothing new', async () => {
    const before = (await readCluster())!;
    runtime!.enqueue(`Cluster/${name}`);
    await new Promise((r) => setTimeout(r, 1_000));
    expect((await readCluster())!.resourceVersion).toBe(before.resourceVersion);
  });

  it('probes the capsule-proxy endpoint it is given, over HTTPS with its CA', async () => {
    // No capsule-proxy runs in the test cluster (it cannot be built here): a closed port is
    // unreachable, and an HTTPS server with the given CA (the API server's) answers.
    const port = await closedPort();
    const ca = (await readFile(cluster.caFile)).toString('base64');
    const put = (url: string) => h.call(ADMIN, 'PUT', `/api/v1/clusters/${name}`, { labels: { region: 'local' }, spec: { capsuleProxy: { url, caData: ca } } });
    expect((await put(`https://127.0.0.1:${port}`)).statusCode).toBe(200);
    await vi.waitFor(async () => expect((await readCluster())!.status.capabilities?.capsuleProxy).toMatchObject({ configured: true, reachable: false }), {
      timeout: 15_000,
      interval: 100,
    });
    expect((await put(cluster.apiServerUrl)).statusCode).toBe(200);
    await vi.waitFor(async () => expect((await readCluster())!.status.capabilities?.capsuleProxy).toMatchObject({ configured: true, reachable: true }), {
      timeout: 15_000,
      interval: 100,
    });
  });

  it('turns a cluster that stops answering to Error, and back to Deployed when it answers again', async () => {
    // The agent reaches the API server through a relay that can be cut, as a network partition
    // or a stopped API server would.
    const proxy = await startTcpProxy(cluster.apiServerUrl);
    const good = await storedCredentials();
    try {
      await h.store.objects.update('Cluster', name, { secrets: { kubeconfig: Buffer.from(good.replace(/server: \S+/, `server: ${proxy.url}`)) } });
      await vi.waitFor(async () => expect((await readCluster())!.status.conditions.find((c) => c.type === 'Reachable')?.message).toContain(proxy.url), {
        timeout: 15_000,
        interval: 100,
      });
      await proxy.cut();
      runtime!.enqueue(`Cluster/${name}`); // what the 60 s refresh would do
      await vi.waitFor(
        async () => {
          const obj = (await readCluster())!;
          expect(obj.status.phase).toBe('Error');
          expect(obj.status.conditions.find((c) => c.type === 'Reachable')).toMatchObject({ status: 'False', reason: 'Unreachable' });
        },
        { timeout: 15_000, interval: 100 },
      );
      expect((await readCluster())!.status.conditions.find((c) => c.type === 'Reachable')!.message).toMatch(/connection (refused|reset)/);
      const t0 = performance.now();
      await proxy.restore();
      // Retried with back-off (1 s doubling, at most 30 s): back without anyone asking.
      await vi.waitFor(async () => expect((await readCluster())!.status.phase).toBe('Deployed'), { timeout: 35_000, interval: 100 });
      report(`recovery after the API server answers again: ${(performance.now() - t0).toFixed(0)} ms`);
    } finally {
      await h.store.objects.update('Cluster', name, { secrets: { kubeconfig: Buffer.from(good) } });
      await proxy.close();
    }
  });

  it("rotates the agent token before it expires, with the agent's own rights", async () => {
    await runtime!.stop();
    const before = await storedCredentials();
    const beforeObj = (await readCluster())!;
    // 17 h later: past two thirds of the 24 h token's life.
    const later = () => new Date(Date.now() + 17 * 3600 * 1000);
    runtime = startRuntime({ store: h.store, logger, reconcilers: [clusterReconcilerRegistration({ now: later })] });
    await vi.waitFor(async () => expect(await storedCredentials()).not.toBe(before), { timeout: 15_000, interval: 100 });
    const after = await storedCredentials();
    expect(agentTokenInfo(after).issuedAt!.getTime()).toBeGreaterThan(agentTokenInfo(before).issuedAt!.getTime());
    const agent = await KubeClusterClient.fromKubeconfigText(name, after);
    try {
      expect((await agent.whoAmI()).username).toBe(AGENT.username);
    } finally {
      agent.close();
    }
    await vi.waitFor(
      async () => {
        const obj = (await readCluster())!;
        expect(obj.generation).toBeGreaterThan(beforeObj.generation);
        expect(obj.status.observedGeneration).toBe(obj.generation);
        expect(obj.status.phase).toBe('Deployed');
      },
      { timeout: 15_000, interval: 100 },
    );
    // One rotation, not a loop: the new token is not due yet.
    await new Promise((r) => setTimeout(r, 1_000));
    expect(await storedCredentials()).toBe(after);
  });
});

describe('ClusterClient against the real cluster', () => {
  it('applies, gets, lists, watches and deletes; Capsule refusing a namespace beyond quota is AdmissionDenied', async () => {
    const client = await KubeClusterClient.fromKubeconfigText(name, await storedCredentials());
    const tenant = `kn-${suffix}`;
    const tenantType = { apiVersion: 'capsule.clastix.io/v1beta2', kind: 'Tenant' };
    const tenantRef = { ...tenantType, name: tenant };
    const nsOf = (n: string): KubeObject => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: n, labels: { 'capsule.clastix.io/tenant': tenant } } });
    const events: Array<[WatchEventType, string]> = [];
    const watch = client.watch({ apiVersion: 'v1', kind: 'Namespace' }, { labelSelector: `capsule.clastix.io/tenant=${tenant}` }, (type, obj) =>
      events.push([type, obj.metadata.name]),
    );
    try {
      await within(10_000, watch.synced, 'the watch synced');
      const applied = await client.apply({ ...tenantType, metadata: { name: tenant }, spec: { namespaceOptions: { quota: 1 } } });
      expect(applied.metadata.managedFields?.some((f) => f.manager === 'kubenova' && f.operation === 'Apply')).toBe(true);
      expect(await client.apply({ ...tenantType, metadata: { name: tenant }, spec: { namespaceOptions: { quota: 1 } } }, { dryRun: true })).toMatchObject({
        metadata: { name: tenant },
      });

      // The agent is a Capsule administrator: its labelled namespace is adopted by the tenant.
      const first = await client.apply(nsOf(`${tenant}-one`));
      expect(first.metadata.ownerReferences).toContainEqual(expect.objectContaining({ kind: 'Tenant', name: tenant }));
      await vi.waitFor(async () => expect((await client.get(tenantRef))?.status).toMatchObject({ size: 1 }), { timeout: 15_000, interval: 100 });

      const refused = await client.apply(nsOf(`${tenant}-two`)).then(
        () => undefined,
        (err: unknown) => err,
      );
      expect(refused).toBeInstanceOf(KubeError);
      expect(refused).toMatchObject({
        reason: 'AdmissionDenied',
        status: 403,
        admission: { webhook: 'namespaces.validating.projectcapsule.dev', message: expect.stringContaining('Cannot exceed Namespace quota') },
      });

      expect(
        (await client.list({ apiVersion: 'v1', kind: 'Namespace' }, { labelSelector: `capsule.clastix.io/tenant=${tenant}` })).map((n) => n.metadata.name),
      ).toEqual([`${tenant}-one`]);
      expect(await client.get({ apiVersion: 'v1', kind: 'Namespace', name: `${tenant}-two` })).toBeUndefined();
      await vi.waitFor(() => expect(events).toContainEqual(['ADDED', `${tenant}-one`]), { timeout: 10_000, interval: 50 });

      expect(await client.delete({ apiVersion: 'v1', kind: 'Namespace', name: `${tenant}-one` })).toBe('deleted');
      await vi.waitFor(() => expect(events.some(([type, n]) => n === `${tenant}-one` && type !== 'ADDED')).toBe(true), { timeout: 10_000, interval: 50 });
      expect(await client.delete(tenantRef)).toBe('deleted');
      expect(await client.delete({ apiVersion: 'v1', kind: 'LimitRange', name: 'never-there', namespace: 'default' })).toBe('absent');
    } finally {
      watch.stop();
      await client.delete(tenantRef).catch(() => undefined);
      client.close();
    }
  });

  it('a watch survives a cut connection and reports what changed while it was away', async () => {
    const proxy = await startTcpProxy(cluster.apiServerUrl);
    const viaProxy = (await storedCredentials()).replace(/server: \S+/, `server: ${proxy.url}`);
    const client = await KubeClusterClient.fromKubeconfigText(name, viaProxy, { watch: { minBackoffMs: 100, maxBackoffMs: 500 } });
    const ns = `kn-watch-${suffix}`;
    await admin.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
    // ResourceQuotas: a namespaced type the agent may watch.
    const quota = (n: string, pods: string): KubeObject => ({
      apiVersion: 'v1',
      kind: 'ResourceQuota',
      metadata: { name: n, namespace: ns },
      spec: { hard: { pods } },
    });
    const events: Array<[WatchEventType, string, string | undefined]> = [];
    const w = client.watch({ apiVersion: 'v1', kind: 'ResourceQuota' }, { namespace: ns }, (type, obj) =>
      events.push([type, obj.metadata.name, (obj.spec as { hard?: { pods?: string } } | undefined)?.hard?.pods]),
    );
    try {
      await within(10_000, w.synced, 'the watch synced');
      await admin.apply(quota('a', '1'));
      await vi.waitFor(() => expect(events).toContainEqual(['ADDED', 'a', '1']), { timeout: 10_000, interval: 50 });

      await proxy.cut();
      await admin.apply(quota('a', '2'));
      await admin.apply(quota('b', '1'));
      await admin.delete({ apiVersion: 'v1', kind: 'ResourceQuota', name: 'a', namespace: ns });
      await proxy.restore();

      await vi.waitFor(
        () => {
          expect(events).toContainEqual(['ADDED', 'b', '1']);
          expect(events.some(([type, n]) => type === 'DELETED' && n === 'a')).toBe(true);
        },
        { timeout: 15_000, interval: 50 },
      );
      // Each change once: no replayed ADDED for what was already delivered.
      expect(events.filter(([type, n]) => type === 'ADDED' && n === 'a')).toHaveLength(1);
    } finally {
      w.stop();
      client.close();
      await proxy.close();
      await admin.delete({ apiVersion: 'v1', kind: 'Namespace', name: ns });
    }
  });
});
