// The one reconcile loop for intents projected into clusters (tenants, projects, and later apps):
// Intent → Plan → Apply → Observe → Converge, plus finalizer-style deletion. The kind-specific
// part (how to resolve the intent, plan it, and what to read first on a cluster) comes from a
// ProjectionKind; the phase machine and every rule about status, finalizers and requeueing live
// here only. A reconcile of a plan checked in full a moment ago, whose objects are still in sync,
// only refreshes their observed status (refresh.ts); everything else takes the full path.
import { capabilitiesOf } from '../../domain/capabilities.js';
import { CLEANUP_FINALIZER, type Owner } from '../../domain/ownership.js';
import type { Kind, Resource, ResourceStatus } from '../../domain/resource.js';
import { StoreError, type ObjectStore } from '../../store/types.js';
import { KubeError, type ClusterClient, type KubeObject } from '../../adapters/kube/types.js';
import type { ReconcileRequest, ReconcileResult, Reconciler } from '../manager/controller.js';
import { clusterStatus, overallStatus, type ClusterOutcome, type ClusterStatus, condition } from './phases.js';
import type { Observed, ProjectionAdapter } from '../../adapters/contract.js';
import { failureOutcome, observeDrift, project, readinessOutcome, unproject, type DriftObservation } from './sync.js';
import type { ObservedObjects } from './watches.js';
import { LastChecks } from './last-checks.js';
import { ConvergingLooks } from './converging-looks.js';
import { cachedReads } from './cached-reads.js';
import { createHash } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import { phaseTransitions } from '../../domain/phase-transitions.js';
import { annotateLogContext, inClusterLogContext } from '../../observability/context.js';
import { KubeEventRecorder } from '../../adapters/kube/events.js';
import type { Logger } from '../../observability/logger.js';
import { MISSING_FIELD, otherWriter, type DriftField } from './drift.js';
import { DriftFighting, type Fight, type FightingOptions } from './drift-fighting.js';
import type { Counter } from 'prom-client';

export { CLEANUP_FINALIZER };

export interface ProjectionDeps {
  objects: ObjectStore;
  /** Where a reconcile gets a client for a registered cluster (the manager's client cache). */
  clients: { forCluster(name: string): Promise<ClusterClient> };
  now?: () => Date;
  /** Look again after this long while a cluster is still converging. Watches on the projected
   *  objects are what normally wakes the reconciler; this is the safety net. Default 15 s, growing
   *  to 4× while one generation keeps converging (converging-looks.ts). */
  waitRequeueMs?: number;
  /** Look again after this long when everything is settled: a full check (drift repaired) that no
   *  watch event asked for, the safety net under the watches, which report drift as it happens.
   *  Default 30 min: at 10,000 settled objects that is 333 looks a minute (docs/performance.md). */
  resyncMs?: number;
  /** Reconciles of an unchanged plan within this long of its last full check on a cluster only
   *  refresh the observed status (refresh.ts); later ones (resyncs) check in full. Default 60 s. */
  fullCheckMs?: number;
  /** The projected objects as the kind's cluster watches last saw them (read by refreshes). */
  observed?: ObservedObjects;
  /** Called with every cluster client a reconcile uses (to keep watches on it running). */
  onClient?(cluster: string, client: ClusterClient): void;
  /** For what goes wrong on the side (a Kubernetes Event that could not be emitted). */
  logger?: Logger;
  /** Where phase transitions' Kubernetes Events are written from, off the reconcile's path
   *  (default: one of the reconciler's own). */
  kubeEvents?: KubeEventRecorder;
  /** When repeated repairs of one object count as a fight with another writer. */
  fighting?: FightingOptions;
  /** `kubenova_drift_repairs_total{kind,adapter}`, and the adapter label to count under. */
  driftRepairs?: { counter: Pick<Counter<'kind' | 'adapter'>, 'inc'>; adapter: string };
}

export type DriftPolicy = 'repair' | 'detect';

/** Condition on a cluster entry and on the object while someone keeps undoing KubeNova's repairs. */
export const DRIFT_FIGHTING = 'DriftFighting';

