// API benchmark (not a test): the server in-process as main.ts builds it, on the embedded store
// (and on PostgreSQL too when KUBENOVA_DATABASE_URL is set; each store in a process of its own),
// seeded with tenants, then under autocannon: (a) GET one tenant, (b) POST new tenants. Prints
// latency percentiles, throughput and the process's memory at rest (after startup, after
// seeding, after the load).
//
//   npm run bench        BENCH_SECONDS=10 BENCH_CONNECTIONS=10 BENCH_TENANTS=1000 by default
//
// The load generator runs in the server's process: memory figures include its share, and it
// takes CPU from the server (as a client on the same machine would).
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { pino } from 'pino';
import { buildServer } from '../src/api/server.js';
import { clusterWriteServices } from '../src/api/write-services.js';
import { createLogger } from '../src/observability/logger.js';
import { createMetrics } from '../src/observability/metrics.js';
import { createTokenVerifier } from '../src/security/auth.js';
import { mintToken } from '../src/security/auth-token.js';
import { Keyring } from '../src/security/keyring.js';
import { createStore, type StoreConfig } from '../src/store/index.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 10);
const TENANTS = Number(process.env.BENCH_TENANTS ?? 1000);

interface Memory {
  rssMiB: number;
  heapUsedMiB: number;
}

/** After a full collection when `--expose-gc` is given (npm run bench does). */
async function memoryAtRest(): Promise<Memory> {
  await new Promise((resolve) => setTimeout(resolve, 500));
  globalThis.gc?.();
  const { rss, heapUsed } = process.memoryUsage();
  const mib = (n: number) => Math.round((n / 2 ** 20) * 10) / 10;
  return { rssMiB: mib(rss), heapUsedMiB: mib(heapUsed) };
}

function report(title: string, r: autocannon.Result): void {
  const failed = r.non2xx + r.errors + r.timeouts;
  console.log(
    `  ${title.padEnd(28)} p50 ${r.latency.p50} ms   p97.5 ${r.latency.p97_5} ms   p99 ${r.latency.p99} ms   ` +
      `${Math.round(r.requests.average)} req/s   (${r.requests.total} requests${failed ? `, ${failed} FAILED` : ''})`,
  );
}

async function bench(name: string, config: StoreConfig): Promise<void> {
  console.log(`\n${name} store: ${TENANTS} tenants, ${CONNECTIONS} connections, ${SECONDS} s per scenario`);
  const secret = randomBytes(32);
  // Production logging (a line per request), written nowhere.
  const logger = createLogger({ level: 'info', destination: pino.destination({ dest: '/dev/null', sync: false }) });
  const store = await createStore(config);
  const app = await buildServer({
    store,
    verifier: createTokenVerifier({ hs256Secret: secret }),
    logger,
    metrics: createMetrics(),
    config: { bodyLimitBytes: 1024 * 1024 },
    writeServices: clusterWriteServices(logger),
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  const headers = { authorization: `Bearer ${await mintToken(secret, { subject: 'bench', roles: ['platform-admin'], ttlSeconds: 3600 })}` };
  try {
    const started = await memoryAtRest();

    // Unique per run: a PostgreSQL database may hold the tenants of earlier runs.
    const prefix = `b${randomBytes(3).toString('hex')}`;
    const names = Array.from({ length: TENANTS }, (_, i) => `${prefix}-${i}`);
    for (const tenant of names) {
      const res = await app.inject({
        method: 'POST',
        url: '/api/v1/tenants',
        headers,
        payload: { name: tenant, spec: { owners: [{ kind: 'User', name: 'alice' }] } },
      });
      if (res.statusCode !== 201) throw new Error(`seeding ${tenant}: ${res.statusCode} ${res.body}`);
    }
    const seeded = await memoryAtRest();

    let read = 0;
    const get = await autocannon({
      url,
      connections: CONNECTIONS,
      duration: SECONDS,
      headers,
      requests: [{ method: 'GET', setupRequest: (req) => ({ ...req, path: `/api/v1/tenants/${names[read++ % names.length]}` }) }],
    });
    let created = 0;
    const post = await autocannon({
      url,
      connections: CONNECTIONS,
      duration: SECONDS,
      headers: { ...headers, 'content-type': 'application/json' },
      requests: [
        {
          method: 'POST',
          path: '/api/v1/tenants',
          setupRequest: (req) => ({ ...req, body: JSON.stringify({ name: `${prefix}-new-${created++}` }) }),
        },
      ],
    });
    const loaded = await memoryAtRest();

    report('GET /api/v1/tenants/{name}', get);
    report('POST /api/v1/tenants', post);
    for (const [when, m] of [
      ['after startup', started],
      [`after seeding`, seeded],
      ['after the load', loaded],
    ] as const) {
      console.log(`  memory ${when.padEnd(15)} RSS ${m.rssMiB} MiB, heap used ${m.heapUsedMiB} MiB`);
    }
  } finally {
    await app.close();
    await store.close();
  }
}

const store = process.argv[2];
const url = process.env.KUBENOVA_DATABASE_URL;
if (store === undefined) {
  // One process per store: the memory figures of one are not the leftovers of the other.
  for (const which of ['embedded', ...(url ? ['postgres'] : [])]) {
    execFileSync(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), which], { stdio: 'inherit' });
  }
} else if (store === 'embedded') {
  const dataDir = await mkdtemp(join(tmpdir(), 'kubenova-bench-'));
  try {
    await bench('embedded (PGlite)', { kind: 'embedded', dataDir });
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
} else if (store === 'postgres' && url) {
  const keyring = (await Keyring.fromEnv()) ?? Keyring.fromJson({ active: 'k1', keys: { k1: Keyring.generateKey() } });
  await bench('PostgreSQL', { kind: 'postgres', url, keyring });
} else {
  throw new Error(`unknown store "${store}": embedded, or postgres with KUBENOVA_DATABASE_URL set`);
}
