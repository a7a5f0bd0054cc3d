// Quota checks against the usage the clusters last reported (store/usage.ts), at the API, before
// anything is stored: a new project that would exceed its tenant's namespace quota on a cluster
// is 422 (Capsule would refuse the namespace, leaving the project in Error), and a quota set
// below what a cluster reports used is 409 unless a platform admin forces it (`?force=true`).
// Without a report for a cluster nothing is known there, and nothing is refused.
import { onPlacedClusters, QUOTA_RESOURCES, quantityValue, usageByCluster } from '../../domain/usage.js';
import { ApiError } from '../errors.js';
import type { TenantQuotas } from '../../domain/kinds/tenant.js';
import type { AdmissionContext } from './descriptor.js';

/** 422 when one more namespace would exceed the tenant's namespace quota on one of its clusters. */
export async function requireNamespaceRoom(ctx: AdmissionContext, tenant: string): Promise<void> {
  if (!ctx.usage) return;
  const placed = (await ctx.objects.get('Tenant', tenant))?.status ?? {};
  const byCluster = usageByCluster(onPlacedClusters(await ctx.usage.current(tenant), placed));
  const full = Object.entries(byCluster)
    .filter(([, u]) => {
      const ns = u.resources[QUOTA_RESOURCES.namespaces];
      return ns !== undefined && quantityValue(ns.used) + 1 > quantityValue(ns.hard);
    })
    .map(([cluster, u]) => ({ cluster, hard: u.resources[QUOTA_RESOURCES.namespaces]!.hard }))
    .sort((a, b) => a.cluster.localeCompare(b.cluster));
  if (full.length === 0) return;
  const reasons = full.map((f) => `tenant "${tenant}" has reached its namespace quota (${f.hard}) on cluster ${f.cluster}`);
  throw new ApiError(
    'NAMESPACE_QUOTA_EXCEEDED',
    reasons.join('; '),
    reasons.map((reason) => ({ field: 'body/spec/tenant', reason })),
  );
}

/**
 * 409 naming each changed quota that would be below what a cluster reports used, with the
 * cluster. A platform admin's `?force=true` lets it through (Capsule then refuses new pods or
 * namespaces until usage falls; nothing running is evicted).
 */
export async function requireQuotaAboveUsed(ctx: AdmissionContext, tenant: string, quotas: TenantQuotas | undefined): Promise<void> {
  if (!ctx.usage || !ctx.current) return;
  const access = ctx.caller.access('Tenant', 'update');
  if (ctx.force && access.allowed && access.scope === 'all') return;
  const before = (ctx.current.spec as { quotas?: TenantQuotas }).quotas ?? {};
  const changed = (Object.keys(QUOTA_RESOURCES) as (keyof typeof QUOTA_RESOURCES)[]).filter(
    (k) => quotas?.[k] !== undefined && String(quotas[k]) !== String(before[k] ?? ''),
  );
  if (changed.length === 0) return;
  const byCluster = usageByCluster(onPlacedClusters(await ctx.usage.current(tenant), ctx.current.status));
  const problems: { field: string; reason: string }[] = [];
  for (const key of changed) {
    const hard = quantityValue(String(quotas![key]));
    for (const cluster of Object.keys(byCluster).sort()) {
      const used = byCluster[cluster]!.resources[QUOTA_RESOURCES[key]]?.used;
      if (used !== undefined && quantityValue(used) > hard) {
        problems.push({
          field: `body/spec/quotas/${key}`,
          reason: `${QUOTA_RESOURCES[key]} on cluster ${cluster} uses ${used}, more than ${String(quotas![key])}`,
        });
      }
    }
  }
  if (problems.length === 0) return;
  throw new ApiError(
    'QUOTA_BELOW_USED',
    `the quota would be below what is used: ${problems.map((p) => p.reason).join('; ')} (a platform admin may force it with ?force=true)`,
    problems,
  );
}
