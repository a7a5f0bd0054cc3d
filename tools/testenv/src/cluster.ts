import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { buildDir } from './build.js';
import type { ChartManifests } from './charts.js';
import { capsuleManifests, velaManifests } from './charts.js';
import { apiServerProcess, MAX_TOKEN_EXPIRATION_SECONDS } from './components/apiserver.js';
import { CAPSULE, capsuleKubeconfig, capsuleProcess } from './components/capsule.js';
import { capsuleProxyProcess } from './components/capsule-proxy.js';
import { controllerManagerProcess } from './components/controller-manager.js';
import { etcdProcess } from './components/etcd.js';
import { fakeNode, kwokProcess } from './components/kwok.js';
import { schedulerProcess } from './components/scheduler.js';
import { VELA, velaCoreProcess, velaKubeconfig } from './components/vela-core.js';
import { httpsGet } from './https.js';
import { Kube } from './kube.js';
import { writeKubeconfig } from './kubeconfig.js';
import { clusterLayout } from './layout.js';
import type { ClusterPlan } from './plan.js';
import { loopbackUrl, planCluster } from './plan.js';
import { LOOPBACK } from './ports.js';
import { isOurProcess, recordedPids, rssKiB, stopProcess } from './processes.js';
import type { ClusterInfo } from './state.js';
import { clusterDirOf, listClusterDirs, newClusterId, readClusterInfo, stateRoot, writeClusterInfo } from './state.js';
import { Supervisor } from './supervisor.js';
import { waitFor } from './wait.js';

export type Log = (line: string) => void;

export interface UpOptions {
  id?: string;
  log?: Log;
  /** Keep the directory (logs, certs) of a failed `up` for debugging. */
  keepOnFailure?: boolean;
  /** Aborting makes `up` stop starting things, tear down what it started, and reject. */
  signal?: AbortSignal;
}

const FAKE_NODES = ['kwok-node-0'];
/** Parallel requests when applying independent objects (CRDs, Definitions). */
const APPLY_CONCURRENCY = 6;

/** What the phases of one `up` share. */
interface UpContext {
  plan: ClusterPlan;
  sup: Supervisor;
  kube: Kube;
  step: (msg: string) => void;
  /** waitFor, aborted when a component exits. */
  wait: <T>(what: string, check: () => Promise<T | undefined | false>, timeoutMs?: number) => Promise<T>;
}

export async function up(opts: UpOptions = {}): Promise<ClusterInfo> {
  const log = opts.log ?? (() => {});
  const t0 = Date.now();
  const step = (msg: string) => log(`[${((Date.now() - t0) / 1000).toFixed(1)}s] ${msg}`);

  const build = await buildDir(log);
  const id = opts.id ?? newClusterId();
  const layout = clusterLayout(clusterDirOf(id));
  if (existsSync(layout.dir)) throw new Error(`${layout.dir} exists: cluster ${id} is running or left over (down it first)`);
  const sup = new Supervisor(layout, opts.signal);
  try {
    const plan = await planCluster({ id, layout, buildDir: build });
    step(`cluster ${id} in ${layout.dir}`);
    const ctx: UpContext = {
      plan,
      sup,
      kube: new Kube(plan.kubeconfigs.admin),
      step,
      wait: (what, check, timeoutMs = 120_000) => waitFor(what, check, { timeoutMs, abort: sup.aborted }),
    };
    // Rendering the charts needs no cluster; do it while the control plane boots.
    const rendered = Promise.all([capsuleManifests(plan), velaManifests(plan)]);
    rendered.catch(() => {});

    await startControlPlane(ctx);
    const [capsule, vela] = await rendered;
    await installCapsuleAndVela(ctx, capsule, vela);
    await ctx.wait('fake nodes Ready', async () => (await Promise.all(FAKE_NODES.map((n) => ctx.kube.nodeReady(n)))).every(Boolean));
    step('fake nodes Ready');

    const proxySpec = capsuleProxyProcess(plan);
    if (proxySpec) sup.start(proxySpec);
    else step('capsule-proxy skipped: no bin/capsule-proxy in the build (the Go module proxy refuses to serve it)');

    sup.release();
    const info: ClusterInfo = {
      id,
      dir: layout.dir,
      kubeconfig: plan.kubeconfigs.admin,
      apiServerUrl: plan.apiServerUrl,
      caFile: plan.pki.ca.certFile,
      caKeyFile: plan.pki.ca.keyFile,
      capsuleProxy: proxySpec ? { url: loopbackUrl(plan.ports.capsuleProxy), caFile: plan.pki.ca.certFile } : null,
      pids: sup.pids(),
      ports: { ...plan.ports },
      binDir: plan.binDir,
      startedAt: new Date(t0).toISOString(),
      upSeconds: Math.round((Date.now() - t0) / 100) / 10,
    };
    await writeClusterInfo(info);
    step(`cluster ${id} up`);
    return info;
  } catch (err) {
    sup.release();
    log(`up failed, cleaning up ${layout.dir}`);
    await teardown(layout.dir, { removeDir: !opts.keepOnFailure });
    throw err;
  }
}

