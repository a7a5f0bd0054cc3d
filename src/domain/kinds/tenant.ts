// Tenant: a team's share of the platform: owners, quotas, namespace rules, network isolation,
// policy sets and placement (which clusters it lives on). The spec's schema, and its type derived
// from it, so what is validated and what adapters read cannot disagree.
import { Type, type Static } from 'typebox';
import type { Resource } from '../resource.js';
import { DEFAULT_WARNING_LEVELS } from '../usage.js';
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
} from '../schema.js';

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
    forbiddenLabels: Type.Optional(List(LabelKey, 64, { default: [], uniqueItems: true, description: 'Label keys tenants may not set on their namespaces.' })),
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

/** Warning levels of quota usage (fractions); crossing one sets QuotaPressure (docs/usage.md). */
const QuotaWarnings = List(Type.Number({ exclusiveMinimum: 0, maximum: 1 }), 8, {
  minItems: 1,
  description: `Fractions of each quota (0.8 = 80 %) whose crossing sets the QuotaPressure condition, in increasing order. Absent: ${DEFAULT_WARNING_LEVELS.join(', ')}.`,
});

/** The tenant spec's fields, as the API validates them (defaults applied before storing). */
export const TENANT_SPEC = {
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
};

export const TenantSpecSchema = Strict(TENANT_SPEC);

/** The tenant intent as stored: the schema above with its defaults applied. Adapters read this. */
export type TenantSpec = Static<typeof TenantSpecSchema>;
/** A tenant's quotas as stored (defaults applied); policy sets reuse the shape as defaults. */
export type TenantQuotas = Static<typeof Quotas>;
export type NetworkIsolationLevel = Static<typeof NetworkIsolation>;
export type TenantPlacement = Static<typeof Placement>;
export type TenantResource = Resource<TenantSpec>;
