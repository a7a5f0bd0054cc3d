// API benchmark (not a test). The server runs in a process of its own, as main.ts builds the API
// (no reconcilers), on the embedded store and on PostgreSQL (a throwaway server unless
// KUBENOVA_DATABASE_URL is given); the load generator (autocannon) runs in this process. Each
// store is seeded through the API with BENCH_TENANTS tenants, a project each and BENCH_APPS apps
// over them, then measured:
//
//   GET one tenant           closed loop (BENCH_CONNECTIONS), then at BENCH_RATE req/s
//   GET one namespace        the same, from a kube-apiserver (when BENCH_KUBECONFIG is given)
//   list apps by label       ?labelSelector=bench-group=gN (10 of the apps match), closed loop
//                            and at BENCH_LIST_RATE req/s
//   POST a new tenant        closed loop, then at BENCH_RATE req/s
//
// and the server process's memory at rest (RSS and heap after a full collection) after startup,
// after seeding and after the load, its peak RSS (sampled every 200 ms), and on the embedded store
// the RSS of a server restarted on the seeded data. Prints a table per store, with the ratio of
// KubeNova's GET to the kube-apiserver's, and the load average around each store's run.
//
//   npm run bench
//   BENCH_KUBECONFIG=/tmp/kubenova-testenv/<id>/kubeconfigs/admin.kubeconfig npm run bench
//
// Variables (defaults): BENCH_STORES (embedded,postgres), BENCH_SECONDS (10) per scenario,
// BENCH_CONNECTIONS (10), BENCH_RATE (1000), BENCH_LIST_RATE (100), BENCH_TENANTS (1000),
// BENCH_APPS (10000), BENCH_SERVER_NODE_OPTIONS (extra node flags for the server process, e.g.
// "--cpu-prof --cpu-prof-dir=/tmp/prof"), BENCH_SCENARIOS (all: a comma list of get, kube, list,
// post to run only some).
import { execFileSync, fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { KubeConfig } from '@kubernetes/client-node';
import autocannon from 'autocannon';
import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { benchDatabase } from './database.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 10);
const RATE = Number(process.env.BENCH_RATE ?? 1000);
const LIST_RATE = Number(process.env.BENCH_LIST_RATE ?? 100);
const TENANTS = Number(process.env.BENCH_TENANTS ?? 1000);
const APPS = Number(process.env.BENCH_APPS ?? 10000);
const SCENARIOS = new Set((process.env.BENCH_SCENARIOS ?? 'get,kube,list,post').split(','));
/** Apps per label group: a selector `bench-group=gN` matches this many. */
const GROUP = 10;

interface Memory {
  rssMiB: number;
  heapUsedMiB: number;
  peakRssMiB: number;
}

type ToParent =
  | { type: 'started'; url: string; token: string; memory: Memory }
  | { type: 'seeded'; seconds: number; memory: Memory }
  | { type: 'memory'; memory: Memory };
type ToServer = { type: 'seed'; prefix: string } | { type: 'memory' } | { type: 'stop' };

const mib = (n: number) => Math.round((n / 2 ** 20) * 10) / 10;

const tenantName = (prefix: string, i: number) => `${prefix}-t${i}`;
const projectName = (prefix: string, i: number) => `${tenantName(prefix, i)}-p`;

// ---------------------------------------------------------------------------------------------
// The server process: `bench/api.ts serve <embedded|postgres> <dataDir|url>`.

async function serve(kind: string, where: string): Promise<void> {
  const [{ buildServer }, { clusterWriteServices }, { createLogger }, { createMetrics }, { createTokenVerifier }, { mintToken }, { Keyring }, { createStore }] =
    await Promise.all([
      import('../src/api/server.js'),
      import('../src/api/write-services.js'),
      import('../src/observability/logger.js'),
      import('../src/observability/metrics.js'),
      import('../src/security/auth.js'),
      import('../src/security/auth-token.js'),
      import('../src/security/keyring.js'),
      import('../src/store/index.js'),
    ]);
  let peak = 0;
  const sample = () => {
    peak = Math.max(peak, process.memoryUsage.rss());
  };
  sample();
  const sampler = setInterval(sample, 200);
  /** After a full collection (the server runs with --expose-gc). */
  const memory = async (): Promise<Memory> => {
    await new Promise((resolve) => setTimeout(resolve, 500));
    globalThis.gc?.();
    sample();
    const { rss, heapUsed } = process.memoryUsage();
    return { rssMiB: mib(rss), heapUsedMiB: mib(heapUsed), peakRssMiB: mib(peak) };
  };

  const secret = randomBytes(32);
  // Production logging (a line per request), written nowhere.
  const logger = createLogger({ level: 'info', destination: pino.destination({ dest: '/dev/null', sync: false }) });
  const store =
    kind === 'embedded'
      ? await createStore({ kind: 'embedded', dataDir: where, initialiseApart: true })
      : await createStore({
          kind: 'postgres',
          url: where,
          keyring: (await Keyring.fromEnv()) ?? Keyring.fromJson({ active: 'k1', keys: { k1: Keyring.generateKey() } }),
        });
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
  const token = await mintToken(secret, { subject: 'bench', roles: ['platform-admin'], ttlSeconds: 3600 });
  const send = (m: ToParent) => process.send!(m);

  process.on('message', (m: ToServer) => {
    void (async () => {
      if (m.type === 'seed') {
        const started = performance.now();
        await seed(app, `Bearer ${token}`, m.prefix);
        send({ type: 'seeded', seconds: Math.round((performance.now() - started) / 100) / 10, memory: await memory() });
      } else if (m.type === 'memory') {
        send({ type: 'memory', memory: await memory() });
      } else {
        clearInterval(sampler);
        await app.close();
        await store.close();
        process.exit(0);
      }
    })().catch((err: unknown) => {
      console.error(err);
      process.exit(1);
    });
  });
  send({ type: 'started', url, token, memory: await memory() });
}

/** Through the API, 8 requests in flight: tenants, a project in each, then the apps. */
async function seed(app: FastifyInstance, authorization: string, prefix: string): Promise<void> {
  const post = async (url: string, payload: object) => {
    const res = await app.inject({ method: 'POST', url, headers: { authorization }, payload });
    if (res.statusCode !== 201) throw new Error(`seeding ${url}: ${res.statusCode} ${res.body}`);
  };
  const inParallel = async (n: number, each: (i: number) => Promise<void>) => {
    let next = 0;
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (next < n) await each(next++);
      }),
    );
  };
  await inParallel(TENANTS, (i) => post('/api/v1/tenants', { name: tenantName(prefix, i), spec: { owners: [{ kind: 'User', name: 'alice' }] } }));
  await inParallel(TENANTS, (i) => post(`/api/v1/tenants/${tenantName(prefix, i)}/projects`, { name: projectName(prefix, i) }));
  await inParallel(APPS, (i) =>
    post('/api/v1/apps', {
      name: `${projectName(prefix, i % TENANTS)}-a${Math.floor(i / TENANTS)}`,
      labels: { 'bench-group': `g${Math.floor(i / GROUP)}` },
      spec: { project: projectName(prefix, i % TENANTS), components: [{ name: 'web', type: 'webservice', properties: { image: 'nginx:1.27' } }] },
    }),
  );
}

