// Bootstrapping a cluster: Capsule, capsule-proxy and vela-core installed or upgraded with Helm
// (bootstrap-plan.ts says what and why), each waited for (`helm --wait`: its Deployments rolled
// out, its hooks done), and reported per component: chart, version, status, timings, error.
//
// Idempotent: a release whose chart (name-version) and user-supplied values (digest) already
// equal the plan is left alone (`Unchanged`), only its Deployments' readiness is checked. So a
// second run changes nothing and says so. A component that fails (chart not found, Helm error,
// rollout not ready within the timeout) is `Error` with the reason; the others still run.
//
// The admin kubeconfig is only used here, for this call: Helm reads it from a private temporary
// file that is removed when the call ends (helm.ts); it is never logged, stored or reported.
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parse } from 'yaml';
import { CAPSULE_CONFIGURATION, isAdministrator } from '../capsule/administrators.js';
import { HelmError, HelmSession } from '../helm/helm.js';
import { KubeClusterClient } from '../kube/client.js';
import { kubeConfigOf, kubeconfigText, readKubeconfig } from '../kube/kubeconfig.js';
import type { KubeObject } from '../kube/types.js';
import { AGENT } from './agent-identity.js';
import {
  CAPSULE_USER_GROUPS,
  describeSource,
  planComponents,
  remoteChartArgs,
  valuesDigest,
  type BootstrapComponent,
  type ChartSource,
  type ComponentPlan,
  type Values,
} from './bootstrap-plan.js';

export type ComponentStatus = 'Pending' | 'Installing' | 'Installed' | 'Upgraded' | 'Unchanged' | 'WouldInstall' | 'WouldUpgrade' | 'Error';

export interface ComponentReport {
  name: BootstrapComponent;
  chart: string;
  version: string;
  /** Where the chart is taken from: a repository URL, an OCI reference or a local path. */
  source: string;
  release: string;
  namespace: string;
  status: ComponentStatus;
  message?: string;
  /** The values given to Helm (the seed's settings and the request's overrides). */
  values: Values;
  valuesDigest: string;
  /** What was installed before: `<chart>-<version>` and the digest of its values. */
  previous?: { chart: string; revision: string; status: string; valuesDigest: string };
  startedAt?: string;
  finishedAt?: string;
  /** Milliseconds: `helm` = the upgrade with its rollout wait, `check` = readiness checks. */
  timings?: { helmMs?: number; checkMs?: number; totalMs: number };
}

export interface BootstrapReport {
  dryRun: boolean;
  phase: 'Running' | 'Succeeded' | 'Error';
  /** Whether anything in the cluster was changed. */
  changed: boolean;
  message: string;
  chartSource: string;
  startedAt: string;
  finishedAt?: string;
  components: ComponentReport[];
}

export interface BootstrapOptions {
  helm: string;
  source: ChartSource;
  dryRun?: boolean;
  components?: readonly BootstrapComponent[];
  values?: Partial<Record<BootstrapComponent, Values>>;
  /** Bound of each component's rollout wait. */
  timeoutSeconds: number;
  signal?: AbortSignal;
  /** Called with the report after every step (a copy; the caller may keep it). */
  onProgress?: (report: BootstrapReport) => Promise<void> | void;
}

/** Installs or upgrades the components with the admin kubeconfig; never throws for a
 *  component's failure (it is in the report), only for a broken kubeconfig. */
export async function bootstrapCluster(name: string, adminKubeconfig: Buffer, opts: BootstrapOptions): Promise<BootstrapReport> {
  const plans = planComponents(opts.components, opts.values);
  const report: BootstrapReport = {
    dryRun: opts.dryRun ?? false,
    phase: 'Running',
    changed: false,
    message: opts.dryRun ? 'dry run: nothing is changed' : 'bootstrap running',
    chartSource: describeSource(opts.source),
    startedAt: new Date().toISOString(),
    components: plans.map((p) => ({
      name: p.name,
      chart: p.chart,
      version: p.version,
      source: sourceOf(p, opts.source),
      release: p.release,
      namespace: p.namespace,
      status: 'Pending',
      values: p.values,
      valuesDigest: p.valuesDigest,
    })),
  };
  const progress = async () => opts.onProgress?.(structuredClone(report));
  await progress();

  // Parsed once: the client and Helm both get the checked document, Helm as YAML written anew
  // from it (never the text as sent, which Helm's own parser might read differently).
  const checked = readKubeconfig(adminKubeconfig.toString('utf8'));
  const admin = await KubeClusterClient.fromKubeConfig(name, kubeConfigOf(checked), { timeoutMs: 15_000 });
  const helm = await HelmSession.open(opts.helm, Buffer.from(kubeconfigText(checked)));
  try {
    for (const [i, plan] of plans.entries()) {
      const r = report.components[i]!;
      const t0 = performance.now();
      r.startedAt = new Date().toISOString();
      try {
        await bootstrapComponent(plan, r, { ...opts, helm, admin, progress });
      } catch (err) {
        r.status = 'Error';
        r.message = `${plan.name}: ${(err as Error).message}`;
      }
      r.finishedAt = new Date().toISOString();
      r.timings = { ...r.timings, totalMs: Math.round(performance.now() - t0) };
      if (r.status === 'Installed' || r.status === 'Upgraded') report.changed = true;
      await progress();
    }
  } finally {
    admin.close();
    await helm.close();
  }
  const failed = report.components.filter((c) => c.status === 'Error');
  report.phase = failed.length > 0 ? 'Error' : 'Succeeded';
  report.finishedAt = new Date().toISOString();
  report.message = summary(report, failed);
  await progress();
  return report;
}

