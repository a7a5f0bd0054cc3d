// The Project kind on the generic projection loop (key `Project/<name>`): one namespace of its
// tenant on each of the tenant's clusters; the engine's side is the tenancy adapter.
import { capsuleProjectAdapter, type ProjectContext, type ProjectIntent } from '../../adapters/capsule/index.js';
import type { ProjectSpec } from '../../domain/kinds/project.js';
import type { TenantSpec } from '../../domain/kinds/tenant.js';
import type { ProjectionKind } from '../projection/reconciler.js';
import { loadTenant } from './tenant.js';

export const projectProjection: ProjectionKind<ProjectIntent, ProjectContext, void> = {
  kind: 'Project',
  adapter: capsuleProjectAdapter,
  async load(obj, objects) {
    const spec = obj.spec as unknown as ProjectSpec;
    const tenant = await objects.get<TenantSpec>('Tenant', spec.tenant);
    if (!tenant) return { invalid: `tenant "${spec.tenant}" does not exist` };
    const { intent, clusters } = await loadTenant(tenant, objects);
    return { intent: { project: obj.name, tenant: intent }, clusters };
  },
  owner: (obj) => ({ tenant: (obj.spec as unknown as ProjectSpec).tenant, project: obj.name }),
  // A project follows its tenant's drift policy.
  driftPolicy: (intent) => intent.tenant.spec.driftPolicy,
};
