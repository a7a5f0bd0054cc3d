// The one reconcile loop for intents projected into clusters (tenants, projects, and later apps):
// Intent → Plan → Apply → Observe → Converge, plus finalizer-style deletion. The kind-specific
// part (how to resolve the intent, plan it, and what to read first on a cluster) comes from a
// ProjectionKind; the phase machine and every rule about status, finalizers and requeueing live
// here only.
import { capabilitiesOf, type CapabilityNeed, type ClusterCapabilities } from '../domain/capabilities.js';
import { CLEANUP_FINALIZER, type Owner } from '../domain/ownership.js';
import type { Kind, Resource, ResourceStatus } from '../domain/resource.js';
import { StoreError, type ObjectStore } from '../store/types.js';
import { KubeError, type ClusterClient, type KubeObject } from '../adapters/kube/types.js';
import type { ReconcileRequest, ReconcileResult, Reconciler } from './controller.js';
import { clusterStatus, overallStatus, type ClusterOutcome, type ClusterStatus } from './phases.js';
import { failureOutcome, project, unproject, type ProjectionAdapter } from './projection.js';
import { isDeepStrictEqual } from 'node:util';
import { phaseTransitions } from '../domain/phase-transitions.js';
import { annotateLogContext, inClusterLogContext } from '../observability/context.js';
import { emitKubeEvent } from '../observability/kube-events.js';
import type { Logger } from '../observability/logger.js';

export { CLEANUP_FINALIZER };

/** Where reconcilers get a client for a registered cluster (the runtime's client cache). */
export interface ClusterClients {
  forCluster(name: string): Promise<ClusterClient>;
}

export interface ProjectionDeps {
  objects: ObjectStore;
  clients: ClusterClients;
  now?: () => Date;
  /** Look again after this long while a cluster is still converging. Watches on the projected
   *  objects are what normally wakes the reconciler; this is the safety net. Default 15 s. */
  waitRequeueMs?: number;
  /** Look again after this long when everything is deployed (re-applies: drift repair). Default 10 min. */
  resyncMs?: number;
  /** Called with every cluster client a reconcile uses (to keep watches on it running). */
  onClient?(cluster: string, client: ClusterClient): void;
  /** For what goes wrong on the side (a Kubernetes Event that could not be emitted). */
  logger?: Logger;
}

/** What a plan for one cluster is: objects to apply, or why there are none. */
export type PlanFor =
  | { outcome: 'planned'; objects: KubeObject[]; notes: string[] }
  | { outcome: 'unsupported'; missing: CapabilityNeed[] }
  | { outcome: 'undiscovered' };

/** What a kind reads on a cluster before planning: context for readiness and plan input, or an
 *  outcome that stops the cluster here (a precondition not met yet). */
export type Prepared<Ctx, Input> = { ctx: Ctx; input: Input } | { stop: ClusterOutcome };

export interface ProjectionKind<Intent, Ctx, Input> {
  kind: Kind;
  adapter: ProjectionAdapter<Ctx>;
  /** The intent with everything it refers to, and the clusters it is placed on; or why it cannot
   *  be projected (a reference that no longer resolves). */
  load(obj: Resource, objects: ObjectStore): Promise<{ intent: Intent; clusters: string[] } | { invalid: string }>;
  owner(obj: Resource): Owner;
  prepare(client: ClusterClient, intent: Intent, signal: AbortSignal): Promise<Prepared<Ctx, Input>>;
  /** Pure. */
  plan(intent: Intent, caps: ClusterCapabilities | undefined, input: Input): PlanFor;
  /** Per-cluster detail for `status.clusters[c]` from the objects as applied (pure). */
  detail?(applied: readonly KubeObject[]): Record<string, unknown>;
  /** Why cluster cleanup must wait (e.g. a tenant's projects still being deleted), or undefined. */
  deletionBlocker?(obj: Resource, objects: ObjectStore): Promise<string | undefined>;
}

