// The CapsuleAdapter's two projections on the contract (../contract.ts): a tenant (one Capsule
// Tenant per cluster, plus guards in the namespaces its owners created) and a project (one
// namespace of the tenant, with its guards). What each reads first on a cluster, plans, and when
// its objects are ready; the orchestrator does the rest.
import { isOwnedBy, PROJECT_LABEL } from '../../domain/ownership.js';
import { AGENT } from '../cluster/agent-identity.js';
import { ROLE_BINDING_TYPE, SERVICE_ACCOUNT_TYPE } from '../cluster/app-identity.js';
import type { OwnedType, ProjectionAdapter } from '../contract.js';
import type { KubeObject, TypeRef } from '../kube/types.js';
import { explainAdmission } from './admission.js';
import { CAPSULE_TENANT_LABEL, TENANT_TYPE } from './capsule-api.js';
import { namespaceAdoption, tenantDetail, tenantNamespaces, tenantReadiness } from './observe.js';
import { planProject, planTenant, releasedTenant, type TenantIntent } from './plan.js';
import { NAMESPACE_TYPE, TENANCY_WATCHES } from './watches.js';

/** Everything the CapsuleAdapter may project, in deletion order: per-namespace objects first,
 *  then namespaces, then the Tenant (whose deletion Capsule cascades to its namespaces). */
const OWNED_TYPES: readonly TypeRef[] = [
  { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy' },
  { apiVersion: 'v1', kind: 'LimitRange' },
  NAMESPACE_TYPE,
  TENANT_TYPE,
];

/** A project's also hold the identity its apps run as (../cluster/app-identity.ts): its
 *  bindings in the namespace and its ServiceAccount in kubenova-system, removed first. */
const PROJECT_OWNED_TYPES: readonly OwnedType[] = [ROLE_BINDING_TYPE, { ...SERVICE_ACCOUNT_TYPE, namespace: AGENT.namespace }, ...OWNED_TYPES];

const isTenant = (o: KubeObject) => o.apiVersion === TENANT_TYPE.apiVersion && o.kind === TENANT_TYPE.kind;

/** The Tenant or the namespace first; the guards in namespaces (which need it) all at once. */
const guardsTogether = (o: KubeObject) => (isTenant(o) || (o.apiVersion === 'v1' && o.kind === 'Namespace') ? 0 : 1);

/** Label selector of a tenant's namespaces on a cluster that no KubeNova project owns: those its
 *  owners created themselves (Capsule labels every namespace it adopts). */
export function ownerCreatedNamespacesSelector(tenant: string): string {
  return `${CAPSULE_TENANT_LABEL}=${tenant},!${PROJECT_LABEL}`;
}

/** A tenant's objects: the Capsule Tenant (ready when Capsule says so) and per-namespace guards.
 *  Its plan input: the namespaces its owners created themselves, which get KubeNova's guards
 *  from the tenant (project namespaces get them from their project). */
export const capsuleTenantAdapter: ProjectionAdapter<TenantIntent, void, string[]> = {
  engine: 'capsule',
  ownedTypes: OWNED_TYPES,
  watches: TENANCY_WATCHES,
  async observe(client, intent, signal) {
    const namespaces = await client.list(NAMESPACE_TYPE, { labelSelector: ownerCreatedNamespacesSelector(intent.name), signal });
    const live = await client.get({ ...TENANT_TYPE, name: intent.name }, { signal });
    const counted = new Set(tenantNamespaces(live));
    const others = namespaces.filter((ns) => !ns.metadata.deletionTimestamp && counted.has(ns.metadata.name)).map((ns) => ns.metadata.name);
    return { ctx: undefined, input: others };
  },
  plan: (intent, caps, others) => planTenant(intent, caps, others),
  applyStage: guardsTogether,
  readiness: (obj) => (isTenant(obj) ? tenantReadiness(obj) : undefined),
  detail: (applied) => tenantDetail(applied.find(isTenant)),
  explain: explainAdmission,
  beforeDelete: (obj) => (isTenant(obj) ? releasedTenant(obj) : undefined),
};

/** A project: its name (the namespace) and its tenant's intent. */
export interface ProjectIntent {
  project: string;
  tenant: TenantIntent;
}

/** What a project's readiness needs to know: its tenant's Tenant on the same cluster. */
export interface ProjectContext {
  tenant: string;
  tenantUid: string | undefined;
}

/** A project's objects: its namespace (ready once Capsule adopted it), the namespace's guards and
 *  the identity of its apps. */
export const capsuleProjectAdapter: ProjectionAdapter<ProjectIntent, ProjectContext, void> = {
  engine: 'capsule',
  ownedTypes: PROJECT_OWNED_TYPES,
  watches: TENANCY_WATCHES,
  async observe(client, intent, signal) {
    // The namespace can only join a Tenant that exists on the cluster (and is KubeNova's).
    const live = await client.get({ ...TENANT_TYPE, name: intent.tenant.name }, { signal });
    if (!live || live.metadata.deletionTimestamp || !isOwnedBy(live.metadata.labels, { tenant: intent.tenant.name })) {
      return { stop: { state: 'progressing', reason: 'WaitingForTenant', message: `the tenant "${intent.tenant.name}" is not on this cluster yet` } };
    }
    return { ctx: { tenant: intent.tenant.name, tenantUid: live.metadata.uid }, input: undefined };
  },
  plan: (intent, caps) => planProject(intent.project, intent.tenant, caps),
  applyStage: guardsTogether,
  readiness: (obj, ctx) => (obj.apiVersion === 'v1' && obj.kind === 'Namespace' ? namespaceAdoption(obj, ctx.tenant, ctx.tenantUid) : undefined),
  explain: explainAdmission,
};
