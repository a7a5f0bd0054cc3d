// Capsule's names at the pinned version (v0.14, API capsule.clastix.io/v1beta2): API versions,
// labels and the two ways of expressing tenant-wide rules. The only file besides the planners
// that spells a Capsule name; see README.md beside it for why each construct was chosen.
import { apiNeed, servesResource, type CapabilityNeed, type ClusterCapabilities } from '../../domain/capabilities.js';
import { MANAGED_BY_LABEL, MANAGED_BY_VALUE } from '../../domain/ownership.js';

export const CAPSULE_GROUP_VERSION = 'capsule.clastix.io/v1beta2';
export const TENANT_TYPE = { apiVersion: CAPSULE_GROUP_VERSION, kind: 'Tenant' } as const;

/** Namespace label that assigns a namespace to a Capsule tenant (Capsule's webhook then adds the
 *  Tenant ownerReference when the creator is a Capsule administrator, as KubeNova's agent is). */
export const CAPSULE_TENANT_LABEL = 'capsule.clastix.io/tenant';

/**
 * The labels of the TenantOwners KubeNova creates for a tenant (tenant-admin grants), and the
 * selector its Tenant's `spec.permissions.matchOwners` holds for them. `projectcapsule.dev/tenant`
 * alone already matches (Capsule's default selector, `Permissions.ListMatchingOwners`), but
 * Capsule v0.14 re-reconciles a Tenant on TenantOwner events only when its `matchOwners` is
 * non-empty (internal/controllers/tenant/manager.go): without it a new TenantOwner reaches
 * `status.owners`, which capsule-proxy reads, only on some unrelated later reconcile.
 */
export function tenantOwnerLabels(tenant: string): Record<string, string> {
  return { [MANAGED_BY_LABEL]: MANAGED_BY_VALUE, 'projectcapsule.dev/tenant': tenant };
}

/** Capsule's conditions on a Tenant. */
export const READY_CONDITION = 'Ready';

/** Name of KubeNova's quota rule; Capsule generates the GlobalResourceQuota `<tenant>-kubenova`. */
export const QUOTA_RULE_NAME = 'kubenova';

/** The Capsule API every tenant needs on each of its clusters. */
export const TENANT_API_NEED: CapabilityNeed = apiNeed(
  CAPSULE_GROUP_VERSION,
  'tenants',
  'Capsule Tenant API capsule.clastix.io/v1beta2 (Capsule installed, v0.12 or later)',
);

/**
 * How tenant-wide rules are written on a cluster:
 * - `rules`: Tenant `spec.rules[]` (quota → GlobalResourceQuota, enforce → registries and
 *   namespace metadata), the constructs Capsule v0.14 recommends; chosen when the cluster serves
 *   GlobalResourceQuota, which arrived together with them;
 * - `legacy`: the fields v0.14 deprecates (`resourceQuotas`, `containerRegistries`,
 *   `namespaceOptions.additionalMetadata`/`forbiddenLabels`), for older Capsule releases.
 */
export type RuleDialect = 'rules' | 'legacy';

export function ruleDialect(caps: ClusterCapabilities): RuleDialect {
  return servesResource(caps, CAPSULE_GROUP_VERSION, 'globalresourcequotas') ? 'rules' : 'legacy';
}
