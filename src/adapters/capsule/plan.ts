// The CapsuleAdapter's plans: KubeNova tenancy intents → the Kubernetes objects one cluster should
// hold. Pure functions, no I/O; the orchestrator applies, prunes and observes what they return.
import type { ClusterPlan } from '../contract.js';
import type { PolicySetSpec } from '../../domain/kinds/policyset.js';
import type { TenantSpec } from '../../domain/kinds/tenant.js';
import { unmetNeeds, type CapabilityNeed, type ClusterCapabilities } from '../../domain/capabilities.js';
import { withoutIdentityKeys } from './metadata-keys.js';
import { ownershipLabels, type Owner } from '../../domain/ownership.js';
import type { KubeObject } from '../kube/types.js';
import { projectAppIdentity } from '../cluster/app-identity.js';
import { CAPSULE_TENANT_LABEL, QUOTA_RULE_NAME, ruleDialect, TENANT_API_NEED, TENANT_TYPE, tenantOwnerLabels, type RuleDialect } from './capsule-api.js';
import { effectivePolicy, type EffectivePolicy } from './policy.js';

/** A tenant as the planners need it: its intent and the policy sets it attaches, in order. */
export interface TenantIntent {
  name: string;
  spec: TenantSpec;
  policySets: readonly PolicySetSpec[];
}

/** Names of the objects KubeNova adds to each namespace of a tenant. Never Capsule's own names
 *  (`capsule-<tenant>-<n>`), which Capsule prunes. */
export const NETWORK_POLICY_NAME = 'kubenova-network';
export const LIMIT_RANGE_NAME = 'kubenova-defaults';

const POD_SECURITY_LABELS = ['enforce', 'warn', 'audit'].map((mode) => `pod-security.kubernetes.io/${mode}`);

function precheck(caps: ClusterCapabilities | undefined): ClusterPlan | RuleDialect {
  if (!caps) return { outcome: 'undiscovered' };
  const missing = unmetNeeds(caps, [TENANT_API_NEED]);
  return missing.length > 0 ? { outcome: 'unsupported', missing } : ruleDialect(caps);
}

/** The needs a tenant has on each of its clusters (for the API's 422 check). */
export function tenantNeeds(): CapabilityNeed[] {
  return [TENANT_API_NEED];
}

// ---------------------------------------------------------------------------------------------
// Tenant

/**
 * The tenant's objects on one cluster: the Capsule Tenant, plus KubeNova's per-namespace guards
 * (NetworkPolicy, LimitRange) in the tenant's namespaces that no KubeNova project owns (those a
 * tenant owner created directly; `otherNamespaces` comes from the last observation). Project
 * namespaces get the same guards from the project's own plan.
 */
export function planTenant(tenant: TenantIntent, caps: ClusterCapabilities | undefined, otherNamespaces: readonly string[] = []): ClusterPlan {
  const dialect = precheck(caps);
  if (typeof dialect !== 'string') return dialect;
  const policy = effectivePolicy(tenant.spec, tenant.policySets);
  const owner = { tenant: tenant.name };
  const notes: string[] = [];
  if (dialect === 'legacy') notes.push('cluster runs a Capsule release without Tenant rules: deprecated Tenant fields are used');
  const objects: KubeObject[] = [capsuleTenant(tenant, policy, dialect)];
  for (const ns of [...otherNamespaces].sort()) objects.push(...namespaceGuards(tenant.name, ns, policy, owner));
  return { outcome: 'planned', objects, notes };
}

type Json = Record<string, unknown>;

const nonEmpty = (o: Json): Json | undefined => (Object.keys(o).length > 0 ? o : undefined);
const compact = (o: Json): Json => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));

/** KubeNova quotas as a ResourceQuota `hard` list. cpu/memory/storage count requests: a pod must
 *  declare requests (or get them from a policy set's default limits) to be admitted. */
export function quotaHard(policy: EffectivePolicy): Record<string, string> | undefined {
  const q = policy.quotas;
  return nonEmpty(
    compact({
      pods: q.pods === undefined ? undefined : String(q.pods),
      'requests.cpu': q.cpu,
      'requests.memory': q.memory,
      'requests.storage': q.storage,
    }),
  ) as Record<string, string> | undefined;
}

const escapeRegex = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * An allowed registry prefix as the regular expression (RE2) Capsule matches image references
 * with. References are matched as written in the pod, so Docker Hub's short forms (`nginx`,
 * `library/nginx:1`) count as `docker.io`.
 */
export function registryExpression(prefix: string): string {
  const [host = '', ...path] = prefix.split('/');
  if (host !== 'docker.io' && host !== 'index.docker.io') return `^${escapeRegex(prefix)}/`;
  // Without a host part (a first component with no "." or ":"), an image is on Docker Hub, and
  // without any "/" it is in Docker Hub's `library`.
  const rest = path.length > 0 ? `${escapeRegex(path.join('/'))}/` : '';
  const short = path.length === 0 ? '[^./:]+(?:[/:@]|$)' : path.join('/') === 'library' ? `${rest}|[^./:@]+(?:[:@]|$)` : rest;
  return `^(?:(?:docker\\.io|index\\.docker\\.io)/${rest}|${short})`;
}