interface ClusterRun {
  name: string;
  outcome: ClusterOutcome;
  detail?: Record<string, unknown>;
  /** The main projected object (first of the plan), for Kubernetes Events about this cluster. */
  regarding?: KubeObject;
}

const parseKey = (kind: Kind, key: string) => (key.startsWith(`${kind}/`) ? key.slice(kind.length + 1) : key);

export class ProjectionReconciler<Intent, Ctx, Input> implements Reconciler {
  private readonly now: () => Date;
  private readonly waitRequeueMs: number;
  private readonly resyncMs: number;

  constructor(
    private readonly kind: ProjectionKind<Intent, Ctx, Input>,
    private readonly deps: ProjectionDeps,
  ) {
    this.now = deps.now ?? (() => new Date());
    this.waitRequeueMs = deps.waitRequeueMs ?? 15_000;
    this.resyncMs = deps.resyncMs ?? 600_000;
  }

  async reconcile(req: ReconcileRequest): Promise<ReconcileResult> {
    const { objects } = this.deps;
    const name = parseKey(this.kind.kind, req.key);
    let obj = await objects.get<Record<string, unknown>>(this.kind.kind, name);
    if (!obj) return { type: 'done' };
    annotateLogContext({ tenant: obj.tenant });
    if (obj.deletionTimestamp) return this.finalize(obj, req);
    if (!obj.finalizers.includes(CLEANUP_FINALIZER)) {
      // Objects created before the finalizer existed; nothing was projected without it since.
      try {
        obj = await objects.update<Record<string, unknown>>(this.kind.kind, name, { finalizers: [...obj.finalizers, CLEANUP_FINALIZER] });
      } catch (err) {
        if (err instanceof StoreError && (err.code === 'INVALID_ARGUMENT' || err.code === 'NOT_FOUND' || err.code === 'CONFLICT')) {
          return { type: 'requeueAfter', delayMs: 0 };
        }
        throw err;
      }
    }

    const loaded = await this.kind.load(obj, objects);
    if ('invalid' in loaded) {
      await this.writeStatus(obj, this.invalidStatus(obj, loaded.invalid), req);
      return { type: 'terminal', error: new Error(loaded.invalid) };
    }
    if (obj.status.observedGeneration !== obj.generation && obj.status.phase !== 'Applying') {
      // Say at once that a change is on its way; the clusters' detail follows below.
      obj = await this.writeStatus(obj, { ...obj.status, phase: 'Applying' }, req);
    }

    const previous = obj.status.clusters ?? {};
    const placed = new Set(loaded.clusters);
    const runs = await Promise.all([
      ...loaded.clusters.map((c) => inClusterLogContext(c, () => this.applyOn(c, obj!, loaded.intent, req.signal))),
      // Clusters no longer in the placement: remove what was projected there.
      ...Object.keys(previous)
        .filter((c) => !placed.has(c))
        .map((c) => inClusterLogContext(c, () => this.removeFrom(c, obj!, req.signal))),
    ]);
    const kept = runs.filter((r) => placed.has(r.name) || r.outcome.state !== 'ready');
    const clusters: Record<string, ClusterStatus> = {};
    for (const run of kept) {
      clusters[run.name] = { ...clusterStatus(run.outcome, obj.generation, previous[run.name], this.stamp()), ...run.detail };
    }
    const status = overallStatus({ generation: obj.generation, clusters, previous: obj.status, now: this.stamp() });
    const written = await this.writeStatus(obj, status, req);
    if (written !== obj) await this.emitKubeEvents(obj.status, written.status, kept, req);
    return this.resultOf(kept.map((r) => r.outcome));
  }

