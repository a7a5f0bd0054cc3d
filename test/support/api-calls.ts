// Counting the Kubernetes API calls a reconciler makes: a ClusterClients whose clients record
// every get, list, apply (dry runs apart), patchStatus and delete, with the object or type, before
// passing it on to the real client. Watches pass through uncounted (they are long-lived streams).
// For tests that must see that a reconcile did not write, and for benchmarks that report calls.
import type { ClusterClient, KubeObject, ObjectRef, TypeRef } from '../../src/adapters/kube/types.js';

export interface ApiCall {
  cluster: string;
  verb: 'get' | 'list' | 'apply' | 'dryRunApply' | 'patchStatus' | 'delete';
  apiVersion: string;
  kind: string;
  namespace?: string;
  name?: string;
  /** Of a list. */
  labelSelector?: string;
  /** The impersonated user, if any. */
  as?: string;
  /** Who made it, as `by()` said at the time (e.g. the reconciling kind). */
  by?: string;
  /** When it was made (`performance.now()`). */
  at: number;
}

interface Clients {
  forCluster(name: string): Promise<ClusterClient>;
}

/** Wraps `clients`; the same underlying client always gives the same wrapper (watch owners
 *  compare client instances to know when to restart their watches). */
export function countingClients<C extends Clients>(clients: C, calls: ApiCall[] = [], by?: () => string | undefined): { clients: C; calls: ApiCall[] } {
  const wrapped = new WeakMap<ClusterClient, ClusterClient>();
  const wrap = (inner: ClusterClient, as?: string): ClusterClient => {
    const record = (verb: ApiCall['verb'], ref: TypeRef & { name?: string; namespace?: string; labelSelector?: string }) =>
      calls.push({
        cluster: inner.cluster,
        verb,
        apiVersion: ref.apiVersion,
        kind: ref.kind,
        ...(ref.namespace && { namespace: ref.namespace }),
        ...(ref.name && { name: ref.name }),
        ...(ref.labelSelector && { labelSelector: ref.labelSelector }),
        ...(as && { as }),
        ...(by?.() !== undefined && { by: by() }),
        at: performance.now(),
      });
    const meta = (o: KubeObject) => ({ apiVersion: o.apiVersion, kind: o.kind, name: o.metadata.name, namespace: o.metadata.namespace });
    // A Proxy keeps the client's other members (discovery, rest, ...) as they are.
    return new Proxy(inner, {
      get(target, prop, receiver) {
        switch (prop) {
          case 'apply':
            return (obj: KubeObject, opts?: { dryRun?: boolean }) => (record(opts?.dryRun ? 'dryRunApply' : 'apply', meta(obj)), target.apply(obj, opts));
          case 'get':
            return (ref: ObjectRef, opts?: object) => (record('get', ref), target.get(ref, opts));
          case 'list':
            return (type: TypeRef, opts?: { namespace?: string; labelSelector?: string }) => (record('list', { ...type, ...opts }), target.list(type, opts));
          case 'patchStatus':
            return (ref: ObjectRef, patch: Record<string, unknown>, opts?: object) => (record('patchStatus', ref), target.patchStatus(ref, patch, opts));
          case 'delete':
            return (ref: ObjectRef, opts?: object) => (record('delete', ref), target.delete(ref, opts));
          case 'impersonating':
            return (user: string) => wrap(target.impersonating(user), user);
          default: {
            const value = Reflect.get(target, prop, receiver) as unknown;
            return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
          }
        }
      },
    });
  };
  const forCluster = async (name: string) => {
    const inner = await clients.forCluster(name);
    let outer = wrapped.get(inner);
    if (!outer) wrapped.set(inner, (outer = wrap(inner)));
    return outer;
  };
  return { clients: new Proxy(clients, { get: (t, p, r) => (p === 'forCluster' ? forCluster : Reflect.get(t, p, r)) }), calls };
}