/** etcd, kube-apiserver, then controller-manager, scheduler, kwok and the fake nodes. */
async function startControlPlane({ plan, sup, kube, step, wait }: UpContext): Promise<void> {
  sup.start(etcdProcess(plan));
  await wait('etcd health', async () => {
    const res = await fetch(`http://${LOOPBACK}:${plan.ports.etcdClient}/health`);
    return res.ok && ((await res.json()) as { health?: string }).health === 'true';
  });
  step('etcd healthy');

  sup.start(apiServerProcess(plan));
  const adminTls = { caFile: plan.pki.ca.certFile, ...plan.pki.clients.admin };
  await wait('kube-apiserver /readyz', async () => (await httpsGet(`${plan.apiServerUrl}/readyz`, adminTls)).status === 200);
  step('kube-apiserver ready');

  sup.start(controllerManagerProcess(plan));
  sup.start(schedulerProcess(plan));
  sup.start(kwokProcess(plan));
  await kube.apply(FAKE_NODES.map(fakeNode));
}

/**
 * CRDs, then the controllers' namespaces/RBAC and their ServiceAccount tokens, then the
 * controllers themselves, their webhooks, and finally what those webhooks admit (Definitions).
 */
async function installCapsuleAndVela(ctx: UpContext, capsule: ChartManifests, vela: ChartManifests): Promise<void> {
  const { plan, sup, kube, step, wait } = ctx;
  const crds = [...capsule.crds, ...vela.crds];
  await kube.apply(crds, APPLY_CONCURRENCY);
  await wait('CRDs Established', async () => (await Promise.all(crds.map((crd) => kube.crdEstablished(crd.metadata.name)))).every(Boolean));
  step(`${crds.length} CRDs established`);

  await kube.apply([...capsule.setup, ...vela.setup]);
  await Promise.all([
    writeServiceAccountKubeconfig(kube, plan, CAPSULE.namespace, CAPSULE.serviceAccount, capsuleKubeconfig(plan)),
    writeServiceAccountKubeconfig(kube, plan, VELA.namespace, VELA.serviceAccount, velaKubeconfig(plan)),
  ]);
  sup.start(capsuleProcess(plan));
  sup.start(velaCoreProcess(plan));

  // Webhook servers answer any HTTPS request (404 on unknown paths) once serving.
  const webhookUp = (port: number) => async () => (await httpsGet(loopbackUrl(port, '/'), { caFile: plan.pki.ca.certFile })).status > 0;
  await Promise.all([
    wait('Capsule webhook server', webhookUp(plan.ports.capsuleWebhook)),
    wait('vela-core webhook server', webhookUp(plan.ports.velaWebhook)),
  ]);
  step('Capsule and vela-core webhook servers answering');

  // Capsule writes its own webhook configurations (from CapsuleConfiguration.spec.admission).
  await wait('Capsule webhook configurations', async () => {
    const kinds = ['MutatingWebhookConfiguration', 'ValidatingWebhookConfiguration'];
    const found = await Promise.all(kinds.map((kind) => kube.exists('admissionregistration.k8s.io/v1', kind, CAPSULE.dynamicWebhook)));
    return found.every(Boolean);
  });
  await kube.apply([...capsule.webhooks, ...vela.webhooks]);
  step('admission webhooks registered');

  // vela-core's webhook generates the WorkloadDefinition a ComponentDefinition names, and two
  // ComponentDefinitions for the same workload (webservice, worker) applied at once collide.
  const definitions = [...capsule.definitions, ...vela.definitions];
  const [componentDefinitions, otherDefinitions] = partition(definitions, (m) => m.kind === 'ComponentDefinition');
  await kube.apply(componentDefinitions);
  await kube.apply(otherDefinitions, APPLY_CONCURRENCY);
  step(`${definitions.length} KubeVela definitions and system objects applied`);
}