  /** A Kubernetes Event on the projected object of each cluster whose phase changed. */
  private async emitKubeEvents(before: ResourceStatus, after: ResourceStatus, runs: readonly ClusterRun[], req: ReconcileRequest): Promise<void> {
    const changed = phaseTransitions(before, after).filter((t) => t.cluster !== undefined);
    await Promise.all(
      changed.map(async (t) => {
        const regarding = runs.find((r) => r.name === t.cluster)?.regarding;
        if (!regarding) return;
        let client: ClusterClient;
        try {
          client = await this.deps.clients.forCluster(t.cluster!);
        } catch {
          return; // no client, no event: the status already says why
        }
        const type = t.to === 'Error' || t.to === 'Drifted' ? 'Warning' : 'Normal';
        const note = `${this.kind.kind} ${regarding.metadata.name}: ${t.from ?? 'new'} → ${t.to}${t.message ? ` (${t.message})` : ''}`;
        await emitKubeEvent(client, regarding, { type, reason: t.to, action: 'Reconcile', note, correlationId: req.correlationId }, this.deps.logger);
      }),
    );
  }

  private async applyOn(cluster: string, obj: Resource, intent: Intent, signal: AbortSignal): Promise<ClusterRun> {
    const registered = await this.deps.objects.get('Cluster', cluster);
    if (!registered) {
      return { name: cluster, outcome: { state: 'failed', reason: 'ClusterNotRegistered', message: `no cluster "${cluster}" is registered`, retryable: false } };
    }
    const caps = capabilitiesOf(registered);
    const adapter = this.kind.adapter;
    let client: ClusterClient;
    try {
      client = await this.deps.clients.forCluster(cluster);
    } catch (err) {
      return { name: cluster, outcome: this.unavailable(err, 'connecting') };
    }
    this.deps.onClient?.(cluster, client);
    let prepared: Prepared<Ctx, Input>;
    try {
      prepared = await this.kind.prepare(client, intent, signal);
    } catch (err) {
      return { name: cluster, outcome: failureOutcome(err, adapter, 'reading cluster state') };
    }
    if ('stop' in prepared) return { name: cluster, outcome: prepared.stop };
    const plan = this.kind.plan(intent, caps, prepared.input);
    if (plan.outcome === 'undiscovered') {
      return { name: cluster, outcome: { state: 'pending', reason: 'CapabilitiesUnknown', message: "the cluster's capabilities have not been discovered yet" } };
    }
    if (plan.outcome === 'unsupported') {
      const missing = plan.missing.map((m) => `${m.description} [${m.capability}]`).join(', ');
      return { name: cluster, outcome: { state: 'failed', reason: 'MissingCapability', message: `the cluster lacks ${missing}`, retryable: false } };
    }
    const result = await project(client, this.kind.owner(obj), plan.objects, adapter, prepared.ctx, signal);
    const regarding = result.applied[0] ?? plan.objects[0];
    return { name: cluster, outcome: result.outcome, detail: this.kind.detail?.(result.applied), ...(regarding && { regarding }) };
  }

  private async removeFrom(cluster: string, obj: Resource, signal: AbortSignal): Promise<ClusterRun> {
    if (!(await this.deps.objects.get('Cluster', cluster))) {
      // Unregistered: KubeNova can no longer reach it; nothing to wait for.
      return { name: cluster, outcome: { state: 'ready', reason: 'ClusterNotRegistered', message: 'cluster no longer registered' } };
    }
    try {
      const client = await this.deps.clients.forCluster(cluster);
      this.deps.onClient?.(cluster, client);
      const outcome = await unproject(client, this.kind.owner(obj), this.kind.adapter as ProjectionAdapter<never>, signal);
      return { name: cluster, outcome: outcome.state === 'progressing' ? { ...outcome, reason: 'Removing' } : outcome };
    } catch (err) {
      return { name: cluster, outcome: this.unavailable(err, 'removing') };
    }
  }

