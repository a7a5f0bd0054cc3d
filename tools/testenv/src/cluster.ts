import { existsSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Addon, AddonName } from './addons.js';
import { ADDONS } from './addons.js';
import { buildDir } from './build.js';
import type { ChartManifests } from './charts.js';
import { apiServerProcess, MAX_TOKEN_EXPIRATION_SECONDS } from './components/apiserver.js';
import { capsuleProxySlot } from './components/capsule-proxy.js';
import { controllerManagerProcess } from './components/controller-manager.js';
import { etcdProcess } from './components/etcd.js';
import { fakeNode, kwokProcess } from './components/kwok.js';
import { schedulerProcess } from './components/scheduler.js';
import { Kube } from './kube.js';
import { writeKubeconfig } from './kubeconfig.js';
import { clusterLayout, ownershipMarker } from './layout.js';
import type { ClusterPlan } from './plan.js';
import { loopbackUrl, planCluster } from './plan.js';
import { isAlive, isOurProcess, processesOf, recordedPids, recordedSpecs, rssKiB, stopProcess } from './processes.js';
import type { ComponentName } from './readiness.js';
import { probeTargetOfPlan, READY } from './readiness.js';
import type { ClusterInfo } from './state.js';
import { claimClusterDir, clusterDirOf, KEPT_FILE, listClusterDirs, newClusterId, readClusterInfo, stateRoot, UP_PID_FILE, writeClusterInfo } from './state.js';
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
  /** Leave these out entirely: no CRDs, RBAC, process or webhooks (Capsule also takes capsule-proxy). */
  without?: readonly AddonName[];
  /** The process the cluster belongs to (see ClusterInfo.ownerPid); unset for CLI clusters. */
  ownerPid?: number;
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

/** Waits until a started component answers (READY). */
function waitReady(ctx: UpContext, name: ComponentName): Promise<true> {
  const target = probeTargetOfPlan(ctx.plan);
  return ctx.wait(`${name} ready`, async () => (await READY[name](target)) || undefined);
}