function partition<T>(items: readonly T[], predicate: (item: T) => boolean): [T[], T[]] {
  return [items.filter(predicate), items.filter((item) => !predicate(item))];
}

async function writeServiceAccountKubeconfig(kube: Kube, plan: ClusterPlan, namespace: string, name: string, file: string) {
  const token = await waitFor(`token for ${namespace}/${name}`, () => kube.serviceAccountToken(namespace, name, MAX_TOKEN_EXPIRATION_SECONDS), {
    timeoutMs: 30_000,
  });
  await writeKubeconfig(file, {
    clusterName: plan.id,
    server: plan.apiServerUrl,
    caFile: plan.pki.ca.certFile,
    user: `system:serviceaccount:${namespace}:${name}`,
    credentials: { token },
  });
}

/**
 * Stop waves: every client of the API server at once, then the API server, then etcd (an API
 * server whose etcd is gone hangs in its graceful shutdown until killed).
 */
const LAST_TO_STOP = ['kube-apiserver', 'etcd'];

/** Every component's command line names a path inside its cluster dir. */
function ownershipMarker(dir: string): string {
  return `${dir.replace(/\/+$/, '')}/`;
}

/** Stops every process recorded in the cluster dir and removes the dir. */
async function teardown(dir: string, opts: { removeDir: boolean }): Promise<void> {
  const pids = await recordedPids(clusterLayout(dir).pids);
  const stop = async (names: string[]) =>
    Promise.all(
      names.map(async (name) => {
        const pid = pids[name];
        if (pid !== undefined && (await isOurProcess(pid, ownershipMarker(dir)))) await stopProcess(pid);
      }),
    );
  await stop(Object.keys(pids).filter((name) => !LAST_TO_STOP.includes(name)));
  for (const name of LAST_TO_STOP) await stop([name]);
  if (opts.removeDir) await rm(dir, { recursive: true, force: true });
}

export async function down(idOrDir: string): Promise<void> {
  await teardown(clusterDirOf(idOrDir), { removeDir: true });
}

export async function downAll(): Promise<string[]> {
  const dirs = await listClusterDirs();
  await Promise.all(dirs.map((dir) => teardown(dir, { removeDir: true })));
  return dirs;
}

export interface ClusterStatus {
  id: string;
  dir: string;
  /** running: every recorded process alive; degraded: some; stopped: none (or never finished up). */
  state: 'running' | 'degraded' | 'stopped';
  /** Summed resident memory of the cluster's live processes. */
  rssMiB: number;
  info?: ClusterInfo;
}

export async function list(): Promise<ClusterStatus[]> {
  const dirs = await listClusterDirs();
  return Promise.all(
    dirs.map(async (dir): Promise<ClusterStatus> => {
      const pids = Object.values(await recordedPids(clusterLayout(dir).pids));
      const live = (await Promise.all(pids.map(async (pid) => ((await isOurProcess(pid, ownershipMarker(dir))) ? pid : 0)))).filter((pid) => pid > 0);
      const rss = (await Promise.all(live.map(rssKiB))).reduce((sum, kib) => sum + kib, 0);
      const info = await readClusterInfo(dir).catch(() => undefined);
      const state = live.length === 0 ? 'stopped' : live.length === pids.length && info ? 'running' : 'degraded';
      return { id: info?.id ?? dir.slice(stateRoot().length + 1), dir, state, rssMiB: Math.round(rss / 1024), info };
    }),
  );
}