export interface ProjectionKind<Intent, Ctx, Input> {
  kind: Kind;
  /** The engine's half: observe, plan, readiness, detail, explanations, watches. */
  adapter: ProjectionAdapter<Intent, Ctx, Input>;
  /** The intent with everything it refers to, and the clusters it is placed on; or why it cannot
   *  be projected (a reference that no longer resolves). */
  load(obj: Resource, objects: ObjectStore): Promise<{ intent: Intent; clusters: string[] } | { invalid: string }>;
  owner(obj: Resource): Owner;
  /** Why cluster cleanup must wait (e.g. a tenant's projects still being deleted), or undefined. */
  deletionBlocker?(obj: Resource, objects: ObjectStore): Promise<string | undefined>;
  /** What to do with drift (default `repair`). */
  driftPolicy?(intent: Intent): DriftPolicy | undefined;
}

interface ClusterRun {
  name: string;
  outcome: ClusterOutcome;
  detail?: Record<string, unknown>;
  /** The main projected object (first of the plan), for Kubernetes Events about this cluster. */
  regarding?: KubeObject;
  /** Look again after at most this long (a repair waiting out a fight). */
  requeueMs?: number;
}

/** A cluster ready to be applied: its client, context and plan. */
interface Planned<Ctx> {
  name: string;
  client: ClusterClient;
  /** The same cluster's reads through the watches' cache. */
  reads: ClusterClient;
  ctx: Ctx;
  objects: KubeObject[];
  /** Of the plan: equal digests mean the same intent, so differences on the cluster are drift. */
  digest: string;
}

/** Kept in `status.clusters[c]`: the digest of the plan last applied whole, and the drift shown. */
interface ClusterDriftStatus {
  appliedDigest?: string;
  drift?: DriftField[];
}

const planDigest = (objects: readonly KubeObject[]) => createHash('sha256').update(JSON.stringify(objects)).digest('hex').slice(0, 16);

const parseKey = (kind: Kind, key: string) => (key.startsWith(`${kind}/`) ? key.slice(kind.length + 1) : key);

export class ProjectionReconciler<Intent, Ctx, Input> implements Reconciler {
  private readonly now: () => Date;
  private readonly waitRequeueMs: number;
  private readonly resyncMs: number;
  private readonly fighting: DriftFighting;
  private readonly checks: LastChecks;
  private readonly converging: ConvergingLooks;
  /** Where this reconciler's Kubernetes Events are written from (`kubeEvents.flush()` waits for them). */
  readonly kubeEvents: KubeEventRecorder;

  constructor(
    private readonly kind: ProjectionKind<Intent, Ctx, Input>,
    private readonly deps: ProjectionDeps,
  ) {
    this.now = deps.now ?? (() => new Date());
    this.waitRequeueMs = deps.waitRequeueMs ?? 15_000;
    this.resyncMs = deps.resyncMs ?? 1_800_000;
    this.fighting = new DriftFighting(deps.fighting);
    this.checks = new LastChecks(deps.fullCheckMs ?? 60_000);
    this.converging = new ConvergingLooks(this.waitRequeueMs);
    this.kubeEvents = deps.kubeEvents ?? new KubeEventRecorder({ logger: deps.logger });
  }

  async reconcile(req: ReconcileRequest): Promise<ReconcileResult> {
    const { objects } = this.deps;
    const name = parseKey(this.kind.kind, req.key);
    let obj = await objects.get<Record<string, unknown>>(this.kind.kind, name);
    if (!obj || obj.deletionTimestamp) this.converging.forget(name);
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
      this.converging.forget(name);
      return { type: 'terminal', error: new Error(loaded.invalid) };
    }
    if (obj.status.observedGeneration !== obj.generation && obj.status.phase !== 'Applying') {
      // Say at once that a change is on its way; the clusters' detail follows below.
      obj = await this.writeStatus(obj, { ...obj.status, phase: 'Applying' }, req);
    }

