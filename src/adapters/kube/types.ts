// The seam between KubeNova and one Kubernetes cluster. Adapters (Capsule, KubeVela) and
// reconcilers use only this; src/adapters/kube implements it on @kubernetes/client-node.
// Every write is server-side apply with field manager `kubenova`.

export const FIELD_MANAGER = 'kubenova';

export interface ObjectMeta {
  name: string;
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  deletionTimestamp?: string;
  ownerReferences?: Array<{ apiVersion: string; kind: string; name: string; uid: string; controller?: boolean }>;
  managedFields?: Array<{ manager?: string; operation?: string; fieldsV1?: unknown; time?: string }>;
}

export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  [field: string]: unknown;
}

/** Identifies one object: its type and its name (and namespace when namespaced). */
export interface ObjectRef {
  apiVersion: string;
  kind: string;
  name: string;
  namespace?: string;
}

export interface TypeRef {
  apiVersion: string;
  kind: string;
}

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface Stoppable {
  stop(): void;
}

/** Why a call to a cluster failed, in KubeNova's terms (adapters map these to conditions). */
export type KubeErrorReason =
  | 'Unreachable' // connection refused, DNS, TLS handshake, timeout
  | 'Unauthorized' // 401: credential rejected or expired
  | 'Forbidden' // 403 from RBAC
  | 'AdmissionDenied' // a webhook or admission policy refused the write (message says why)
  | 'NotFound'
  | 'Conflict'
  | 'Invalid' // 422 from the API server's validation
  | 'Unknown';

export class KubeError extends Error {
  constructor(
    readonly reason: KubeErrorReason,
    message: string,
    readonly status?: number,
    /** For AdmissionDenied: the webhook or policy name and its own message. */
    readonly admission?: { webhook: string; message: string },
  ) {
    super(message);
    this.name = 'KubeError';
  }
}

export interface ClusterClient {
  /** The KubeNova cluster name. */
  readonly cluster: string;
  /** Server-side apply (field manager kubenova, force: KubeNova's intent wins over other writers). */
  apply(obj: KubeObject, opts?: { dryRun?: boolean; signal?: AbortSignal }): Promise<KubeObject>;
  get(ref: ObjectRef, opts?: { signal?: AbortSignal }): Promise<KubeObject | undefined>;
  list(type: TypeRef, opts?: { namespace?: string; labelSelector?: string; signal?: AbortSignal }): Promise<KubeObject[]>;
  /** JSON merge patch of the object's `status` subresource (for controllers' own operations on
   *  status, such as resuming a workflow); the object as returned. */
  patchStatus(ref: ObjectRef, patch: Record<string, unknown>, opts?: { signal?: AbortSignal }): Promise<KubeObject>;
  /** A client for the same cluster that acts as `username` (Kubernetes impersonation; the
   *  agent's RBAC must allow impersonating that user). Shares connections. */
  impersonating(username: string): ClusterClient;
  /** Deletes; 'absent' when it was already gone. */
  delete(ref: ObjectRef, opts?: { signal?: AbortSignal }): Promise<'deleted' | 'absent'>;
  /** Watches a type (re-listing and re-watching on its own after errors or expiry) and calls
   *  back for every change; `synced` resolves after the initial list was delivered; `failing`
   *  while it cannot reach the server (what it delivered may be out of date then). */
  watch(
    type: TypeRef,
    opts: { namespace?: string; labelSelector?: string },
    onEvent: (type: WatchEventType, obj: KubeObject) => void,
  ): Stoppable & { synced: Promise<void>; readonly failing?: boolean };
}

/** One object's identity on a cluster: apiVersion, kind, namespace and name. */
export const objectKey = (o: Pick<KubeObject, 'apiVersion' | 'kind' | 'metadata'>): string =>
  `${o.apiVersion}/${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;