  /** Deletion requested: remove the projections on every cluster they may be on, then the finalizer. */
  private async finalize(obj: Resource, req: ReconcileRequest): Promise<ReconcileResult> {
    if (!obj.finalizers.includes(CLEANUP_FINALIZER)) return { type: 'done' };
    const blocker = await this.kind.deletionBlocker?.(obj, this.deps.objects);
    if (blocker) {
      await this.writeStatus(obj, this.deletingStatus(obj, {}, blocker), req);
      return { type: 'requeueAfter', delayMs: this.waitRequeueMs };
    }
    const loaded = await this.kind.load(obj, this.deps.objects);
    const targets = new Set([...Object.keys(obj.status.clusters ?? {}), ...('clusters' in loaded ? loaded.clusters : [])]);
    const runs = await Promise.all([...targets].map((c) => this.removeFrom(c, obj, req.signal)));
    const left = runs.filter((r) => r.outcome.state !== 'ready');
    if (left.length === 0) {
      try {
        await this.deps.objects.update(this.kind.kind, obj.name, { finalizers: obj.finalizers.filter((f) => f !== CLEANUP_FINALIZER) }, { correlationId: req.correlationId });
      } catch (err) {
        if (err instanceof StoreError && err.code === 'NOT_FOUND') return { type: 'done' };
        throw err;
      }
      return { type: 'done' };
    }
    const clusters: Record<string, ClusterStatus> = {};
    for (const run of left) clusters[run.name] = clusterStatus(run.outcome, obj.generation, obj.status.clusters?.[run.name], this.stamp());
    await this.writeStatus(obj, this.deletingStatus(obj, clusters), req);
    return this.resultOf(left.map((r) => r.outcome));
  }

  private deletingStatus(obj: Resource, clusters: Record<string, ClusterStatus>, blocker?: string): ResourceStatus {
    const status = overallStatus({
      generation: obj.generation,
      clusters,
      previous: obj.status,
      now: this.stamp(),
      empty: { reason: 'Deleting', message: blocker ?? 'removing projected objects' },
      extra: [{ type: 'Deleting', status: 'True', reason: blocker ? 'WaitingForDependents' : 'RemovingProjections', message: blocker ?? 'removing what was projected into clusters' }],
    });
    return Object.keys(clusters).length === 0 ? { ...status, phase: 'Applying' } : status;
  }

  private invalidStatus(obj: Resource, why: string): ResourceStatus {
    const status = overallStatus({ generation: obj.generation, clusters: {}, previous: obj.status, now: this.stamp(), empty: { reason: 'InvalidIntent', message: why } });
    const { clusters: _none, ...rest } = status;
    return { ...rest, phase: 'Error', ...(obj.status.clusters && { clusters: obj.status.clusters }) };
  }

  /** A cluster without a usable client (no credentials, KubeError while building it). */
  private unavailable(err: unknown, doing: string): ClusterOutcome {
    if (err instanceof KubeError) return failureOutcome(err, this.kind.adapter, doing);
    const message = err instanceof Error ? err.message : String(err);
    return { state: 'failed', reason: 'ClusterUnavailable', message: `${doing}: ${message}`, retryable: true };
  }

  private resultOf(outcomes: readonly ClusterOutcome[]): ReconcileResult {
    const retry = outcomes.filter((o) => o.state === 'failed' && o.retryable !== false);
    if (retry.length > 0) return { type: 'retry', error: new Error(retry.map((o) => `${o.reason}: ${o.message}`).join('; ')) };
    if (outcomes.some((o) => o.state === 'progressing' || o.state === 'pending')) return { type: 'requeueAfter', delayMs: this.waitRequeueMs };
    return { type: 'requeueAfter', delayMs: this.resyncMs };
  }

  /** Writes status only when it differs (equal statuses are a no-op for the store as well). */
  private async writeStatus(obj: Resource, status: ResourceStatus, req: ReconcileRequest): Promise<Resource> {
    if (isDeepStrictEqual(obj.status, status)) return obj;
    try {
      return await this.deps.objects.updateStatus<Record<string, unknown>>(this.kind.kind, obj.name, status, { correlationId: req.correlationId });
    } catch (err) {
      if (err instanceof StoreError && err.code === 'NOT_FOUND') return obj;
      throw err;
    }
  }

  private stamp(): string {
    return this.now().toISOString();
  }
}
