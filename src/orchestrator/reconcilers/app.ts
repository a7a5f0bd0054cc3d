// The App kind on the generic projection loop (key `App/<name>`): an app goes to its tenant's
// clusters (those it names, within the placement), into its project's namespace; the engine's
// side is the app adapter. Also which app keys a store change wakes: its project, tenant and
// clusters (the adapter's watches bring the cluster's side, so rollout status follows the
// cluster, not a poll).
import { appOwner, velaAppAdapter, type AppIntent } from '../../adapters/vela/index.js';
import type { AppSpec } from '../../domain/kinds/app.js';
import type { ProjectSpec } from '../../domain/kinds/project.js';
import type { TenantSpec } from '../../domain/kinds/tenant.js';
import { PROJECT_LABEL } from '../../domain/ownership.js';
import type { Resource } from '../../domain/resource.js';
import { listAll } from '../../store/paging.js';
import type { ChangeEvent, ObjectStore } from '../../store/types.js';
import type { ProjectionKind } from '../projection/reconciler.js';
import { loadTenant } from './tenant.js';

export const appProjection: ProjectionKind<AppIntent, void, void> = {
  kind: 'App',
  adapter: velaAppAdapter,
  driftPolicy: (intent) => intent.spec.driftPolicy,
  async load(obj, objects) {
    const spec = obj.spec as unknown as AppSpec;
    const project = await objects.get<ProjectSpec>('Project', spec.project);
    if (!project) return { invalid: `project "${spec.project}" does not exist` };
    const tenant = await objects.get<TenantSpec>('Tenant', project.spec.tenant);
    if (!tenant) return { invalid: `tenant "${project.spec.tenant}" does not exist` };
    const placed = (await loadTenant(tenant, objects)).clusters;
    // Named clusters that left the tenant's placement are dropped (the app is removed there).
    const clusters = spec.clusters && spec.clusters.length > 0 ? spec.clusters.filter((c) => placed.includes(c)) : placed;
    return { intent: { name: obj.name, tenant: tenant.name, project: project.name, spec }, clusters };
  },
  owner: (obj) => {
    const spec = obj.spec as unknown as AppSpec;
    return appOwner({ name: obj.name, tenant: obj.tenant ?? '', project: spec.project });
  },
};

function appsWhere(objects: ObjectStore, filter: { project?: string; tenant?: string }): Promise<Resource[]> {
  return listAll(objects, 'App', {
    ...(filter.tenant && { tenant: filter.tenant }),
    ...(filter.project && { labelSelector: [{ key: PROJECT_LABEL, op: 'Equals' as const, value: filter.project }] }),
  });
}

/** The app keys to reconcile after a store change: a project's apps follow it (its namespace),
 *  a tenant's apps follow the tenant (placement), every app follows clusters (capabilities). */
export async function appKeysFor(e: ChangeEvent, objects: ObjectStore): Promise<string[]> {
  switch (e.kind) {
    case 'Project':
      return (await appsWhere(objects, { project: e.name })).map((a) => `App/${a.name}`);
    case 'Tenant':
      return (await appsWhere(objects, { tenant: e.name })).map((a) => `App/${a.name}`);
    case 'Cluster':
      return (await appsWhere(objects, {})).map((a) => `App/${a.name}`);
    default:
      return [];
  }
}