export async function up(opts: UpOptions = {}): Promise<ClusterInfo> {
  const log = opts.log ?? (() => {});
  const t0 = Date.now();
  const step = (msg: string) => log(`[${((Date.now() - t0) / 1000).toFixed(1)}s] ${msg}`);

  const build = await buildDir(log);
  const id = opts.id ?? newClusterId();
  // Outside the try: a dir that exists is someone else's cluster, never ours to tear down.
  const layout = clusterLayout(await claimClusterDir(id));
  const sup = new Supervisor(layout, opts.signal);
  let rendered: Promise<ChartManifests[]> | undefined;
  try {
    const plan = await planCluster({ id, layout, buildDir: build });
    const addons = ADDONS.filter((addon) => !opts.without?.includes(addon.name));
    step(`cluster ${id} in ${layout.dir}${opts.without?.length ? ` without ${opts.without.join(', ')}` : ''}`);
    const ctx: UpContext = {
      plan,
      sup,
      kube: new Kube(plan.kubeconfigs.admin),
      step,
      wait: (what, check, timeoutMs = 120_000) => waitFor(what, check, { timeoutMs, abort: sup.aborted }),
    };
    // Rendering the charts needs no cluster; do it while the control plane boots.
    rendered = Promise.all(addons.map((addon) => addon.render(plan)));
    rendered.catch(() => {});

    await startControlPlane(ctx);
    await installAddons(ctx, addons, await rendered);
    await ctx.wait('fake nodes Ready', async () => (await Promise.all(FAKE_NODES.map((n) => ctx.kube.nodeReady(n)))).every(Boolean));
    step('fake nodes Ready');

    const proxy = addons.some((addon) => addon.name === 'capsule') ? capsuleProxySlot(plan) : undefined;
    const proxySpec = proxy?.process;
    if (proxy) {
      await ctx.kube.apply(proxy.crds, APPLY_CONCURRENCY);
      await ctx.wait('capsule-proxy CRDs Established', async () =>
        (await Promise.all(proxy.crds.map((crd) => ctx.kube.crdEstablished(crd.metadata.name)))).every(Boolean),
      );
      sup.start(proxy.process);
      await waitReady(ctx, 'capsule-proxy');
      step('capsule-proxy answering');
    } else if (addons.some((addon) => addon.name === 'capsule')) {
      step('capsule-proxy skipped: no bin/capsule-proxy and charts/capsule-proxy/crds in the build (the Go module proxy refuses to serve it)');
    }

    sup.release();
    const info: ClusterInfo = {
      id,
      dir: layout.dir,
      kubeconfig: plan.kubeconfigs.admin,
      apiServerUrl: plan.apiServerUrl,
      caFile: plan.pki.ca.certFile,
      caKeyFile: plan.pki.ca.keyFile,
      capsuleProxy: proxySpec ? { url: loopbackUrl(plan.ports.capsuleProxy), caFile: plan.pki.ca.certFile } : null,
      components: sup.started.map((p) => p.name),
      pids: sup.pids(),
      ...(opts.ownerPid !== undefined ? { ownerPid: opts.ownerPid } : {}),
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
    // No helm may still be writing into the dir (or outlive `up`) once it is cleaned up.
    await rendered?.catch(() => {});
    await teardown(layout.dir, { removeDir: !opts.keepOnFailure });
    if (opts.keepOnFailure) await writeFile(join(layout.dir, KEPT_FILE), `${err instanceof Error ? err.stack : String(err)}\n`).catch(() => {});
    throw err;
  }
}

/** etcd, kube-apiserver, then controller-manager, scheduler, kwok and the fake nodes. */
async function startControlPlane(ctx: UpContext): Promise<void> {
  const { plan, sup, kube, step } = ctx;
  sup.start(etcdProcess(plan));
  await waitReady(ctx, 'etcd');
  step('etcd healthy');

  sup.start(apiServerProcess(plan));
  await waitReady(ctx, 'kube-apiserver');
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
async function installAddons(ctx: UpContext, addons: readonly Addon[], charts: readonly ChartManifests[]): Promise<void> {
  const { plan, sup, kube, step, wait } = ctx;
  if (addons.length === 0) return;
  const crds = charts.flatMap((chart) => chart.crds);
  await kube.apply(crds, APPLY_CONCURRENCY);
  await wait('CRDs Established', async () => (await Promise.all(crds.map((crd) => kube.crdEstablished(crd.metadata.name)))).every(Boolean));
  step(`${crds.length} CRDs established`);

  await kube.apply(charts.flatMap((chart) => chart.setup));
  await Promise.all(
    addons.map((addon) => writeServiceAccountKubeconfig(kube, plan, addon.serviceAccount.namespace, addon.serviceAccount.name, addon.kubeconfig(plan))),
  );
  for (const addon of addons) sup.start(addon.process(plan));
  await Promise.all(addons.map((addon) => waitReady(ctx, addon.component)));
  step(`webhook servers answering: ${addons.map((addon) => addon.component).join(', ')}`);

  await Promise.all(
    addons.map((addon) => (addon.selfRegistered ? wait(`${addon.component} self-registration`, () => addon.selfRegistered!(kube)) : Promise.resolve())),
  );
  await kube.apply(charts.flatMap((chart) => chart.webhooks));
  step('admission webhooks registered');

  // vela-core's webhook generates the WorkloadDefinition a ComponentDefinition names, and two
  // ComponentDefinitions for the same workload (webservice, worker) applied at once collide.
  const definitions = charts.flatMap((chart) => chart.definitions);
  if (definitions.length === 0) return;
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

/**
 * Stops every process of the cluster dir and removes the dir: the recorded PIDs (checked to
 * still be ours), then any process still running one of the cluster's recorded commands on
 * the dir (e.g. a PID file lost to two concurrent `start`s), so nothing is left behind.
 */
async function teardown(dir: string, opts: { removeDir: boolean }): Promise<void> {
  const layout = clusterLayout(dir);
  const marker = ownershipMarker(dir);
  const pids = await recordedPids(layout.pids);
  const stop = async (names: string[]) =>
    Promise.all(
      names.map(async (name) => {
        const pid = pids[name];
        if (pid !== undefined && (await isOurProcess(pid, marker))) await stopProcess(pid);
      }),
    );
  await stop(Object.keys(pids).filter((name) => !LAST_TO_STOP.includes(name)));
  for (const name of LAST_TO_STOP) await stop([name]);
  const commands = (await recordedSpecs(layout.specs)).map((spec) => spec.command);
  await Promise.all((await processesOf(commands, marker)).map((pid) => stopProcess(pid)));
  if (opts.removeDir) await rm(dir, { recursive: true, force: true });
}

export async function down(idOrDir: string): Promise<void> {
  await teardown(clusterDirOf(idOrDir), { removeDir: true });
}

/** Every cluster under the state root, whoever started it; `onStop` hears each id first. */
export async function downAll(onStop: (id: string) => void = () => {}): Promise<string[]> {
  const dirs = await listClusterDirs();
  const ids = dirs.map((dir) => dir.slice(stateRoot().length + 1));
  ids.forEach((id) => onStop(id));
  await Promise.all(dirs.map((dir) => teardown(dir, { removeDir: true })));
  return ids;
}

/**
 * Why a cluster dir is garbage, or undefined while someone may still use it:
 * - its owner (a test run, ClusterInfo.ownerPid) is gone;
 * - it has recorded processes and none of them runs (crashed, or a dir kept on failure);
 * - its `up` died before finishing (no cluster.json, and the `up` process is gone).
 * A CLI cluster that runs is never stale, nor an `up` in progress, nor a dir kept on failure.
 */
export async function staleReason(dir: string): Promise<string | undefined> {
  if (existsSync(join(dir, KEPT_FILE))) return undefined;
  const info = await readClusterInfo(dir).catch(() => undefined);
  if (info?.ownerPid !== undefined && !(await isAlive(info.ownerPid))) return `owner process ${info.ownerPid} is gone`;
  const pids = Object.values(await recordedPids(clusterLayout(dir).pids));
  const live = await livePids(dir, pids);
  if (pids.length > 0 && live.length === 0) return 'none of its processes runs';
  if (!info) {
    const upPid = Number.parseInt(await readFile(join(dir, UP_PID_FILE), 'utf8').catch(() => ''), 10);
    if (Number.isInteger(upPid) && !(await isAlive(upPid))) return `its up (process ${upPid}) died before finishing`;
  }
  return undefined;
}

/** `down` of every stale cluster (see staleReason); safe while other sessions run clusters. */
export async function downStale(onStop: (id: string, reason: string) => void = () => {}): Promise<string[]> {
  const stale: string[] = [];
  for (const dir of await listClusterDirs()) {
    const reason = await staleReason(dir);
    if (!reason) continue;
    const id = dir.slice(stateRoot().length + 1);
    onStop(id, reason);
    await teardown(dir, { removeDir: true });
    stale.push(id);
  }
  return stale;
}

async function livePids(dir: string, pids: readonly number[]): Promise<number[]> {
  const marker = ownershipMarker(dir);
  return (await Promise.all(pids.map(async (pid) => ((await isOurProcess(pid, marker)) ? pid : 0)))).filter((pid) => pid > 0);
}

export interface ClusterStatus {
  id: string;
  dir: string;
  /** running: every component alive; degraded: some; stopped: none (or never finished up). */
  state: 'running' | 'degraded' | 'stopped';
  /** Components not running (stopped with `stop`, or crashed). */
  notRunning: string[];
  /** Summed resident memory of the cluster's live processes. */
  rssMiB: number;
  info?: ClusterInfo;
}

export async function list(): Promise<ClusterStatus[]> {
  const dirs = await listClusterDirs();
  return Promise.all(
    dirs.map(async (dir): Promise<ClusterStatus> => {
      const recorded = await recordedPids(clusterLayout(dir).pids);
      const live = new Set(await livePids(dir, Object.values(recorded)));
      const rss = (await Promise.all([...live].map(rssKiB))).reduce((sum, kib) => sum + kib, 0);
      const info = await readClusterInfo(dir).catch(() => undefined);
      // Clusters from before cluster.json listed components: what has a PID file.
      const components = info?.components ?? Object.keys(recorded);
      const notRunning = components.filter((name) => !live.has(recorded[name] ?? 0));
      const state = live.size === 0 ? 'stopped' : notRunning.length === 0 && info ? 'running' : 'degraded';
      return { id: info?.id ?? dir.slice(stateRoot().length + 1), dir, state, notRunning, rssMiB: Math.round(rss / 1024), info };
    }),
  );
}
