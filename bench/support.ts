// An in-process KubeNova API for the cluster benchmarks (delivery, grants): the real server on
// the given store, a platform-admin token, and a call helper that throws on any non-2xx answer.
import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { APP_RUNNER_ROLE } from '../src/adapters/cluster/agent-identity.js';
import type { ClusterClient } from '../src/adapters/kube/types.js';
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
 * user bound to `admin` and KubeNova's app-runner role in `namespace` (vela-core's
 * AuthenticateApplication needs an identity with RBAC for the app's resources). The namespace is
 * created plain unless the caller made it already (scale.ts makes a Capsule tenant's). The
 * caller impersonates `user` with the admin client.
 */
export async function directAppIdentity(admin: ClusterClient, suffix: string, existing?: string): Promise<{ namespace: string; user: string }> {
  const namespace = existing ?? `bench-direct-${suffix}`;
  const user = `bench-user-${suffix}`;
  if (!existing) await admin.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } });
  for (const role of ['admin', APP_RUNNER_ROLE]) {
    await admin.apply({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: `bench-${role}`, namespace },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: role },
      subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: user }],
    });
  }
  return { namespace, user };
}
