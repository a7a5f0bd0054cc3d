// ClusterClient on one kube-apiserver: generic objects by apiVersion + kind (discovery finds
// their URLs), writes as server-side apply (field manager `kubenova`, force), self-healing
// watches, and the few typed calls KubeNova needs beyond objects (discovery, TokenRequest,
// access reviews).
import type { KubeConfig } from '@kubernetes/client-node';
import { selfSubjectAccessReview, selfSubjectReview, type AccessCheck, type Identity } from './access-review.js';
import { Discovery, objectPath, collectionPath } from './discovery.js';
import { loadKubeconfig } from './kubeconfig.js';
import { KubeRest } from './rest.js';
import { requestServiceAccountToken, type IssuedToken, type TokenRequestSpec } from './token-request.js';
import { FIELD_MANAGER, KubeError, type ClusterClient, type KubeObject, type ObjectRef, type Stoppable, type TypeRef, type WatchEventType } from './types.js';
import { DEFAULT_WATCH_TUNING, startWatch, type WatchTuning } from './watch.js';

export interface ClientOptions {
  /** Deadline of one request (default 30 s). */
  timeoutMs?: number;
  watch?: Partial<WatchTuning>;
  /** Admission warnings (deprecated fields, ...) of writes, for logs. */
  onWarnings?(warnings: string[], obj: ObjectRef): void;
}

/** A ClusterClient plus what registration and capability discovery need. */
export class KubeClusterClient implements ClusterClient {
  readonly discovery: Discovery;
  private readonly watches = new Set<Stoppable>();

  private constructor(
    readonly cluster: string,
    readonly rest: KubeRest,
    private readonly opts: ClientOptions,
    discovery?: Discovery,
  ) {
    this.discovery = discovery ?? new Discovery(rest);
  }

  static async fromKubeConfig(cluster: string, kc: KubeConfig, opts: ClientOptions = {}): Promise<KubeClusterClient> {
    return new KubeClusterClient(cluster, await KubeRest.fromKubeConfig(kc, { timeoutMs: opts.timeoutMs, cluster }), opts);
  }

  /** From kubeconfig text (inline credentials only; see kubeconfig.ts). */
  static async fromKubeconfigText(cluster: string, text: string, opts: ClientOptions = {}): Promise<KubeClusterClient> {
    return KubeClusterClient.fromKubeConfig(cluster, loadKubeconfig(text), opts);
  }

  get server(): string {
    return this.rest.server;
  }

  async apply(obj: KubeObject, opts: { dryRun?: boolean; signal?: AbortSignal } = {}): Promise<KubeObject> {
    const r = await this.discovery.resource(obj.apiVersion, obj.kind, opts.signal);
    const { managedFields: _drop, ...metadata } = obj.metadata;
    const answer = await this.rest.request<KubeObject>({
      method: 'PATCH',
      path: objectPath(r, obj.metadata.name, obj.metadata.namespace),
      query: { fieldManager: FIELD_MANAGER, force: true, dryRun: opts.dryRun ? 'All' : undefined },
      contentType: 'application/apply-patch+yaml',
      body: { ...obj, metadata },
      signal: opts.signal,
    });
    if (answer.warnings.length > 0) this.opts.onWarnings?.(answer.warnings, refOf(obj));
    return answer.body;
  }

  async patchStatus(ref: ObjectRef, patch: Record<string, unknown>, opts: { signal?: AbortSignal } = {}): Promise<KubeObject> {
    const r = await this.discovery.resource(ref.apiVersion, ref.kind, opts.signal);
    const answer = await this.rest.request<KubeObject>({
      method: 'PATCH',
      path: `${objectPath(r, ref.name, ref.namespace)}/status`,
      contentType: 'application/merge-patch+json',
      body: patch,
      signal: opts.signal,
    });
    return answer.body;
  }

  /** Shares this client's connections and discovery cache: never close it, close this one. */
  impersonating(username: string): KubeClusterClient {
    return new KubeClusterClient(this.cluster, this.rest.withHeaders({ 'Impersonate-User': username }), this.opts, this.discovery);
  }

