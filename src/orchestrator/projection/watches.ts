// Watches on the clusters a projected kind talks to: each event queues the intents it concerns
// (drift, deletion by someone else, status reported by Capsule or vela-core), and the objects
// seen are kept, per cluster, as the latest version each watch delivered: an informer's store.
// Reconciles read from it instead of asking the cluster again (cached-reads.ts, last-checks.ts):
// a single object when a watch holds it, a list once the watches that select it have delivered
// their first list. The cache never claims that an object is absent: a get it cannot answer goes
// to the cluster.
import { isDeepStrictEqual } from 'node:util';
import type { ClusterWatch } from '../../adapters/contract.js';
import type { ClusterClient, KubeObject, ObjectRef, Stoppable, TypeRef } from '../../adapters/kube/types.js';
import { matchesLabelSelector, parseLabelSelector, selectorCovers } from '../../store/label-selector.js';
import type { LabelSelector } from '../../store/types.js';

/** Projected objects as the cluster's watches last delivered them. */
export interface ObservedObjects {
  /** The newest version the watches hold of `ref` on `cluster`; undefined: not known here. */
  lookup(cluster: string, ref: ObjectRef): KubeObject | undefined;
  /** What a list of `type` with these options would return, when the watches of `cluster` that
   *  select all of it have delivered their first list; undefined: ask the cluster. */
  list?(cluster: string, type: TypeRef, opts?: { namespace?: string; labelSelector?: string }): KubeObject[] | undefined;
}

interface Running {
  spec: ClusterWatch;
  selector: LabelSelector;
  watch: Stoppable & { readonly failing?: boolean };
  objects: IndexedObjects;
  /** The first list was delivered: `objects` holds everything the watch selects. */
  synced: boolean;
}

const cacheKey = (namespace: string | undefined, name: string) => `${namespace ?? ''}/${name}`;

/** What one watch holds, by `namespace/name`, indexed by namespace and by each label
 *  (`key=value`), as client-go's indexers are. A reconcile lists its own objects by their owner
 *  labels (across namespaces: what it should prune may be anywhere); without the indexes each such
 *  list reads every object of the type on the cluster, and a pass over N apps costs N² label
 *  matches (3,000 apps: a third of each periodic look; bench/watch-cache.ts). */
class IndexedObjects {
  private readonly byKey = new Map<string, KubeObject>();
  private readonly byNamespace = new Map<string, Map<string, KubeObject>>();
  private readonly byLabel = new Map<string, Map<string, KubeObject>>();

  get(key: string): KubeObject | undefined {
    return this.byKey.get(key);
  }

  set(obj: KubeObject): void {
    const key = cacheKey(obj.metadata.namespace, obj.metadata.name);
    const old = this.byKey.get(key);
    if (old) this.unindex(key, old);
    this.byKey.set(key, obj);
    bucketAdd(this.byNamespace, obj.metadata.namespace ?? '', key, obj);
    for (const [k, v] of Object.entries(obj.metadata.labels ?? {})) bucketAdd(this.byLabel, `${k}=${v}`, key, obj);
  }

  delete(obj: KubeObject): void {
    const key = cacheKey(obj.metadata.namespace, obj.metadata.name);
    const old = this.byKey.get(key);
    if (!old) return;
    this.byKey.delete(key);
    this.unindex(key, old);
  }

  /** The fewest objects that surely include every one in `namespace` (all namespaces when
   *  undefined, `''`: cluster-scoped) matching `selector`; the caller still checks both. */
  candidates(namespace: string | undefined, selector: LabelSelector): Iterable<[string, KubeObject]> {
    let best: ReadonlyMap<string, KubeObject> = this.byKey;
    const consider = (bucket: ReadonlyMap<string, KubeObject> | undefined) => {
      const b = bucket ?? EMPTY;
      if (b.size < best.size) best = b;
    };
    if (namespace !== undefined) consider(this.byNamespace.get(namespace));
    for (const r of selector) if (r.op === 'Equals') consider(this.byLabel.get(`${r.key}=${r.value}`));
    return best.entries();
  }

  private unindex(key: string, obj: KubeObject): void {
    bucketDelete(this.byNamespace, obj.metadata.namespace ?? '', key);
    for (const [k, v] of Object.entries(obj.metadata.labels ?? {})) bucketDelete(this.byLabel, `${k}=${v}`, key);
  }
}

const EMPTY: ReadonlyMap<string, KubeObject> = new Map<string, KubeObject>();

function bucketAdd(index: Map<string, Map<string, KubeObject>>, at: string, key: string, obj: KubeObject): void {
  let bucket = index.get(at);
  if (!bucket) index.set(at, (bucket = new Map<string, KubeObject>()));
  bucket.set(key, obj);
}

function bucketDelete(index: Map<string, Map<string, KubeObject>>, at: string, key: string): void {
  const bucket = index.get(at);
  if (bucket?.delete(key) && bucket.size === 0) index.delete(at);
}

/** Which of two versions of one object is newer. Kubernetes resourceVersions are opaque, but
 *  every API server backed by etcd hands out increasing integers; anything else is not ordered. */
