// Reads a reconcile makes through the cluster watches' cache (an informer's lister): a get the
// watches hold an object for, a list their first lists cover. What the cache cannot answer, and
// every write, goes to the cluster. An answer may be a moment old, as a controller-runtime
// cached client's is: what changes after it arrives as a watch event and queues the next look.
import type { ClusterClient } from '../../adapters/kube/types.js';
import type { ObservedObjects } from './watches.js';

export function cachedReads(cluster: string, client: ClusterClient, observed: ObservedObjects | undefined): ClusterClient {
  if (!observed) return client;
  return {
    cluster: client.cluster,
    get: async (ref, opts) => observed.lookup(cluster, ref) ?? client.get(ref, opts),
    list: async (type, opts) => observed.list?.(cluster, type, opts) ?? client.list(type, opts),
    apply: (obj, opts) => client.apply(obj, opts),
    patchStatus: (ref, patch, opts) => client.patchStatus(ref, patch, opts),
    impersonating: (username) => client.impersonating(username),
    delete: (ref, opts) => client.delete(ref, opts),
    watch: (type, opts, onEvent) => client.watch(type, opts, onEvent),
  };
}
