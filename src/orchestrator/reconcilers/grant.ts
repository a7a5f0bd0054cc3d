// GrantReconciler (key `KubeconfigGrant/<name>`): keeps a grant's objects on its cluster while it
// lives (adapters/grants/plan.ts), removes them when it expires (the record stays, state
// Expired) and when it is deleted (revocation: the finalizer waits until they are gone).
//
// A dedicated reconciler rather than a ProjectionKind on the generic ProjectionReconciler: a
// grant lives on exactly one cluster (no placement), has a lifetime that ends by itself (requeue
// at expiry, then state Expired with nothing left on the cluster), and its status says who,
// what scope, until when, and whether the cluster's capsule-proxy lets the kubeconfig be used.
// The generic phase machine has none of that; what it shares (phases, conditions, finalizer) is
// reused from phases.ts and domain/ownership.ts.
import { isDeepStrictEqual } from 'node:util';
import type { GrantSpec } from '../../domain/kinds/grant.js';
import { AGENT } from '../../adapters/cluster/agent-identity.js';
import {
  anchorOf,
  GRANT_TYPES,
  grantSelector,
  isTenantAdminGrant,
  planGrant,
  ROLE_BINDING,
  SECRET,
  SERVICE_ACCOUNT,
  serviceAccountOf,
  TENANT_OWNER,
  type GrantIntent,
} from '../../adapters/grants/plan.js';
import { bindableNamespaces, type SkippedNamespace } from '../../adapters/grants/namespaces.js';
import { KubeError, objectKey, type ClusterClient, type KubeObject, type TypeRef } from '../../adapters/kube/types.js';
import { capabilitiesOf } from '../../domain/capabilities.js';
import { CLEANUP_FINALIZER } from '../../domain/ownership.js';
import type { Condition, Phase, Resource, ResourceStatus } from '../../domain/resource.js';
import { listAll } from '../../store/paging.js';
import { StoreError, type ChangeEvent, type ObjectStore } from '../../store/types.js';
import type { ReconcileRequest, ReconcileResult, Reconciler } from '../manager/controller.js';
import { condition } from '../projection/phases.js';
import { refOf } from '../projection/sync.js';
import { ClusterUnavailableError, type ClusterClients } from '../manager/cluster-clients.js';
import type { ReconcilerRegistration, RuntimeServices } from '../manager/manager.js';

export type GrantState = 'Active' | 'Expired' | 'Revoking';

/** What the reconciler (and the issuer) keep in a grant's status besides phase and conditions. */
export interface GrantStatusExtra {
  /** Active: usable until expiresAt; Expired: its objects are removed, the record stays;
   *  Revoking: deleted, its objects are being removed. */
  state: GrantState;
  subject: string;
  scope: { tenant: string; project?: string };
  cluster: string;
  /** The namespaces bound on the cluster. */
  namespaces: string[];
  /** Namespaces of the grant's scope not bound: not on the cluster (a project Capsule refused),
   *  being deleted, or not in the tenant there. Bound once they are. */
  skippedNamespaces: SkippedNamespace[];
  serviceAccount: string;
  tenantOwner: boolean;
  /** The issued token's expiry (TokenRequest's answer); before issuing: creation + TTL. */
  expiresAt: string;
  /** When a kubeconfig was last issued for the grant. */
  issuedAt?: string;
}

export type GrantStatus = ResourceStatus & Partial<GrantStatusExtra>;
export type GrantResource = Resource<GrantSpec>;

export const ISSUED = 'Issued';
export const EXPIRED = 'Expired';
export const REVOKED = 'Revoked';
export const PROXY_UNAVAILABLE = 'ProxyUnavailable';
const READY = 'Ready';

/** When the grant's access ends. */
export function expiryOf(grant: GrantResource): Date {
  const status = grant.status as GrantStatus;
  if (status.issuedAt && status.expiresAt) return new Date(status.expiresAt);
  return new Date(new Date(grant.createdAt).getTime() + grant.spec.ttlSeconds * 1000);
}

