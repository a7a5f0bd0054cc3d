// Tenancy checks and views shared by the tenant and project descriptors: the capability check
// that refuses (422) an intent a placed cluster cannot take, before anything is stored, and the
// `plan` view that shows what KubeNova would apply on each cluster, without applying it.
import { planProject, planTenant, tenantNeeds, type TenantIntent } from '../../adapters/capsule/index.js';
import type { ClusterPlan } from '../../adapters/contract.js';
import { capabilitiesOf, unmetNeeds } from '../../domain/capabilities.js';
import { placedClusters, placementSelects, type Placement } from '../../domain/placement.js';
import type { Resource } from '../../domain/resource.js';
import { listAll } from '../../store/paging.js';
import type { ObjectStore } from '../../store/types.js';
import { ApiError } from '../errors.js';
import type { Subresource } from './descriptor.js';
import type { PolicySetSpec } from '../../domain/kinds/policyset.js';
import type { ProjectSpec } from '../../domain/kinds/project.js';
import type { TenantSpec } from '../../domain/kinds/tenant.js';

export function registeredClusters(objects: ObjectStore): Promise<Resource[]> {
  return listAll(objects, 'Cluster');
}

/**
 * 422 when a cluster the write places the tenant on (newly, for updates) does not serve what
 * tenants need, naming each cluster and capability. Clusters whose capabilities are not
 * discovered yet pass: the reconciler waits for discovery (phase Pending) and never half-applies.
 * Clusters that were already placed before an update are not checked again, so a cluster that
 * lost a capability does not block unrelated changes (it shows as Error until fixed).
 */
export async function requireTenantCapabilities(
  objects: ObjectStore,
  placement: Placement | undefined,
  previous: Placement | undefined,
  field: string,
  subject: string,
): Promise<void> {
  // A placement that names no cluster and has no selector selects none: nothing to read.
  if (!placement?.clusters?.length && placement?.clusterSelector === undefined) return;
  const problems: { field: string; reason: string }[] = [];
  for (const cluster of await registeredClusters(objects)) {
    if (!placementSelects(placement, cluster) || placementSelects(previous, cluster)) continue;
    const caps = capabilitiesOf(cluster);
    if (!caps) continue;
    for (const need of unmetNeeds(caps, tenantNeeds())) {
      problems.push({ field: `body/${field}`, reason: `cluster "${cluster.name}" lacks ${need.description} [${need.capability}]` });
    }
  }
  if (problems.length > 0) {
    throw new ApiError('UNPROCESSABLE', `${subject} cannot be placed: ${problems.map((p) => p.reason).join('; ')}`, problems);
  }
}

async function tenantIntent(tenant: Resource<TenantSpec>, objects: ObjectStore): Promise<TenantIntent> {
  const policySets: PolicySetSpec[] = [];
  for (const name of tenant.spec.policySets ?? []) {
    const ps = await objects.get<PolicySetSpec>('PolicySet', name);
    if (ps) policySets.push(ps.spec);
  }
  return { name: tenant.name, spec: tenant.spec, policySets };
}

type PlanView = { clusters: Record<string, ClusterPlan> };

async function planPerCluster(
  tenant: Resource<TenantSpec>,
  objects: ObjectStore,
  planFor: (intent: TenantIntent, cluster: Resource) => ClusterPlan,
): Promise<PlanView> {
  const intent = await tenantIntent(tenant, objects);
  const registered = await registeredClusters(objects);
  const clusters: Record<string, ClusterPlan> = {};
  for (const name of placedClusters(tenant.spec.placement, registered)) {
    const cluster = registered.find((c) => c.name === name);
    clusters[name] = cluster
      ? planFor(intent, cluster)
      : { outcome: 'unsupported', missing: [{ capability: 'registered', description: 'registration (no such cluster)' }] };
  }
  return { clusters };
}

/** `GET /tenants/{name}/plan`: the objects KubeNova applies for the tenant on each cluster. */
export const tenantPlanView: Subresource = {
  name: 'plan',
  verb: 'get',
  summary: 'What KubeNova applies for the tenant on each of its clusters (computed, nothing applied)',
  async handle(target, ctx) {
    const tenant = target as Resource<TenantSpec>;
    const projects = new Set((await listAll<ProjectSpec>(ctx.objects, 'Project', { tenant: tenant.name })).map((p) => p.name));
    return planPerCluster(tenant, ctx.objects, (intent, cluster) => {
      // Namespaces the tenant's owners created, as last observed on that cluster.
      const seen = (tenant.status.clusters?.[cluster.name] as { namespaces?: string[] } | undefined)?.namespaces ?? [];
      return planTenant(
        intent,
        capabilitiesOf(cluster),
        seen.filter((ns) => !projects.has(ns)),
      );
    });
  },
};

/** `GET /projects/{name}/plan`: the objects KubeNova applies for the project on each cluster. */
export const projectPlanView: Subresource = {
  name: 'plan',
  verb: 'get',
  summary: "What KubeNova applies for the project on each of its tenant's clusters (computed, nothing applied)",
  async handle(target, ctx) {
    const tenant = await ctx.objects.get<TenantSpec>('Tenant', (target.spec as unknown as ProjectSpec).tenant);
    if (!tenant) return { clusters: {} };
    return planPerCluster(tenant, ctx.objects, (intent, cluster) => planProject(target.name, intent, capabilitiesOf(cluster)));
  },
};
