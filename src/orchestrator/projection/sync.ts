// Apply → prune → observe for one intent on one cluster, and its removal: the generic half of
// every projection. Adapters say what to apply (a plan), how to read readiness and how to explain
// a refusal; this file does the I/O through a ClusterClient and decides nothing about phases.
//
// Rules it keeps for every adapter:
// - it never changes an object that does not carry KubeNova's labels for the same owner: an
//   existing object of that name is reported (NotOwned) and left alone;
// - it prunes only objects found by the owner's label selector (so only KubeNova's own);
// - writes are server-side apply (field manager `kubenova`), so re-applying an unchanged plan
//   changes nothing in the cluster.
import { isOwnedBy, ownerNoun, ownershipSelector, type Owner } from '../../domain/ownership.js';
import { FIELD_MANAGER, KubeError, objectKey, type ClusterClient, type KubeObject, type ObjectRef } from '../../adapters/kube/types.js';
import type { OwnedType, ProjectionAdapter, Readiness } from '../../adapters/contract.js';
import { ownedDiff, type DriftField } from './drift.js';
import type { ClusterOutcome } from './phases.js';

export const refOf = (o: KubeObject): ObjectRef => ({
  apiVersion: o.apiVersion,
  kind: o.kind,
  name: o.metadata.name,
  ...(o.metadata.namespace !== undefined && { namespace: o.metadata.namespace }),
});

export const describe = (o: Pick<KubeObject, 'kind' | 'metadata'>) => `${o.kind} ${o.metadata.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata.name}`;

/** A failure while talking to a cluster, as an outcome. */
export function failureOutcome(err: unknown, adapter: Pick<ProjectionAdapter<never, never>, 'explain'>, doing: string): ClusterOutcome {
  const explained = adapter.explain(err);
  if (explained) return { state: 'failed', reason: explained.code, message: `${doing}: ${explained.summary}: ${explained.detail}`, retryable: true };
  if (err instanceof KubeError) {
    return { state: 'failed', reason: err.reason === 'Unknown' ? 'ClusterError' : err.reason, message: `${doing}: ${err.message}`, retryable: true };
  }
  throw err;
}

export interface ProjectResult {
  outcome: ClusterOutcome;
  /** Objects as the cluster returned them after apply, by position in the plan. */
  applied: KubeObject[];
  pruned: ObjectRef[];
  /** Everything was listed, applied and pruned: the outcome is the objects' readiness, not a
   *  failure to talk to the cluster. */
  complete: boolean;
}

/**
 * Lists what the owner projected before (by its labels), applies `desired` in order (the first
 * failure stops: later objects often depend on earlier ones), prunes what is no longer wanted,
 * then reads readiness from what the cluster returned. An object not found among the owner's
 * is read first: if it exists without the owner's labels it is someone else's and left alone.
 */
export async function project<Ctx>(
  client: ClusterClient,
  owner: Owner,
  desired: readonly KubeObject[],
  adapter: ProjectionAdapter<never, Ctx>,
  ctx: Ctx,
  signal?: AbortSignal,
  /** What `observeDrift` found this reconcile: the owner's objects (saves listing again), and
   *  those already as desired, which are not written again (a write would change nothing, and an
   *  object deleted meanwhile is then seen as drift by the next reconcile, not silently put back). */
  observed?: Pick<DriftObservation, 'listed' | 'inSync'>,
  /** Where to list the owner's objects when `observed` is not given (the watches' cache, which
   *  asks the cluster for what it cannot answer). */
  reads: ClusterClient = client,
): Promise<ProjectResult> {
  const applied: KubeObject[] = [];
  const pruned: ObjectRef[] = [];
  let owned: Map<string, KubeObject>;
  try {
    owned = observed?.listed ?? (await listOwned(reads, owner, adapter, signal));
  } catch (err) {
    return { outcome: failureOutcome(err, adapter, 'listing projected objects'), applied, pruned, complete: false };
  }
  for (const stage of stagesOf(desired, adapter)) {
    // One stage's objects are written at once; what they returned stays in plan order.
    const results = await Promise.all(stage.map((obj) => writeOne(client, owner, obj, owned, adapter, signal, observed?.inSync.get(objectKey(obj)))));
    for (const r of results) {
      if ('outcome' in r) return { outcome: r.outcome, applied, pruned, complete: false };
      applied.push(r.applied);
    }
  }
  const wanted = new Set(desired.map(objectKey));
  try {
    for (const [key, found] of owned) {
      if (wanted.has(key)) continue;
      await remove(client, found, adapter, signal);
      pruned.push(refOf(found));
    }
  } catch (err) {
    return { outcome: failureOutcome(err, adapter, 'removing objects no longer wanted'), applied, pruned, complete: false };
  }
  return { outcome: readinessOutcome(applied, adapter, ctx), applied, pruned, complete: true };
}