/** The grant as it is to be on its cluster: its namespaces resolved (a project; the subset it
 *  names; or every project of its tenant, following projects as they come and go). */
export async function grantIntent(grant: GrantResource, objects: ObjectStore): Promise<GrantIntent> {
  const { spec } = grant;
  let namespaces: string[];
  if (spec.project !== undefined) namespaces = [spec.project];
  else if ((spec.namespaces ?? []).length > 0) namespaces = [...spec.namespaces!];
  else namespaces = (await listAll(objects, 'Project', { tenant: spec.tenant })).filter((p) => !p.deletionTimestamp).map((p) => p.name);
  return {
    name: grant.name,
    tenant: spec.tenant,
    namespaces,
    ...(spec.role !== undefined && { role: spec.role }),
    ...(spec.verbs !== undefined && { verbs: spec.verbs }),
    tenantOwner: isTenantAdminGrant(spec),
    subject: spec.subject,
    ...(spec.requestedBy !== undefined && { requestedBy: spec.requestedBy }),
  };
}

/** Lists the grant's objects of `type`; none when the cluster does not serve the type (a
 *  TenantOwner without Capsule). */
async function owned(client: ClusterClient, type: TypeRef, grant: string, signal?: AbortSignal): Promise<KubeObject[]> {
  // ServiceAccounts and Secrets only in kubenova-grants: the agent may not list them elsewhere.
  const namespace = type === SERVICE_ACCOUNT || type === SECRET ? AGENT.grantsNamespace : undefined;
  try {
    return await client.list(type, { labelSelector: grantSelector(grant), signal, ...(namespace && { namespace }) });
  } catch (err) {
    if (err instanceof KubeError && err.reason === 'NotFound') return [];
    throw err;
  }
}

const NAMESPACE: TypeRef = { apiVersion: 'v1', kind: 'Namespace' };

/** The grant's intent narrowed to the namespaces that can be bound on the cluster now (existing,
 *  in the tenant); the others are in `skipped`. */
async function bindable(client: ClusterClient, intent: GrantIntent, signal?: AbortSignal): Promise<GrantIntent> {
  const live: (KubeObject | undefined)[] = [];
  for (const name of intent.namespaces) live.push(await client.get({ ...NAMESPACE, name }, { signal }));
  return { ...intent, ...bindableNamespaces(intent.tenant, intent.namespaces, live) };
}

/** Applies the grant's objects (server-side apply) in the namespaces that can be bound, and
 *  removes bindings it no longer has (a project gone). Returns the anchor Secret as the cluster
 *  has it (its uid binds tokens) and the intent as applied (bound and skipped namespaces). */
export async function applyGrant(client: ClusterClient, requested: GrantIntent, signal?: AbortSignal): Promise<{ anchor: KubeObject; applied: GrantIntent }> {
  const intent = await bindable(client, requested, signal);
  const desired = planGrant(intent);
  const applied: KubeObject[] = [];
  for (const obj of desired) applied.push(await client.apply(obj, { signal }));
  const wanted = new Set(desired.map(objectKey));
  for (const type of [ROLE_BINDING, TENANT_OWNER]) {
    for (const found of await owned(client, type, intent.name, signal)) {
      if (!wanted.has(objectKey(found))) await client.delete(refOf(found), { signal });
    }
  }
  return { anchor: applied.find((o) => o.kind === 'Secret' && o.metadata.name === anchorOf(intent.name))!, applied: intent };
}

/** Deletes every object of the grant: the anchor Secret first (that alone invalidates every
 *  token issued for it), then the ServiceAccount and the rights. Returns how many were deleted. */
export async function removeGrant(client: ClusterClient, grant: string, signal?: AbortSignal): Promise<number> {
  let removed = 0;
  for (const type of GRANT_TYPES) {
    for (const found of await owned(client, type, grant, signal)) {
      if ((await client.delete(refOf(found), { signal })) === 'deleted') removed++;
    }
  }
  return removed;
}

