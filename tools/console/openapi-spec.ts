// The server's own OpenAPI document, built in-process (no listening server, no cluster): the
// source of the console's typed API client (console/src/api/schema.d.ts).
import { buildServer } from '../../src/api/server.js';
import { createLogger } from '../../src/observability/logger.js';
import { createMetrics } from '../../src/observability/metrics.js';
import { createTokenVerifier } from '../../src/security/auth.js';
import type { Store } from '../../src/store/types.js';

export async function serverOpenApi(): Promise<Record<string, unknown>> {
  // Building routes calls no store: a placeholder whose members can be looked up (routes keep
  // references) but that fails loudly if anything is called.
  const store = unusable('store') as Store;
  const app = await buildServer({
    store,
    verifier: createTokenVerifier({ hs256Secret: new TextEncoder().encode('x'.repeat(32)) }),
    logger: createLogger({ level: 'silent' }),
    metrics: createMetrics({ processMetrics: false }),
    config: { bodyLimitBytes: 1024 },
    writeServices: {} as never,
    events: { subscribe: () => () => {}, close: async () => {} } as never,
  });
  try {
    await app.ready();
    return app.swagger() as unknown as Record<string, unknown>;
  } finally {
    await app.close();
  }
}

function unusable(path: string): unknown {
  const fail = () => {
    throw new Error(`the OpenAPI dump called ${path}`);
  };
  return new Proxy(fail, { get: (_t, p) => (p === 'then' ? undefined : unusable(`${path}.${String(p)}`)), apply: fail });
}
