// Watches on the clusters a projected kind talks to: each event queues the intents it concerns
// (drift, deletion by someone else, status reported by Capsule or vela-core), and the objects
// seen are kept, per cluster, as the latest version each watch delivered: an informer's store.
// Reconciles read from it instead of asking the cluster again (cached-reads.ts, last-checks.ts):
// a single object when a watch holds it, a list once the watches that select it have delivered
// their first list. The cache never claims that an object is absent: a get it cannot answer goes
// to the cluster.
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
  objects: NamespacedObjects;
  /** The first list was delivered: `objects` holds everything the watch selects. */
  synced: boolean;
}

const cacheKey = (namespace: string | undefined, name: string) => `${namespace ?? ''}/${name}`;

/** What one watch holds, by `namespace/name`, and indexed by namespace (client-go's namespace
 *  index): a reconcile lists its own objects in one namespace, and without the index each such
 *  list would read every object of the type on the cluster (10,000 apps: 0.37 ms per list,
 *  bench/watch-cache.ts). */
class NamespacedObjects {
  private readonly byKey = new Map<string, KubeObject>();
  private readonly byNamespace = new Map<string, Map<string, KubeObject>>();

  get(key: string): KubeObject | undefined {
    return this.byKey.get(key);
  }

  set(obj: KubeObject): void {
    const ns = obj.metadata.namespace ?? '';
    const key = cacheKey(ns, obj.metadata.name);
    this.byKey.set(key, obj);
    let inNs = this.byNamespace.get(ns);
    if (!inNs) this.byNamespace.set(ns, (inNs = new Map<string, KubeObject>()));
    inNs.set(key, obj);
  }

  delete(obj: KubeObject): void {
    const ns = obj.metadata.namespace ?? '';
    const key = cacheKey(ns, obj.metadata.name);
    this.byKey.delete(key);
    const inNs = this.byNamespace.get(ns);
    if (inNs?.delete(key) && inNs.size === 0) this.byNamespace.delete(ns);
  }

  /** Every object, or those of one namespace (`''`: cluster-scoped ones). */
  entries(namespace?: string): Iterable<[string, KubeObject]> {
    if (namespace === undefined) return this.byKey.entries();
    return this.byNamespace.get(namespace)?.entries() ?? [];
  }
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
 * and the watch's first list (Capsule reporting a Tenant ready) is seen then.
 */
export class ClusterWatches implements ObservedObjects {
  private readonly byCluster = new Map<string, { client: ClusterClient; running: Running[] }>();

  constructor(
    private readonly enqueue: (key: string) => void,
    private readonly watches: readonly ClusterWatch[],
    /** Also sees every event (the usage tracker reads usage from the same watches). */
    private readonly observer?: (cluster: string, type: 'ADDED' | 'MODIFIED' | 'DELETED', obj: KubeObject) => void,
  ) {}

  ensure(cluster: string, client: ClusterClient): void {
    const current = this.byCluster.get(cluster);
    if (current?.client === client) return;
    for (const r of current?.running ?? []) r.watch.stop();
    const running = this.watches.map((spec) => {
      const objects = new NamespacedObjects();
      const watch = client.watch(spec.type, { labelSelector: spec.labelSelector, ...(spec.namespace && { namespace: spec.namespace }) }, (type, obj) => {
        if (type === 'DELETED') objects.delete(obj);
        else objects.set(obj);
        for (const k of spec.keysOf(obj, cluster)) this.enqueue(k);
        this.observer?.(cluster, type, obj);
      });
      const run: Running = { spec, selector: parseLabelSelector(spec.labelSelector ?? ''), watch, objects, synced: false };
      watch.synced.then(
        () => (run.synced = true),
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
      for (const [key, obj] of r.objects.entries(opts.namespace)) {
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
