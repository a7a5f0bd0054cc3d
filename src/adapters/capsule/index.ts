// The CapsuleAdapter: KubeNova tenants and projects ↔ Capsule v0.14 (capsule.clastix.io/v1beta2).
// The only place that knows Capsule's field names (see README.md beside this file for what is
// projected how, and why). Plans are pure (plan.ts), observation reads Capsule's status
// (observe.ts), refusals are explained by meaning (admission.ts); the orchestrator's generic
// projection applies, prunes and turns all of it into phases.
export { capsuleProjectAdapter, capsuleTenantAdapter, ownerCreatedNamespacesSelector, type ProjectContext, type ProjectIntent } from './adapters.js';
export { capsuleTenantOf, NAMESPACE_TYPE, TENANCY_WATCHES } from './watches.js';

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
  type TenantIntent,
} from './plan.js';
