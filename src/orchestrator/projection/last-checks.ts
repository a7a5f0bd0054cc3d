// Cheap reconciles of an unchanged intent. Most reconciles of a projected object are woken by a
// watch reporting that the cluster changed the status of what KubeNova projected (vela-core
// running a workflow, Capsule counting namespaces). When the plan is the one last applied and
// checked in full on that cluster, such a reconcile only needs the objects' new status: they are
// taken from the watches' cache (a GET when the cache lacks them or lags behind), compared on
// KubeNova's fields without any write, and turned into readiness. Anything else — an object gone,
// replaced, or changed in a field KubeNova sets, a new plan or generation, no full check within
// `fullCheckMs` (so periodic resyncs are full), or a process that does not remember one (a
// restart, another replica) — takes the full path: list, compare, dry-run, apply, prune.
import { KubeError, type ClusterClient, type KubeObject, objectKey } from '../../adapters/kube/types.js';
import { newerVersion, type ObservedObjects } from './watches.js';
import { contentDigest, ownedDiff } from './drift.js';
import { refOf } from './sync.js';

/** One object as the last check saw it in sync with the plan. */
interface Seen {
  uid?: string;
  version?: string;
  content: string;
}

/** The last full check of one intent on one cluster that found (or left) every object in sync. */
interface Checked {
  digest: string;
  generation: number;
  at: number;
  objects: Map<string, Seen>;
}

const seenOf = (obj: KubeObject): Seen => ({ uid: obj.metadata.uid, version: obj.metadata.resourceVersion, content: contentDigest(obj) });

/**
 * Whether `live` is still in sync with `desired`, knowing it was as `seen`: the same object
 * (uid), and either the very version seen, or only its status and bookkeeping changed since
 * (same content digest), or its content changed but not in a field KubeNova sets. Pure.
 */
export function stillInSync(desired: KubeObject, live: KubeObject | undefined, seen: Seen | undefined): boolean {
  if (!live || !seen || live.metadata.deletionTimestamp || live.metadata.uid !== seen.uid) return false;
  if (live.metadata.resourceVersion === seen.version) return true;
  return contentDigest(live) === seen.content || ownedDiff(desired, live).length === 0;
}

export class LastChecks {
  private readonly checks = new Map<string, Checked>();

  constructor(private readonly fullCheckMs: number) {}

  /** After a full reconcile that left `objects` (as the cluster returned them, in plan order) in
   *  sync with the plan of `digest` for intent generation `generation`. */
  record(key: string, digest: string, generation: number, objects: readonly KubeObject[], now: number): void {
    this.checks.set(key, { digest, generation, at: now, objects: new Map(objects.map((o) => [objectKey(o), seenOf(o)])) });
  }

  /** `key` exactly, or every key under a prefix ending in `/`. */
  forget(key: string): void {
    if (!key.endsWith('/')) return void this.checks.delete(key);
    for (const k of this.checks.keys()) if (k.startsWith(key)) this.checks.delete(k);
  }

  /** Whether a reconcile of this plan at `now` may skip the full check. Pure. */
  fresh(key: string, digest: string, generation: number, now: number): boolean {
    const last = this.checks.get(key);
    return last !== undefined && last.digest === digest && last.generation === generation && now - last.at < this.fullCheckMs;
  }

  /**
   * The plan's objects as the cluster now holds them, when all are provably still in sync;
   * undefined: a full check is due. What was read is remembered, so an older copy from a
   * lagging cache is never taken for the current one.
   */
  async read(
    key: string,
    cluster: { name: string; client: ClusterClient },
    desired: readonly KubeObject[],
    observed: ObservedObjects | undefined,
    signal?: AbortSignal,
  ): Promise<KubeObject[] | undefined> {
    const last = this.checks.get(key);
    if (!last) return undefined;
    const live: KubeObject[] = [];
    for (const want of desired) {
      const seen = last.objects.get(objectKey(want));
      let obj = observed?.lookup(cluster.name, refOf(want));
      const order = newerVersion(obj?.metadata.resourceVersion, seen?.version);
      if (obj && order !== 0 && order !== 1) obj = undefined;
      if (!obj) {
        try {
          obj = await cluster.client.get(refOf(want), { signal });
        } catch (err) {
          if (err instanceof KubeError) return undefined; // the full path reports it
          throw err;
        }
      }
      if (!stillInSync(want, obj, seen)) return undefined;
      live.push({ ...obj!, apiVersion: want.apiVersion, kind: want.kind });
    }
    for (const obj of live) last.objects.set(objectKey(obj), seenOf(obj));
    return live;
  }
}
