// Usage benchmark (not a test): the cost of keeping tenant usage fresh for BENCH_TENANTS tenants on
// BENCH_CLUSTERS clusters. The tenancy watches (TENANCY_WATCHES, as the runtime starts them) run on
// a counting in-process ClusterClient that delivers GlobalResourceQuota events shaped as Capsule
// v0.14 writes them; the UsageTracker writes them to the real embedded store (PGlite), sets the
// metrics and checks warning levels against the stored tenants. Prints, per minute: Kubernetes API
// requests KubeNova makes for it, events handled, store writes, and the process's CPU time.
//
//   npx tsx bench/usage.ts    BENCH_TENANTS=1000 BENCH_CLUSTERS=2 BENCH_CHANGES_PER_MINUTE=6 BENCH_SECONDS=30 by default
//
// BENCH_CHANGES_PER_MINUTE: how often each tenant's usage changes on each cluster (a pod created
// or deleted; 6 = every 10 s, a busy platform). The watch requests of the real client (re-watch
// every 300 s, re-list after an expiry) are not simulated: they are counted from the client's
// tuning (src/adapters/kube/watch.ts) and printed beside the measured figures.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { DEFAULT_WATCH_TUNING } from '../src/adapters/kube/watch.js';
import type { ClusterClient, KubeObject, TypeRef, WatchEventType } from '../src/adapters/kube/types.js';
import { createEventRecorder } from '../src/observability/events.js';
import { createLogger } from '../src/observability/logger.js';
import { createMetrics } from '../src/observability/metrics.js';
import { ClusterWatches } from '../src/orchestrator/projection/watches.js';
import { TENANCY_WATCHES } from '../src/adapters/capsule/index.js';
import { UsageTracker } from '../src/orchestrator/usage/tracker.js';
import { createStore } from '../src/store/index.js';

const TENANTS = Number(process.env.BENCH_TENANTS ?? 1000);
const CLUSTERS = Number(process.env.BENCH_CLUSTERS ?? 2);
const CHANGES_PER_MINUTE = Number(process.env.BENCH_CHANGES_PER_MINUTE ?? 6);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 30);
const HARD_PODS = 50;

type Emit = (type: WatchEventType, obj: KubeObject) => void;

/** A ClusterClient that counts every request and lets the bench deliver watch events. */
function countingClient(cluster: string, counts: Map<string, number>, emitters: Map<string, Emit[]>): ClusterClient {
  const count = (what: string) => counts.set(what, (counts.get(what) ?? 0) + 1);
  const refuse = (what: string) => {
    count(what);
    return Promise.reject(new Error(`${what} is not expected while tracking usage`));
  };
  const client: ClusterClient = {
    cluster,
    apply: () => refuse('apply'),
    get: () => refuse('get'),
    list: () => refuse('list'),
    patchStatus: () => refuse('patchStatus'),
    delete: () => refuse('delete'),
    impersonating: () => client,
    watch(type: TypeRef, _opts, onEvent) {
      count(`watch ${type.kind}`);
      const key = `${cluster}/${type.kind}`;
      emitters.set(key, [...(emitters.get(key) ?? []), onEvent]);
      return { stop: () => undefined, synced: Promise.resolve() };
    },
  };
  return client;
}