/** What Capsule stamps on every namespace of the tenant. Tenant-identity keys never come from
 *  the spec (the API refuses them too): a tenant's namespaces carry only its own identity, which
 *  Capsule and KubeNova set. */
function namespaceMetadata(tenant: TenantIntent, policy: EffectivePolicy): { labels: Record<string, string>; annotations: Record<string, string> } {
  const labels = withoutIdentityKeys(tenant.spec.namespaceOptions?.labels);
  if (policy.podSecurity) for (const key of POD_SECURITY_LABELS) labels[key] = policy.podSecurity;
  return { labels, annotations: withoutIdentityKeys(tenant.spec.namespaceOptions?.annotations) };
}

/**
 * A rule as Capsule stores it. Capsule's tenant webhook writes the empty objects of a rule body
 * (`permissions`, and `ingress`/`services`/`workloads` of `enforce`) into a Tenant it creates
 * (Go structs without omitempty); without them in KubeNova's own apply, the next apply would
 * remove them again, bumping the Tenant's generation and costing a whole Capsule reconcile.
 */
function rule(body: Json): Json {
  const enforce = body.enforce as Json | undefined;
  return {
    ...body,
    ...(enforce && { enforce: { ingress: {}, services: {}, workloads: {}, ...enforce } }),
    permissions: {},
  };
}

/** Tenant-wide rules in Capsule's `spec.rules[]` (v0.14). Each concern is its own rule so that
 *  a change to one never reorders another. */
function rules(tenant: TenantIntent, policy: EffectivePolicy): Json[] | undefined {
  const out: Json[] = [];
  const hard = quotaHard(policy);
  if (hard) out.push({ quota: [{ name: QUOTA_RULE_NAME, hard }] });
  if (policy.registries.length > 0) {
    out.push({ enforce: { action: 'allow', workloads: { registries: policy.registries.map((r) => ({ exp: registryExpression(r) })) } } });
  }
  const forbidden = tenant.spec.namespaceOptions?.forbiddenLabels ?? [];
  if (forbidden.length > 0) {
    // Keys are regular expressions in Capsule's metadata rules: escape them to match exactly.
    // The audience keeps administrators (KubeNova itself) out of it, as the legacy field did.
    const labels = Object.fromEntries(forbidden.map((key) => [escapeRegex(key), { values: [{ exp: '.*' }] }]));
    out.push({ audience: [{ kind: 'Custom', name: 'CapsuleUser' }], enforce: { action: 'deny', metadata: [{ kinds: ['Namespace'], labels }] } });
  }
  const meta = namespaceMetadata(tenant, policy);
  // Managed keys must be concrete label keys (Capsule refuses patterns there), so unescaped.
  const managed = (m: Record<string, string>) => nonEmpty(Object.fromEntries(Object.entries(m).map(([k, v]) => [k, { managed: v }])));
  const labels = managed(meta.labels);
  const annotations = managed(meta.annotations);
  if (labels || annotations) out.push({ enforce: { metadata: [compact({ kinds: ['Namespace'], labels, annotations })] } });
  return out.length > 0 ? out.map(rule) : undefined;
}

/** The same intent in the fields Capsule v0.14 deprecates, for clusters without `rules`:
 *  top-level Tenant fields and additions to `namespaceOptions`. */
function legacyFields(tenant: TenantIntent, policy: EffectivePolicy): { top: Json; namespaceOptions: Json } {
  const hard = quotaHard(policy);
  const meta = namespaceMetadata(tenant, policy);
  const forbidden = tenant.spec.namespaceOptions?.forbiddenLabels ?? [];
  const metadata = compact({ labels: nonEmpty(meta.labels), annotations: nonEmpty(meta.annotations) });
  return {
    top: compact({
      resourceQuotas: hard ? { scope: 'Tenant', items: [{ hard }] } : undefined,
      containerRegistries: policy.registries.length > 0 ? { allowedRegex: policy.registries.map((r) => `(?:${registryExpression(r)})`).join('|') } : undefined,
    }),
    namespaceOptions: compact({
      additionalMetadata: nonEmpty(metadata),
      forbiddenLabels: forbidden.length > 0 ? { denied: [...forbidden] } : undefined,
    }),
  };
}

const allowed = (list: string[] | undefined): Json | undefined => (list && list.length > 0 ? { allowed: [...list] } : undefined);

