// App delivery measurement (not a test): time from `POST /api/v1/apps` to phase `Deployed`,
// beside the time vela-core itself takes for the same Application applied directly with a
// Kubernetes client, on one real cluster from tools/testenv. KubeNova runs in-process as
// main.ts builds it (API, embedded store, runtime with the Cluster, tenancy and App reconcilers).
//
//   npm run testenv -- up      (prints the admin kubeconfig's path)
//   BENCH_KUBECONFIG=/tmp/kubenova-testenv/<id>/kubeconfigs/admin.kubeconfig BENCH_RUNS=5 \
//     node --import tsx bench/delivery.ts
//
// The direct path: the admin client impersonates a plain user bound to `admin` and KubeNova's
// app-runner role (vela-core's AuthenticateApplication needs an identity with RBAC for the app's
// resources) in a namespace of a Capsule tenant of its own, made as KubeNova makes a project's,
// so that Capsule's webhooks see every write there as they do in KubeNova's project; it applies
// the Application and polls it until vela-core reports it `running` for its generation. The KubeNova path polls the store for the
// App's phase. Both poll every 25 ms. Same spec: a webservice with a scaler (2 replicas).
// BENCH_WRITES=30: afterwards, what one write in a tenant's namespace costs: that many sequential
// creates of RoleBindings and of ConfigMaps in the direct path's namespace (Capsule's webhooks
// admit each, and read the API server for each) and in a plain namespace; with
// BENCH_CAPSULE_METRICS (Capsule's /metrics URL, from its --metrics-addr) also how many requests
// Capsule's own client made per write.
// Also counted: the App reconciler's reconciles and Kubernetes API calls per app (from its POST
// to the next app's POST, so the reconciles that follow Deployed are counted too), by verb; and
// the Tenant and Project reconcilers' for the bench's one tenant and project, until the project
// is Deployed and over the whole run.
import { AsyncLocalStorage } from 'node:async_hooks';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { KubeClusterClient } from '../src/adapters/kube/client.js';
import { agentOf, benchServer, directAppIdentity, directTenantNamespace, median } from './support.js';
import type { TenantSpec } from '../src/domain/kinds/tenant.js';
import { clusterWriteServices } from '../src/api/write-services.js';
import { createClusterClients } from '../src/orchestrator/manager/cluster-clients.js';
import { clusterReconcilerRegistration } from '../src/orchestrator/reconcilers/cluster.js';
import { deliveryRegistrations, tenancyRegistrations } from '../src/orchestrator/reconcilers/registrations.js';
import { startRuntime, type ReconcilerRegistration } from '../src/orchestrator/manager/manager.js';
import { createStore } from '../src/store/index.js';
import { countingClients, type ApiCall } from '../test/support/api-calls.js';

const KUBECONFIG = process.env.BENCH_KUBECONFIG;
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const POLL_MS = 25;
const WRITES = Number(process.env.BENCH_WRITES ?? 0);
const CAPSULE_METRICS = process.env.BENCH_CAPSULE_METRICS;
if (!KUBECONFIG) throw new Error('set BENCH_KUBECONFIG to a testenv cluster admin kubeconfig');