export function newerVersion(a: string | undefined, b: string | undefined): -1 | 0 | 1 | undefined {
  if (a === b) return 0;
  if (!a || !b || !/^\d+$/.test(a) || !/^\d+$/.test(b)) return undefined;
  return BigInt(a) > BigInt(b) ? 1 : -1;
}

/**
 * The watches of `watches` on every cluster a reconcile talks to, restarted when the runtime
 * hands out a new client for a cluster (rotated credentials). Every event enqueues its keys, those
 * of the initial list included: a change that lands between the reconcile that started the watch
 * and the watch's first list (Capsule reporting a Tenant ready) is seen then. The first list's
 * keys go to the background lane (at start-up it holds every object, looked at anyway), what the
 * watch sees after it to the observed lane (work-queue.ts).
 */
export class ClusterWatches implements ObservedObjects {
  private readonly byCluster = new Map<string, { client: ClusterClient; running: Running[] }>();

  constructor(
    /** `observed` for a change the watch saw, `background` for its (re)list before it synced. */
    private readonly enqueue: (key: string, lane: 'observed' | 'background') => void,
    private readonly watches: readonly ClusterWatch[],
    /** Also sees every event (the usage tracker reads usage from the same watches). */
    private readonly observer?: (cluster: string, type: 'ADDED' | 'MODIFIED' | 'DELETED', obj: KubeObject) => void,
  ) {}

  ensure(cluster: string, client: ClusterClient): void {
    const current = this.byCluster.get(cluster);
    if (current?.client === client) return;
    for (const r of current?.running ?? []) r.watch.stop();
    const running = this.watches.map((spec) => {
      const objects = new IndexedObjects();
      let listed = false; // its first list is done
      const watch = client.watch(spec.type, { labelSelector: spec.labelSelector, ...(spec.namespace && { namespace: spec.namespace }) }, (type, obj) => {
        const { significant } = spec;
        const held = type === 'MODIFIED' && significant ? objects.get(cacheKey(obj.metadata.namespace, obj.metadata.name)) : undefined;
        // An update that changes nothing the watch calls significant wakes nothing.
        const quiet = held !== undefined && significant !== undefined && isDeepStrictEqual(significant(held), significant(obj));
        if (type === 'DELETED') objects.delete(obj);
        else objects.set(obj);
        if (!quiet) for (const k of spec.keysOf(obj, cluster)) this.enqueue(k, listed ? 'observed' : 'background');
        this.observer?.(cluster, type, obj);
      });
      const run: Running = { spec, selector: parseLabelSelector(spec.labelSelector ?? ''), watch, objects, synced: false };
      watch.synced.then(
        () => (listed = run.synced = true),
        () => undefined,
      );
      return run;
    });
    this.byCluster.set(cluster, { client, running });
  }

  /** Whether a watch on `cluster` cannot reach it now: then nothing is answered from the cache,
   *  so a reconcile asks the cluster and finds it unreachable, as it is. */
  private failing(cluster: string): boolean {
    return (this.byCluster.get(cluster)?.running ?? []).some((r) => r.watch.failing === true);
  }

  lookup(cluster: string, ref: ObjectRef): KubeObject | undefined {
    if (this.failing(cluster)) return undefined;
    let found: KubeObject | undefined;
    for (const r of this.byCluster.get(cluster)?.running ?? []) {
      if (r.spec.type.apiVersion !== ref.apiVersion || r.spec.type.kind !== ref.kind) continue;
      const obj = r.objects.get(cacheKey(ref.namespace, ref.name));
      // Two watches may select the same object (different selectors): the newer copy wins.
      if (obj && (!found || newerVersion(obj.metadata.resourceVersion, found.metadata.resourceVersion) === 1)) found = obj;
    }
    return found;
  }

  list(cluster: string, type: TypeRef, opts: { namespace?: string; labelSelector?: string } = {}): KubeObject[] | undefined {
    if (this.failing(cluster)) return undefined;
    const ofType = (this.byCluster.get(cluster)?.running ?? []).filter((r) => r.spec.type.apiVersion === type.apiVersion && r.spec.type.kind === type.kind);
    let query: LabelSelector;
    try {
      query = parseLabelSelector(opts.labelSelector ?? '');
    } catch {
      return undefined;
    }
    const covering = ofType.some(
      (r) => r.synced && (r.spec.namespace === undefined || r.spec.namespace === opts.namespace) && selectorCovers(r.selector, query),
    );
    if (!covering) return undefined;
    // Every synced watch of the type adds what it holds (two may select one object: the newer wins).
    const found = new Map<string, KubeObject>();
    for (const r of ofType) {
      if (!r.synced) continue;
      for (const [key, obj] of r.objects.candidates(opts.namespace, query)) {
        if (opts.namespace !== undefined && (obj.metadata.namespace ?? '') !== opts.namespace) continue;
        if (!matchesLabelSelector(query, obj.metadata.labels ?? {})) continue;
        const had = found.get(key);
        if (!had || newerVersion(obj.metadata.resourceVersion, had.metadata.resourceVersion) === 1) found.set(key, obj);
      }
    }
    return [...found.values()];
  }

  close(): void {
    for (const { running } of this.byCluster.values()) for (const r of running) r.watch.stop();
    this.byCluster.clear();
  }
}
