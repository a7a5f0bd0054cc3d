// Convergence throughput (not a test): N objects created at once through KubeNova, beside the same
// N objects applied directly to the same cluster, in the same run, alternating (issue #19).
//
//   npm run testenv -- up      (prints the admin kubeconfig's path)
//   BENCH_KUBECONFIG=/tmp/kubenova-testenv/<id>/kubeconfigs/admin.kubeconfig BENCH_MODE=apps \
//     BENCH_N=50 BENCH_ROUNDS=2 npm run bench:scale
//
// Spread over several clusters: BENCH_KUBECONFIG=<admin kubeconfig>,<another>,... (one testenv
// cluster each). The tenant of the apps is placed on all of them and app i goes to cluster
// i mod C (the App's `clusters`), resp. tenant i is placed on cluster i mod C; the direct side
// applies object i to the same cluster, with one client per cluster.
//
// BENCH_MODE=apps: N Apps (a webservice with a scaler, 2 replicas) in one project, POSTed to the
// API → all Deployed; against N Applications applied to vela-core in a namespace of a Capsule
// tenant of their own, made as KubeNova makes a project's (so Capsule's webhooks see every write
// there, vela-core's too, as they do in KubeNova's project), as a user bound to `admin` and
// KubeNova's app-runner role → all `running` for their generation.
// BENCH_MODE=tenants: N tenants with one project each → all Deployed; against the very objects
// KubeNova's Capsule adapter plans for them (Capsule Tenant, project namespace labelled for
// adoption, its guards; not the identity KubeNova adds for the project's apps), applied with
// KubeNova's own agent credentials (a Capsule administrator) → every Tenant Ready for its
// generation and every namespace adopted (same readiness functions KubeNova uses).
// BENCH_CHANGE=1 (tenants): then, on each side, a change to every tenant at once (its pods
// quota: KubeNova's PUT, resp. the Tenant as KubeNova's adapter plans it, applied) → every tenant
// Deployed, resp. Capsule Tenant Ready, for its new generation. With BENCH_N=1 and several rounds,
// a change's latency: the median of each side is printed with their ratio.
//
// Fairness: both sides create with the same bounded concurrency (BENCH_CONCURRENCY, default 10
// requests in flight), the direct side with the same client class (KubeClusterClient: keep-alive
// agent, 32 sockets, no client-side QPS limit, like KubeNova's), the same cluster, and both
// are timed from the first create to the poll (every BENCH_POLL_MS, default 250 ms: a read of the
// objects the store's change feed named since the last poll, resp. one or two Kubernetes lists)
// that sees the last object ready. Odd rounds run
// KubeNova first, even rounds the direct side first (A B B A ...): whichever side goes first meets
// cold engines (vela-core's and Capsule's first lists and webhook calls), so compare rounds of
// both orders. Between sides everything is deleted and waited for until gone (also the
// Deployments vela-core made), so each side starts on an equally empty cluster.
//
// KubeNova runs in-process as main.ts builds it (API, embedded store, events, runtime with the
// Cluster, tenancy, App and Definition reconcilers). Counted: its reconciles and Kubernetes API
// calls by verb (watches aside) from the first create to all Deployed, the direct side's writes
// and polls, and the process's RSS (sampled every 200 ms; it includes this harness). Also the
// load average (os.loadavg) at the start and end of each side, and when the poll first saw one
// object ready and half of them (what a burst's first users wait). BENCH_SIDES=kubenova runs only
// KubeNova (for `node --cpu-prof`, see docs/performance.md).
//
// BENCH_IDLE_S=360: after KubeNova's objects are all Deployed, nothing changes for that long, and
// the bench reports what KubeNova did meanwhile (the cost of idleness): Kubernetes API calls per
// minute by verb (watches aside), reconciles per minute, and this process's CPU (API, embedded
// store and runtime; the harness is idle then) as a share of one core. A window over 5 min
// includes the runtime's periodic resync.
//
// Many apps (KubeNova alone, BENCH_SIDES=kubenova): BENCH_PROJECTS=P spreads the apps over P
// projects (app i in project i mod P). BENCH_TENANTS=T (at most P) makes T tenants, tenant j
// placed on cluster j mod C alone, project j in tenant j mod T, and an app on its tenant's
// cluster; by default one tenant is placed on every cluster. BENCH_STORE=postgres runs KubeNova on
// a PostgreSQL server started for the run (test/support/postgres.ts, Debian's binaries) or at
// KUBENOVA_DATABASE_URL, instead of the embedded store: the process's RSS is then KubeNova's
// without its database's. BENCH_STAND_IN=1 is for a cluster
// whose vela-core is stopped (`npm run testenv -- stop <id> vela-core`): the bench removes
// vela-core's admission webhooks and writes each Application's status as vela-core reports a
// running app, so that N apps reach Deployed in minutes where vela-core would take hours here
// (KubeNova's side is unchanged: its API, store, reconcilers, watches, Capsule's webhooks). For
// KubeNova's memory and idleness with thousands of Deployed apps; no ratio is printed then.
//
// BENCH_IDLE_RESYNC=1 (with BENCH_IDLE_S over a minute, so that every look is a full one): after
// the idle window, one resync pass of every object, as the runtime's periodic resync makes it,
// and the CPU it took per reconcile: what each Deployed object's periodic look costs. With
// BENCH_IDLE_PROFILE=<dir>, that pass's CPU profile is written there (node:inspector).
import { AsyncLocalStorage } from 'node:async_hooks';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { Session } from 'node:inspector/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { planProject, planTenant, releasedTenant, type TenantIntent } from '../src/adapters/capsule/plan.js';
import { namespaceAdoption, tenantReadiness } from '../src/adapters/capsule/observe.js';
import { TENANT_TYPE } from '../src/adapters/capsule/capsule-api.js';
import { KubeClusterClient } from '../src/adapters/kube/client.js';
import type { KubeObject, TypeRef } from '../src/adapters/kube/types.js';
import { clusterWriteServices } from '../src/api/write-services.js';
import type { TenantSpec } from '../src/domain/kinds/tenant.js';
import type { Resource } from '../src/domain/resource.js';
import { createEventRecorder } from '../src/observability/events.js';
import { createClusterClients } from '../src/orchestrator/manager/cluster-clients.js';
import { startRuntime, type ReconcilerRegistration } from '../src/orchestrator/manager/manager.js';
import { clusterReconcilerRegistration } from '../src/orchestrator/reconcilers/cluster.js';
import { definitionRegistration, deliveryRegistrations, tenancyRegistrations } from '../src/orchestrator/reconcilers/registrations.js';
import { Keyring } from '../src/security/keyring.js';
import { createStore, type Store } from '../src/store/index.js';
import { listAll } from '../src/store/paging.js';
import { countingClients, type ApiCall } from '../test/support/api-calls.js';
import { benchDatabase } from './database.js';
import { velaStandIn } from './vela-stand-in.js';
import { agentOf, benchServer, directAppIdentity, directTenantNamespace, median, plannedTenancy, type BenchServer } from './support.js';