// ---------------------------------------------------------------------------------------------
// The load generator.

interface Row {
  store: string;
  scenario: string;
  rate: string;
  result: autocannon.Result;
}

function startServer(
  kind: string,
  where: string,
): { child: ChildProcess; next: <T extends ToParent['type']>(type: T) => Promise<Extract<ToParent, { type: T }>> } {
  const extra = (process.env.BENCH_SERVER_NODE_OPTIONS ?? '').split(' ').filter(Boolean);
  const child = fork(fileURLToPath(import.meta.url), ['serve', kind, where], {
    execArgv: ['--expose-gc', '--import', 'tsx', ...extra],
    stdio: 'inherit',
  });
  const waiting: ((m: ToParent) => void)[] = [];
  child.on('message', (m: ToParent) => waiting.shift()?.(m));
  const next = <T extends ToParent['type']>(type: T) =>
    new Promise<Extract<ToParent, { type: T }>>((resolve, reject) => {
      const onExit = (code: number | null) => reject(new Error(`the server process exited (${code}) while waiting for "${type}"`));
      child.once('exit', onExit);
      waiting.push((m) => {
        child.off('exit', onExit);
        if (m.type === type) resolve(m as Extract<ToParent, { type: T }>);
        else reject(new Error(`expected "${type}" from the server process, got "${m.type}"`));
      });
    });
  return { child, next };
}