    const previous = obj.status.clusters ?? {};
    const placed = new Set(loaded.clusters);
    const policy = this.kind.driftPolicy?.(loaded.intent) ?? 'repair';
    const prepared = await Promise.all(loaded.clusters.map((c) => inClusterLogContext(c, () => this.planOn(c, obj!, loaded.intent, req.signal))));
    const looked = await Promise.all(
      prepared.map((p) => ('client' in p ? inClusterLogContext(p.name, () => this.look(p, obj!, previous[p.name], req.signal)) : Promise.resolve(undefined))),
    );
    // Clusters with nothing to apply: stopped before a plan, drift left or paused, or refreshed.
    const held: ClusterRun[] = [];
    const toApply: Array<{ planned: Planned<Ctx>; observed?: DriftObservation; repairing: boolean }> = [];
    const now = this.now().getTime();
    prepared.forEach((p, i) => {
      if (!('client' in p)) return held.push(p);
      const look = looked[i]!;
      if ('refreshed' in look) return held.push(look.refreshed);
      const observed = look.observed;
      const drift = observed?.drifted ?? [];
      if (drift.length === 0) return toApply.push({ planned: p, observed, repairing: false });
      const fields = drift.flatMap((d) => d.fields);
      if (policy === 'detect')
        return held.push(this.driftedRun(p, fields, 'Drifted', `${summary(fields)}; drift policy "detect": left as is`, previous[p.name]));
      const wait = Math.max(...drift.map((d) => this.fighting.check(this.fightKey(obj!, p.name, d.desired), now)).map((v) => (v.fighting ? v.waitMs : 0)));
      if (wait > 0) {
        return held.push({
          ...this.driftedRun(
            p,
            fields,
            DRIFT_FIGHTING,
            `${summary(fields)}; repairs paused for ${Math.ceil(wait / 1000)} s: someone keeps changing it back`,
            previous[p.name],
          ),
          requeueMs: wait,
        });
      }
      toApply.push({ planned: p, observed, repairing: true });
    });

    // Drift about to be repaired is written first (phase Drifted with the diff), so the status
    // history shows what was found before it is gone.
    const repairing = toApply.filter((a) => a.repairing);
    if (repairing.length > 0) {
      const drifted = Object.fromEntries(
        repairing.map((a) => {
          const run = this.driftedRun(
            a.planned,
            a.observed!.drifted.flatMap((d) => d.fields),
            'Drifted',
            `${summary(a.observed!.drifted.flatMap((d) => d.fields))}; repairing`,
            previous[a.planned.name],
          );
          return [run.name, { ...clusterStatus(run.outcome, obj!.generation, previous[run.name], this.stamp()), ...run.detail }];
        }),
      );
      const clusters = { ...previous, ...drifted } as Record<string, ClusterStatus>;
      const before = obj;
      obj = await this.writeStatus(
        obj,
        overallStatus({
          generation: obj.status.observedGeneration,
          clusters,
          previous: obj.status,
          now: this.stamp(),
          extra: this.fightConditions(obj, Object.keys(clusters)),
        }),
        req,
      );
      if (obj !== before)
        await this.recordKubeEvents(
          before.status,
          obj.status,
          repairing.map((a) => ({ name: a.planned.name, regarding: a.planned.objects[0] })),
          req,
        );
    }