/** Why the cluster's capsule-proxy cannot serve the grant's kubeconfig now, or undefined. */
export function proxyProblem(cluster: Resource | undefined): { reason: string; message: string } | undefined {
  if (!cluster) return { reason: 'ClusterNotRegistered', message: 'tenant access blocked: the cluster is not registered' };
  const spec = cluster.spec as { capsuleProxy?: { url?: string } };
  if (!spec.capsuleProxy?.url) {
    return { reason: 'NotConfigured', message: `tenant access blocked: no capsule-proxy endpoint is registered for cluster "${cluster.name}"` };
  }
  const probed = capabilitiesOf(cluster)?.capsuleProxy;
  if (!probed) return undefined; // not probed yet: nothing known against it
  if (!probed.reachable) {
    return {
      reason: 'Unreachable',
      message: `tenant access blocked: capsule-proxy at ${spec.capsuleProxy.url} is not reachable${probed.message ? ` (${probed.message})` : ''}`,
    };
  }
  return undefined;
}

/** Ready's message for a grant in place: where it is bound, and how many namespaces are not. */
export function deployedMessage(intent: GrantIntent, cluster: string): string {
  const skipped = intent.skipped?.length ?? 0;
  return `ServiceAccount and bindings in ${intent.namespaces.length} namespace(s) on cluster ${cluster}${skipped > 0 ? `; ${skipped} not bound (see skippedNamespaces)` : ''}`;
}

export interface GrantReconcilerDeps {
  objects: ObjectStore;
  clients: Pick<ClusterClients, 'forCluster'>;
  /** The clock (tests move it past a grant's expiry). */
  now?: () => Date;
  /** Look again after this long while nothing changes (drift repair). Default 10 min. */
  resyncMs?: number;
}

export interface GrantOutcome {
  phase: Phase;
  ready: { status: Condition['status']; reason: string; message: string };
}

/** A grant's status (pure): its phase and conditions, who, what scope, until when. `Issued`
 *  follows `issuedAt` in the status it starts from. */
export function grantStatus(
  grant: GrantResource,
  intent: GrantIntent,
  s: { expiresAt: Date; state: GrantState; outcome: GrantOutcome; proxy: { reason: string; message: string } | undefined; now: Date },
): GrantStatus {
  const { expiresAt, state, outcome, proxy } = s;
  const prev = grant.status as GrantStatus;
  const at = s.now.toISOString();
  const c = (type: string, status: Condition['status'], reason: string, message: string) => condition(type, status, reason, message, prev.conditions, at);
  const issued = prev.issuedAt !== undefined;
  const conditions = [
    c(READY, outcome.ready.status, outcome.ready.reason, outcome.ready.message),
    c(
      ISSUED,
      issued ? 'True' : 'False',
      issued ? 'KubeconfigIssued' : 'NotIssued',
      issued
        ? `a kubeconfig was issued at ${prev.issuedAt}`
        : 'no kubeconfig issued (POST /tenants/{name}:issue-kubeconfig or /projects/{name}:issue-kubeconfig issues one)',
    ),
    c(
      EXPIRED,
      state === 'Expired' ? 'True' : 'False',
      state === 'Expired' ? 'TTLElapsed' : 'Valid',
      `${state === 'Expired' ? 'expired' : 'expires'} at ${expiresAt.toISOString()}`,
    ),
    c(
      REVOKED,
      state === 'Revoking' ? 'True' : 'False',
      state === 'Revoking' ? 'Deleted' : 'NotRevoked',
      state === 'Revoking' ? 'the grant was deleted: its ServiceAccount, anchor Secret and bindings are being removed' : 'not revoked',
    ),
    c(PROXY_UNAVAILABLE, proxy ? 'True' : 'False', proxy?.reason ?? 'Reachable', proxy?.message ?? "the cluster's capsule-proxy is reachable"),
  ];
  return {
    ...prev,
    phase: outcome.phase,
    conditions,
    observedGeneration: grant.generation,
    state,
    subject: grant.spec.subject,
    scope: { tenant: grant.spec.tenant, ...(grant.spec.project !== undefined && { project: grant.spec.project }) },
    cluster: grant.spec.cluster,
    namespaces: state === 'Active' ? intent.namespaces : [],
    skippedNamespaces: state === 'Active' ? (intent.skipped ?? []) : [],
    serviceAccount: `${AGENT.grantsNamespace}/${serviceAccountOf(grant.name)}`,
    tenantOwner: intent.tenantOwner,
    expiresAt: expiresAt.toISOString(),
  };
}

