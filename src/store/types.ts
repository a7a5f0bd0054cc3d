// The store contract: KubeNova's single source of truth. Two implementations share one SQL
// dialect (PostgreSQL): embedded PGlite (default, one data directory) and a PostgreSQL server.
import type { Kind, Labels, Phase, Resource, ResourceStatus } from '../domain/resource.js';
import type { UsageStore } from './usage.js';
import type { SecretRef } from '../domain/secret-refs.js';
import type { PhaseTransition } from '../domain/phase-transitions.js';
import type { LeaseTick, LeaseTickInput } from './leases.js';
import type { Sql } from './sql.js';
import type { LivenessLock } from './liveness.js';

export type { SecretRef } from '../domain/secret-refs.js';

/** Kubernetes-style equality/set-based selector, parsed from `?labelSelector=`. */
export type LabelRequirement =
  | { key: string; op: 'Equals' | 'NotEquals'; value: string }
  | { key: string; op: 'In' | 'NotIn'; values: string[] }
  | { key: string; op: 'Exists' | 'DoesNotExist' };
export type LabelSelector = LabelRequirement[];

export interface ListOptions {
  /** Page size, 1..500. */
  limit: number;
  /** Opaque cursor from a previous page's `nextCursor`. */
  cursor?: string;
  labelSelector?: LabelSelector;
  /** Restrict to objects of these tenants (tenant-scoped callers); undefined = no restriction. */
  tenants?: readonly string[];
  /** Only objects of this one tenant (e.g. a tenant's projects). */
  tenant?: string;
  /** Only objects whose name starts with this text (compared in the database, not listed). */
  namePrefix?: string;
  /** Only objects in one of these phases (`status.phase`). */
  phases?: readonly Phase[];
  /** Only objects whose name contains this text. */
  nameContains?: string;
  /** Also count every object these options select, over all pages (`Page.total`). */
  count?: boolean;
}

export interface Page<T> {
  items: T[];
  nextCursor?: string;
  /** With `ListOptions.count`: how many objects the listing selects over all its pages. */
  total?: number;
}

/** Write-only values of an object (a cluster's kubeconfig), by field: stored encrypted in the
 *  secret store, in the same transaction as the object, and named by its spec (see
 *  domain/secret-refs.ts). */
export type SecretValues = Readonly<Record<string, Buffer>>;

export interface NewResource<Spec = Record<string, unknown>> {
  kind: Kind;
  name: string;
  tenant?: string;
  labels?: Labels;
  spec: Spec;
  finalizers?: string[];
  secrets?: SecretValues;
}

export interface ResourcePatch<Spec = Record<string, unknown>> {
  labels?: Labels;
  spec?: Spec;
  finalizers?: string[];
  /** Replaces the values of these fields; the others keep theirs. */
  secrets?: SecretValues;
}

export interface ChangeEvent {
  type: 'created' | 'updated' | 'deleted';
  kind: Kind;
  name: string;
  tenant?: string;
  resourceVersion: string;
  /** The request id of the write that caused it (correlation id), when known: the write's
   *  context, else the log context it ran in (an API request, a reconcile). */
  correlationId?: string;
  /** The X-Request-Id the client of that API request sent, if any (its events carry it). */
  clientRequestId?: string;
  /** Who made that API request (its principal subject), beside its correlation id only. */
  actor?: string;
  /** W3C traceparent of the span the write ran in, when tracing: reconciles continue its trace. */
  traceparent?: string;
  /** updated: the spec changed (a new generation). */
  specChanged?: true;
  /** updated: deletion was requested now (finalizers remain). */
  deletionStarted?: true;
  /** updated: only the status changed (a reconciler reporting); nothing its own reconciler acts on. */
  statusOnly?: true;
  /** updated: phase changes of the object and of its cluster entries. */
  transitions?: PhaseTransition[];
}

export type StoreErrorCode = 'ALREADY_EXISTS' | 'NOT_FOUND' | 'CONFLICT' | 'INVALID_ARGUMENT';

/** Thrown by the store; the API maps them to HTTP errors (409, 404, 409, 400).
 *  INVALID_ARGUMENT: a malformed label selector, cursor or limit, or a forbidden change
 *  (adding finalizers to an object being deleted). */
