// What the cluster benchmarks share: an in-process KubeNova API (the real server on the given
// store, a platform-admin token, a call helper that throws on any non-2xx answer), and the
// direct path's side of a fair comparison (KubeNova's agent client, a Capsule tenant's namespace
// made as KubeNova makes a project's, an identity for vela-core).
import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { APP_IDENTITY_ROLE } from '../src/adapters/cluster/agent-identity.js';
import { TENANT_TYPE } from '../src/adapters/capsule/capsule-api.js';
import { namespaceAdoption } from '../src/adapters/capsule/observe.js';
import { planProject, planTenant, releasedTenant, type TenantIntent } from '../src/adapters/capsule/plan.js';
import { KubeClusterClient } from '../src/adapters/kube/client.js';
import type { ClusterClient, KubeObject } from '../src/adapters/kube/types.js';
import { capabilitiesOf, type ClusterCapabilities } from '../src/domain/capabilities.js';
import type { TenantSpec } from '../src/domain/kinds/tenant.js';
import { secretRefOf } from '../src/domain/secret-refs.js';
import { CREDENTIALS_FIELD } from '../src/orchestrator/manager/cluster-clients.js';
import type { WriteServices } from '../src/api/kinds/descriptor.js';
import { buildServer } from '../src/api/server.js';
import type { EventRecorder } from '../src/observability/events.js';
import type { Logger } from '../src/observability/logger.js';
import { createMetrics } from '../src/observability/metrics.js';
import { createTokenVerifier } from '../src/security/auth.js';
import { mintToken } from '../src/security/auth-token.js';
import type { Store } from '../src/store/types.js';

export interface BenchServer {
  app: FastifyInstance;
  call(this: void, method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, body?: unknown): Promise<{ statusCode: number; body: string }>;
}

/** `events`: a recorder shared with the runtime (the caller closes it); default: the server's own. */
export async function benchServer(store: Store, logger: Logger, writeServices: WriteServices, events?: EventRecorder): Promise<BenchServer> {
  const secret = new Uint8Array(randomBytes(32));
  const app = await buildServer({
    store,
    verifier: createTokenVerifier({ hs256Secret: secret }),
    logger,
    metrics: createMetrics({ processMetrics: false }),
    config: { bodyLimitBytes: 1024 * 1024 },
    writeServices,
    ...(events && { events }),
  });
  await app.ready();
  const token = await mintToken(secret, { subject: 'bench', roles: ['platform-admin'], ttlSeconds: 3600 });
  return {
    app,
    async call(method, url, body) {
      const res = await app.inject({ method, url, headers: { authorization: `Bearer ${token}` }, ...(body !== undefined && { payload: body as object }) });
      if (res.statusCode >= 300) throw new Error(`${method} ${url}: ${res.statusCode} ${res.body}`);
      return res;
    },
  };
}

/**
 * The direct path's identity for applying Applications to vela-core without KubeNova: a plain
 * user bound to the role KubeNova binds its apps' identities to (admin and the app-runner role)
 * in `namespace` (vela-core's AuthenticateApplication needs an identity with RBAC for the app's
 * resources). The namespace is created plain unless the caller made it already (scale.ts makes a Capsule tenant's). The
 * caller impersonates `user` with the admin client.
 */
export async function directAppIdentity(admin: ClusterClient, suffix: string, existing?: string): Promise<{ namespace: string; user: string }> {
  const namespace = existing ?? `bench-direct-${suffix}`;
  const user = `bench-user-${suffix}`;
  if (!existing) await admin.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } });
  await admin.apply({
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'RoleBinding',
    metadata: { name: 'bench-apps', namespace },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: APP_IDENTITY_ROLE },
    subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: user }],
  });
  return { namespace, user };
}

/** KubeNova's own agent client for a registered cluster (its stored credentials), and the
 *  cluster's discovered capabilities. */
export async function agentOf(store: Store, cluster: string): Promise<{ agent: KubeClusterClient; caps: ClusterCapabilities | undefined }> {
  const obj = await store.objects.get('Cluster', cluster);
  const ref = obj && secretRefOf(obj, CREDENTIALS_FIELD);
  const kubeconfig = ref && (await store.secrets.get(ref));
  if (!obj || !kubeconfig) throw new Error(`cluster ${cluster} is not registered with credentials`);
  return { agent: await KubeClusterClient.fromKubeconfigText(cluster, kubeconfig.toString('utf8')), caps: capabilitiesOf(obj) };
}

/** The objects KubeNova's Capsule adapter plans for a tenant (or one of its projects). */
export function plannedTenancy(plan: ReturnType<typeof planTenant>): KubeObject[] {
  if (plan.outcome !== 'planned') throw new Error(`Capsule adapter plan: ${plan.outcome}`);
  return plan.objects;
}

/**
 * The direct path's namespace for apps: one of a Capsule tenant of its own, made of the very
 * objects KubeNova's Capsule adapter plans for a tenant and a project and applied with the agent's
 * credentials, so that Capsule's webhooks see every write in it (vela-core's too), as they do in
 * a KubeNova project. Ready once Capsule has adopted the namespace. `remove` deletes both.
 */
export async function directTenantNamespace(opts: {
  admin: ClusterClient;
  agent: ClusterClient;
  caps: ClusterCapabilities | undefined;
  spec: TenantSpec;
  tenant: string;
  timeoutMs?: number;
}): Promise<{ namespace: string; remove(): Promise<void> }> {
  const { admin, agent, caps, tenant } = opts;
  const namespace = `${tenant}-apps`;
  const intent: TenantIntent = { name: tenant, spec: opts.spec, policySets: [] };
  for (const obj of [...plannedTenancy(planTenant(intent, caps)), ...plannedTenancy(planProject(namespace, intent, caps))]) await agent.apply(obj);
  const deadline = Date.now() + (opts.timeoutMs ?? 180_000);
  for (;;) {
    const t = await admin.get({ ...TENANT_TYPE, name: tenant });
    if (namespaceAdoption(await admin.get({ ...NAMESPACE, name: namespace }), tenant, t?.metadata.uid).state === 'ready') break;
    if (Date.now() > deadline) throw new Error(`timed out waiting for Capsule to adopt namespace ${namespace}`);
    await new Promise((r) => setTimeout(r, 250));
  }
  return {
    namespace,
    async remove() {
      await admin.delete({ ...NAMESPACE, name: namespace });
      const t = await admin.get({ ...TENANT_TYPE, name: tenant });
      if (t) {
        await admin.apply(releasedTenant(t));
        await admin.delete({ ...TENANT_TYPE, name: tenant });
      }
    },
  };
}

const NAMESPACE = { apiVersion: 'v1', kind: 'Namespace' } as const;

/** The middle of `xs` (the mean of the two middle ones when their count is even). */
export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}
