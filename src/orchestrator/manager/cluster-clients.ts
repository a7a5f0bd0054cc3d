// One ClusterClient per registered cluster, built from the cluster's stored credentials (the
// agent's kubeconfig) and rebuilt when they change (token rotation, re-registration). Building a
// client opens no connection, so asking for an unreachable cluster's client never blocks: its
// requests fail fast (connect errors) or at their deadline, and only that cluster's work waits.
import { KubeClusterClient, type ClientOptions } from '../../adapters/kube/client.js';
import { secretRefOf } from '../../domain/secret-refs.js';
import type { Store } from '../../store/types.js';

/** The secret field holding a cluster's credentials. */
export const CREDENTIALS_FIELD = 'kubeconfig';

export class ClusterUnavailableError extends Error {
  override readonly name = 'ClusterUnavailableError';
  constructor(
    readonly cluster: string,
    readonly reason: 'NotRegistered' | 'NoCredentials',
    message: string,
  ) {
    super(message);
  }
}

export interface ClusterClients {
  /** The client of a registered cluster; ClusterUnavailableError when there is no such cluster
   *  or it has no credentials. A client is replaced (and the old one closed a minute later) when
   *  the credentials change: whoever started watches on a client should compare the instance on
   *  each reconcile and start them again on a new one. */
  forCluster(name: string): Promise<KubeClusterClient>;
  /** Closes and forgets a cluster's client (the cluster was deleted). */
  forget(name: string): void;
  close(): void;
}

interface Entry {
  /** The credentials' ref (a digest of the value): a new value has a new ref. */
  ref: string;
  client: Promise<KubeClusterClient>;
}

export function createClusterClients(store: Pick<Store, 'objects' | 'secrets'>, opts: { client?: ClientOptions; retireAfterMs?: number } = {}): ClusterClients {
  const entries = new Map<string, Entry>();
  const retiring = new Map<NodeJS.Timeout, Entry>();
  const retireAfterMs = opts.retireAfterMs ?? 60_000;
  const closeEntry = (entry: Entry) =>
    void entry.client.then(
      (c) => c.close(),
      () => undefined,
    );

  const retire = (entry: Entry | undefined, delayMs: number) => {
    if (!entry) return;
    if (delayMs <= 0) return closeEntry(entry);
    // In-flight requests of other reconciles finish on the old client first.
    const timer = setTimeout(() => {
      retiring.delete(timer);
      closeEntry(entry);
    }, delayMs);
    timer.unref?.();
    retiring.set(timer, entry);
  };

  return {
    async forCluster(name) {
      const obj = await store.objects.get('Cluster', name);
      if (!obj || obj.deletionTimestamp) throw new ClusterUnavailableError(name, 'NotRegistered', `cluster "${name}" is not registered`);
      const ref = secretRefOf(obj, CREDENTIALS_FIELD);
      if (!ref) throw new ClusterUnavailableError(name, 'NoCredentials', `cluster "${name}" has no credentials`);
      const cached = entries.get(name);
      if (cached?.ref === ref.field) return cached.client;
      const client = (async () => {
        const bytes = await store.secrets.get(ref);
        if (!bytes) throw new ClusterUnavailableError(name, 'NoCredentials', `cluster "${name}": its credentials are missing from the secret store`);
        return KubeClusterClient.fromKubeconfigText(name, bytes.toString('utf8'), opts.client);
      })();
      const entry = { ref: ref.field, client };
      entries.set(name, entry);
      // A failed build is not remembered: the next call tries again.
      client.catch(() => {
        if (entries.get(name) === entry) entries.delete(name);
      });
      retire(cached, retireAfterMs);
      return client;
    },
    forget(name) {
      retire(entries.get(name), 0);
      entries.delete(name);
    },
    close() {
      for (const [timer, entry] of retiring) {
        clearTimeout(timer);
        closeEntry(entry);
      }
      retiring.clear();
      for (const entry of entries.values()) retire(entry, 0);
      entries.clear();
    },
  };
}
