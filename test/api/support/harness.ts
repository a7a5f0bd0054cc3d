// An in-process API server on the real embedded store (PGlite in a temp directory), with an
// HS256 verifier, captured log lines and helpers to call it as a given role.
import { Writable } from 'node:stream';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { buildServer } from '../../../src/api/server.js';
import type { PriceTable } from '../../../src/domain/usage.js';
import type { EventRecorder } from '../../../src/observability/events.js';
import { createLogger } from '../../../src/observability/logger.js';
import { createMetrics, type Metrics } from '../../../src/observability/metrics.js';
import { createTokenVerifier, type TokenVerifier } from '../../../src/security/auth.js';
import { type Role } from '../../../src/domain/roles.js';
import { mintToken } from '../../../src/security/auth-token.js';
import { createStore, type OpenedStore } from '../../../src/store/index.js';
import { backends } from '../../support/stores.js';
import type { WriteServices } from '../../../src/api/kinds/descriptor.js';
import type { HttpLimits } from '../../../src/api/http-limits.js';
import { storeKubeconfigAsGiven } from '../../support/write-services.js';

export const TEST_SECRET = new TextEncoder().encode('test-secret-that-is-long-enough-for-hs256!!');

export interface Caller {
  roles: Role[];
  tenants?: string[];
  subject?: string;
}

export interface Harness {
  app: FastifyInstance;
  store: OpenedStore;
  metrics: Metrics;
  /** Every log line written so far, raw. */
  logs: string[];
  token(caller: Caller): Promise<string>;
  /** A request as `caller` (a token string, or a caller to mint one for; none: anonymous). */
  call(
    caller: Caller | string | undefined,
    method: InjectOptions['method'],
    url: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<LightMyRequestResponse>;
  close(): Promise<void>;
}

/** An embedded store in a fresh temp directory (a copy of the store suites' initialised PGlite
 *  template: fast), for one harness or several of one test file. */
export async function openTestStore(): Promise<{ store: OpenedStore; close(this: void): Promise<void> }> {
  const location = await backends.find((b) => b.name === 'embedded')!.fresh();
  const store = await createStore(location.config());
  // The directory itself is removed after the test file (stores.ts).
  return { store, close: () => store.close() };
}

/** `writeServices`: the cluster registration to use; by default a double that stores the
 *  kubeconfig as given (tests against real clusters pass the real one). */
export async function startHarness(
  opts: {
    verifier?: TokenVerifier;
    store?: OpenedStore;
    writeServices?: WriteServices;
    eventHeartbeatMs?: number;
    /** The event recorder to share with a runtime the test starts (the server makes one otherwise). */
    events?: EventRecorder;
    /** Metrics to share with a runtime the test starts. */
    metrics?: Metrics;
    /** The tenant prefix rule of project and app names (default on, like the server's). */
    forceTenantPrefix?: boolean;
    /** Request timeouts and event stream limits other than the defaults. */
    limits?: Partial<HttpLimits>;
    /** Showback unit prices (default: all zero). */
    usagePrices?: PriceTable;
    /** The built web console to serve at /ui/ (default: dist/console). */
    consoleDir?: string;
  } = {},
): Promise<Harness> {
  const own = opts.store ? undefined : await openTestStore();
  const store = opts.store ?? own!.store;
  const logs: string[] = [];
  const destination = new Writable({
    write(chunk, _enc, cb) {
      logs.push(String(chunk));
      cb();
    },
  });
  const metrics = opts.metrics ?? createMetrics({ processMetrics: false });
  const app = await buildServer({
    store,
    verifier: opts.verifier ?? createTokenVerifier({ hs256Secret: TEST_SECRET }),
    logger: createLogger({ level: 'debug', destination }),
    metrics,
    config: {
      bodyLimitBytes: 1024 * 1024,
      ...(opts.forceTenantPrefix !== undefined && { forceTenantPrefix: opts.forceTenantPrefix }),
      ...(opts.limits && { limits: opts.limits }),
      ...(opts.usagePrices && { usagePrices: opts.usagePrices }),
      ...(opts.consoleDir && { consoleDir: opts.consoleDir }),
    },
    writeServices: opts.writeServices ?? storeKubeconfigAsGiven,
    ...(opts.eventHeartbeatMs !== undefined && { eventHeartbeatMs: opts.eventHeartbeatMs }),
    ...(opts.events && { events: opts.events }),
  });
  await app.ready();
  const tokens = new Map<string, Promise<string>>();
  const token = (c: Caller) => {
    const key = JSON.stringify(c);
    let t = tokens.get(key);
    if (!t) {
      t = mintToken(TEST_SECRET, { subject: c.subject ?? 'tester', roles: c.roles, tenants: c.tenants, ttlSeconds: 3600 });
      tokens.set(key, t);
    }
    return t;
  };
  return {
    app,
    store,
    metrics,
    logs,
    token,
    async call(caller, method, url, body, headers = {}) {
      const h: Record<string, string> = { ...headers };
      if (caller !== undefined) h.authorization = `Bearer ${typeof caller === 'string' ? caller : await token(caller)}`;
      return app.inject({ method, url, headers: h, ...(body !== undefined && { payload: body as object }) });
    },
    async close() {
      await app.close();
      await own?.close();
    },
  };
}

export const ADMIN: Caller = { roles: ['platform-admin'], subject: 'admin' };

/** Parses a JSON response body. */
export const json = <T = Record<string, unknown>>(res: LightMyRequestResponse): T => JSON.parse(res.body) as T;
