// What the generic resource routes need to know about one kind: its URL, its spec schema, how
// its objects relate to tenants, its write-only secret fields, and the checks a schema cannot
// express. One descriptor per kind; the routes, the OpenAPI document and the authorization
// scope checks are all driven by these.
import type { GrantIssuing } from '../../orchestrator/reconcilers/grant-issuer.js';
import type { TObject, TProperties, TSchema } from 'typebox';
import type { UsageStore } from '../../store/usage.js';
import type { BootstrapReport } from '../../adapters/cluster/bootstrap.js';
import type { BootstrapComponent } from '../../adapters/cluster/bootstrap-plan.js';
import type { Kind, Labels, Resource } from '../../domain/resource.js';
import type { ObjectStore, SecretValues, Store } from '../../store/types.js';
import type { Verb } from '../../security/authorization.js';
import type { CallerScope } from '../caller-scope.js';

export type Spec = Record<string, unknown>;

export interface AdmissionContext {
  /** Lookups as the caller sees them: an object the caller cannot see does not exist. */
  caller: CallerScope;
  /** Unscoped lookups, for platform objects a tenant may name (clusters in its placement). */
  objects: ObjectStore;
  /** The object being updated; undefined on create. */
  current?: Resource;
  /** The tenant prefix rule (KUBENOVA_FORCE_TENANT_PREFIX): new projects, apps and kubeconfig
   *  grants are named `<tenant>-...`. Absent: on. */
  forceTenantPrefix?: boolean;
  /** Tenant usage as the clusters last reported it (quota checks of usage-admission.ts). */
  usage?: UsageStore;
  /** `?force=true` on the write: a platform admin sets a quota below what is used. */
  force?: boolean;
}

/** Where an input problem is, relative to the request body, and why. */
export interface FieldProblem {
  field: string;
  reason: string;
}

export interface Admission {
  /** The tenant the object belongs to (tenant-owned kinds). */
  tenant?: string;
}

export interface SecretField {
  /** Schema of the write-only body field (top level, beside `spec`). */
  schema: TSchema;
  description: string;
  /** The bytes to store for a schema-valid value, or the reason the value is unusable. The
   *  reason must not quote the value. */
  decode(value: string): { bytes: Buffer } | { problem: string };
}

/** Services the write hooks of kinds use, injected into the server (tests swap in doubles). */
export interface WriteServices {
  /** Cluster registration (adapters/cluster/registration.ts): checks an admin kubeconfig, sets up
   *  KubeNova's own agent in the cluster with it and returns the agent's credentials, which are
   *  stored instead of the admin kubeconfig. Throws ApiError (CLUSTER_UNREACHABLE, ...). */
  registerCluster(name: string, adminKubeconfig: Buffer): Promise<Buffer>;
  /** Workflow control of an app on one cluster (suspend, resume, terminate), through the
   *  VelaAdapter. Throws WorkflowStateError when the workflow's state does not allow it. Absent:
   *  the server has no cluster access (HTTP-only tests): 503. */
  controlWorkflow?(this: void, cluster: string, app: { namespace: string; name: string }, action: 'suspend' | 'resume' | 'terminate'): Promise<void>;
  /** Cluster bootstrap (adapters/cluster/bootstrap.ts): installs or upgrades Capsule,
   *  capsule-proxy and vela-core with Helm using an admin kubeconfig given for this call only.
   *  Throws ApiError for requests it refuses (chart source, a run in progress). Absent: 501. */
  bootstrapCluster?(
    name: string,
    adminKubeconfig: Buffer,
    request: BootstrapRequest,
    onProgress?: (report: BootstrapReport) => Promise<void>,
  ): Promise<BootstrapReport>;
  /** Issuing kubeconfigs (orchestrator/grant-issuer.ts); absent: issue-kubeconfig answers 501. */
  grants?: GrantIssuing;
}

export interface BootstrapRequest {
  dryRun: boolean;
  /** `repository`, `oci://...` or an absolute directory; default: the server's. */
  chartSource?: string;
  components?: BootstrapComponent[];
  values?: Partial<Record<BootstrapComponent, Record<string, unknown>>>;
  timeoutSeconds?: number;
}

/** A KubeconfigGrant to store and issue, admitted and authorized. */
export interface SecretsContext {
  services: WriteServices;
  /** The spec being written (defaults applied). */
  spec: Spec;
  /** The object being updated; undefined on create. */
  current?: Resource;
}

export interface MethodContext {
  caller: CallerScope;
  objects: ObjectStore;
  /** For methods that write: the whole store, the request id (correlation id) and the version
   *  the request's If-Match header expects, if any. */
  store: Store;
  requestId: string;
  expectedVersion?: string;
  services: WriteServices;
}

/** `POST /api/v1/{plural}/{name}:{name}`: an action on one object (Google AIP-136 style). */
export interface CustomMethod {
  name: string;
  verb: Verb;
  summary: string;
  body: TObject;
  /** HTTP status of a success (default 200). */
  status?: 200 | 201;
  /** Runs after the object was found and the caller authorized; returns the response body. */
  handle(target: Resource, body: Record<string, unknown>, ctx: MethodContext): Promise<unknown>;
}

/** `GET /api/v1/{plural}/{name}/{name}`: a computed view of one object. */
export interface Subresource {
  name: string;
  verb: Verb;
  summary: string;
  handle(target: Resource, ctx: MethodContext): Promise<unknown>;
}

export interface KindDescriptor {
  kind: Kind;
  /** URL segment: `/api/v1/{plural}`. */
  plural: string;
  /** The spec as clients write it and read it back. When every field is optional, so is `spec`
   *  in request bodies. */
  spec: TProperties;
  secretFields?: Readonly<Record<string, SecretField>>;
  /** Spec fields fixed at creation. */
  immutable?: readonly string[];
  /** Finalizers every new object of the kind gets (its reconciler removes them after cleanup). */
  finalizers?: readonly string[];
  /** Checks beyond the schema (references, uniqueness), on create and update; throws ApiError.
   *  Returns the owning tenant for tenant-owned kinds. */
  admit(name: string, spec: Spec, ctx: AdmissionContext): Promise<Admission>;
  /** What to store for the write-only values a create or update carries (only called when it
   *  carries some), after admission and authorization and before anything is written; throws
   *  ApiError. Without it, the decoded values are stored. */
  secretsToStore?(name: string, secrets: SecretValues, ctx: SecretsContext): Promise<SecretValues>;
  /** Label prefixes clients may not use on this kind (422), with the reason. */
  reservedLabelPrefixes?: readonly { prefix: string; reason: string }[];
  /** Labels KubeNova sets itself (`kubenova.io/...`), derived from the spec. */
  systemLabels?(spec: Spec): Labels;
  /** Why the object cannot be deleted yet (objects depending on it), or undefined. */
  blockingDependents?(target: Resource, objects: ObjectStore): Promise<string | undefined>;
  customMethods?: readonly CustomMethod[];
  subresources?: readonly Subresource[];
  /** Every create and spec change is recorded as a revision (who, why, the whole spec), in the
   *  write's transaction: `GET /{plural}/{name}/revisions` lists them (apps: rollback targets). */
  history?: boolean;
}