const quota = (tenant: string, used: number): KubeObject => ({
  apiVersion: 'capsule.clastix.io/v1beta2',
  kind: 'GlobalResourceQuota',
  metadata: { name: `${tenant}-kubenova`, labels: { 'projectcapsule.dev/tenant': tenant, 'projectcapsule.dev/rule-quota': 'kubenova' } },
  spec: { quota: { hard: { pods: String(HARD_PODS), 'requests.cpu': '20', 'requests.memory': '64Gi' } } },
  status: {
    total: {
      hard: { pods: String(HARD_PODS), 'requests.cpu': '20', 'requests.memory': '64Gi' },
      used: { pods: String(used), 'requests.cpu': `${used * 100}m`, 'requests.memory': `${used * 128}Mi` },
    },
    namespaceUsage: { [`${tenant}-web`]: { used: { pods: String(used), 'requests.cpu': `${used * 100}m`, 'requests.memory': `${used * 128}Mi` } } },
  },
});

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'kubenova-bench-usage-'));
  const store = await createStore({ kind: 'embedded', dataDir: dir });
  const logger = createLogger({ level: 'silent' });
  const metrics = createMetrics({ processMetrics: false });
  const events = createEventRecorder({ store, logger, metrics });
  try {
    const tenants = Array.from({ length: TENANTS }, (_, i) => `t${String(i).padStart(4, '0')}`);
    const clusters = Array.from({ length: CLUSTERS }, (_, i) => `c${i}`);
    // Every tenant is placed on every cluster (only clusters a tenant's status names count).
    const placed = { phase: 'Deployed' as const, conditions: [], observedGeneration: 1 };
    for (const name of tenants) {
      const t = await store.objects.create({ kind: 'Tenant', name, tenant: name, labels: {}, spec: {} });
      await store.objects.updateStatus('Tenant', name, { ...t.status, phase: 'Deployed', clusters: Object.fromEntries(clusters.map((c) => [c, placed])) });
    }

    let puts = 0;
    const put = store.usage.put.bind(store.usage);
    store.usage.put = (...args) => {
      puts++;
      return put(...args);
    };
    const tracker = new UsageTracker({ store, logger, metrics, events });
    const counts = new Map<string, number>();
    const emitters = new Map<string, Emit[]>();
    const watches = new ClusterWatches(
      () => undefined,
      TENANCY_WATCHES,
      (cluster, type, obj) => tracker.observe(cluster, type, obj),
    );
    for (const c of clusters) watches.ensure(c, countingClient(c, counts, emitters));
    const watchesStarted = [...counts.values()].reduce((a, b) => a + b, 0);

    // Initial list: every tenant's quota on every cluster.
    const used = new Map<string, number>();
    for (const c of clusters) for (const t of tenants) for (const emit of emitters.get(`${c}/GlobalResourceQuota`) ?? []) emit('ADDED', quota(t, 0));
    await new Promise((r) => setTimeout(r, 600));
    await tracker.flush();

    // Steady state: each tenant's usage changes CHANGES_PER_MINUTE times a minute on each cluster,
    // spread evenly; a few cross 80 % and fall back (conditions and events are written then).
    const perSecond = (TENANTS * CLUSTERS * CHANGES_PER_MINUTE) / 60;
    let delivered = 0;
    puts = 0;
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const tick = 100;
    await new Promise<void>((resolve) => {
      let carry = 0;
      const timer = setInterval(() => {
        carry += (perSecond * tick) / 1000;
        for (; carry >= 1; carry--) {
          const c = clusters[delivered % CLUSTERS]!;
          const t = tenants[Math.floor(delivered / CLUSTERS) % TENANTS]!;
          const key = `${c}/${t}`;
          const next = ((used.get(key) ?? 0) + 7) % (HARD_PODS + 1);
          used.set(key, next);
          for (const emit of emitters.get(`${c}/GlobalResourceQuota`) ?? []) emit('MODIFIED', quota(t, next));
          delivered++;
        }
        if (performance.now() - t0 >= SECONDS * 1000) {
          clearInterval(timer);
          resolve();
        }
      }, tick);
    });
    await tracker.flush();
    const elapsedMin = (performance.now() - t0) / 60_000;
    const cpu = process.cpuUsage(cpu0);
    const cpuSeconds = (cpu.user + cpu.system) / 1e6;
    const requestsDuringRun = [...counts.values()].reduce((a, b) => a + b, 0) - watchesStarted;
    const rewatchPerMin = (CLUSTERS * 60) / DEFAULT_WATCH_TUNING.watchTimeoutSeconds;
    const listPages = CLUSTERS * Math.ceil(TENANTS / DEFAULT_WATCH_TUNING.pageSize);

    console.log(`tenants ${TENANTS}, clusters ${CLUSTERS}, each tenant's usage changing ${CHANGES_PER_MINUTE}x/min per cluster, ${SECONDS} s`);
    console.log(`  watch events handled:     ${Math.round(delivered / elapsedMin)} /min (${Math.round(delivered / elapsedMin / 60)} /s)`);
    console.log(`  store usage writes:       ${Math.round(puts / elapsedMin)} /min (events of one tenant and cluster coalesced per 500 ms flush)`);
    console.log(`  Kubernetes API requests:  ${requestsDuringRun} during the run (measured; the tracker makes none per event)`);
    console.log(
      `    + watch upkeep (client tuning): ${rewatchPerMin.toFixed(1)} re-watch requests/min for ${CLUSTERS} GlobalResourceQuota watches, ${listPages} list page(s) at (re)start — independent of the number of tenants`,
    );
    console.log(`    (polling instead, fresh within 10 s: ${TENANTS * CLUSTERS * 6} GET/min)`);
    console.log(
      `  CPU:                      ${(cpuSeconds / elapsedMin).toFixed(2)} s/min (${((cpuSeconds / elapsedMin / 60) * 100).toFixed(1)} % of one core), store included (PGlite in-process)`,
    );
    const series = (await metrics.tenantQuotaUsed.get()).values.length;
    console.log(`  metric series:            ${series} kubenova_tenant_quota_used (tenants x clusters x resources)`);
    tracker.close();
    watches.close();
  } finally {
    events.close();
    await store.close();
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