  async get(ref: ObjectRef, opts: { signal?: AbortSignal } = {}): Promise<KubeObject | undefined> {
    try {
      const r = await this.discovery.resource(ref.apiVersion, ref.kind, opts.signal);
      return (await this.rest.request<KubeObject>({ method: 'GET', path: objectPath(r, ref.name, ref.namespace), signal: opts.signal })).body;
    } catch (err) {
      // Not found, or its type is not served (then no such object exists either).
      if (err instanceof KubeError && err.reason === 'NotFound') return undefined;
      throw err;
    }
  }

  /** All pages. A type the cluster does not serve is KubeError NotFound. `metadataOnly`: the
   *  objects carry only apiVersion, kind and metadata (PartialObjectMetadata), for names. */
  async list(type: TypeRef, opts: { namespace?: string; labelSelector?: string; signal?: AbortSignal; metadataOnly?: boolean } = {}): Promise<KubeObject[]> {
    const r = await this.discovery.resource(type.apiVersion, type.kind, opts.signal);
    const items: KubeObject[] = [];
    let cont: string | undefined;
    do {
      const { body } = await this.rest.request<{ items?: KubeObject[]; metadata?: { continue?: string } }>({
        method: 'GET',
        path: collectionPath(r, opts.namespace),
        query: { labelSelector: opts.labelSelector, limit: 500, continue: cont },
        accept: opts.metadataOnly ? METADATA_ONLY_LIST : undefined,
        signal: opts.signal,
      });
      for (const item of body.items ?? []) items.push({ ...item, apiVersion: type.apiVersion, kind: type.kind });
      cont = body.metadata?.continue || undefined;
    } while (cont);
    return items;
  }

  /** Background propagation; 'deleted' also when deletion started and finalizers still run. */
  async delete(ref: ObjectRef, opts: { signal?: AbortSignal } = {}): Promise<'deleted' | 'absent'> {
    try {
      const r = await this.discovery.resource(ref.apiVersion, ref.kind, opts.signal);
      await this.rest.request({
        method: 'DELETE',
        path: objectPath(r, ref.name, ref.namespace),
        query: { propagationPolicy: 'Background' },
        signal: opts.signal,
      });
      return 'deleted';
    } catch (err) {
      if (err instanceof KubeError && err.reason === 'NotFound') return 'absent';
      throw err;
    }
  }

  watch(
    type: TypeRef,
    opts: { namespace?: string; labelSelector?: string; metadataOnly?: boolean },
    onEvent: (type: WatchEventType, obj: KubeObject) => void,
  ): Stoppable & { synced: Promise<void>; readonly failing: boolean } {
    const w = startWatch(this.rest, this.discovery, type, opts, onEvent, { ...DEFAULT_WATCH_TUNING, ...this.opts.watch });
    this.watches.add(w);
    return {
      synced: w.synced,
      get failing() {
        return w.failing;
      },
      stop: () => {
        this.watches.delete(w);
        w.stop();
      },
    };
  }

  /** Like watch, but objects carry only their metadata (PartialObjectMetadata): cheap for
   *  large objects (CRDs) when only their comings and goings matter. */
  watchMetadata(
    type: TypeRef,
    opts: { namespace?: string; labelSelector?: string },
    onEvent: (type: WatchEventType, obj: KubeObject) => void,
  ): Stoppable & { synced: Promise<void> } {
    return this.watch(type, { ...opts, metadataOnly: true }, onEvent);
  }

  /** A ServiceAccount token from the TokenRequest API, with its real expiry. */
  requestToken(spec: TokenRequestSpec, signal?: AbortSignal): Promise<IssuedToken> {
    return requestServiceAccountToken(this.rest, spec, signal);
  }

  /** Who the API server says this client is. */
  whoAmI(signal?: AbortSignal): Promise<Identity> {
    return selfSubjectReview(this.rest, signal);
  }

  /** Whether this client may do `check` (SelfSubjectAccessReview). */
  canI(check: AccessCheck, signal?: AbortSignal): Promise<boolean> {
    return selfSubjectAccessReview(this.rest, check, signal);
  }

  /** Stops every watch and closes connections. */
  close(): void {
    for (const w of this.watches) w.stop();
    this.watches.clear();
    this.rest.close();
  }
}

const METADATA_ONLY_LIST = 'application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json';

const refOf = (o: KubeObject): ObjectRef => ({
  apiVersion: o.apiVersion,
  kind: o.kind,
  name: o.metadata.name,
  ...(o.metadata.namespace !== undefined && { namespace: o.metadata.namespace }),
});