const KUBECONFIGS = (process.env.BENCH_KUBECONFIG ?? '').split(',').filter(Boolean);
const MODE = process.env.BENCH_MODE ?? 'apps';
const N = Number(process.env.BENCH_N ?? 50);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 10);
const POLL_MS = Number(process.env.BENCH_POLL_MS ?? 250);
const TIMEOUT_MS = Number(process.env.BENCH_TIMEOUT_S ?? 1200) * 1000;
const SIDES = (process.env.BENCH_SIDES ?? 'kubenova,direct').split(',');
/** Workers per projected kind (default: the runtime's). */
const WORKERS = process.env.BENCH_WORKERS ? Number(process.env.BENCH_WORKERS) : undefined;
const IDLE_MS = Number(process.env.BENCH_IDLE_S ?? 0) * 1000;
const IDLE_RESYNC = process.env.BENCH_IDLE_RESYNC === '1';
const IDLE_PROFILE = process.env.BENCH_IDLE_PROFILE;
const PROJECTS = Number(process.env.BENCH_PROJECTS ?? 1);
const TENANTS = Number(process.env.BENCH_TENANTS ?? 1);
const STAND_IN = process.env.BENCH_STAND_IN === '1';
const STORE = process.env.BENCH_STORE ?? 'embedded';
const CHANGE = process.env.BENCH_CHANGE === '1';
if ((PROJECTS > 1 || TENANTS > 1 || STAND_IN) && SIDES.includes('direct'))
  throw new Error('BENCH_PROJECTS, BENCH_TENANTS and BENCH_STAND_IN are for BENCH_SIDES=kubenova');
if (TENANTS > PROJECTS) throw new Error('BENCH_TENANTS is at most BENCH_PROJECTS: each tenant holds a project of the apps');
if (STORE !== 'embedded' && STORE !== 'postgres') throw new Error('BENCH_STORE is embedded or postgres');
if (KUBECONFIGS.length === 0) throw new Error('set BENCH_KUBECONFIG to testenv clusters admin kubeconfigs (comma-separated)');
if (MODE !== 'apps' && MODE !== 'tenants') throw new Error('BENCH_MODE is apps or tenants');
if (CHANGE && MODE !== 'tenants') throw new Error('BENCH_CHANGE=1 is for BENCH_MODE=tenants');

const suffix = randomBytes(3).toString('hex');
/** The component's name is its Deployment's: one per app, as the apps share a namespace. */
const appSpec = (component: string) => ({
  components: [{ name: component, type: 'webservice', properties: { image: 'nginx:1.27' }, traits: [{ type: 'scaler', properties: { replicas: 2 } }] }],
});
const APPLICATION = { apiVersion: 'core.oam.dev/v1beta1', kind: 'Application' } as const;
const NAMESPACE = { apiVersion: 'v1', kind: 'Namespace' } as const;
const DEPLOYMENT = { apiVersion: 'apps/v1', kind: 'Deployment' } as const;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const log = (line: string) => process.stderr.write(`[${new Date().toISOString().slice(11, 19)}] ${line}\n`);
const load = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');

async function until(what: string, check: () => Promise<boolean>, timeoutMs = TIMEOUT_MS): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(POLL_MS);
  }
}

/** fn(0..n-1) with at most `limit` running at once. */
async function pool(n: number, limit: number, fn: (i: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < n) await fn(next++);
  };
  await Promise.all(Array.from({ length: Math.min(limit, n) }, worker));
}

const byVerb = (cs: readonly ApiCall[], per: number) => {
  const n = new Map<string, number>();
  for (const c of cs) n.set(c.verb, (n.get(c.verb) ?? 0) + 1);
  return [...n]
    .sort((a, b) => b[1] - a[1])
    .map(([v, k]) => `${v} ${(k / per).toFixed(1)}`)
    .join(', ');
};

