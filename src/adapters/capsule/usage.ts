// Reading a tenant's quota usage from what Capsule reports on one cluster:
// - the GlobalResourceQuota `<tenant>-kubenova` Capsule generates from the Tenant's quota rule:
//   `status.total.hard/used` sums the ResourceQuota Capsule keeps in each tenant namespace (whose
//   `status.used` kube-controller-manager maintains), `status.namespaceUsage[ns].used` per namespace
//   (internal/controllers/globalresourcequotas/controller.go, observeUsage);
// - the Tenant: namespaces counted (`status.size`, the ownerReference count) against
//   `spec.namespaceOptions.quota`, the namespace quota Capsule's webhook enforces.
// Pure functions over objects a watch delivered.
import type { ClusterUsage, ResourceUsage } from '../../domain/usage.js';
import type { KubeObject, TypeRef } from '../kube/types.js';
import { CAPSULE_GROUP_VERSION, QUOTA_RULE_NAME, TENANT_TYPE } from './capsule-api.js';

export const GLOBAL_RESOURCE_QUOTA_TYPE: TypeRef = { apiVersion: CAPSULE_GROUP_VERSION, kind: 'GlobalResourceQuota' };

/** The GlobalResourceQuotas Capsule generates from KubeNova's quota rule (pkg/api/meta/labels.go:
 *  the tenant controller labels them `projectcapsule.dev/rule-quota=<rule name>`). */
export const QUOTA_USAGE_SELECTOR = `projectcapsule.dev/rule-quota=${QUOTA_RULE_NAME}`;

/** Usage resource name of the namespace count (as a ResourceQuota would name it). */
export const NAMESPACES_RESOURCE = 'namespaces';

/** What a watched object says about a tenant's usage on its cluster. */
export type UsageReport = { tenant: string; source: 'quota'; usage: ClusterUsage } | { tenant: string; source: 'namespaces'; usage: ClusterUsage };

type ResourceList = Record<string, string>;

interface GlobalQuotaStatus {
  total?: { hard?: ResourceList; used?: ResourceList };
  namespaceUsage?: Record<string, { used?: ResourceList }>;
}

const isTenant = (o: KubeObject) => o.apiVersion === TENANT_TYPE.apiVersion && o.kind === TENANT_TYPE.kind;
const isGlobalQuota = (o: KubeObject) => o.apiVersion === GLOBAL_RESOURCE_QUOTA_TYPE.apiVersion && o.kind === GLOBAL_RESOURCE_QUOTA_TYPE.kind;

/** The tenant a generated GlobalResourceQuota belongs to (label `projectcapsule.dev/tenant`, or
 *  its name `<tenant>-kubenova`). */
function quotaTenant(grq: KubeObject): string | undefined {
  const label = grq.metadata.labels?.['projectcapsule.dev/tenant'];
  if (label) return label;
  const suffix = `-${QUOTA_RULE_NAME}`;
  return grq.metadata.name.endsWith(suffix) ? grq.metadata.name.slice(0, -suffix.length) : undefined;
}

/**
 * The usage an object reports, or undefined when it reports none (another kind, a quota without
 * status yet). Hard comes from the status too (what Capsule enforces now), falling back to the
 * spec before Capsule's first status write; used is never made up: a resource without a used
 * figure is left out until Capsule reports one.
 */
export function usageReport(obj: KubeObject): UsageReport | undefined {
  if (isGlobalQuota(obj)) {
    const tenant = quotaTenant(obj);
    const status = (obj.status ?? {}) as GlobalQuotaStatus;
    const used = status.total?.used;
    if (!tenant || !used) return undefined;
    const hard = status.total?.hard ?? (obj.spec as { quota?: { hard?: ResourceList } } | undefined)?.quota?.hard ?? {};
    const resources: Record<string, ResourceUsage> = {};
    for (const [name, h] of Object.entries(hard)) if (used[name] !== undefined) resources[name] = { hard: h, used: used[name] };
    const namespaces = Object.fromEntries(Object.entries(status.namespaceUsage ?? {}).map(([ns, u]) => [ns, { ...u.used }]));
    return { tenant, source: 'quota', usage: { resources, namespaces } };
  }
  if (isTenant(obj)) {
    const hard = (obj.spec as { namespaceOptions?: { quota?: number } } | undefined)?.namespaceOptions?.quota;
    const status = obj.status as { size?: number; namespaces?: string[] } | undefined;
    if (hard === undefined || !status) return { tenant: obj.metadata.name, source: 'namespaces', usage: { resources: {} } };
    const used = status.size ?? status.namespaces?.length ?? 0;
    return { tenant: obj.metadata.name, source: 'namespaces', usage: { resources: { [NAMESPACES_RESOURCE]: { hard: String(hard), used: String(used) } } } };
  }
  return undefined;
}