export class GrantReconciler implements Reconciler {
  private readonly now: () => Date;
  private readonly resyncMs: number;

  constructor(private readonly deps: GrantReconcilerDeps) {
    this.now = deps.now ?? (() => new Date());
    this.resyncMs = deps.resyncMs ?? 600_000;
  }

  async reconcile(req: ReconcileRequest): Promise<ReconcileResult> {
    const { objects } = this.deps;
    const name = req.key.slice(req.key.indexOf('/') + 1);
    let grant = await objects.get<GrantSpec>('KubeconfigGrant', name);
    if (!grant) return { type: 'done' };
    if (grant.deletionTimestamp) return this.revoke(grant, req);
    if (!grant.finalizers.includes(CLEANUP_FINALIZER)) {
      try {
        grant = await objects.update<GrantSpec>('KubeconfigGrant', name, { finalizers: [...grant.finalizers, CLEANUP_FINALIZER] });
      } catch (err) {
        if (err instanceof StoreError) return { type: 'requeueAfter', delayMs: 0 };
        throw err;
      }
    }
    const cluster = await objects.get<Record<string, unknown>>('Cluster', grant.spec.cluster);
    let intent = await grantIntent(grant, objects);
    const expiresAt = expiryOf(grant);
    const now = this.now();
    // Once expired, always expired (a clock set back does not revive a grant).
    const expired = now >= expiresAt || (grant.status as GrantStatus).state === 'Expired';

    let outcome: GrantOutcome;
    try {
      const client = await this.deps.clients.forCluster(grant.spec.cluster);
      if (expired) {
        const removed = await removeGrant(client, name, req.signal);
        outcome = {
          phase: 'Deployed',
          ready: {
            status: 'True',
            reason: 'Removed',
            message: `expired: ${removed > 0 ? `removed ${removed} objects` : 'nothing left'} on cluster ${grant.spec.cluster}`,
          },
        };
      } else {
        intent = (await applyGrant(client, intent, req.signal)).applied;
        outcome = { phase: 'Deployed', ready: { status: 'True', reason: 'Deployed', message: deployedMessage(intent, grant.spec.cluster) } };
      }
    } catch (err) {
      if (!(err instanceof KubeError) && !(err instanceof ClusterUnavailableError)) throw err;
      const reason = err instanceof KubeError ? err.reason : 'ClusterUnavailable';
      outcome = { phase: 'Error', ready: { status: 'False', reason, message: `${expired ? 'removing' : 'applying'} the grant's objects: ${err.message}` } };
    }

    const status = grantStatus(grant, intent, { expiresAt, state: expired ? 'Expired' : 'Active', outcome, proxy: proxyProblem(cluster), now });
    const written = await this.writeStatus(grant, status, req);
    if (!written) return { type: 'requeueAfter', delayMs: 0 };
    if (outcome.phase === 'Error') return { type: 'retry', error: new Error(outcome.ready.message) };
    if (expired) return { type: 'done' };
    // Wake at expiry (1 s late at most, so `now >= expiresAt` holds then).
    return { type: 'requeueAfter', delayMs: Math.min(this.resyncMs, expiresAt.getTime() - now.getTime() + 1_000) };
  }

