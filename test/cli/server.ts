// A real KubeNova API server for CLI tests: `buildServer` on the real embedded store (PGlite in
// a temp directory), listening on 127.0.0.1:<free port>, with an HS256 verifier whose secret
// mints the test tokens.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { buildServer } from '../../src/api/server.js';
import { createLogger } from '../../src/observability/logger.js';
import { createMetrics } from '../../src/observability/metrics.js';
import { createTokenVerifier, type TokenVerifier } from '../../src/security/auth.js';
import { type Role } from '../../src/domain/roles.js';
import { mintToken } from '../../src/security/auth-token.js';
import { createStore, type OpenedStore } from '../../src/store/index.js';
import { backends } from '../support/stores.js';
import { storeKubeconfigAsGiven } from '../support/write-services.js';

export interface TestServer {
  url: string;
  app: FastifyInstance;
  store: OpenedStore;
  /** A scratch directory for the test's files (config, manifests, kubeconfigs). */
  dir: string;
  token(caller: { roles: Role[]; tenants?: string[]; subject?: string; ttlSeconds?: number }): Promise<string>;
  /** Env for the CLI: server and token of `caller`, config file in the scratch directory. */
  env(token: string): Record<string, string>;
  close(): Promise<void>;
}

/** `verifier`: instead of the HS256 one (token() still mints HS256 tokens for it to accept). */
export async function startServer(opts: { verifier?: (hs256: TokenVerifier) => TokenVerifier } = {}): Promise<TestServer> {
  const secret = randomBytes(32);
  // The embedded backend of the store suites: a pre-initialised PGlite copied into a fresh dir.
  const location = await backends.find((b) => b.name === 'embedded')!.fresh();
  const store = await createStore(location.config());
  const app = await buildServer({
    store,
    verifier: opts.verifier ? opts.verifier(createTokenVerifier({ hs256Secret: secret })) : createTokenVerifier({ hs256Secret: secret }),
    logger: createLogger({ level: 'silent' }),
    metrics: createMetrics({ processMetrics: false }),
    config: { bodyLimitBytes: 1024 * 1024 },
    writeServices: storeKubeconfigAsGiven,
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = app.server.address() as AddressInfo;
  const dir = await mkdtemp(join(tmpdir(), 'kubenova-cli-e2e-'));
  return {
    url: `http://127.0.0.1:${port}`,
    app,
    store,
    dir,
    token: (c) => mintToken(secret, { subject: c.subject ?? 'tester', roles: c.roles, tenants: c.tenants, ttlSeconds: c.ttlSeconds ?? 3600 }),
    env: (token) => ({ HOME: dir, KUBENOVA_CONFIG: join(dir, 'config.json'), KUBENOVA_SERVER: `http://127.0.0.1:${port}`, KUBENOVA_TOKEN: token }),
    async close() {
      await app.close();
      await store.close();
      await rm(dir, { recursive: true, force: true });
      await rm(location.dataDir, { recursive: true, force: true });
    },
  };
}