/** Peak RSS since the last reset, sampled. */
function rssSampler() {
  let peak = 0;
  const sample = () => (peak = Math.max(peak, process.memoryUsage.rss()));
  const timer = setInterval(sample, 200);
  timer.unref();
  return {
    reset: () => ((peak = 0), sample()),
    peakMiB: () => (sample(), peak / 2 ** 20),
    stop: () => clearInterval(timer),
  };
}

/** A project's planned objects without the identity KubeNova adds for the project's apps
 *  (adapters/cluster/app-identity.ts): the direct side is Capsule alone, the namespace and its
 *  guards, so that identity's writes count as KubeNova's cost. */
const capsuleAlone = (objects: KubeObject[]) => objects.filter((o) => o.kind !== 'ServiceAccount' && o.kind !== 'RoleBinding');

type Step = 'create' | 'change';
/** The change BENCH_CHANGE=1 makes to each tenant in round `round`: its pods quota, a field
 *  Capsule carries to a ResourceQuota in each of the tenant's namespaces. */
const changedQuotas = (round: number) => ({ pods: 100 + round });

const cpuSecondsSince = (start: NodeJS.CpuUsage) => {
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1e6;
};

/** `fn`'s CPU profile, written to `dir` as a .cpuprofile (read with bench/cpuprofile-top.ts). */
async function profiled<T>(dir: string, name: string, fn: () => Promise<T>): Promise<T> {
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
  try {
    return await fn();
  } finally {
    const { profile } = await session.post('Profiler.stop');
    session.disconnect();
    await mkdir(dir, { recursive: true });
    const file = join(dir, `${name}.cpuprofile`);
    await writeFile(file, JSON.stringify(profile));
    log(`CPU profile: ${file}`);
  }
}

/** KubeNova's store as main.ts opens it: the embedded one (a new database created in a child
 *  process), or PostgreSQL (started for the run unless KUBENOVA_DATABASE_URL names one). */
async function openStore(dir: string): Promise<{ store: Store; stopDatabase: () => Promise<void> }> {
  if (STORE === 'embedded') return { store: await createStore({ kind: 'embedded', dataDir: dir, initialiseApart: true }), stopDatabase: async () => {} };
  const database = await benchDatabase();
  const keyring = Keyring.fromJson({ active: 'k1', keys: { k1: Keyring.generateKey() } });
  return { store: await createStore({ kind: 'postgres', url: database.url, keyring }), stopDatabase: database.stop };
}

interface Result {
  round: number;
  side: 'KubeNova' | 'direct';
  /** What was timed: the objects' creation, or (BENCH_CHANGE=1) a change to each of them. */
  step: Step;
  seconds: number;
  /** When the poll first saw one object ready, and half of them. */
  firstSeconds: number;
  halfSeconds: number;
  calls: ApiCall[];
  polls: number;
  reconciles: Map<string, number>;
  /** Committed store changes by kind (`<kind> status`: status-only), KubeNova's side only. */
  changes: Map<string, number>;
  rssMiB: number;
  /** CPU this process used meanwhile (user + system): KubeNova's API, store and runtime on its
   *  side, only the harness on the direct side. The cluster's processes compete for the same cores. */
  cpuSeconds: number;
  load: [string, string];
}