function stopServer(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.send({ type: 'stop' } satisfies ToServer);
  });
}

const load = () =>
  execFileSync('uptime', { encoding: 'utf8' })
    .trim()
    .replace(/.*load average: /, '');

/** The kube-apiserver of `kubeconfig`: GET /api/v1/namespaces/default with its client credentials. */
function kubeTarget(kubeconfig: string): { url: string; headers: Record<string, string>; tlsOptions: Record<string, unknown> } {
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfig);
  const cluster = kc.getCurrentCluster();
  const user = kc.getCurrentUser();
  if (!cluster || !user) throw new Error(`${kubeconfig}: no current cluster and user`);
  const b64 = (s: string | undefined) => (s ? Buffer.from(s, 'base64') : undefined);
  return {
    url: cluster.server,
    headers: user.token ? { authorization: `Bearer ${user.token}` } : {},
    tlsOptions: { ca: b64(cluster.caData), cert: b64(user.certData), key: b64(user.keyData) },
  };
}

async function run(opts: autocannon.Options & { tlsOptions?: Record<string, unknown> }): Promise<autocannon.Result> {
  return autocannon({ duration: SECONDS, connections: CONNECTIONS, ...opts });
}

async function benchStore(kind: string, where: string): Promise<{ rows: Row[]; notes: string[] }> {
  const label = kind === 'embedded' ? 'embedded (PGlite)' : 'PostgreSQL';
  console.log(`\n${label}: ${TENANTS} tenants, ${TENANTS} projects, ${APPS} apps; ${CONNECTIONS} connections, ${SECONDS} s per scenario`);
  const notes: string[] = [`${label}: load average at start: ${load()}`];
  const rows: Row[] = [];
  const { child, next } = startServer(kind, where);
  const started = await next('started');
  const { url, token } = started;
  const headers = { authorization: `Bearer ${token}` };
  const prefix = `b${randomBytes(3).toString('hex')}`;
  child.send({ type: 'seed', prefix } satisfies ToServer);
  const seeded = await next('seeded');
  console.log(`  seeded in ${seeded.seconds} s`);
  const kube = process.env.BENCH_KUBECONFIG && SCENARIOS.has('kube') ? kubeTarget(process.env.BENCH_KUBECONFIG) : undefined;
  const add = (scenario: string, rate: string, result: autocannon.Result) => {
    rows.push({ store: label, scenario, rate, result });
    const r = result;
    const failed = r.non2xx + r.errors + r.timeouts;
    console.log(
      `  ${scenario.padEnd(34)} ${rate.padEnd(12)} p50 ${r.latency.p50} ms  p99 ${r.latency.p99} ms  ${Math.round(r.requests.average)} req/s${failed ? `  ${failed} FAILED` : ''}`,
    );
  };

  for (const [mode, rate] of [
    ['closed loop', undefined],
    [`${RATE} req/s`, RATE],
  ] as const) {
    const fixed = rate === undefined ? {} : { overallRate: rate };
    if (SCENARIOS.has('get')) {
      let read = 0;
      add(
        'GET /api/v1/tenants/{name}',
        mode,
        await run({
          url,
          headers,
          ...fixed,
          requests: [{ method: 'GET', setupRequest: (req) => ({ ...req, path: `/api/v1/tenants/${tenantName(prefix, read++ % TENANTS)}` }) }],
        }),
      );
    }
    if (kube)
      add(
        'kube-apiserver GET namespace',
        mode,
        await run({ url: `${kube.url}/api/v1/namespaces/default`, headers: kube.headers, tlsOptions: kube.tlsOptions, ...fixed }),
      );
  }
  if (SCENARIOS.has('list')) {
    for (const [mode, rate] of [
      ['closed loop', undefined],
      [`${LIST_RATE} req/s`, LIST_RATE],
    ] as const) {
      let group = 0;
      const groups = Math.max(1, Math.floor(APPS / GROUP));
      add(
        'GET /api/v1/apps?labelSelector=',
        mode,
        await run({
          url,
          headers,
          ...(rate !== undefined && { overallRate: rate }),
          requests: [{ method: 'GET', setupRequest: (req) => ({ ...req, path: `/api/v1/apps?labelSelector=bench-group%3Dg${group++ % groups}` }) }],
        }),
      );
    }
  }
  if (SCENARIOS.has('post')) {
    let created = 0;
    for (const [mode, rate] of [
      ['closed loop', undefined],
      [`${RATE} req/s`, RATE],
    ] as const) {
      add(
        'POST /api/v1/tenants',
        mode,
        await run({
          url,
          headers: { ...headers, 'content-type': 'application/json' },
          ...(rate !== undefined && { overallRate: rate }),
          requests: [
            { method: 'POST', path: '/api/v1/tenants', setupRequest: (req) => ({ ...req, body: JSON.stringify({ name: `${prefix}-new-${created++}` }) }) },
          ],
        }),
      );
    }
  }
  child.send({ type: 'memory' } satisfies ToServer);
  const loaded = await next('memory');
  await stopServer(child);
  const memory: [string, Memory][] = [
    ['after startup (empty store)', started.memory],
    ['after seeding', seeded.memory],
    ['after the load', loaded.memory],
  ];
  if (kind === 'embedded') {
    // The footprint of a replica starting on a store that holds the seeded objects.
    const again = startServer(kind, where);
    const restarted = await again.next('started');
    await stopServer(again.child);
    memory.push(['restarted on the seeded store', restarted.memory]);
  }
  for (const [when, m] of memory)
    notes.push(`${label}: memory ${when}: RSS ${m.rssMiB} MiB, heap used ${m.heapUsedMiB} MiB, peak RSS so far ${m.peakRssMiB} MiB`);
  notes.push(`${label}: load average at end: ${load()}`);
  return { rows, notes };
}