function capsuleTenant(tenant: TenantIntent, policy: EffectivePolicy, dialect: RuleDialect): KubeObject {
  const classes = tenant.spec.allowedClasses ?? {};
  const legacy = dialect === 'legacy' ? legacyFields(tenant, policy) : { top: {}, namespaceOptions: {} };
  const namespaceOptions = nonEmpty(compact({ quota: policy.quotas.namespaces, ...legacy.namespaceOptions }));
  const ingressClasses = allowed(classes.ingress);
  return {
    ...TENANT_TYPE,
    metadata: { name: tenant.name, labels: ownershipLabels({ tenant: tenant.name }) },
    spec: compact({
      owners: (tenant.spec.owners ?? []).map((o) => ({ kind: o.kind, name: o.name })),
      // Only KubeNova deletes a tenant's Tenant (it lifts this first): deleting a Tenant deletes
      // every namespace in it.
      preventDeletion: true,
      namespaceOptions,
      storageClasses: allowed(classes.storage),
      priorityClasses: allowed(classes.priority),
      ingressOptions: ingressClasses ? { allowedClasses: ingressClasses } : undefined,
      rules: dialect === 'rules' ? rules(tenant, policy) : undefined,
      // KubeNova's TenantOwners of this tenant (tenant-admin grants); see tenantOwnerLabels.
      // The API server adds the CRD default `allowOwnerPromotion: true` beside it (not drift:
      // not a field KubeNova sets); promotion stays off unless CapsuleConfiguration enables it.
      permissions: { matchOwners: [{ matchLabels: tenantOwnerLabels(tenant.name) }] },
      ...legacy.top,
    }),
  };
}

/** The Tenant as KubeNova applies it just before deleting it: as it is, with only the deletion
 *  guard lifted. (Applying just `preventDeletion` would make server-side apply drop every other
 *  field KubeNova owns, and Capsule would reconcile that before the deletion.) */
export function releasedTenant(live: KubeObject): KubeObject {
  const name = live.metadata.name;
  const spec = (live.spec as Record<string, unknown> | undefined) ?? {};
  return { ...TENANT_TYPE, metadata: { name, labels: ownershipLabels({ tenant: name }) }, spec: { ...spec, preventDeletion: false } };
}

// ---------------------------------------------------------------------------------------------
// Per-namespace guards: network isolation and container limits

function networkPolicy(tenant: string, namespace: string, policy: EffectivePolicy, owner: Owner): KubeObject | undefined {
  const ipBlocks = (cidrs: string[]) => cidrs.map((cidr) => ({ ipBlock: { cidr } }));
  const scopePeer: Json | undefined =
    policy.isolation === 'tenant'
      ? { namespaceSelector: { matchLabels: { [CAPSULE_TENANT_LABEL]: tenant } } }
      : policy.isolation === 'project'
        ? { podSelector: {} }
        : undefined;
  const isolateIngress = policy.isolation !== 'none';
  const isolateEgress = policy.egressCIDRs.length > 0;
  if (!isolateIngress && !isolateEgress) return undefined;
  const spec: Json = { podSelector: {}, policyTypes: [] as string[] };
  if (isolateIngress) {
    (spec.policyTypes as string[]).push('Ingress');
    spec.ingress = [{ from: [scopePeer!, ...ipBlocks(policy.ingressCIDRs)] }];
  }
  if (isolateEgress) {
    (spec.policyTypes as string[]).push('Egress');
    const dns = {
      to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } } }],
      ports: [
        { protocol: 'UDP', port: 53 },
        { protocol: 'TCP', port: 53 },
      ],
    };
    spec.egress = [{ to: [scopePeer ?? { namespaceSelector: {} }, ...ipBlocks(policy.egressCIDRs)] }, dns];
  }
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: { name: NETWORK_POLICY_NAME, namespace, labels: ownershipLabels(owner) },
    spec,
  };
}

function limitRange(namespace: string, policy: EffectivePolicy, owner: Owner): KubeObject | undefined {
  if (!policy.limits) return undefined;
  return {
    apiVersion: 'v1',
    kind: 'LimitRange',
    metadata: { name: LIMIT_RANGE_NAME, namespace, labels: ownershipLabels(owner) },
    spec: { limits: [{ type: 'Container', ...policy.limits }] },
  };
}

/** What KubeNova adds to one namespace of a tenant. */
export function namespaceGuards(tenant: string, namespace: string, policy: EffectivePolicy, owner: Owner): KubeObject[] {
  return [networkPolicy(tenant, namespace, policy, owner), limitRange(namespace, policy, owner)].filter((o): o is KubeObject => o !== undefined);
}

// ---------------------------------------------------------------------------------------------
// Project

/**
 * A project's objects on one of its tenant's clusters: its namespace, labelled for Capsule to
 * adopt it into the tenant, then the namespace's guards. Tenant-wide namespace metadata (labels,
 * pod security) is Capsule's to stamp, from the Tenant's rules.
 */
export function planProject(project: string, tenant: TenantIntent, caps: ClusterCapabilities | undefined): ClusterPlan {
  const dialect = precheck(caps);
  if (typeof dialect !== 'string') return dialect;
  const policy = effectivePolicy(tenant.spec, tenant.policySets);
  const owner = { tenant: tenant.name, project };
  const namespace: KubeObject = {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name: project, labels: { ...ownershipLabels(owner), [CAPSULE_TENANT_LABEL]: tenant.name } },
  };
  // The identity the project's apps run as comes with the namespace: an app never waits for its own.
  return { outcome: 'planned', objects: [namespace, ...namespaceGuards(tenant.name, project, policy, owner), ...projectAppIdentity(owner)], notes: [] };
}