export class StoreError extends Error {
  override readonly name = 'StoreError';
  constructor(
    readonly code: StoreErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export interface WriteContext {
  /** Correlation id carried into change events (and into the revision a write records). */
  correlationId?: string;
  /** Optimistic concurrency: the write fails with CONFLICT unless this is the current version. */
  expectedVersion?: string;
  /** Record the spec in the object's revision history, in the same transaction, when this write
   *  creates the object or changes its spec (a write that changes no spec records nothing). */
  revision?: RevisionAuthor;
  /** The audit record of the API request making this write, appended in the write's own
   *  transaction (as are the write's events): what was acknowledged is always audited. Called
   *  once the write is known to succeed; `removed`: it removed the object. */
  audit?: (outcome: { removed: boolean }) => NewAuditRecord;
}

/** How a revision came about. */
export type RevisionChange =
  | { type: 'created' }
  | { type: 'updated' }
  /** The spec of revision `to` restored while revision `from` was current. */
  | { type: 'rolled-back'; from: number; to: number };

/** Who wrote a revision, and why. */
export interface RevisionAuthor {
  /** The token subject. */
  actor: string;
  /** The role the write was allowed by. */
  role?: string;
  reason?: string;
  change: RevisionChange;
}

/** - pending: not (yet) seen converged or failed at its generation;
 *  - succeeded: the object reached Deployed with observedGeneration = its number;
 *  - failed: the object reported Error at its generation (may still turn succeeded while it is
 *    current: a retry can converge);
 *  - superseded: a newer revision was written before this one succeeded or failed. */
export const REVISION_OUTCOMES = ['pending', 'succeeded', 'failed', 'superseded'] as const;
export type RevisionOutcome = (typeof REVISION_OUTCOMES)[number];

/** One entry of an object's history: the spec as written at generation `number`. */
export interface Revision<Spec = Record<string, unknown>> extends RevisionAuthor {
  kind: Kind;
  name: string;
  /** The object's generation after the write. */
  number: number;
  spec: Spec;
  /** The request id of the write. */
  requestId?: string;
  createdAt: string;
  outcome: { state: RevisionOutcome; message?: string; at?: string };
}

/** What the object's status says about its generations (see RevisionStore.settle). */
export interface ObservedState {
  /** The object's current generation. */
  generation: number;
  observedGeneration: number;
  phase: ResourceStatus['phase'];
  /** Why, when the phase is Error. */
  message?: string;
}

/** The revision history of objects written with `WriteContext.revision`. Rows go with the
 *  object: deleting it removes its history. */
export interface RevisionStore {
  /** Newest first; the cursor is the `nextCursor` of the previous page. */
  list<S = Record<string, unknown>>(kind: Kind, name: string, opts: { limit: number; cursor?: string }): Promise<Page<Revision<S>>>;
  get<S = Record<string, unknown>>(kind: Kind, name: string, number: number): Promise<Revision<S> | undefined>;
  /** The newest revision below `below` that succeeded and whose spec differs from `unlike`. */
  lastSucceeded<S = Record<string, unknown>>(kind: Kind, name: string, below: number, unlike: S): Promise<Revision<S> | undefined>;
  /** Level-triggered outcomes from what the object's status says: the revision at
   *  observedGeneration succeeded (Deployed) or failed (Error); pending revisions older than
   *  the current generation were superseded. Idempotent; returns how many revisions changed. */
  settle(kind: Kind, name: string, observed: ObservedState): Promise<number>;
}

/** Writes that would change nothing (same labels/spec/finalizers, same status, same secret
 *  values, repeated delete request) are no-ops: no new resourceVersion, no change event.
 *  Reconcilers rely on this to avoid waking themselves up.
 *
 *  Secret values: the store owns `spec.secretRefs` (whatever a write puts there is replaced by
 *  its own bookkeeping). Each value is referenced by a keyed digest of it, so writing the value
 *  a field already has changes nothing, while a new value changes the spec, and so bumps
 *  `generation`. After the key a digest was made with is retired from the keyring, an equal
 *  value can no longer be recognised: it is written anew, once. */
export interface ObjectStore {
  create<S>(obj: NewResource<S>, ctx?: WriteContext): Promise<Resource<S>>;
  get<S>(kind: Kind, name: string): Promise<Resource<S> | undefined>;
  /** Ordered by name (bytewise); a cursor stays valid while objects are inserted or removed. */
  list<S>(kind: Kind, opts: ListOptions): Promise<Page<Resource<S>>>;
  /** The first name (bytewise) of the objects of `kind` that have one of `names` or a name
   *  starting with `namePrefix`: one query on the primary key, no object read. */
  firstName(kind: Kind, where: { names?: readonly string[]; namePrefix?: string }): Promise<string | undefined>;
  /** Changes labels/spec/finalizers; bumps `generation` only if the spec really changed.
   *  Adding a finalizer to an object being deleted is INVALID_ARGUMENT. If the patch removes the
   *  last finalizer of an object being deleted, the object is removed and its final state is
   *  returned (a `deleted` event follows). */
  update<S>(kind: Kind, name: string, patch: ResourcePatch<S>, ctx?: WriteContext): Promise<Resource<S>>;
  /** Writes status only; never bumps `generation`. */
  updateStatus<S>(kind: Kind, name: string, status: ResourceStatus, ctx?: WriteContext): Promise<Resource<S>>;
  /** With finalizers left: sets deletionTimestamp and returns the object; without: removes it
   *  (and its secrets) and returns undefined. Removing the last finalizer of an object marked for
   *  deletion (via update) removes it too. NOT_FOUND if there is no such object. */
  delete<S>(kind: Kind, name: string, ctx?: WriteContext): Promise<Resource<S> | undefined>;
  /** Every committed change, in commit order, for reconcilers and event streams: the writes of
   *  this process, and with `remote` those of the other replicas sharing the database too. */
  onChange(listener: (e: ChangeEvent) => void, opts?: SubscribeOptions): () => void;
  /** Called when changes of other replicas may have been missed (the connection hearing them was
   *  lost and is back): who needs every change re-reads the store. Never on the embedded store. */
  onFeedGap(listener: () => void): () => void;
}

export interface SecretStore {
  /** The owner object must exist (NOT_FOUND otherwise); its hard deletion removes its secrets. */
  put(ref: SecretRef, plaintext: Buffer): Promise<void>;
  get(ref: SecretRef): Promise<Buffer | undefined>;
  /** Metadata only (never the value): which key wraps it and when it was written. */
  describe(ref: SecretRef): Promise<{ keyId: string; updatedAt: string } | undefined>;
  remove(ref: SecretRef): Promise<void>;
  /** Re-wraps every data key under the keyring's active key; returns how many were re-wrapped. */
  rewrapAll(): Promise<number>;
  /** Ids of the keys wrapping at least one secret: those a keyring must keep. */
  keyIdsInUse(): Promise<string[]>;
}

export interface KeyRotation {
  activeKeyId: string;
  /** Secrets re-wrapped by this rotation. */
  rewrapped: number;
}

export interface Store {
  objects: ObjectStore;
  revisions: RevisionStore;
  secrets: SecretStore;
  /** KubeNova events (append-only). */
  events: EventStore;
  /** The audit log (append-only). */
  audit: AuditLog;
  /** Tenant quota usage reported by the clusters, and its samples (store/usage.ts). */
  usage: UsageStore;
  /** Key rotation without downtime: re-reads the keyring file, then re-wraps every secret under
   *  its active key while reads and writes go on. A keyring file that is invalid, or that lacks a
   *  key still wrapping secrets, is refused (KeyringError INVALID) and the keys in force stay. */
  rotateKeys(): Promise<KeyRotation>;
  /** Liveness of the underlying database, for /readyz. */
  ping(): Promise<void>;
  /** How replicas sharing this database divide the work; absent on the embedded store, which
   *  one process owns. */
  coordination?: Coordination;
  close(): Promise<void>;
}

/** What several replicas on one PostgreSQL server coordinate through (orchestrator/shards.ts). */
export interface Coordination {
  leases: ShardLeases;
  /** Opens this replica's liveness session holding advisory lock `lockId`. */
  holdLiveness(lockId: number, onError?: (err: Error) => void): LivenessLock;
}

/** The shard leases' table (leases.ts). */
export interface ShardLeases {
  newLockId(): Promise<number>;
  tick(input: LeaseTickInput): Promise<LeaseTick>;
  release(replica: string): Promise<void>;
}

export interface SubscribeOptions {
  /** Also the messages of writes made by other replicas (default: this process's only). */
  remote?: boolean;
}

/** Per object, change events follow commit order (the row lock serialises its writes). Across
 *  objects on PostgreSQL, two commits of the same instant may be published in either order;
 *  consumers are level-triggered and re-read the object anyway. */
export interface Broadcast<T> {
  /** Inside the write's transaction: the other replicas hear of `message` iff it commits. */
  stage(tx: Sql, message: T): Promise<void>;
  /** Once per committed write, after the commit: to this process's listeners. */
  publish(message: T): void;
  subscribe(listener: (message: T) => void, opts?: SubscribeOptions): () => void;
  /** Called when messages of other replicas may have been missed (the connection receiving
   *  them was lost and is back): a consumer that needs every one re-reads the store. */
  onGap(listener: () => void): () => void;
  close(): void;
}

export type EventType = 'Normal' | 'Warning';

export interface NewEvent {
  type: EventType;
  /** CamelCase, stable: Created, Updated, Deleted, Applying, Deployed, Drifted, Error, ReconcileFailed, ... */
  reason: string;
  message: string;
  kind: string;
  name: string;
  tenant?: string;
  cluster?: string;
  correlationId?: string;
  /** The X-Request-Id of the API request whose write this event reports, if it sent one. */
  clientRequestId?: string;
  /** Who made the API request whose write this event reports (its principal subject). */
  actor?: string;
}

export interface EventRecord extends NewEvent {
  /** Increasing; the SSE event id. */
  id: string;
  time: string;
}

export interface EventQuery {
  kind?: string;
  name?: string;
  tenant?: string;
  /** Visibility: only events of these tenants (a tenant-scoped caller); undefined = all. */
  tenants?: readonly string[];
  correlationId?: string;
  clientRequestId?: string;
  type?: EventType;
  /** ISO time: events at or after it. */
  since?: string;
  /** Events after this id (SSE Last-Event-ID). */
  afterId?: string;
  cursor?: string;
  limit: number;
}

export type AuditOutcome = 'initiated' | 'succeeded' | 'failed';

export interface NewAuditRecord {
  /** The token subject; `anonymous` when no valid token was presented. */
  actor: string;
  roles: string[];
  /** The verb (create, update, issue-kubeconfig, rotate-keys, ...). */
  action: string;
  kind?: string;
  name?: string;
  tenant?: string;
  outcome: AuditOutcome;
  /** The HTTP status answered. */
  status: number;
  /** For failures: the error code (UNAUTHENTICATED, FORBIDDEN, ...). */
  reason?: string;
  /** KubeNova's id of the request (the correlation id). */
  requestId: string;
  /** The X-Request-Id the client sent, if any (never the correlation id). */
  clientRequestId?: string;
  clientIp?: string;
}

export interface AuditRecord extends NewAuditRecord {
  id: string;
  time: string;
}

export interface AuditQuery {
  actor?: string;
  kind?: string;
  name?: string;
  tenant?: string;
  outcome?: AuditOutcome;
  since?: string;
  cursor?: string;
  limit: number;
}

export interface EventStore {
  append(e: NewEvent): Promise<EventRecord>;
  list(q: EventQuery): Promise<Page<EventRecord>>;
  /** Every event appended from now on, after its commit: by this process, and with `remote`
   *  by the other replicas sharing the database too. */
  onAppend(listener: (e: EventRecord) => void, opts?: SubscribeOptions): () => void;
}

/** No update, no delete: not here, and the database refuses them too. */
export interface AuditLog {
  append(r: NewAuditRecord): Promise<AuditRecord>;
  list(q: AuditQuery): Promise<Page<AuditRecord>>;
}
