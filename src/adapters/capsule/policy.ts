// A tenant's effective rules: its own intent merged with the policy sets attached to it. This is
// KubeNova semantics, not Capsule's: the CapsuleAdapter projects the result. Pure.
import type { PolicySetSpec } from '../../domain/kinds/policyset.js';
import type { NetworkIsolationLevel, TenantQuotas, TenantSpec } from '../../domain/kinds/tenant.js';

type ContainerResources = { cpu?: string; memory?: string };

export interface EffectivePolicy {
  /** Namespaces count and tenant-wide totals; the tenant's own values win, policy sets fill gaps. */
  quotas: TenantQuotas;
  /** Image registry prefixes; empty: any registry. */
  registries: string[];
  /** Pod Security Standard level enforced on every namespace; undefined: the cluster's default. */
  podSecurity?: 'privileged' | 'baseline' | 'restricted';
  isolation: NetworkIsolationLevel;
  ingressCIDRs: string[];
  egressCIDRs: string[];
  /** Per-container defaults and maximum; undefined: none. */
  limits?: { default?: ContainerResources; defaultRequest?: ContainerResources; max?: ContainerResources };
}

const ISOLATION_ORDER: NetworkIsolationLevel[] = ['none', 'tenant', 'project'];
const POD_SECURITY_ORDER = ['privileged', 'baseline', 'restricted'] as const;

const union = (lists: (string[] | undefined)[]): string[] => [...new Set(lists.flatMap((l) => l ?? []))];

function stricter<T>(order: readonly T[], values: (T | undefined)[]): T | undefined {
  let best: T | undefined;
  for (const v of values) if (v !== undefined && (best === undefined || order.indexOf(v) > order.indexOf(best))) best = v;
  return best;
}

/** Field by field: the first value set wins (tenant first, then policy sets in attachment order). */
function firstSet<T extends object>(candidates: (T | undefined)[]): T {
  const out: Record<string, unknown> = {};
  for (const c of candidates) {
    for (const [k, v] of Object.entries(c ?? {})) if (out[k] === undefined && v !== undefined) out[k] = v;
  }
  return out as T;
}

const isEmpty = (o: object | undefined): boolean =>
  o === undefined || Object.values(o).every((v) => v === undefined || (typeof v === 'object' && isEmpty(v as object)));

/**
 * Merge rules, each chosen so that attaching a policy set never loosens what the tenant says and
 * the result does not depend on more than the attachment order:
 * - quotas and container limits: the tenant's own fields win; policy sets fill the fields it
 *   leaves out (first attached set first);
 * - registries: the tenant's list when it has one, else the union of the sets' lists (a tenant
 *   list is an explicit platform decision for that tenant; both are platform-managed fields);
 * - network isolation and pod security: the strictest of all;
 * - allowed CIDRs: the union of the sets' lists.
 */
export function effectivePolicy(tenant: TenantSpec, policySets: readonly PolicySetSpec[]): EffectivePolicy {
  const tenantRegistries = tenant.allowedRegistries ?? [];
  const limits = {
    default: firstSet<ContainerResources>(policySets.map((p) => p.defaultLimits?.default)),
    defaultRequest: firstSet<ContainerResources>(policySets.map((p) => p.defaultLimits?.defaultRequest)),
    max: firstSet<ContainerResources>(policySets.map((p) => p.defaultLimits?.max)),
  };
  const limitsSet = Object.fromEntries(Object.entries(limits).filter(([, v]) => !isEmpty(v)));
  return {
    quotas: firstSet<TenantQuotas>([tenant.quotas, ...policySets.map((p) => p.defaultQuotas)]),
    registries: tenantRegistries.length > 0 ? [...tenantRegistries] : union(policySets.map((p) => p.allowedRegistries)),
    podSecurity: stricter(
      POD_SECURITY_ORDER,
      policySets.map((p) => p.podSecurity),
    ),
    isolation: stricter(ISOLATION_ORDER, [tenant.networkIsolation ?? 'tenant', ...policySets.map((p) => p.network?.isolation)]) ?? 'tenant',
    ingressCIDRs: union(policySets.map((p) => p.network?.allowedIngressCIDRs)),
    egressCIDRs: union(policySets.map((p) => p.network?.allowedEgressCIDRs)),
    ...(Object.keys(limitsSet).length > 0 && { limits: limitsSet }),
  };
}