/** `desired` cut into the adapter's apply stages, in plan order. */
function stagesOf(desired: readonly KubeObject[], adapter: Pick<ProjectionAdapter<never, never>, 'applyStage'>): KubeObject[][] {
  if (!adapter.applyStage) return desired.map((obj) => [obj]);
  const stages: KubeObject[][] = [];
  let current: number | undefined;
  for (const obj of desired) {
    const stage = adapter.applyStage(obj);
    if (stage !== current) stages.push([]);
    current = stage;
    stages.at(-1)!.push(obj);
  }
  return stages;
}

/** One desired object written (unless already in sync), or why not: someone else's object of
 *  that name is left alone (NotOwned). */
async function writeOne(
  client: ClusterClient,
  owner: Owner,
  obj: KubeObject,
  owned: Map<string, KubeObject>,
  adapter: Pick<ProjectionAdapter<never, never>, 'explain' | 'writeAs'>,
  signal: AbortSignal | undefined,
  inSync: KubeObject | undefined,
): Promise<{ applied: KubeObject } | { outcome: ClusterOutcome }> {
  if (inSync) return { applied: inSync };
  let doing = `reading ${describe(obj)}`;
  try {
    if (!owned.has(objectKey(obj))) {
      const live = await client.get(refOf(obj), { signal });
      if (live && !isOwnedBy(live.metadata.labels, owner) && !wroteIt(live)) {
        return {
          outcome: {
            state: 'failed',
            reason: 'NotOwned',
            message: `${describe(obj)} already exists and was not created by KubeNova for this ${ownerNoun(owner)}; it is left untouched`,
            retryable: true,
          },
        };
      }
    }
    const user = adapter.writeAs?.(obj);
    doing = `applying ${describe(obj)}${user ? ` as ${user}` : ''}`;
    return { applied: await (user ? client.impersonating(user) : client).apply(obj, { signal }) };
  } catch (err) {
    return { outcome: failureOutcome(err, adapter, doing) };
  }
}

/** The cluster's outcome from the readiness of the objects as the cluster holds them: the first
 *  failed one, else the first still progressing, else ready. */
export function readinessOutcome<Ctx>(applied: readonly KubeObject[], adapter: Pick<ProjectionAdapter<never, Ctx>, 'readiness'>, ctx: Ctx): ClusterOutcome {
  const readiness = applied
    .map((obj) => ({ obj, r: adapter.readiness(obj, ctx) }))
    .filter((x): x is { obj: KubeObject; r: Readiness } => x.r !== undefined && x.r.state !== 'ready');
  const failed = readiness.find((x) => x.r.state === 'failed');
  const waiting = readiness.find((x) => x.r.state === 'progressing');
  const first = failed ?? waiting;
  return first
    ? { state: first.r.state, reason: first.r.reason, message: `${describe(first.obj)}: ${first.r.message}`, retryable: true }
    : { state: 'ready', reason: 'Deployed', message: `${applied.length} object${applied.length === 1 ? '' : 's'} applied and ready` };
}

/** What the owner projected on the cluster, found by its labels, by `objectKey`. */
export async function listOwned(
  client: ClusterClient,
  owner: Owner,
  adapter: Pick<ProjectionAdapter<never, never>, 'ownedTypes'>,
  signal?: AbortSignal,
): Promise<Map<string, KubeObject>> {
  const owned = new Map<string, KubeObject>();
  for (const type of adapter.ownedTypes) {
    for (const found of await client.list(type, { namespace: type.namespace, labelSelector: ownershipSelector(owner), signal })) {
      if (isOwnedBy(found.metadata.labels, owner)) owned.set(objectKey(found), found);
    }
  }
  return owned;
}

/** Whether KubeNova's field manager wrote the object: one of its own whose labels someone changed. */
const wroteIt = (live: KubeObject) => (live.metadata.managedFields ?? []).some((m) => m.manager === FIELD_MANAGER);

export interface DriftObservation {
  /** The owner's objects found by their labels (for `project`). */
  listed: Map<string, KubeObject>;
  /** Per desired object that differs: its fields, and the live object (for who else wrote it). */
  drifted: Array<{ desired: KubeObject; live: KubeObject | undefined; fields: DriftField[] }>;
  /** The live objects that hold everything desired, by `objectKey`. */
  inSync: Map<string, KubeObject>;
}

/**
 * Compares what the cluster holds with `desired`, on KubeNova's fields only (drift.ts). A
 * difference found by plain comparison is confirmed with a dry-run apply, whose result carries
 * the server's own normalisation and defaults: only what a real apply would change is drift.
 */
