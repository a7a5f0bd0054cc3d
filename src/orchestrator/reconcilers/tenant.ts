// The Tenant kind on the generic projection loop (key `Tenant/<name>`): its intent with policy
// sets resolved and its clusters from the placement; the engine's side is the tenancy adapter.
// Also which tenancy keys a store change wakes.
import { capsuleTenantAdapter, type TenantIntent } from '../../adapters/capsule/index.js';
import type { PolicySetSpec } from '../../domain/kinds/policyset.js';
import type { ProjectSpec } from '../../domain/kinds/project.js';
import type { TenantSpec } from '../../domain/kinds/tenant.js';
import { placedClusters } from '../../domain/placement.js';
import type { Resource } from '../../domain/resource.js';
import { listAll } from '../../store/paging.js';
import type { ChangeEvent, ObjectStore } from '../../store/types.js';
import type { ProjectionKind } from '../projection/reconciler.js';

/** The tenant intent with its policy sets resolved (in attachment order) and its clusters. */
export async function loadTenant(tenant: Resource<TenantSpec>, objects: ObjectStore): Promise<{ intent: TenantIntent; clusters: string[] }> {
  const policySets: PolicySetSpec[] = [];
  for (const name of tenant.spec.policySets ?? []) {
    const ps = await objects.get<PolicySetSpec>('PolicySet', name);
    if (ps) policySets.push(ps.spec);
  }
  // Only a selector needs the registered clusters (a query each time): named ones are placed
  // whether registered or not. Every reconcile of a tenant's projects and apps loads this.
  const registered = tenant.spec.placement?.clusterSelector ? await listAll(objects, 'Cluster') : [];
  const clusters = placedClusters(tenant.spec.placement, registered);
  return { intent: { name: tenant.name, spec: tenant.spec, policySets }, clusters };
}

const projectsOf = (objects: ObjectStore, tenant: string) => listAll<ProjectSpec>(objects, 'Project', { tenant });

export const tenantProjection: ProjectionKind<TenantIntent, void, string[]> = {
  kind: 'Tenant',
  adapter: capsuleTenantAdapter,
  async load(obj, objects) {
    return loadTenant(obj, objects);
  },
  owner: (obj) => ({ tenant: obj.name }),
  driftPolicy: (intent) => intent.spec.driftPolicy,
  async deletionBlocker(obj, objects) {
    const projects = await projectsOf(objects, obj.name);
    return projects.length > 0 ? `waiting for ${projects.length} project${projects.length === 1 ? '' : 's'} to be deleted` : undefined;
  },
};

const projectKeys = async (objects: ObjectStore, tenant: string) => (await projectsOf(objects, tenant)).map((p) => `Project/${p.name}`);

/**
 * The tenancy keys to reconcile after a store change. A tenant's projects follow their tenant
 * (placement, isolation and policies are the tenant's); a tenant follows its projects only as
 * they go (a tenant being deleted waits for them; nothing else of a tenant depends on its
 * projects: their namespaces are left to them by label); policy sets and clusters fan out to the
 * tenants (and projects) that use them.
 */
export async function tenancyKeysFor(e: ChangeEvent, objects: ObjectStore): Promise<string[]> {
  switch (e.kind) {
    case 'Tenant':
      return [`Tenant/${e.name}`, ...(await projectKeys(objects, e.name))];
    case 'Project':
      // A project gone: its tenant may be waiting for it (a change carries its object's tenant).
      return [`Project/${e.name}`, ...(e.type === 'deleted' && e.tenant ? [`Tenant/${e.tenant}`] : [])];
    case 'PolicySet':
    case 'Cluster': {
      const tenants = (await listAll<TenantSpec>(objects, 'Tenant')).filter((t) => (e.kind === 'PolicySet' ? t.spec.policySets?.includes(e.name) : true));
      const keys = tenants.map((t) => `Tenant/${t.name}`);
      for (const t of tenants) keys.push(...(await projectKeys(objects, t.name)));
      return keys;
    }
    default:
      return [];
  }
}
