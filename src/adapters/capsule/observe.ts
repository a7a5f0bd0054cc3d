// Reading Capsule's state back: a Tenant's readiness and namespaces, and whether Capsule adopted
// a namespace KubeNova created. Pure functions over objects read from the cluster.
import type { Readiness } from '../contract.js';
import type { KubeObject } from '../kube/types.js';
import { READY_CONDITION, TENANT_TYPE } from './capsule-api.js';

/** How far an object is from what KubeNova asked for. */
interface CapsuleCondition {
  type?: string;
  status?: string;
  reason?: string;
  message?: string;
}

interface CapsuleTenantStatus {
  state?: string;
  namespaces?: string[];
  observedGeneration?: number;
  conditions?: CapsuleCondition[];
}

const statusOf = (obj: KubeObject): CapsuleTenantStatus => (obj.status as CapsuleTenantStatus | undefined) ?? {};

/**
 * What of a Capsule Tenant the tenancy reconcilers read: what KubeNova applied (labels,
 * annotations, spec: its drift), its deletion, and Capsule's verdict (readiness, state,
 * namespaces). Capsule rewrites the rest of its status (each namespace's entry and the times of
 * their conditions) as it works through the tenant's namespaces; that wakes no reconcile.
 */
export function tenantSignificant(tenant: KubeObject): unknown {
  const { labels, annotations, deletionTimestamp, generation } = tenant.metadata;
  const { state, namespaces, observedGeneration, conditions } = statusOf(tenant);
  const verdict = conditions?.map(({ type, status, reason, message }) => ({ type, status, reason, message }));
  return { labels, annotations, deletionTimestamp, generation, spec: tenant.spec, state, namespaces, observedGeneration, verdict };
}

/** The namespaces Capsule counts in a Tenant (by ownerReference, `status.namespaces`). */
export function tenantNamespaces(tenant: KubeObject | undefined): string[] {
  return tenant ? [...(statusOf(tenant).namespaces ?? [])] : [];
}

/** What KubeNova shows per cluster about a tenant's Capsule Tenant: its state and namespaces. */
export function tenantDetail(tenant: KubeObject | undefined): { state?: string; namespaces: string[] } {
  if (!tenant) return { namespaces: [] };
  const status = statusOf(tenant);
  return { ...(status.state && { state: status.state }), namespaces: [...(status.namespaces ?? [])].sort() };
}

/**
 * A Capsule Tenant's readiness: Capsule's `Ready` condition for the generation KubeNova applied.
 * `Ready=False` with reason `Failed` is an error Capsule reports (e.g. a rule it cannot
 * reconcile); any other not-ready state is progress.
 */
export function tenantReadiness(tenant: KubeObject | undefined): Readiness {
  if (!tenant) return { state: 'progressing', reason: 'TenantMissing', message: 'the Capsule Tenant does not exist yet' };
  if (tenant.metadata.deletionTimestamp) {
    return { state: 'progressing', reason: 'TenantTerminating', message: 'the Capsule Tenant is being deleted' };
  }
  const status = statusOf(tenant);
  const generation = tenant.metadata.generation ?? 0;
  if ((status.observedGeneration ?? 0) < generation) {
    return { state: 'progressing', reason: 'CapsuleReconciling', message: `Capsule has not reconciled generation ${generation} of the Tenant yet` };
  }
  const ready = status.conditions?.find((c) => c.type === READY_CONDITION);
  if (ready?.status === 'True') return { state: 'ready', reason: 'TenantReady', message: 'Capsule reconciled the Tenant' };
  const message = `Capsule: ${ready?.message || ready?.reason || 'no Ready condition yet'}`;
  return ready?.reason === 'Failed'
    ? { state: 'failed', reason: 'CapsuleReconcileFailed', message }
    : { state: 'progressing', reason: 'CapsuleReconciling', message };
}

/**
 * Whether Capsule adopted a namespace into the tenant: membership is the ownerReference to the
 * Tenant (its uid), not the label. `tenantUid` is the live Tenant's uid on the same cluster.
 */
export function namespaceAdoption(ns: KubeObject | undefined, tenant: string, tenantUid: string | undefined): Readiness {
  if (!ns) return { state: 'progressing', reason: 'NamespaceMissing', message: 'the namespace does not exist yet' };
  if (ns.metadata.deletionTimestamp) {
    return { state: 'progressing', reason: 'NamespaceTerminating', message: 'the namespace is being deleted; it is created again once gone' };
  }
  const refs = (ns.metadata.ownerReferences ?? []).filter((r) => r.kind === TENANT_TYPE.kind && r.apiVersion.startsWith('capsule.clastix.io/'));
  if (refs.length === 0) {
    return {
      state: 'failed',
      reason: 'NamespaceNotAdopted',
      message: "Capsule did not adopt the namespace (no Tenant ownerReference): KubeNova's identity must be a Capsule administrator",
    };
  }
  const ref = refs[0]!;
  if (refs.length > 1 || ref.name !== tenant || (tenantUid !== undefined && ref.uid !== tenantUid)) {
    return {
      state: 'failed',
      reason: 'NamespaceOwnershipInconsistent',
      message: `the namespace is owned by Tenant "${ref.name}" (uid ${ref.uid}), not by this tenant's Tenant`,
    };
  }
  return { state: 'ready', reason: 'NamespaceAdopted', message: `Capsule adopted the namespace into Tenant "${tenant}"` };
}
