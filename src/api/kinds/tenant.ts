// Tenant: a team's share of the platform: owners, quotas, namespace rules, network isolation,
// policy sets and placement (which clusters it lives on). Projected as one Capsule Tenant per
// placed cluster by the CapsuleAdapter.
import { Type } from 'typebox';
import type { Resource } from '../../domain/resource.js';
import {
  Annotations,
  DriftPolicy,
  LabelKey,
  Labels,
  List,
  Name,
  NetworkIsolation,
  Patterned,
  Quantity,
  Registry,
  Strict,
  StringEnum,
  SubdomainName,
  withDefault,
} from '../schemas/common.js';
import type { AdmissionContext, KindDescriptor } from './descriptor.js';
import { issueKubeconfigMethod } from './grant.js';
import { jsonPointerToken, requireDisjointPrefix, unprocessable } from './references.js';
import { reservedKeyProblems } from '../../domain/metadata-keys.js';
import { requireTenantCapabilities, tenantPlanView } from './tenancy.js';
import { CLEANUP_FINALIZER } from '../../domain/ownership.js';
import { eachObject } from '../../store/paging.js';
import { ApiError } from '../errors.js';
import { requireQuotaAboveUsed } from './usage-admission.js';
import { DEFAULT_WARNING_LEVELS, warningLevelProblems } from '../../domain/usage.js';

const Owner = Strict({
  kind: StringEnum(['User', 'Group']),
  name: Patterned('^\\S+$', 'must not contain whitespace', {
    minLength: 1,
    maxLength: 253,
    description: 'User or group name as the IdP gives it.',
  }),
});

/** Resource limits over all namespaces of a tenant (or, in policy sets, its defaults). */
export const Quotas = Strict(
  {
    namespaces: Type.Optional(Type.Integer({ minimum: 0, maximum: 10000, description: 'Most projects (namespaces) per cluster.' })),
    pods: Type.Optional(Type.Integer({ minimum: 0, maximum: 1000000 })),
    cpu: Type.Optional(Quantity),
    memory: Type.Optional(Quantity),
    storage: Type.Optional(Quantity),
  },
  { default: {} },
);

const NamespaceOptions = Strict(
  {
    labels: Type.Optional(withDefault(Labels, {})),
    annotations: Type.Optional(withDefault(Annotations, {})),
    forbiddenLabels: Type.Optional(
      List(LabelKey, 64, { default: [], uniqueItems: true, description: 'Label keys tenants may not set on their namespaces.' }),
    ),
  },
  { default: {}, description: 'Labels and annotations stamped on every namespace of the tenant.' },
);

const ClassList = List(SubdomainName, 64, { default: [], uniqueItems: true });
const AllowedClasses = Strict(
  { storage: Type.Optional(ClassList), ingress: Type.Optional(ClassList), priority: Type.Optional(ClassList) },
  { default: {}, description: 'Class names workloads may use; an empty list puts no restriction on that class.' },
);

const Placement = Strict(
  {
    clusters: Type.Optional(List(Name, 256, { uniqueItems: true })),
    clusterSelector: Type.Optional(Strict({ matchLabels: Labels })),
  },
  { default: {}, description: 'The clusters named, plus those whose labels match the selector. Empty: no cluster yet.' },
);

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

/** Warning levels of quota usage (fractions); crossing one sets QuotaPressure (docs/usage.md). */
const QuotaWarnings = List(Type.Number({ exclusiveMinimum: 0, maximum: 1 }), 8, {
  minItems: 1,
  description: `Fractions of each quota (0.8 = 80 %) whose crossing sets the QuotaPressure condition, in increasing order. Absent: ${DEFAULT_WARNING_LEVELS.join(', ')}.`,
});

function requireIncreasingLevels(levels: readonly number[] | undefined): void {
  const problems = warningLevelProblems(levels ?? []);
  if (problems.length > 0) throw unprocessable('spec/quotaWarnings', problems.join('; '));
}

export const tenantKind: KindDescriptor = {
  kind: 'Tenant',
  plural: 'tenants',
  ownership: 'tenant',
  spec: {
    owners: Type.Optional(List(Owner, 64, { default: [] })),
    quotas: Type.Optional(Quotas),
    namespaceOptions: Type.Optional(NamespaceOptions),
    networkIsolation: Type.Optional(withDefault(NetworkIsolation, 'tenant')),
    allowedRegistries: Type.Optional(List(Registry, 64, { default: [], uniqueItems: true, description: 'Empty: any registry.' })),
    allowedClasses: Type.Optional(AllowedClasses),
    policySets: Type.Optional(List(Name, 32, { default: [], uniqueItems: true, description: 'PolicySets applied to the tenant.' })),
    placement: Type.Optional(Placement),
    driftPolicy: Type.Optional(DriftPolicy),
    quotaWarnings: Type.Optional(QuotaWarnings),
  },
  async admit(name, spec, ctx) {
    requireNamespaceMetadataKeys(spec as TenantSpec, ctx);
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

/** A tenant's quotas as stored (defaults applied); policy sets reuse the shape as defaults. */
export interface TenantQuotas {
  namespaces?: number;
  pods?: number;
  cpu?: string;
  memory?: string;
  storage?: string;
}

export type NetworkIsolationLevel = 'none' | 'tenant' | 'project';

export interface TenantPlacement {
  clusters?: string[];
  clusterSelector?: { matchLabels: Record<string, string> };
}

/** The tenant intent as stored: the schema above with its defaults applied. Adapters read this. */
export interface TenantSpec {
  owners?: { kind: 'User' | 'Group'; name: string }[];
  quotas?: TenantQuotas;
  namespaceOptions?: { labels?: Record<string, string>; annotations?: Record<string, string>; forbiddenLabels?: string[] };
  networkIsolation?: NetworkIsolationLevel;
  allowedRegistries?: string[];
  allowedClasses?: { storage?: string[]; ingress?: string[]; priority?: string[] };
  policySets?: string[];
  placement?: TenantPlacement;
  driftPolicy?: 'repair' | 'detect';
  /** Quota warning levels (fractions, increasing); default 0.8 and 0.95. */
  quotaWarnings?: number[];
}

export type TenantResource = Resource<TenantSpec>;