function summary(report: BootstrapReport, failed: ComponentReport[]): string {
  const parts = report.components.map((c) => `${c.name} ${c.status}`).join(', ');
  if (failed.length > 0) return `${failed.map((c) => c.name).join(', ')} failed (${parts})`;
  if (report.dryRun) return `dry run: ${parts}`;
  return report.changed ? `bootstrapped: ${parts}` : `already bootstrapped, nothing changed: ${parts}`;
}

interface Step {
  helm: HelmSession;
  admin: KubeClusterClient;
  source: ChartSource;
  dryRun?: boolean;
  timeoutSeconds: number;
  signal?: AbortSignal;
  progress: () => Promise<void>;
}

async function bootstrapComponent(plan: ComponentPlan, r: ComponentReport, step: Step): Promise<void> {
  const chart = await chartArgs(plan, step.source);
  r.version = chart.version;
  const current = await step.helm.release(plan.release, plan.namespace, step.signal);
  if (current) {
    const installed = await step.helm.values(plan.release, plan.namespace, step.signal);
    r.previous = { chart: current.chart, revision: current.revision, status: current.status, valuesDigest: valuesDigest(installed) };
  }
  const unchanged = current?.status === 'deployed' && current.chart === `${plan.chart}-${chart.version}` && r.previous?.valuesDigest === plan.valuesDigest;

  if (step.dryRun) {
    r.status = unchanged ? 'Unchanged' : current ? 'WouldUpgrade' : 'WouldInstall';
    r.message = unchanged
      ? `release ${plan.namespace}/${plan.release} already has ${current.chart} with these values`
      : `would ${current ? `upgrade ${current.chart} to` : 'install'} ${plan.chart}-${chart.version} as ${plan.namespace}/${plan.release}`;
    return;
  }

  let helmMs: number | undefined;
  if (!unchanged) {
    r.status = 'Installing';
    await step.progress();
    const t0 = performance.now();
    try {
      await step.helm.upgradeInstall({
        release: plan.release,
        namespace: plan.namespace,
        chartArgs: chart.args,
        values: plan.values,
        timeoutSeconds: step.timeoutSeconds,
        signal: step.signal,
      });
    } catch (err) {
      if (!(err instanceof HelmError)) throw err;
      const notReady = await notReadyDeployments(step.admin, plan).catch(() => []);
      const rollout = notReady.length > 0 ? `; not ready after ${step.timeoutSeconds}s: ${notReady.join(', ')}` : '';
      throw new Error(`helm upgrade --install ${plan.release} failed: ${err.message}${rollout}`);
    } finally {
      helmMs = Math.round(performance.now() - t0);
      r.timings = { helmMs, totalMs: 0 };
    }
  }

  const t1 = performance.now();
  const notReady = await notReadyDeployments(step.admin, plan, step.signal);
  if (notReady.length > 0) throw new Error(`release ${plan.namespace}/${plan.release} is not rolled out: ${notReady.join(', ')}`);
  const verified = plan.name === 'capsule' ? await verifyCapsuleConfiguration(step.admin, step.signal) : undefined;
  r.timings = { ...(helmMs !== undefined && { helmMs }), checkMs: Math.round(performance.now() - t1), totalMs: 0 };
  r.status = unchanged ? 'Unchanged' : current ? 'Upgraded' : 'Installed';
  r.message = [
    unchanged
      ? `release ${plan.namespace}/${plan.release} already has ${plan.chart}-${chart.version} with these values (digest ${plan.valuesDigest}): nothing changed`
      : `${current ? 'upgraded' : 'installed'} ${plan.chart}-${chart.version} as ${plan.namespace}/${plan.release}, rolled out`,
    verified,
  ]
    .filter(Boolean)
    .join('; ');
}

