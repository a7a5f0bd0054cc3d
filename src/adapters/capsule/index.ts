// The CapsuleAdapter: KubeNova tenants and projects ↔ Capsule v0.14 (capsule.clastix.io/v1beta2).
// The only place that knows Capsule's field names (see README.md beside this file for what is
// projected how, and why). Plans are pure (plan.ts), observation reads Capsule's status
// (observe.ts), refusals are explained by meaning (admission.ts); the orchestrator's generic
// projection applies, prunes and turns all of it into phases.
import type { KubeObject, TypeRef } from '../kube/types.js';
import type { ProjectionAdapter } from '../../orchestrator/projection/sync.js';
import { explainAdmission } from './admission.js';
import { CAPSULE_TENANT_LABEL, TENANT_TYPE } from './capsule-api.js';
import { namespaceAdoption, tenantReadiness } from './observe.js';
import { releasedTenant } from './plan.js';

export { explainAdmission, type AdmissionExplanation } from './admission.js';
export { ruleDialect, TENANT_API_NEED, TENANT_TYPE, type RuleDialect } from './capsule-api.js';
export { effectivePolicy, type EffectivePolicy } from './policy.js';
export { tenantDetail, tenantNamespaces, tenantReadiness, namespaceAdoption } from './observe.js';
export {
  LIMIT_RANGE_NAME,
  NETWORK_POLICY_NAME,
  planProject,
  planTenant,
  quotaHard,
  registryExpression,
  releasedTenant,
  tenantNeeds,
  type ClusterPlan,
  type TenantIntent,
} from './plan.js';

const NAMESPACE: TypeRef = { apiVersion: 'v1', kind: 'Namespace' };

/** Everything the CapsuleAdapter may project, in deletion order: per-namespace objects first,
 *  then namespaces, then the Tenant (whose deletion Capsule cascades to its namespaces). */
const OWNED_TYPES: readonly TypeRef[] = [
  { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy' },
  { apiVersion: 'v1', kind: 'LimitRange' },
  NAMESPACE,
  TENANT_TYPE,
];

const isTenant = (o: KubeObject) => o.apiVersion === TENANT_TYPE.apiVersion && o.kind === TENANT_TYPE.kind;

/** A tenant's objects: the Capsule Tenant (ready when Capsule says so) and per-namespace guards. */
export const capsuleTenantAdapter: ProjectionAdapter<void> = {
  ownedTypes: OWNED_TYPES,
  readiness: (obj) => (isTenant(obj) ? tenantReadiness(obj) : undefined),
  explain: explainAdmission,
  beforeDelete: (obj) => (isTenant(obj) ? releasedTenant(obj) : undefined),
};

/** What a project's readiness needs to know: its tenant's Tenant on the same cluster. */
export interface ProjectContext {
  tenant: string;
  tenantUid: string | undefined;
}

/** A project's objects: its namespace (ready once Capsule adopted it) and the namespace's guards. */
export const capsuleProjectAdapter: ProjectionAdapter<ProjectContext> = {
  ownedTypes: OWNED_TYPES,
  readiness: (obj, ctx) => (obj.apiVersion === 'v1' && obj.kind === 'Namespace' ? namespaceAdoption(obj, ctx.tenant, ctx.tenantUid) : undefined),
  explain: explainAdmission,
};

/** Label selector of a tenant's namespaces on a cluster that no KubeNova project owns: those its
 *  owners created themselves (Capsule labels every namespace it adopts). */
export function ownerCreatedNamespacesSelector(tenant: string): string {
  return `${CAPSULE_TENANT_LABEL}=${tenant},!kubenova.io/project`;
}

/** The type to list for `ownerCreatedNamespacesSelector`. */
export const NAMESPACE_TYPE = NAMESPACE;

/** The tenant a namespace belongs to in Capsule's terms (for watches): its tenant label. */
export function capsuleTenantOf(ns: KubeObject): string | undefined {
  return ns.metadata.labels?.[CAPSULE_TENANT_LABEL];
}
