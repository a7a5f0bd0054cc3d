// Project: one namespace of a tenant, on each of the tenant's clusters (labelled
// capsule.clastix.io/tenant=<tenant> by the CapsuleAdapter). Its name is the namespace name, so
// project names are unique across tenants.
import { Type } from 'typebox';
import { Name } from '../schemas/common.js';
import type { KindDescriptor } from './descriptor.js';
import { issueKubeconfigMethod } from './grant.js';
import { PROJECT_LABEL, resolveReference } from './references.js';

export const projectKind: KindDescriptor = {
  kind: 'Project',
  plural: 'projects',
  ownership: 'tenant',
  spec: {
    tenant: { ...Name, description: 'The owning tenant; taken from the URL when created under /tenants/{name}/projects.' },
    description: Type.Optional(Type.String({ maxLength: 1024 })),
  },
  immutable: ['tenant'],
  async admit(_name, spec, ctx) {
    const tenant = await resolveReference(ctx, 'Tenant', spec.tenant as string, 'spec/tenant');
    return { tenant: tenant.name };
  },
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
