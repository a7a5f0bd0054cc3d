// Tenant: a team's share of the platform: owners, quotas, namespace rules, network isolation,
// policy sets and placement (which clusters it lives on). Projected as one Capsule Tenant per
// placed cluster by the CapsuleAdapter.
import { TENANT_SPEC, type TenantSpec } from '../../domain/kinds/tenant.js';
import type { AdmissionContext, KindDescriptor } from './descriptor.js';
import { issueKubeconfigMethod } from './grant.js';
import { jsonPointerToken, requireDisjointPrefix, unprocessable } from './references.js';
import { reservedKeyProblems } from '../../adapters/capsule/metadata-keys.js';
import { requireTenantCapabilities, tenantPlanView } from './tenancy.js';
import { CLEANUP_FINALIZER } from '../../domain/ownership.js';
import { eachObject } from '../../store/paging.js';
import { ApiError } from '../errors.js';
import { requireQuotaAboveUsed } from './usage-admission.js';
import { warningLevelProblems } from '../../domain/usage.js';

/**
 * 422 naming each reserved key (domain/metadata-keys.ts) the write would have Capsule stamp on
 * the tenant's namespaces: tenant-identity keys for anyone, Kubernetes' scheduling and pod
 * security keys for anyone but platform admins (who may set them for a tenant).
 */
function requireNamespaceMetadataKeys(spec: TenantSpec, ctx: AdmissionContext): void {
  const access = ctx.caller.access('Tenant', ctx.current ? 'update' : 'create');
  const platformAdmin = access.allowed && access.scope === 'all';
  const current = (ctx.current?.spec as TenantSpec | undefined)?.namespaceOptions;
  const problems = (['labels', 'annotations'] as const).flatMap((field) =>
    reservedKeyProblems(spec.namespaceOptions?.[field], { platformAdmin, current: current?.[field] }).map((p) => ({
      field: `body/spec/namespaceOptions/${field}/${jsonPointerToken(p.key)}`,
      reason: p.reason,
    })),
  );
  if (problems.length > 0) throw new ApiError('UNPROCESSABLE', `reserved namespace metadata: ${problems.map((p) => p.reason).join('; ')}`, problems);
}

function requireIncreasingLevels(levels: readonly number[] | undefined): void {
  const problems = warningLevelProblems(levels ?? []);
  if (problems.length > 0) throw unprocessable('spec/quotaWarnings', problems.join('; '));
}

export const tenantKind: KindDescriptor = {
  kind: 'Tenant',
  plural: 'tenants',
  spec: TENANT_SPEC,
  async admit(name, spec, ctx) {
    requireNamespaceMetadataKeys(spec, ctx);
    requireIncreasingLevels((spec as TenantSpec).quotaWarnings);
    await requireQuotaAboveUsed(ctx, name, (spec as TenantSpec).quotas);
    await requireDisjointPrefix(ctx, name);
    for (const [i, policySet] of ((spec.policySets as string[] | undefined) ?? []).entries()) {
      // Policy sets are platform objects; only the platform can change this list.
      if (!(await ctx.objects.get('PolicySet', policySet))) {
        throw unprocessable(`spec/policySets/${i}`, `PolicySet "${policySet}" not found`);
      }
    }
    // Refused before anything is stored: a cluster the tenant is newly placed on lacks Capsule.
    const placement = (spec as TenantSpec).placement;
    await requireTenantCapabilities(ctx.objects, placement, (ctx.current?.spec as TenantSpec | undefined)?.placement, 'spec/placement', `tenant "${name}"`);
    return { tenant: name };
  },
  // Deleting a tenant removes its Capsule Tenant on every cluster, and Capsule deletes every
  // namespace of it. So a tenant is only deleted once its projects are (or are being) deleted:
  // never a cascade from one DELETE. The reconciler waits for projects being deleted.
  finalizers: [CLEANUP_FINALIZER],
  async blockingDependents(target, objects) {
    for await (const p of eachObject(objects, 'Project', { tenant: target.name })) {
      if (!p.deletionTimestamp) return `tenant "${target.name}" still has projects; delete them first`;
    }
    const { items } = await objects.list('KubeconfigGrant', { limit: 1, tenant: target.name });
    if (items.length > 0) return `tenant "${target.name}" still has kubeconfig grants; delete them first`;
    return undefined;
  },
  subresources: [tenantPlanView],
  customMethods: [issueKubeconfigMethod('Tenant')],
};
