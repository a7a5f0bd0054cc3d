// Watches on the clusters a projected kind talks to: each event queues the intents it concerns
// (drift, deletion by someone else, status reported by Capsule or vela-core), and the objects
// seen are kept, per cluster, as the latest version each watch delivered. A reconcile of an
// unchanged intent reads its projected objects from there instead of listing them again
// (refresh.ts); the cache only ever serves objects, never claims that one is absent.
import type { ClusterWatch } from '../../adapters/contract.js';
import type { ClusterClient, KubeObject, ObjectRef, Stoppable } from '../../adapters/kube/types.js';

/** Projected objects as the cluster's watches last delivered them. */
export interface ObservedObjects {
  /** The newest version the watches hold of `ref` on `cluster`; undefined: not known here. */
  lookup(cluster: string, ref: ObjectRef): KubeObject | undefined;
}

interface Running {
  spec: ClusterWatch;
  watch: Stoppable;
  objects: Map<string, KubeObject>;
}

const cacheKey = (namespace: string | undefined, name: string) => `${namespace ?? ''}/${name}`;

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
      const objects = new Map<string, KubeObject>();
      const watch = client.watch(spec.type, { labelSelector: spec.labelSelector, ...(spec.namespace && { namespace: spec.namespace }) }, (type, obj) => {
        const key = cacheKey(obj.metadata.namespace, obj.metadata.name);
        if (type === 'DELETED') objects.delete(key);
        else objects.set(key, obj);
        for (const k of spec.keysOf(obj, cluster)) this.enqueue(k);
        this.observer?.(cluster, type, obj);
      });
      return { spec, watch, objects };
    });
    this.byCluster.set(cluster, { client, running });
  }

  lookup(cluster: string, ref: ObjectRef): KubeObject | undefined {
    let found: KubeObject | undefined;
    for (const r of this.byCluster.get(cluster)?.running ?? []) {
      if (r.spec.type.apiVersion !== ref.apiVersion || r.spec.type.kind !== ref.kind) continue;
      const obj = r.objects.get(cacheKey(ref.namespace, ref.name));
      // Two watches may select the same object (different selectors): the newer copy wins.
      if (obj && (!found || newerVersion(obj.metadata.resourceVersion, found.metadata.resourceVersion) === 1)) found = obj;
    }
    return found;
  }

  close(): void {
    for (const { running } of this.byCluster.values()) for (const r of running) r.watch.stop();
    this.byCluster.clear();
  }
}