const suffix = randomBytes(3).toString('hex');
const spec = (name: string) => ({
  components: [{ name, type: 'webservice', properties: { image: 'nginx:1.27' }, traits: [{ type: 'scaler', properties: { replicas: 2 } }] }],
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until(what: string, check: () => Promise<boolean>, timeoutMs = 180_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(POLL_MS);
  }
}

const summary = (xs: number[]) =>
  `median ${median(xs).toFixed(0)} ms, min ${Math.min(...xs).toFixed(0)}, max ${Math.max(...xs).toFixed(0)} (${xs.map((x) => x.toFixed(0)).join(', ')})`;

/** Polls an Application until `stop()`, printing each change of vela-core's status with its time since `t0`. */
async function traceApplication(client: KubeClusterClient, at: { namespace: string; name: string }, t0: number, stop: () => boolean): Promise<void> {
  let last = '';
  while (!stop()) {
    const a = await client.get({ apiVersion: 'core.oam.dev/v1beta1', kind: 'Application', ...at });
    const s = a?.status as { status?: string; observedGeneration?: number } | undefined;
    const now = `${a ? 'exists' : 'absent'} ${s?.status ?? '-'} gen ${s?.observedGeneration ?? '-'}`;
    if (now !== last) process.stderr.write(`  +${(performance.now() - t0).toFixed(0)} ms Application ${now}\n`);
    last = now;
    await sleep(POLL_MS);
  }
}

/** Requests Capsule's client has made so far (all verbs and codes), if its metrics are given. */
async function capsuleRequests(): Promise<number | undefined> {
  if (!CAPSULE_METRICS) return undefined;
  const text = await (await fetch(CAPSULE_METRICS)).text();
  return text
    .split('\n')
    .filter((l) => l.startsWith('rest_client_requests_total{'))
    .reduce((sum, l) => sum + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);
}

/** WRITES sequential creates of RoleBindings and of ConfigMaps in `tenantNs` and in a plain
 *  namespace: ms per write in order, and the median after the first 10. */
async function timeWrites(admin: KubeClusterClient, tenantNs: string): Promise<void> {
  const plain = `bench-plain-${suffix}`;
  await admin.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: plain } });
  const objects = {
    RoleBinding: (namespace: string, i: number) => ({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: `bench-rb-${i}`, namespace },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view' },
      subjects: [{ kind: 'ServiceAccount', name: `bench-${i}`, namespace: 'kubenova-system' }],
    }),
    ConfigMap: (namespace: string, i: number) => ({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: `bench-cm-${i}`, namespace },
      data: { i: String(i) },
    }),
  };
  console.log(`\n${WRITES} sequential creates each (ms per write in order; median after the first 10):`);
  for (const [where, namespace] of [
    ["a Capsule tenant's namespace", tenantNs],
    ['a plain namespace', plain],
  ] as const) {
    for (const [kind, make] of Object.entries(objects)) {
      const before = await capsuleRequests();
      const ms: number[] = [];
      for (let i = 0; i < WRITES; i++) {
        const t = performance.now();
        await admin.apply(make(namespace, i));
        ms.push(performance.now() - t);
      }
      const after = await capsuleRequests();
      const perWrite = before !== undefined && after !== undefined ? `, Capsule's client: ${((after - before) / WRITES).toFixed(1)} requests per write` : '';
      console.log(`- ${kind} in ${where}: median ${median(ms.slice(10)).toFixed(0)} ms${perWrite} (${ms.map((x) => x.toFixed(0)).join(', ')})`);
      // A pause between series, so that each starts with whatever burst Capsule allows.
      await sleep(3000);
    }
  }
  await admin.delete({ apiVersion: 'v1', kind: 'Namespace', name: plain });
}