  /** Deleted: remove everything on the cluster, then the finalizer (the record goes). */
  private async revoke(grant: GrantResource, req: ReconcileRequest): Promise<ReconcileResult> {
    if (!grant.finalizers.includes(CLEANUP_FINALIZER)) return { type: 'done' };
    try {
      if (await this.deps.objects.get('Cluster', grant.spec.cluster)) {
        const client = await this.deps.clients.forCluster(grant.spec.cluster);
        await removeGrant(client, grant.name, req.signal);
      }
    } catch (err) {
      if (!(err instanceof KubeError) && !(err instanceof ClusterUnavailableError)) throw err;
      const status = grantStatus(grant, await grantIntent(grant, this.deps.objects), {
        expiresAt: expiryOf(grant),
        state: 'Revoking',
        outcome: {
          phase: 'Error',
          ready: { status: 'False', reason: err instanceof KubeError ? err.reason : 'ClusterUnavailable', message: `revoking: ${err.message}` },
        },
        proxy: undefined,
        now: this.now(),
      });
      await this.writeStatus(grant, status, req);
      return { type: 'retry', error: err };
    }
    try {
      await this.deps.objects.update(
        'KubeconfigGrant',
        grant.name,
        { finalizers: grant.finalizers.filter((f) => f !== CLEANUP_FINALIZER) },
        { correlationId: req.correlationId },
      );
    } catch (err) {
      if (err instanceof StoreError && err.code === 'NOT_FOUND') return { type: 'done' };
      if (err instanceof StoreError && err.code === 'CONFLICT') return { type: 'requeueAfter', delayMs: 0 };
      throw err;
    }
    return { type: 'done' };
  }

  /** Writes status only if it changed, guarded by the version read (the issuer writes the
   *  issue time and expiry concurrently). False: someone else wrote first; look again. */
  private async writeStatus(grant: GrantResource, status: GrantStatus, req: ReconcileRequest): Promise<boolean> {
    if (isDeepStrictEqual(grant.status, status)) return true;
    try {
      await this.deps.objects.updateStatus('KubeconfigGrant', grant.name, status, { expectedVersion: grant.resourceVersion, correlationId: req.correlationId });
      return true;
    } catch (err) {
      if (err instanceof StoreError && err.code === 'NOT_FOUND') return true;
      if (err instanceof StoreError && err.code === 'CONFLICT') return false;
      throw err;
    }
  }
}

/** The grants a store change concerns: a cluster's (its capsule-proxy), a tenant's project
 *  changing (grants over the whole tenant follow its projects; grants naming it bind its
 *  namespace once it exists on the cluster). */
export async function grantKeysFor(e: ChangeEvent, objects: ObjectStore): Promise<string[]> {
  if (e.kind !== 'Cluster' && e.kind !== 'Project') return [];
  const tenant = e.kind === 'Project' ? e.tenant : undefined;
  if (e.kind === 'Project' && tenant === undefined) return [];
  const grants: GrantResource[] = await listAll<GrantSpec>(objects, 'KubeconfigGrant', tenant !== undefined ? { tenant } : {});
  const concerned = (g: GrantResource) => {
    if (e.kind === 'Cluster') return g.spec.cluster === e.name;
    const named = g.spec.namespaces ?? [];
    return g.spec.project === e.name || named.includes(e.name) || (g.spec.project === undefined && named.length === 0);
  };
  return grants.filter(concerned).map((g) => `KubeconfigGrant/${g.name}`);
}

/** The KubeconfigGrant kind's entry for startRuntime. */
export function grantRegistration(opts: { now?: () => Date; resyncMs?: number } = {}): ReconcilerRegistration {
  return {
    kind: 'KubeconfigGrant',
    adapter: 'kube',
    workers: 2,
    backoff: { baseDelayMs: 1_000, maxDelayMs: 30_000 },
    reconciler: (services: RuntimeServices) => new GrantReconciler({ objects: services.store.objects, clients: services.clients, ...opts }),
    triggers: (['Cluster', 'Project'] as const).map((kind) => ({ kind, keys: (e: ChangeEvent, s: RuntimeServices) => grantKeysFor(e, s.store.objects) })),
  };
}
