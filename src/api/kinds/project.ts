// Project: one namespace of a tenant, on each of the tenant's clusters (labelled
// with its tenant by the tenancy adapter). Its name is the namespace name, so
// project names are unique across tenants: under the tenant prefix rule (the default) it starts
// with `<tenant>-`.
import { PROJECT_SPEC } from '../../domain/kinds/project.js';
import { requireNamespaceRoom } from './usage-admission.js';
import type { KindDescriptor } from './descriptor.js';
import { issueKubeconfigMethod } from './grant.js';
import { PROJECT_LABEL, requireTenantPrefix, resolveReference } from './references.js';
import { projectPlanView, requireTenantCapabilities } from './tenancy.js';
import type { TenantSpec } from '../../domain/kinds/tenant.js';
import { CLEANUP_FINALIZER } from '../../domain/ownership.js';

export const projectKind: KindDescriptor = {
  kind: 'Project',
  plural: 'projects',
  spec: PROJECT_SPEC,
  immutable: ['tenant'],
  async admit(name, spec, ctx) {
    const tenant = await resolveReference<TenantSpec>(ctx, 'Tenant', spec.tenant as string, 'spec/tenant');
    requireTenantPrefix(ctx, name, tenant.name);
    // A new project lands on every cluster of its tenant: each must be able to take it.
    if (!ctx.current) await requireTenantCapabilities(ctx.objects, tenant.spec.placement, undefined, 'spec/tenant', `project "${name}"`);
    if (!ctx.current) await requireNamespaceRoom(ctx, tenant.name);
    return { tenant: tenant.name };
  },
  // Its namespace (and what KubeNova put in it) is removed from every cluster before it goes.
  finalizers: [CLEANUP_FINALIZER],
  subresources: [projectPlanView],
  async blockingDependents(target, objects) {
    const inProject = [{ key: PROJECT_LABEL, op: 'Equals' as const, value: target.name }];
    for (const kind of ['App', 'KubeconfigGrant'] as const) {
      const { items } = await objects.list(kind, { limit: 1, tenant: target.tenant, labelSelector: inProject });
      if (items.length > 0) return `project "${target.name}" still has ${kind === 'App' ? 'apps' : 'kubeconfig grants'}; delete them first`;
    }
    return undefined;
  },
  customMethods: [issueKubeconfigMethod('Project')],
};