async function main(): Promise<void> {
  const kubeconfig = await readFile(KUBECONFIG!, 'utf8');
  const admin = await KubeClusterClient.fromKubeconfigText('admin', kubeconfig);
  const dir = await mkdtemp(join(tmpdir(), 'kubenova-bench-delivery-'));
  const store = await createStore({ kind: 'embedded', dataDir: dir });
  const logger = pino({ level: 'silent' });
  const clients = createClusterClients(store);
  const { app, call } = await benchServer(store, logger, clusterWriteServices(logger, { clients }));
  // The projection reconcilers' calls and reconciles are counted, per kind. One counting client
  // per cluster for all of them (the watches they share restart on a new client instance); each
  // call is told to the kind whose reconcile made it.
  const counts = new Map<string, { reconciles: number; calls: ApiCall[] }>();
  const reconciling = new AsyncLocalStorage<string>();
  const all = countingClients(clients, [], () => reconciling.getStore());
  const counted = (reg: ReconcilerRegistration): ReconcilerRegistration => {
    const count = { reconciles: 0, calls: [] as ApiCall[] };
    counts.set(reg.kind, count);
    return {
      ...reg,
      reconciler: (services) => {
        const inner = typeof reg.reconciler === 'function' ? reg.reconciler({ ...services, clients: all.clients }) : reg.reconciler;
        const reconcile = (req: Parameters<typeof inner.reconcile>[0]) => (count.reconciles++, reconciling.run(reg.kind, () => inner.reconcile(req)));
        return Object.assign(Object.create(inner) as typeof inner, { reconcile });
      },
    };
  };
  const runtime = startRuntime({
    store,
    logger,
    clients,
    reconcilers: [clusterReconcilerRegistration(), ...[...tenancyRegistrations(), ...deliveryRegistrations()].map(counted)],
  });
  const callsOf = (kind: string) => all.calls.filter((c) => c.by === kind);
  const appCount = counts.get('App')!;

  const byVerb = (cs: ApiCall[]) => {
    const n = new Map<string, number>();
    for (const c of cs) n.set(c.verb, (n.get(c.verb) ?? 0) + 1);
    return [...n].map(([v, k]) => `${v} ${k}`).join(', ');
  };
  const tenancyCounts = (when: string) =>
    (['Tenant', 'Project'] as const).map(
      (k) => `${k} ${when}: ${counts.get(k)!.reconciles} reconciles, ${callsOf(k).length} API calls (${byVerb(callsOf(k))})`,
    );
  const phaseOf = async (kind: 'App' | 'Project', name: string) => {
    const o = await store.objects.get(kind, name);
    return o && o.status.observedGeneration === o.generation ? o.status.phase : undefined;
  };

  const cluster = `bench-${suffix}`;
  const tenant = `bench-${suffix}`;
  const project = `${tenant}-apps`;
  await call('POST', '/api/v1/clusters', { name: cluster, kubeconfig: Buffer.from(kubeconfig).toString('base64') });
  await until('capabilities', async () => (await store.objects.get('Cluster', cluster))?.status.capabilities !== undefined);
  await call('POST', '/api/v1/tenants', { name: tenant, spec: { owners: [{ kind: 'User', name: 'bench-owner' }], placement: { clusters: [cluster] } } });
  await call('POST', `/api/v1/tenants/${tenant}/projects`, { name: project });
  await until('project Deployed', async () => (await phaseOf('Project', project)) === 'Deployed');
  const tenancyUntilDeployed = tenancyCounts('until Deployed');

  // The direct path's namespace (a Capsule tenant's) and identity.
  const { agent, caps } = await agentOf(store, cluster);
  const template = (await store.objects.get('Tenant', tenant))!.spec as TenantSpec;
  const directTenant = await directTenantNamespace({ admin, agent, caps, spec: template, tenant: `bench-direct-${suffix}` });
  const { namespace: directNs, user } = await directAppIdentity(admin, suffix, directTenant.namespace);
  const asUser = admin.impersonating(user);

  const kubenova: number[] = [];
  const direct: number[] = [];
  const perApp: Array<{ reconciles: number; calls: ApiCall[] }> = [];
  let mark = { reconciles: appCount.reconciles, calls: callsOf('App').length };
  const closeCount = () => {
    if (perApp.length < kubenova.length) perApp.push({ reconciles: appCount.reconciles - mark.reconciles, calls: callsOf('App').slice(mark.calls) });
    mark = { reconciles: appCount.reconciles, calls: callsOf('App').length };
  };
  for (let i = 0; i < RUNS; i++) {
    // Alternate the two paths so that load on the machine hits both alike.
    const name = `${tenant}-kn-${i}`;
    closeCount();
    let t0 = performance.now();
    // BENCH_TRACE=1: every stored status of the App on the way, with its time since the POST.
    const stopTrace = process.env.BENCH_TRACE
      ? store.objects.onChange((e) => {
          if (e.kind !== 'App' || e.name !== name) return;
          const at = (performance.now() - t0).toFixed(0);
          void store.objects.get('App', name).then((o) => {
            const ready = o?.status.conditions.find((c) => c.type === 'Ready');
            process.stderr.write(`  +${at} ms ${e.type} ${o?.status.phase ?? '-'} ${ready?.reason ?? ''}: ${ready?.message ?? ''}\n`);
          });
        })
      : () => undefined;
    // BENCH_TRACE=1 also polls the Application on the cluster, to show when vela-core reports it running.
    let deployed = false;
    const velaTrace = process.env.BENCH_TRACE ? traceApplication(admin, { namespace: project, name }, t0, () => deployed) : Promise.resolve();
    await call('POST', '/api/v1/apps', { name, spec: { project, ...spec(`c${i}`) } });
    await until(`App ${name} Deployed`, async () => (await phaseOf('App', name)) === 'Deployed');
    kubenova.push(performance.now() - t0);
    deployed = true;
    await velaTrace;
    stopTrace();
    if (process.env.BENCH_TRACE)
      for (const c of callsOf('App').slice(mark.calls)) process.stderr.write(`  +${(c.at - t0).toFixed(0)} ms ${c.verb} ${c.kind} ${c.name ?? ''}\n`);

    const ref = { apiVersion: 'core.oam.dev/v1beta1', kind: 'Application', namespace: directNs, name: `direct-${i}` };
    t0 = performance.now();
    let running = false;
    const directTrace = process.env.BENCH_TRACE ? traceApplication(admin, { namespace: directNs, name: ref.name }, t0, () => running) : Promise.resolve();
    await asUser.apply({ apiVersion: ref.apiVersion, kind: ref.kind, metadata: { name: ref.name, namespace: directNs }, spec: spec(`d${i}`) });
    await until(`Application ${ref.name} running`, async () => {
      const a = await admin.get(ref);
      const s = a?.status as { status?: string; observedGeneration?: number } | undefined;
      return s?.status === 'running' && s.observedGeneration === a!.metadata.generation;
    });
    direct.push(performance.now() - t0);
    running = true;
    await directTrace;
    process.stderr.write(`run ${i + 1}/${RUNS}: KubeNova ${kubenova[i]!.toFixed(0)} ms, direct ${direct[i]!.toFixed(0)} ms\n`);
  }

  closeCount();
  console.log(`POST /api/v1/apps → Deployed (KubeNova):        ${summary(kubenova)}`);
  console.log(`Application applied directly → running (vela):  ${summary(direct)}`);
  console.log(`KubeNova overhead (median difference):          ${(median(kubenova) - median(direct)).toFixed(0)} ms`);
  for (const line of [...tenancyUntilDeployed, ...tenancyCounts('whole run')]) console.log(line);
  perApp.forEach((p, i) => console.log(`app ${i + 1}: ${p.reconciles} App reconciles, ${p.calls.length} API calls (${byVerb(p.calls)})`));
  if (process.env.BENCH_TRACE)
    for (const c of perApp.at(-1)?.calls ?? [])
      process.stderr.write(`  ${c.verb} ${c.kind} ${c.namespace ?? ''}/${c.name ?? ''}${c.as ? ` as ${c.as}` : ''}\n`);

  if (WRITES > 0) await timeWrites(admin, directNs);

  // Clean up: apps through KubeNova (Applications, identities), then the tenancy and the cluster.
  for (let i = 0; i < RUNS; i++) await call('DELETE', `/api/v1/apps/${tenant}-kn-${i}`);
  await until('apps deleted', async () => (await store.objects.list('App', { limit: 500 })).items.length === 0);
  await call('DELETE', `/api/v1/projects/${project}`);
  await call('DELETE', `/api/v1/tenants/${tenant}`);
  await until('tenant deleted', async () => (await store.objects.get('Tenant', tenant)) === undefined);
  await directTenant.remove();
  await runtime.stop();
  await app.close();
  await store.close();
  admin.close();
  agent.close();
  await rm(dir, { recursive: true, force: true });
}

await main();