async function main(): Promise<void> {
  log(`load average at start: ${load()}`);
  const loadAtStart = load();
  const kubeconfigs = await Promise.all(KUBECONFIGS.map((path) => readFile(path, 'utf8')));
  const admins = await Promise.all(kubeconfigs.map((text, k) => KubeClusterClient.fromKubeconfigText(`admin-${k}`, text)));
  const C = admins.length;
  /** Object i lives on cluster i mod C. */
  const on = (i: number) => i % C;
  const dir = await mkdtemp(join(tmpdir(), 'kubenova-bench-scale-'));
  const { store, stopDatabase } = await openStore(dir);
  const logger = pino({ level: 'silent' });
  const clients = createClusterClients(store);
  const events = createEventRecorder({ store, logger });
  const server = await benchServer(store, logger, clusterWriteServices(logger, { clients }), events);
  const call: BenchServer['call'] = (method, url, body) => server.call(method, url, body);

  // Reconciles and calls per kind, as bench/delivery.ts counts them.
  const reconciles = new Map<string, number>();
  const reconciling = new AsyncLocalStorage<string>();
  let inFlight = 0;
  const reconcileTotal = () => [...reconciles.values()].reduce((a, b) => a + b, 0);
  /** What a counter by kind gained since `before` (kinds that gained nothing left out). */
  const gained = (now: ReadonlyMap<string, number>, before: ReadonlyMap<string, number>) =>
    new Map([...now].map(([kind, n]) => [kind, n - (before.get(kind) ?? 0)] as const).filter(([, n]) => n > 0));
  /** `kind n, kind n` of a counter by kind, each count shown by `show`. */
  const byKindText = (counts: ReadonlyMap<string, number>, show: (n: number) => string) => [...counts].map(([kind, n]) => `${kind} ${show(n)}`).join(', ');
  /** While idle: reconciles per object key. */
  let looked: Map<string, number> | undefined;
  // Committed store changes by kind (`<kind> status` for status-only ones): what wakes reconciles.
  const changes = new Map<string, number>();
  /** `kind/name` of every object changed since a readiness tracker last looked at it. */
  const dirty = new Set<string>();
  const stopCounting = store.objects.onChange(
    (e) => {
      dirty.add(`${e.kind}/${e.name}`);
      const what = e.statusOnly ? `${e.kind} status` : e.kind;
      changes.set(what, (changes.get(what) ?? 0) + 1);
    },
    { remote: true },
  );
  const all = countingClients(clients, [], () => reconciling.getStore());
  const counted = (reg: ReconcilerRegistration): ReconcilerRegistration => ({
    ...reg,
    reconciler: (services) => {
      const inner = typeof reg.reconciler === 'function' ? reg.reconciler({ ...services, clients: all.clients }) : reg.reconciler;
      const reconcile = async (req: Parameters<typeof inner.reconcile>[0]) => {
        reconciles.set(reg.kind, (reconciles.get(reg.kind) ?? 0) + 1);
        if (looked) looked.set(req.key, (looked.get(req.key) ?? 0) + 1);
        inFlight++;
        try {
          return await reconciling.run(reg.kind, () => inner.reconcile(req));
        } finally {
          inFlight--;
        }
      };
      return Object.assign(Object.create(inner) as typeof inner, { reconcile });
    },
  });
  const runtime = startRuntime({
    store,
    logger,
    events,
    clients,
    reconcilers: [
      clusterReconcilerRegistration(),
      ...[...tenancyRegistrations({ workers: WORKERS }), ...deliveryRegistrations({ workers: WORKERS })].map(counted),
      definitionRegistration(),
    ],
  });
  const rss = rssSampler();
  /** Objects of `kind` whose name starts with `prefix` (or passes it), resp. those of them Deployed. */
  const named = (prefix: string | ((name: string) => boolean)) => (typeof prefix === 'string' ? (name: string) => name.startsWith(prefix) : prefix);
  const isDeployed = (o: Resource<unknown>) => o.status.observedGeneration === o.generation && o.status.phase === 'Deployed';
  const deployed = async (kind: 'App' | 'Tenant' | 'Project', prefix: string | ((name: string) => boolean)) =>
    (await listAll(store.objects, kind)).filter((o) => named(prefix)(o.name) && isDeployed(o)).length;
  /**
   * How many objects of `kind` named by `prefix` are Deployed, followed through the store's change
   * feed as a client of KubeNova's events would: one full list first, then each poll reads only
   * the objects changed since, and a count reaching `expected` is confirmed by a full list. (A
   * full list every poll read every object's JSON out of the embedded store, in this process and
   * in line with KubeNova's own queries: a sixth of the process's CPU at N = 200 tenants.)
   */
  const deployedTracker = (kind: 'App' | 'Tenant' | 'Project', prefix: string | ((name: string) => boolean), expected: number) => {
    const match = named(prefix);
    let ready: Map<string, boolean> | undefined;
    /** A full list agreed with `ready` since the count last fell short. */
    let confirmed = false;
    const changed = () => {
      const keys = [...dirty].filter((k) => k.startsWith(`${kind}/`) && match(k.slice(kind.length + 1)));
      for (const k of keys) dirty.delete(k);
      return keys.map((k) => k.slice(kind.length + 1));
    };
    const listed = async () => new Map((await listAll(store.objects, kind)).filter((o) => match(o.name)).map((o) => [o.name, isDeployed(o)]));
    return async (): Promise<number> => {
      if (!ready) {
        changed();
        ready = await listed();
      } else {
        for (const name of changed()) {
          const o = await store.objects.get(kind, name);
          if (o) ready.set(name, isDeployed(o));
          else ready.delete(name);
        }
      }
      const count = (m: Map<string, boolean>) => [...m.values()].filter(Boolean).length;
      const n = count(ready);
      if (n < expected) {
        confirmed = false;
        return n;
      }
      if (confirmed) return n;
      // Confirmed once, not at every poll while the other kind catches up (each change since is
      // read as it comes).
      ready = await listed();
      confirmed = true;
      return count(ready);
    };
  };
  const stored = async (kind: 'App' | 'Tenant' | 'Project', prefix: string | ((name: string) => boolean)) =>
    (await listAll(store.objects, kind)).filter((o) => named(prefix)(o.name)).length;

  // Setup: the clusters, and the apps' tenants and projects: by default one tenant on all the
  // clusters (also the tenants' spec template), else tenant j on cluster j mod C.
  const clusters = kubeconfigs.map((_, k) => (C === 1 ? `bench-${suffix}` : `bench-${suffix}-${k}`));
  const tenant = `bench-${suffix}`;
  const tenants = Array.from({ length: TENANTS }, (_, j) => (TENANTS === 1 ? tenant : `${tenant}-t${j}`));
  /** Project j is in tenant j mod T. */
  const projects = Array.from({ length: PROJECTS }, (_, j) => `${tenants[j % TENANTS]!}-apps${PROJECTS === TENANTS ? '' : `-${j}`}`);
  const project = projects[0]!;
  /** App i's project, tenant and cluster (as an app's name starts with its tenant's). */
  const projectOf = (i: number) => projects[i % PROJECTS]!;
  const tenantIndexOf = (i: number) => (i % PROJECTS) % TENANTS;
  const tenantOf = (i: number) => tenants[tenantIndexOf(i)]!;
  const appCluster = (i: number) => clusters[TENANTS === 1 ? on(i) : on(tenantIndexOf(i))]!;
  const owners = [{ kind: 'User', name: 'bench-owner' }];
  /** Tenants mode: tenant i's spec, placed on cluster i mod C. */
  const tenantSpec = (i: number) => ({ owners, placement: { clusters: [clusters[on(i)]] } });
  for (const [k, cluster] of clusters.entries()) {
    await call('POST', '/api/v1/clusters', { name: cluster, kubeconfig: Buffer.from(kubeconfigs[k]!).toString('base64') });
    await until('capabilities', async () => (await store.objects.get('Cluster', cluster))?.status.capabilities !== undefined);
  }
  await pool(TENANTS, CONCURRENCY, (j) =>
    call('POST', '/api/v1/tenants', { name: tenants[j]!, spec: { owners, placement: { clusters: TENANTS === 1 ? clusters : [clusters[on(j)]] } } }),
  );
  await pool(PROJECTS, CONCURRENCY, (j) => call('POST', `/api/v1/tenants/${tenants[j % TENANTS]!}/projects`, { name: projects[j]! }));
  const setupProjects = new Set(projects);
  await until('setup projects Deployed', async () => (await deployed('Project', (name) => setupProjects.has(name))) === PROJECTS);
  log(
    `clusters ${clusters.join(', ')} registered, ${TENANTS === 1 ? `tenant ${tenant}` : `${TENANTS} tenants`}, ${PROJECTS === 1 ? `project ${project}` : `${PROJECTS} projects`} Deployed (load ${load()}, RSS ${(process.memoryUsage.rss() / 2 ** 20).toFixed(0)} MiB)`,
  );
  const standIn = STAND_IN ? await Promise.all(admins.map((admin) => velaStandIn(admin))) : [];

  // The direct side's clients. Apps: the admin impersonating a user bound to admin + app-runner
  // in a namespace of a Capsule tenant of its own, made as KubeNova makes a project's (the same
  // guards, and Capsule's webhooks see every write in it, as in KubeNova's). Tenants: KubeNova's
  // own agent credentials, a separate client.
  const template = (await store.objects.get('Tenant', tenants[0]!))!.spec as TenantSpec;
  const intent = (name: string): TenantIntent => ({ name, spec: template, policySets: [] });
  const direct = await Promise.all(
    clusters.map(async (cluster, k) => {
      const admin = admins[k]!;
      const { agent, caps } = await agentOf(store, cluster);
      const tenantName = C === 1 ? `bench-direct-${suffix}` : `bench-direct-${suffix}-${k}`;
      const tenant =
        MODE === 'apps' ? await directTenantNamespace({ admin, agent, caps, spec: template, tenant: tenantName, timeoutMs: TIMEOUT_MS }) : undefined;
      const { namespace, user } = await directAppIdentity(admin, C === 1 ? suffix : `${suffix}-${k}`, tenant?.namespace);
      return { cluster, admin, agent, caps, tenant, namespace, user };
    }),
  );
  const directCalls: ApiCall[] = [];
  const byCluster = new Map(direct.map((d) => [d.cluster, d]));
  const directWriter = countingClients(
    {
      forCluster: (cluster: string) => {
        const d = byCluster.get(cluster)!;
        return Promise.resolve(MODE === 'apps' ? d.admin.impersonating(d.user) : d.agent);
      },
    },
    directCalls,
  );
  const writers = await Promise.all(clusters.map((cluster) => directWriter.clients.forCluster(cluster)));
  const sum = async (perCluster: (k: number) => Promise<number>) => (await Promise.all(clusters.map((_, k) => perCluster(k)))).reduce((a, b) => a + b, 0);
  let polls = 0;

  const results: Result[] = [];
  const idles: string[] = [];
  /** Nothing changes for IDLE_MS: what KubeNova does meanwhile. */
  const idle = async (round: number) => {
    if (IDLE_MS <= 0) return;
    const mark = { calls: all.calls.length, reconciles: reconcileTotal(), byKind: new Map(reconciles), changes: new Map(changes) };
    const cpu = process.cpuUsage();
    const t0 = performance.now();
    log(`round ${round} KubeNova: idle for ${IDLE_MS / 1000} s with ${N} ${MODE} Deployed`);
    looked = new Map();
    await new Promise((r) => setTimeout(r, IDLE_MS));
    const perObject = [...looked.values()];
    looked = undefined;
    const minutes = (performance.now() - t0) / 60_000;
    const calls = all.calls.slice(mark.calls);
    const reconcileCount = reconcileTotal() - mark.reconciles;
    const perMinute = (n: number) => (n / minutes).toFixed(1);
    const byKind = byKindText(gained(reconciles, mark.byKind), perMinute);
    const changed = byKindText(gained(changes, mark.changes), perMinute);
    const cpuShare = cpuSecondsSince(cpu) / (minutes * 60);
    const memory = process.memoryUsage();
    idles.push(
      `round ${round}: ${N} ${MODE} Deployed, idle ${(minutes * 60).toFixed(0)} s: ${(calls.length / minutes).toFixed(1)} Kubernetes API calls/min (${byVerb(calls, minutes) || 'none'}), ` +
        `${(reconcileCount / minutes).toFixed(1)} reconciles/min (${byKind || 'none'}; ${perObject.length} objects, at most ${Math.max(0, ...perObject)} each), ` +
        `store changes/min: ${changed || 'none'}, CPU ${(cpuShare * 100).toFixed(1)} % of one core; ` +
        `at its end RSS ${(memory.rss / 2 ** 20).toFixed(0)} MiB, heap used ${(memory.heapUsed / 2 ** 20).toFixed(0)} MiB`,
    );
    log(idles.at(-1)!);
    if (IDLE_RESYNC) await resyncPass(round);
  };
  /** One resync of everything while idle: the CPU of each periodic look (measured inside the
   *  profile, so without its serialisation; the sampling itself adds a little). */
  const resyncPass = async (round: number) => {
    // The tenant and projects of the apps (set up once) are looked at too.
    const expected = MODE === 'apps' ? N + TENANTS + PROJECTS : 2 * N + 2;
    const before = { calls: all.calls.length, reconciles: reconcileTotal() };
    let cpuMs = 0;
    let seconds = 0;
    const pass = async () => {
      const cpu = process.cpuUsage();
      const t0 = performance.now();
      await runtime.resync();
      await until('the resync pass', () => Promise.resolve(reconcileTotal() - before.reconciles >= expected && inFlight === 0));
      cpuMs = cpuSecondsSince(cpu) * 1000;
      seconds = (performance.now() - t0) / 1000;
    };
    await (IDLE_PROFILE ? profiled(IDLE_PROFILE, `resync-round${round}-${MODE}-${N}`, pass) : pass());
    const count = reconcileTotal() - before.reconciles;
    idles.push(
      `round ${round}: one resync pass of ${count} reconciles in ${seconds.toFixed(1)} s: CPU ${cpuMs.toFixed(0)} ms, ${(cpuMs / count).toFixed(1)} ms per reconcile, ` +
        `${all.calls.length - before.calls} Kubernetes API calls`,
    );
    log(idles.at(-1)!);
  };
  const measure = async (round: number, side: Result['side'], create: () => Promise<void>, ready: () => Promise<number>, step: Step = 'create') => {
    const mark = { calls: all.calls.length, directCalls: directCalls.length, polls, reconciles: new Map(reconciles), changes: new Map(changes) };
    const loadStart = load();
    rss.reset();
    const cpu = process.cpuUsage();
    log(`round ${round} ${side}: ${step === 'create' ? 'creating' : 'changing'} ${N} ${MODE} (load ${loadStart})`);
    const t0 = performance.now();
    let last = -1;
    let firstSeconds = Number.NaN;
    let halfSeconds = Number.NaN;
    await create();
    await until(`${side} ${MODE} ready`, async () => {
      const n = await ready();
      const at = (performance.now() - t0) / 1000;
      // KubeNova's reconciles so far this side, by kind: how the work went over time.
      const sofar = byKindText(gained(reconciles, mark.reconciles), String);
      if (n !== last) log(`  ${side}: ${n}/${N} ready after ${at.toFixed(1)} s${side === 'KubeNova' && sofar ? ` (reconciles: ${sofar})` : ''}`);
      if (n >= 1 && Number.isNaN(firstSeconds)) firstSeconds = at;
      if (n >= N / 2 && Number.isNaN(halfSeconds)) halfSeconds = at;
      last = n;
      return n >= N;
    });
    const seconds = (performance.now() - t0) / 1000;
    const result: Result = {
      round,
      side,
      step,
      seconds,
      firstSeconds,
      halfSeconds,
      calls: side === 'KubeNova' ? all.calls.slice(mark.calls) : directCalls.slice(mark.directCalls),
      polls: polls - mark.polls,
      reconciles: side === 'KubeNova' ? gained(reconciles, mark.reconciles) : new Map<string, number>(),
      changes: side === 'KubeNova' ? gained(changes, mark.changes) : new Map<string, number>(),
      rssMiB: rss.peakMiB(),
      cpuSeconds: cpuSecondsSince(cpu),
      load: [loadStart, load()],
    };
    results.push(result);
    log(
      `round ${round} ${side} ${step}: ${seconds.toFixed(1)} s, peak RSS ${result.rssMiB.toFixed(0)} MiB, CPU ${result.cpuSeconds.toFixed(1)} s (load ${result.load[1]})`,
    );
  };

  const deploymentsIn = (ns: (k: number) => string) => sum(async (k) => (await admins[k]!.list(DEPLOYMENT, { namespace: ns(k), metadataOnly: true })).length);
  /** Objects of `type` on all clusters whose name starts with `prefix`. */
  const countNamed = (type: TypeRef, prefix: string) =>
    sum(async (k) => (await admins[k]!.list(type, { metadataOnly: true })).filter((o) => o.metadata.name.startsWith(prefix)).length);

  /** Each side of a round: create, measure, delete everything and wait until it is gone. */
  const kubenovaSide = async (round: number, kn: string) => {
    if (MODE === 'apps') {
      // An app's name starts with its tenant's.
      const app = (i: number) => `${tenantOf(i)}${kn}${i}`;
      const ours = (name: string) => name.startsWith(tenant) && name.includes(kn);
      const appsReady = deployedTracker('App', ours, N);
      await measure(
        round,
        'KubeNova',
        () =>
          pool(N, CONCURRENCY, (i) =>
            call('POST', '/api/v1/apps', {
              name: app(i),
              spec: { project: projectOf(i), ...(C > 1 && { clusters: [appCluster(i)] }), ...appSpec(app(i)) },
            }),
          ),
        appsReady,
      );
      await idle(round);
      await pool(N, CONCURRENCY, (i) => call('DELETE', `/api/v1/apps/${app(i)}`));
      await until('KubeNova apps deleted', async () => (await stored('App', ours)) === 0);
      for (const p of projects) await until('KubeNova Deployments gone', async () => (await deploymentsIn(() => p)) === 0);
      return;
    }
    const [tenantsReady, projectsReady] = [deployedTracker('Tenant', kn, N), deployedTracker('Project', kn, N)];
    await measure(
      round,
      'KubeNova',
      () =>
        pool(N, CONCURRENCY, async (i) => {
          await call('POST', '/api/v1/tenants', { name: `${kn}${i}`, spec: tenantSpec(i) });
          await call('POST', `/api/v1/tenants/${kn}${i}/projects`, { name: `${kn}${i}-p` });
        }),
      async () => Math.min(await tenantsReady(), await projectsReady()),
    );
    await idle(round);
    if (CHANGE) {
      // Each tenant's intent changed at once; done when each is Deployed for its new generation.
      await measure(
        round,
        'KubeNova',
        () => pool(N, CONCURRENCY, (i) => call('PUT', `/api/v1/tenants/${kn}${i}`, { spec: { ...tenantSpec(i), quotas: changedQuotas(round) } })),
        deployedTracker('Tenant', kn, N),
        'change',
      );
    }
    await pool(N, CONCURRENCY, async (i) => {
      await call('DELETE', `/api/v1/projects/${kn}${i}-p`);
      await call('DELETE', `/api/v1/tenants/${kn}${i}`);
    });
    await until('KubeNova tenants deleted', async () => (await stored('Tenant', kn)) + (await stored('Project', kn)) === 0);
    await until('KubeNova namespaces gone', async () => (await countNamed(NAMESPACE, kn)) === 0);
  };
  /** The direct side's Capsule Tenants named `dn…` Ready for their generation, whose project namespace
   *  (unless `tenantOnly`) Capsule adopted. */
  const directTenantsReady = (dn: string, tenantOnly: boolean) =>
    sum(async (k) => {
      polls += tenantOnly ? 1 : 2;
      const [tenants, namespaces] = await Promise.all([
        admins[k]!.list(TENANT_TYPE),
        tenantOnly ? Promise.resolve([]) : admins[k]!.list(NAMESPACE, { metadataOnly: true }),
      ]);
      const nsByName = new Map(namespaces.map((ns) => [ns.metadata.name, ns]));
      return tenants.filter(
        (t) =>
          t.metadata.name.startsWith(dn) &&
          tenantReadiness(t).state === 'ready' &&
          (tenantOnly || namespaceAdoption(nsByName.get(`${t.metadata.name}-p`), t.metadata.name, t.metadata.uid).state === 'ready'),
      ).length;
    });
  const directSide = async (round: number, dn: string) => {
    if (MODE === 'apps') {
      await measure(
        round,
        'direct',
        () =>
          pool(N, CONCURRENCY, (i) =>
            writers[on(i)]!.apply({ ...APPLICATION, metadata: { name: `${dn}${i}`, namespace: direct[on(i)]!.namespace }, spec: appSpec(`${dn}${i}`) }),
          ),
        () =>
          sum(async (k) => {
            polls++;
            return (await admins[k]!.list(APPLICATION, { namespace: direct[k]!.namespace })).filter((a) => {
              const s = a.status as { status?: string; observedGeneration?: number } | undefined;
              return a.metadata.name.startsWith(dn) && s?.status === 'running' && s.observedGeneration === a.metadata.generation;
            }).length;
          }),
      );
      await pool(N, CONCURRENCY, (i) => admins[on(i)]!.delete({ ...APPLICATION, namespace: direct[on(i)]!.namespace, name: `${dn}${i}` }));
      await until(
        'direct Applications deleted',
        async () => (await sum(async (k) => (await admins[k]!.list(APPLICATION, { namespace: direct[k]!.namespace, metadataOnly: true })).length)) === 0,
      );
      await until('direct Deployments gone', async () => (await deploymentsIn((k) => direct[k]!.namespace)) === 0);
      return;
    }
    await measure(
      round,
      'direct',
      () =>
        pool(N, CONCURRENCY, async (i) => {
          const name = `${dn}${i}`;
          const { caps } = direct[on(i)]!;
          for (const obj of plannedTenancy(planTenant(intent(name), caps))) await writers[on(i)]!.apply(obj);
          for (const obj of capsuleAlone(plannedTenancy(planProject(`${name}-p`, intent(name), caps)))) await writers[on(i)]!.apply(obj);
        }),
      () => directTenantsReady(dn, false),
    );
    if (CHANGE) {
      // The same change, as KubeNova's adapter plans it, applied to each Capsule Tenant.
      const changed = (name: string): TenantIntent => ({ ...intent(name), spec: { ...template, quotas: changedQuotas(round) } });
      await measure(
        round,
        'direct',
        () =>
          pool(N, CONCURRENCY, async (i) => {
            for (const obj of plannedTenancy(planTenant(changed(`${dn}${i}`), direct[on(i)]!.caps))) await writers[on(i)]!.apply(obj);
          }),
        () => directTenantsReady(dn, true),
        'change',
      );
    }
    for (const admin of admins) {
      const gone = (await admin.list(TENANT_TYPE)).filter((t: KubeObject) => t.metadata.name.startsWith(dn));
      await pool(gone.length, CONCURRENCY, async (i) => {
        const t = gone[i]!;
        await admin.delete({ ...NAMESPACE, name: `${t.metadata.name}-p` });
        await admin.apply(releasedTenant(t));
        await admin.delete({ ...TENANT_TYPE, name: t.metadata.name });
      });
    }
    await until('direct Tenants deleted', async () => (await countNamed(TENANT_TYPE, dn)) === 0);
    await until('direct namespaces gone', async () => (await countNamed(NAMESPACE, dn)) === 0);
  };
  for (let round = 1; round <= ROUNDS; round++) {
    // Apps: their names' infix after their tenant's; tenants: their names' prefix.
    const kn = MODE === 'apps' ? `-r${round}-` : `k${suffix}r${round}-`;
    const dn = `d${suffix}r${round}-`;
    // A B B A: odd rounds KubeNova first, even rounds the direct side first, so that neither
    // always meets the engines' cold caches (their first lists, first webhook calls).
    const order = round % 2 === 1 ? (['kubenova', 'direct'] as const) : (['direct', 'kubenova'] as const);
    for (const side of order) {
      if (!SIDES.includes(side)) continue;
      await (side === 'kubenova' ? kubenovaSide(round, kn) : directSide(round, dn));
    }
  }
  const loadAtEnd = load();
  log(`load average at end: ${loadAtEnd}`);

  // The table.
  const what = MODE === 'apps' ? 'apps' : 'tenants+projects';
  console.log(
    `\n## ${N} ${what} created at once on ${C} cluster${C > 1 ? 's' : ''}, ${ROUNDS} rounds, concurrency ${CONCURRENCY} (load average ${loadAtStart} → ${loadAtEnd})\n`,
  );
  console.log('Rows in the order run: odd rounds KubeNova first, even rounds the direct side first.\n');
  console.log(
    '| round | side | step | N | seconds | first ready s | half ready s | objects/s | ratio (KubeNova/direct, objects/s) | API calls per object (by verb) | reconciles per object | peak RSS MiB | CPU s (this process) | load 1/5/15 min start → end |',
  );
  console.log('|---|---|---|---|---|---|---|---|---|---|---|---|---|---|');
  for (const r of results) {
    const other = results.find((o) => o.round === r.round && o.step === r.step && o.side === 'direct');
    const ratio = r.side === 'KubeNova' && other ? (other.seconds / r.seconds).toFixed(2) : '';
    const recon = r.side === 'KubeNova' ? byKindText(r.reconciles, (n) => (n / N).toFixed(1)) : '—';
    const calls = `${(r.calls.length / N).toFixed(1)}: ${byVerb(r.calls, N)}${r.side === 'direct' ? ` (+ ${r.polls} polling lists in all)` : ''}`;
    console.log(
      `| ${r.round} | ${r.side} | ${r.step} | ${N} | ${r.seconds.toFixed(1)} | ${r.firstSeconds.toFixed(1)} | ${r.halfSeconds.toFixed(1)} | ${(N / r.seconds).toFixed(2)} | ${ratio} | ${calls} | ${recon} | ${r.rssMiB.toFixed(0)} | ${r.cpuSeconds.toFixed(1)} | ${r.load[0]} → ${r.load[1]} |`,
    );
  }
  // Over several rounds (N = 1 for latency): each side's median time per step, and their ratio.
  for (const step of ROUNDS > 1 ? (['create', 'change'] as const) : []) {
    const times = (side: Result['side']) => results.filter((r) => r.step === step && r.side === side).map((r) => r.seconds);
    const [k, d] = [times('KubeNova'), times('direct')];
    if (k.length === 0 || d.length === 0) continue;
    const [mk, md] = [median(k), median(d)];
    console.log(
      `\n${step}, median of ${k.length} rounds: KubeNova ${mk.toFixed(2)} s, direct ${md.toFixed(2)} s: KubeNova takes ${(mk / md).toFixed(2)}× the direct side's time`,
    );
  }
  const kubenovaCalls = results.filter((r) => r.side === 'KubeNova');
  for (const r of kubenovaCalls) {
    const kinds = new Map<string, ApiCall[]>();
    for (const c of r.calls) kinds.set(`${c.by ?? '?'} → ${c.kind}`, [...(kinds.get(`${c.by ?? '?'} → ${c.kind}`) ?? []), c]);
    console.log(`\nround ${r.round} KubeNova (${r.step}) calls per object, by reconciling kind → object kind:`);
    for (const [k, cs] of [...kinds].sort((a, b) => b[1].length - a[1].length)) console.log(`- ${k}: ${(cs.length / N).toFixed(2)} (${byVerb(cs, N)})`);
    const changed = new Map([...r.changes].sort((a, b) => b[1] - a[1]));
    console.log(`round ${r.round} KubeNova (${r.step}) store changes per object: ${byKindText(changed, (n) => (n / N).toFixed(2)) || 'none'}`);
  }

  if (idles.length > 0) console.log(`\nKubeNova idle (BENCH_IDLE_S=${IDLE_MS / 1000}):\n${idles.map((l) => `- ${l}`).join('\n')}`);

  // Clean up.
  rss.stop();
  for (const s of standIn) s.stop();
  await pool(PROJECTS, CONCURRENCY, (j) => call('DELETE', `/api/v1/projects/${projects[j]!}`));
  await pool(TENANTS, CONCURRENCY, (j) => call('DELETE', `/api/v1/tenants/${tenants[j]!}`));
  const setupTenants = new Set(tenants);
  await until('setup tenants deleted', async () => (await stored('Tenant', (name) => setupTenants.has(name))) === 0, 180_000).catch((err: Error) =>
    log(err.message),
  );
  for (const d of direct) {
    if (d.tenant) await d.tenant.remove();
    else await d.admin.delete({ ...NAMESPACE, name: d.namespace });
  }
  stopCounting();
  await runtime.stop();
  await server.app.close();
  events.close();
  await store.close();
  await stopDatabase();
  for (const d of direct) {
    d.admin.close();
    d.agent.close();
  }
  await rm(dir, { recursive: true, force: true });
}

await main();