export async function observeDrift(
  client: ClusterClient,
  owner: Owner,
  desired: readonly KubeObject[],
  adapter: Pick<ProjectionAdapter<never, never>, 'ownedTypes'>,
  signal?: AbortSignal,
  /** Where to list the owner's objects (the watches' cache); a difference found in what it
   *  returned is read again from `client` before it counts: the cache may lag behind. */
  reads: ClusterClient = client,
): Promise<DriftObservation> {
  const listed = await listOwned(reads, owner, adapter, signal);
  const drifted: DriftObservation['drifted'] = [];
  const inSync = new Map<string, KubeObject>();
  for (const obj of desired) {
    let live = listed.get(objectKey(obj));
    let fields = live ? ownedDiff(obj, live) : [];
    if (live && reads !== client && fields.length > 0) {
      // The cache may lag behind: what the cluster holds now decides.
      listed.delete(objectKey(obj));
      live = undefined;
    }
    if (!live) {
      const found = await client.get(refOf(obj), { signal });
      // Someone else's object of that name is not drift: `project` reports it (NotOwned).
      if (found && !isOwnedBy(found.metadata.labels, owner) && !wroteIt(found)) continue;
      if (found && isOwnedBy(found.metadata.labels, owner)) listed.set(objectKey(obj), found);
      live = found;
      fields = ownedDiff(obj, live);
    }
    if (fields.length === 0) {
      inSync.set(objectKey(obj), live!);
      continue;
    }
    if (!live || live.metadata.deletionTimestamp) {
      drifted.push({ desired: obj, live, fields });
      continue;
    }
    try {
      fields = ownedDiff(obj, live, await client.apply(obj, { dryRun: true, signal }));
    } catch (err) {
      // A refused dry run (a webhook that does not support it): keep the plain comparison.
      if (!(err instanceof KubeError)) throw err;
    }
    // Equal after the server's normalisation: in sync as well.
    if (fields.length > 0) drifted.push({ desired: obj, live, fields });
    else inSync.set(objectKey(obj), live);
  }
  return { listed, drifted, inSync };
}

async function remove(
  client: ClusterClient,
  obj: KubeObject,
  adapter: Pick<ProjectionAdapter<never, never>, 'beforeDelete'>,
  signal?: AbortSignal,
): Promise<void> {
  if (obj.metadata.deletionTimestamp) return;
  const release = adapter.beforeDelete?.(obj);
  if (release) await client.apply(release, { signal });
  await client.delete(refOf(obj), { signal });
}

/**
 * Deletes everything the owner projected on the cluster (only objects carrying its labels), in
 * the adapter's deletion order. `ready` once nothing is left; `progressing` while objects are
 * still terminating (namespaces, Tenants with finalizers).
 */
export async function unproject(client: ClusterClient, owner: Owner, adapter: ProjectionAdapter<never, never>, signal?: AbortSignal): Promise<ClusterOutcome> {
  if (adapter.deleteInOrder) {
    // One type at a time: the next only once everything of this one is gone.
    for (const type of adapter.ownedTypes) {
      const outcome = await deleteAll(client, owner, [type], adapter, signal);
      if (outcome.state !== 'ready') return outcome;
    }
    return { state: 'ready', reason: 'Removed', message: 'nothing projected is left' };
  }
  return deleteAll(client, owner, adapter.ownedTypes, adapter, signal);
}

async function deleteAll(
  client: ClusterClient,
  owner: Owner,
  types: readonly OwnedType[],
  adapter: ProjectionAdapter<never, never>,
  signal?: AbortSignal,
): Promise<ClusterOutcome> {
  const left: KubeObject[] = [];
  try {
    for (const type of types) {
      const found = (await client.list(type, { namespace: type.namespace, labelSelector: ownershipSelector(owner), signal })).filter((o) =>
        isOwnedBy(o.metadata.labels, owner),
      );
      for (const obj of found) await remove(client, obj, adapter, signal);
      left.push(...found);
    }
  } catch (err) {
    return failureOutcome(err, adapter, 'deleting projected objects');
  }
  if (left.length === 0) return { state: 'ready', reason: 'Removed', message: 'nothing projected is left' };
  // Deletion requested; check what is still there (terminating objects take a while).
  try {
    const still: KubeObject[] = [];
    for (const obj of left) {
      const live = await client.get(refOf(obj), { signal });
      if (live && isOwnedBy(live.metadata.labels, owner)) still.push(live);
    }
    if (still.length === 0) return { state: 'ready', reason: 'Removed', message: 'nothing projected is left' };
    return { state: 'progressing', reason: 'Removing', message: `waiting for ${still.map(describe).join(', ')} to go` };
  } catch (err) {
    return failureOutcome(err, adapter, 'checking deletion');
  }
}
