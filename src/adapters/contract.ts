// The one contract between the orchestrator's generic projection loop and an upstream engine
// (Capsule, KubeVela, and any later one such as Flux or Argo CD). An adapter observes what it
// needs on a cluster, plans the objects of one intent there (pure), says when they are ready and
// explains refusals in its engine's words; the orchestrator owns the state machine, the I/O of
// applying and pruning, and the phases. See README.md beside this file.
import type { CapabilityNeed, ClusterCapabilities } from '../domain/capabilities.js';
import type { ClusterClient, KubeObject, TypeRef } from './kube/types.js';

/** What the cluster says of one projected object. */
export interface Readiness {
  state: 'ready' | 'progressing' | 'failed';
  reason: string;
  message: string;
}

/** A projected type; with a namespace, only there (where KubeNova's RBAC allows listing them). */
export type OwnedType = TypeRef & { namespace?: string };

/** The plan of one intent for one cluster: the objects to apply, or why there are none. */
export type ClusterPlan =
  | { outcome: 'planned'; objects: KubeObject[]; notes: string[] }
  | { outcome: 'unsupported'; missing: CapabilityNeed[] }
  | { outcome: 'undiscovered' };

/** A precondition on the cluster that is not met yet (the intent waits for it). */
export interface Waiting {
  state: 'progressing';
  reason: string;
  message: string;
}

/** What an adapter read on a cluster before planning: context for readiness and plan input, or
 *  why the cluster must wait. */
export type Observed<Ctx, Input> = { ctx: Ctx; input: Input } | { stop: Waiting };

/** A watch the adapter needs on every cluster: objects of `type` (in `namespace`, or everywhere)
 *  matching `labelSelector`; each event wakes the reconcile keys `keysOf` returns. */
export interface ClusterWatch {
  type: TypeRef;
  namespace?: string;
  labelSelector: string;
  /** `cluster`: where the event came from. */
  keysOf(obj: KubeObject, cluster: string): string[];
  /** What of an object its keys' reconciles read: an update that changes none of it (compared
   *  deeply with the version held before) wakes none of them; the cache still takes it. Absent:
   *  every event wakes. */
  significant?: (obj: KubeObject) => unknown;
}

export interface ProjectionAdapter<Intent = unknown, Ctx = unknown, Input = unknown> {
  /** The engine's name, as metrics label it (`capsule`, `vela`). */
  readonly engine: string;
  /** Every type this adapter may project, in deletion order (deleted first comes first). */
  readonly ownedTypes: readonly OwnedType[];
  /** What brings the cluster's side back to the reconcilers (status, drift, deletion). What they
   *  hold also answers the reconcilers' reads (a watch whose `keysOf` is empty is there for that). */
  readonly watches: readonly ClusterWatch[];
  /** Observe: what to read on a cluster before planning (`client` reads from the watches' cache
   *  what it can: a get or list may be a moment behind the cluster). */
  observe(client: ClusterClient, intent: Intent, signal: AbortSignal): Promise<Observed<Ctx, Input>>;
  /** Plan: the objects for one cluster. Pure. */
  plan(intent: Intent, caps: ClusterCapabilities | undefined, input: Input): ClusterPlan;
  /** Readiness of an object as the cluster returned it; undefined: existing is enough. */
  readiness(obj: KubeObject, ctx: Ctx): Readiness | undefined;
  /** Per-cluster detail for `status.clusters[c]` from the objects as applied (pure). */
  detail?(applied: readonly KubeObject[]): Record<string, unknown>;
  /** A refused write in the engine's terms (code + summary), or undefined if not its business. */
  explain(err: unknown): { code: string; summary: string; detail: string } | undefined;
  /** An object to apply just before deleting `obj` (to lift a deletion guard), if any. */
  beforeDelete?(obj: KubeObject): KubeObject | undefined;
  /** The user to impersonate when writing `obj` (an identity the intent runs as); undefined:
   *  KubeNova's own. */
  writeAs?(obj: KubeObject): string | undefined;
  /** Which objects of a plan may be written together: objects of one stage are applied at once,
   *  a stage once every earlier one is written (a failure stops there). Default: one object per
   *  stage, in plan order. Stages follow plan order (a later object never has a lower stage). */
  applyStage?(obj: KubeObject): number;
  /** Deletion waits for each of `ownedTypes` to be gone before deleting the next type. */
  deleteInOrder?: boolean;
}