    const runs = [
      ...held,
      ...(await Promise.all([
        ...toApply.map((a) => inClusterLogContext(a.planned.name, () => this.applyOn(a.planned, obj, req.signal, a.observed, a.repairing))),
        // Clusters no longer in the placement: remove what was projected there.
        ...Object.keys(previous)
          .filter((c) => !placed.has(c))
          .map((c) => inClusterLogContext(c, () => this.removeFrom(c, obj, req.signal))),
      ])),
    ];
    const kept = runs.filter((r) => placed.has(r.name) || r.outcome.state !== 'ready');
    const clusters: Record<string, ClusterStatus> = {};
    for (const run of kept) {
      const base = clusterStatus(run.outcome, obj.generation, previous[run.name], this.stamp());
      const fights = this.fightConditions(obj, [run.name], previous[run.name]?.conditions);
      clusters[run.name] = { ...base, conditions: [...base.conditions, ...fights], ...run.detail };
    }
    const status = overallStatus({
      generation: obj.generation,
      clusters,
      previous: obj.status,
      now: this.stamp(),
      extra: this.fightConditions(obj, Object.keys(clusters)),
    });
    const written = await this.writeStatus(obj, status, req);
    if (written !== obj) await this.recordKubeEvents(obj.status, written.status, kept, req);
    let result = this.resultOf(kept.map((r) => r.outcome));
    if (result.type === 'requeueAfter' && result.converging) result = { ...result, delayMs: this.converging.next(obj.name, obj.generation) };
    else this.converging.forget(obj.name);
    const settle = this.fighting.settlesInMs(`${this.kind.kind}/${obj.name}/`, this.now().getTime());
    const hints = [...kept.map((r) => r.requeueMs), settle === undefined ? undefined : settle + 1].filter((x): x is number => x !== undefined);
    if (hints.length > 0 && result.type === 'requeueAfter') return { ...result, delayMs: Math.min(result.delayMs, ...hints) };
    return result;
  }

  /** A Kubernetes Event on the projected object of each cluster whose phase changed, queued to be
   *  written off this reconcile's path. */
  private async recordKubeEvents(
    before: ResourceStatus,
    after: ResourceStatus,
    runs: readonly Pick<ClusterRun, 'name' | 'regarding'>[],
    req: ReconcileRequest,
  ): Promise<void> {
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
        this.kubeEvents.record(client, regarding, { type, reason: t.to, action: 'Reconcile', note, correlationId: req.correlationId });
      }),
    );
  }

  /** Connects, prepares and plans for one cluster; or the outcome that stops it there. */
  private async planOn(cluster: string, obj: Resource, intent: Intent, signal: AbortSignal): Promise<Planned<Ctx> | ClusterRun> {
    const registered = await this.deps.objects.get('Cluster', cluster);
    if (!registered) {
      return {
        name: cluster,
        outcome: { state: 'failed', reason: 'ClusterNotRegistered', message: `no cluster "${cluster}" is registered`, retryable: false },
      };
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
    const reads = cachedReads(cluster, client, this.deps.observed);
    let prepared: Observed<Ctx, Input>;
    try {
      prepared = await adapter.observe(reads, intent, signal);
    } catch (err) {
      return { name: cluster, outcome: failureOutcome(err, adapter, 'reading cluster state') };
    }
    if ('stop' in prepared) return { name: cluster, outcome: prepared.stop };
    const plan = adapter.plan(intent, caps, prepared.input);
    if (plan.outcome === 'undiscovered') {
      return {
        name: cluster,
        outcome: { state: 'pending', reason: 'CapabilitiesUnknown', message: "the cluster's capabilities have not been discovered yet" },
      };
    }
    if (plan.outcome === 'unsupported') {
      const missing = plan.missing.map((m) => `${m.description} [${m.capability}]`).join(', ');
      return { name: cluster, outcome: { state: 'failed', reason: 'MissingCapability', message: `the cluster lacks ${missing}`, retryable: false } };
    }
    return { name: cluster, client, reads, ctx: prepared.ctx, objects: plan.objects, digest: planDigest(plan.objects) };
  }

  /**
   * A cluster whose plan was applied and checked in full a moment ago, and whose objects are
   * provably still in sync, is only refreshed: its outcome is the readiness of the objects as
   * they are now, as a full reconcile that found nothing to write would make it. Otherwise its
   * drift is observed for the full path.
   */
  private async look(
    p: Planned<Ctx>,
    obj: Resource,
    previous: ClusterStatus | undefined,
    signal: AbortSignal,
  ): Promise<{ refreshed: ClusterRun } | { observed?: DriftObservation }> {
    const key = this.checkKey(obj, p.name);
    const unchanged = obj.status.observedGeneration === obj.generation && (previous as ClusterDriftStatus | undefined)?.appliedDigest === p.digest;
    if (unchanged && this.checks.fresh(key, p.digest, obj.generation, this.now().getTime())) {
      const live = await this.checks.read(key, p, p.objects, this.deps.observed, signal);
      if (live) return { refreshed: this.runOf(p, readinessOutcome(live, this.kind.adapter, p.ctx), live, true) };
    }
    // Only a full reconcile that ends with everything in sync is remembered again.
    this.checks.forget(key);
    return { observed: await this.observe(p, obj, previous, signal) };
  }

  private checkKey(obj: Resource, cluster: string): string {
    return `${this.kind.kind}/${obj.name}/${cluster}`;
  }

  /**
   * Drift is only looked for when this exact plan was applied whole before (same digest):
   * otherwise differences are the intent's own change (a new generation, a policy set or a new
   * namespace of the tenant) and are simply applied. Failing to look is not drift either: the
   * apply that follows reports the failure.
   */
  private async observe(p: Planned<Ctx>, obj: Resource, previous: ClusterStatus | undefined, signal: AbortSignal): Promise<DriftObservation | undefined> {
    if ((previous as ClusterDriftStatus | undefined)?.appliedDigest !== p.digest) return undefined;
    try {
      return await observeDrift(p.client, this.kind.owner(obj), p.objects, this.kind.adapter, signal, p.reads);
    } catch (err) {
      if (err instanceof KubeError) return undefined;
      throw err;
    }
  }

  private async applyOn(p: Planned<Ctx>, obj: Resource, signal: AbortSignal, observed: DriftObservation | undefined, repairing: boolean): Promise<ClusterRun> {
    const result = await project(p.client, this.kind.owner(obj), p.objects, this.kind.adapter, p.ctx, signal, observed, p.reads);
    const whole = result.applied.length === p.objects.length;
    if (repairing && whole) {
      const now = this.now().getTime();
      for (const d of observed!.drifted) {
        const field = d.fields[0]!;
        const writer = otherWriter(d.live, field.field);
        this.fighting.record(this.fightKey(obj, p.name, d.desired), now, {
          object: field.object,
          field: field.field,
          writer: writer
            ? `${writer.manager}${writer.operation ? ` (${writer.operation})` : ''}`
            : field.field === MISSING_FIELD
              ? 'unknown (the object was deleted; deletions leave no field owner)'
              : 'unknown',
        });
        this.deps.driftRepairs?.counter.inc({ kind: this.kind.kind, adapter: this.deps.driftRepairs.adapter });
      }
    }
    if (whole && result.complete) this.checks.record(this.checkKey(obj, p.name), p.digest, obj.generation, result.applied, this.now().getTime());
    return this.runOf(p, result.outcome, result.applied, whole);
  }

  /** A cluster's run from the objects as the cluster holds them; `whole`: the plan is all there. */
  private runOf(p: Planned<Ctx>, outcome: ClusterOutcome, applied: KubeObject[], whole: boolean): ClusterRun {
    const regarding = applied[0] ?? p.objects[0];
    return {
      name: p.name,
      outcome,
      detail: { ...this.kind.adapter.detail?.(applied), ...(whole && { appliedDigest: p.digest }) },
      ...(regarding && { regarding }),
    };
  }

  /** A cluster left (or about to be shown) Drifted: the diff, and the digest it was found against. */
  private driftedRun(p: Planned<Ctx>, fields: DriftField[], reason: string, message: string, previous: ClusterStatus | undefined): ClusterRun {
    const { phase: _p, conditions: _c, observedGeneration: _o, ...detail } = previous ?? ({} as ClusterStatus);
    const regarding = p.objects[0];
    return {
      name: p.name,
      outcome: { state: 'drifted', reason, message },
      detail: { ...detail, appliedDigest: p.digest, drift: fields },
      ...(regarding && { regarding }),
    };
  }

  private fightKey(obj: Resource, cluster: string, desired: KubeObject): string {
    return `${this.kind.kind}/${obj.name}/${cluster}/${desired.apiVersion}/${desired.kind}/${desired.metadata.namespace ?? ''}/${desired.metadata.name}`;
  }

  /** `DriftFighting=True` naming each fight on these clusters, while it lasts. */
  private fightConditions(obj: Resource, clusters: readonly string[], previous?: ClusterStatus['conditions']): ClusterStatus['conditions'] {
    const now = this.now().getTime();
    const fights: Array<Fight & { cluster: string }> = clusters.flatMap((c) =>
      this.fighting.active(`${this.kind.kind}/${obj.name}/${c}/`, now).map((f) => ({ ...f, cluster: c })),
    );
    if (fights.length === 0) return [];
    const message = fights
      .map(
        (f) =>
          `${clusters.length > 1 ? `${f.cluster}: ` : ''}${f.object} field ${f.field === MISSING_FIELD ? '(the whole object)' : f.field} repaired ${f.repairs} times; other writer: ${f.writer}`,
      )
      .join('; ');
    return [condition(DRIFT_FIGHTING, 'True', 'RepeatedRepairs', message, previous ?? obj.status.conditions, this.stamp())];
  }

  private async removeFrom(cluster: string, obj: Resource, signal: AbortSignal): Promise<ClusterRun> {
    this.checks.forget(this.checkKey(obj, cluster));
    if (!(await this.deps.objects.get('Cluster', cluster))) {
      // Unregistered: KubeNova can no longer reach it; nothing to wait for.
      return { name: cluster, outcome: { state: 'ready', reason: 'ClusterNotRegistered', message: 'cluster no longer registered' } };
    }
    try {
      const client = await this.deps.clients.forCluster(cluster);
      this.deps.onClient?.(cluster, client);
      const outcome = await unproject(client, this.kind.owner(obj), this.kind.adapter as unknown as ProjectionAdapter<never, never>, signal);
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
      // The clusters it is still on stay listed: once unblocked, they are the ones to clean (also
      // those the placement no longer names).
      const waiting = this.deletingStatus(obj, {}, blocker);
      await this.writeStatus(obj, { ...waiting, ...(obj.status.clusters && { clusters: obj.status.clusters }) }, req);
      return { type: 'requeueAfter', delayMs: this.waitRequeueMs };
    }
    const loaded = await this.kind.load(obj, this.deps.objects);
    const targets = new Set([...Object.keys(obj.status.clusters ?? {}), ...('clusters' in loaded ? loaded.clusters : [])]);
    const runs = await Promise.all([...targets].map((c) => this.removeFrom(c, obj, req.signal)));
    const left = runs.filter((r) => r.outcome.state !== 'ready');
    if (left.length === 0) {
      this.fighting.forget(`${this.kind.kind}/${obj.name}/`);
      this.checks.forget(`${this.kind.kind}/${obj.name}/`);
      try {
        await this.deps.objects.update(
          this.kind.kind,
          obj.name,
          { finalizers: obj.finalizers.filter((f) => f !== CLEANUP_FINALIZER) },
          { correlationId: req.correlationId },
        );
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
      extra: [
        {
          type: 'Deleting',
          status: 'True',
          reason: blocker ? 'WaitingForDependents' : 'RemovingProjections',
          message: blocker ?? 'removing what was projected into clusters',
        },
      ],
    });
    return Object.keys(clusters).length === 0 ? { ...status, phase: 'Applying' } : status;
  }

  private invalidStatus(obj: Resource, why: string): ResourceStatus {
    const status = overallStatus({
      generation: obj.generation,
      clusters: {},
      previous: obj.status,
      now: this.stamp(),
      empty: { reason: 'InvalidIntent', message: why },
    });
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
    if (outcomes.some((o) => o.state === 'progressing' || o.state === 'pending'))
      return { type: 'requeueAfter', delayMs: this.waitRequeueMs, converging: true };
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

function summary(fields: readonly DriftField[]): string {
  const objects = new Set(fields.map((f) => f.object));
  const gone = fields.filter((f) => f.field === MISSING_FIELD).map((f) => f.object);
  const changed = fields.filter((f) => f.field !== MISSING_FIELD);
  const parts = [
    ...(gone.length > 0 ? [`deleted on the cluster: ${gone.join(', ')}`] : []),
    ...(changed.length > 0 ? [`changed on the cluster: ${changed.map((f) => `${f.object} ${f.field}`).join(', ')}`] : []),
  ];
  return `${objects.size} object${objects.size === 1 ? '' : 's'} differ${objects.size === 1 ? 's' : ''} from the intent (${parts.join('; ')})`;
}