/** Helm's chart reference for the component, and the version it will install. A directory source
 *  holds `<chart>/` (its Chart.yaml gives the version) or `<chart>-<version>.tgz`. */
async function chartArgs(plan: ComponentPlan, source: ChartSource): Promise<{ args: string[]; version: string }> {
  if (source.type !== 'directory') return { args: remoteChartArgs(plan, source), version: plan.version };
  const dir = join(source.path, plan.chart);
  const chartFile = await readFile(join(dir, 'Chart.yaml'), 'utf8').catch(() => undefined);
  if (chartFile !== undefined) {
    const meta = parse(chartFile) as { version?: unknown } | null;
    const version = typeof meta?.version === 'string' ? meta.version : meta?.version === undefined || meta.version === null ? '' : JSON.stringify(meta.version);
    if (!version) throw new Error(`${dir}/Chart.yaml has no version`);
    return { args: [dir], version };
  }
  const archive = join(source.path, `${plan.chart}-${plan.version}.tgz`);
  if (
    await stat(archive).then(
      (s) => s.isFile(),
      () => false,
    )
  )
    return { args: [archive], version: plan.version };
  throw new Error(`chart source not found: neither ${dir}/Chart.yaml nor ${archive} exists`);
}

function sourceOf(plan: ComponentPlan, source: ChartSource): string {
  switch (source.type) {
    case 'repository':
      return `${plan.repository} ${plan.chart}`;
    case 'oci':
      return `${source.url}/${plan.chart}`;
    case 'directory':
      return join(source.path, plan.chart);
  }
}

/** The release's Deployments (Helm annotates what it manages) that are not fully rolled out. */
async function notReadyDeployments(admin: KubeClusterClient, plan: ComponentPlan, signal?: AbortSignal): Promise<string[]> {
  const all = await admin.list({ apiVersion: 'apps/v1', kind: 'Deployment' }, { namespace: plan.namespace, signal });
  const mine = all.filter((d) => d.metadata.annotations?.['meta.helm.sh/release-name'] === plan.release);
  return mine.flatMap((d) => {
    const why = rolloutProblem(d);
    return why ? [`Deployment ${d.metadata.name} (${why})`] : [];
  });
}

/** Why a Deployment is not rolled out, like `kubectl rollout status`, or undefined. */
export function rolloutProblem(d: KubeObject): string | undefined {
  const spec = (d.spec ?? {}) as { replicas?: number };
  const status = (d.status ?? {}) as { observedGeneration?: number; updatedReplicas?: number; availableReplicas?: number; replicas?: number };
  const want = spec.replicas ?? 1;
  if ((status.observedGeneration ?? 0) < (d.metadata.generation ?? 0)) return 'new spec not yet observed';
  if ((status.updatedReplicas ?? 0) < want) return `${status.updatedReplicas ?? 0}/${want} updated`;
  if ((status.replicas ?? 0) > (status.updatedReplicas ?? 0))
    return `${(status.replicas ?? 0) - (status.updatedReplicas ?? 0)} old replicas pending termination`;
  if ((status.availableReplicas ?? 0) < want) return `${status.availableReplicas ?? 0}/${want} available`;
  return undefined;
}

/** Checks that Capsule reads the seed's user groups and KubeNova's agent as administrator where
 *  it really reads them: CapsuleConfiguration `default`. */
async function verifyCapsuleConfiguration(admin: KubeClusterClient, signal?: AbortSignal): Promise<string> {
  const config = await admin.get({ ...CAPSULE_CONFIGURATION }, { signal });
  if (!config) throw new Error(`CapsuleConfiguration ${CAPSULE_CONFIGURATION.name} not found after the install`);
  const users = ((config.spec as { users?: { kind?: string; name?: string }[] } | undefined)?.users ?? []).filter((u) => u.kind === 'Group').map((u) => u.name);
  const missing = CAPSULE_USER_GROUPS.filter((g) => !users.includes(g));
  if (missing.length > 0) throw new Error(`CapsuleConfiguration ${CAPSULE_CONFIGURATION.name} lacks the user groups ${missing.join(', ')}`);
  if (!isAdministrator(config, AGENT.username))
    throw new Error(`CapsuleConfiguration ${CAPSULE_CONFIGURATION.name} does not list ${AGENT.username} as administrator`);
  return `CapsuleConfiguration ${CAPSULE_CONFIGURATION.name}: users ${CAPSULE_USER_GROUPS.join(', ')}; administrator ${AGENT.username}`;
}
