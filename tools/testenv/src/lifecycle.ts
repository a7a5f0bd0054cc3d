// Stopping and starting one component of a running cluster, keeping its state: `start` runs the
// exact command `up` recorded (same ports, certificates, kubeconfigs and etcd data dir).
import { appendFile } from 'node:fs/promises';
import { clusterLayout, ownershipMarker, processDirs } from './layout.js';
import { forgetPid, isOurProcess, logTail, recordedPids, recordedSpec, startProcess, stopProcess } from './processes.js';
import type { ComponentName } from './readiness.js';
import { COMPONENT_NAMES, isComponentName, probeTargetOfInfo, READY } from './readiness.js';
import type { ClusterInfo } from './state.js';
import { readClusterInfo, writeClusterInfo } from './state.js';
import { waitFor } from './wait.js';

/** Short names the CLI also accepts. */
const ALIASES = {
  apiserver: 'kube-apiserver',
  'controller-manager': 'kube-controller-manager',
  scheduler: 'kube-scheduler',
  kubevela: 'vela-core',
} as const satisfies Record<string, ComponentName>;
export type ComponentRef = ComponentName | keyof typeof ALIASES;

export function resolveComponent(ref: string): ComponentName {
  if (isComponentName(ref)) return ref;
  const alias = (ALIASES as Record<string, ComponentName>)[ref];
  if (alias) return alias;
  throw new Error(`unknown component ${JSON.stringify(ref)} (one of: ${[...COMPONENT_NAMES, ...Object.keys(ALIASES)].join(', ')})`);
}

export interface ComponentOptions {
  log?: (line: string) => void;
  /** How long `start` waits for the component to be ready again (default 120 s). */
  timeoutMs?: number;
}

/** The cluster's info, and the component checked to be one of the cluster's. */
async function clusterAndComponent(idOrDir: string, ref: string): Promise<{ info: ClusterInfo; name: ComponentName }> {
  const info = await readClusterInfo(idOrDir);
  const name = resolveComponent(ref);
  if (!info.components?.includes(name)) {
    const known = info.components ? info.components.join(', ') : '(none recorded: the cluster predates stop/start, recreate it)';
    throw new Error(`cluster ${info.id} has no ${name}; its components: ${known}`);
  }
  return { info, name };
}

/** The running PID of a component, if it runs. */
async function runningPid(info: ClusterInfo, name: ComponentName): Promise<number | undefined> {
  const pid = (await recordedPids(clusterLayout(info.dir).pids))[name];
  return pid !== undefined && (await isOurProcess(pid, ownershipMarker(info.dir))) ? pid : undefined;
}

/** cluster.json's `pids` rewritten from the PID files: the running components only. */
async function syncPids(info: ClusterInfo): Promise<ClusterInfo> {
  const recorded = await recordedPids(clusterLayout(info.dir).pids);
  const pids = Object.fromEntries(info.components.filter((name) => recorded[name] !== undefined).map((name) => [name, recorded[name]!]));
  const updated = { ...info, pids };
  await writeClusterInfo(updated);
  return updated;
}

/**
 * Stops one component (SIGTERM, SIGKILL after 5 s) and forgets its PID. Everything else keeps
 * running; `startComponent` brings it back. A component already stopped is left as it is.
 */
export async function stopComponent(idOrDir: string, ref: string, opts: ComponentOptions = {}): Promise<ClusterInfo> {
  const { info, name } = await clusterAndComponent(idOrDir, ref);
  const pid = await runningPid(info, name);
  if (pid === undefined) opts.log?.(`${name} of ${info.id} is not running`);
  else {
    await stopProcess(pid);
    opts.log?.(`${name} of ${info.id} stopped (was pid ${pid})`);
  }
  await forgetPid(clusterLayout(info.dir).pids, name);
  return syncPids(info);
}

/**
 * Starts a stopped component again with the command `up` recorded for it and waits until it is
 * ready (READY: the API server's /readyz, a webhook server answering, ...). A component that
 * runs already is only waited for. If it exits or does not get ready in time, it is stopped
 * again and the error carries its log tail.
 */
export async function startComponent(idOrDir: string, ref: string, opts: ComponentOptions = {}): Promise<ClusterInfo> {
  const { info, name } = await clusterAndComponent(idOrDir, ref);
  const layout = clusterLayout(info.dir);
  const t0 = Date.now();
  let exited: Promise<never> | undefined;
  let startedPid: number | undefined;
  if ((await runningPid(info, name)) === undefined) {
    const spec = await recordedSpec(layout.specs, name);
    if (!spec) throw new Error(`no recorded command for ${name} in ${layout.specs}: the cluster predates stop/start, recreate it`);
    await appendFile(`${layout.logs}/${name}.log`, `\n---- testenv: starting ${name} again at ${new Date().toISOString()} ----\n`);
    const proc = startProcess(spec, processDirs(layout));
    startedPid = proc.pid;
    exited = proc.exited.then(async ({ code, signal }) => {
      throw new Error(`${name} exited (code ${code}, signal ${signal}) while starting; ${proc.logFile}:\n${await logTail(proc.logFile)}`);
    });
    exited.catch(() => {});
  }
  try {
    const target = probeTargetOfInfo(info);
    await waitFor(`${name} of ${info.id} ready`, async () => (await READY[name](target)) || undefined, {
      timeoutMs: opts.timeoutMs ?? 120_000,
      abort: exited,
    });
  } catch (err) {
    if (startedPid !== undefined) {
      await stopProcess(startedPid);
      await forgetPid(layout.pids, name);
      await syncPids(info);
    }
    throw err;
  }
  opts.log?.(`${name} of ${info.id} ready${startedPid !== undefined ? ` (pid ${startedPid}, ${((Date.now() - t0) / 1000).toFixed(1)}s)` : ' (was running)'}`);
  return syncPids(info);
}