function table(rows: Row[]): string {
  const kubeOf = (rate: string) => rows.find((r) => r.scenario.startsWith('kube') && r.rate === rate)?.result;
  const lines = [
    '| store | scenario | mode | req/s | p50 ms | p97.5 ms | p99 ms | failed | vs kube-apiserver (p99, req/s) |',
    '|---|---|---|---|---|---|---|---|---|',
  ];
  for (const { store, scenario, rate, result: r } of rows) {
    const kube = scenario.startsWith('GET /api/v1/tenants/') ? kubeOf(rate) : undefined;
    const ratio = kube ? `${(r.latency.p99 / kube.latency.p99).toFixed(2)}× p99, ${(r.requests.average / kube.requests.average).toFixed(2)}× req/s` : '';
    lines.push(
      `| ${store} | ${scenario} | ${rate} | ${Math.round(r.requests.average)} | ${r.latency.p50} | ${r.latency.p97_5} | ${r.latency.p99} | ${r.non2xx + r.errors + r.timeouts} | ${ratio} |`,
    );
  }
  return lines.join('\n');
}

async function main(): Promise<void> {
  const stores = (process.env.BENCH_STORES ?? 'embedded,postgres').split(',');
  const all: { rows: Row[]; notes: string[] }[] = [];
  for (const kind of stores) {
    if (kind === 'embedded') {
      const dataDir = await mkdtemp(join(tmpdir(), 'kubenova-bench-'));
      try {
        all.push(await benchStore(kind, dataDir));
      } finally {
        await rm(dataDir, { recursive: true, force: true });
      }
    } else if (kind === 'postgres') {
      const database = await benchDatabase();
      try {
        all.push(await benchStore(kind, database.url));
      } finally {
        await database.stop();
      }
    } else {
      throw new Error(`unknown store "${kind}" in BENCH_STORES: embedded, postgres`);
    }
  }
  console.log(`\n${table(all.flatMap((s) => s.rows))}\n`);
  for (const n of all.flatMap((s) => s.notes)) console.log(`- ${n}`);
}

if (process.argv[2] === 'serve') await serve(process.argv[3]!, process.argv[4]!);
else await main();
