// TenantReconciler and ProjectReconciler: the tenancy intents on the generic projection loop,
// with the CapsuleAdapter. Keys are `Tenant/<name>` and `Project/<name>`. Also what wakes them:
// store changes of related objects (fan-out) and watches on what they projected into clusters.
import type { PolicySetSpec } from '../api/kinds/policyset.js';
import type { ProjectSpec } from '../api/kinds/project.js';
import type { TenantSpec } from '../api/kinds/tenant.js';
import {
  capsuleProjectAdapter,
  capsuleTenantAdapter,
  capsuleTenantOf,
  NAMESPACE_TYPE,
  ownerCreatedNamespacesSelector,
  planProject,
  planTenant,
  TENANT_TYPE,
  tenantDetail,
  tenantNamespaces,
  type ProjectContext,
  type TenantIntent,
} from '../adapters/capsule/index.js';
import type { KubeObject } from '../adapters/kube/types.js';
import { GLOBAL_RESOURCE_QUOTA_TYPE, QUOTA_USAGE_SELECTOR } from '../adapters/capsule/usage.js';
import { ClusterWatches, type ClusterWatch } from './cluster-watches.js';
import { UsageTracker, type UsageOptions } from './usage-tracker.js';
import { isOwnedBy, MANAGED_BY_LABEL, MANAGED_BY_VALUE, MANAGED_SELECTOR, ownerKeyOf } from '../domain/ownership.js';
import { placedClusters } from '../domain/placement.js';
import type { Resource } from '../domain/resource.js';
import { listAll } from '../store/paging.js';
import type { ChangeEvent, ObjectStore } from '../store/types.js';
import { ProjectionReconciler, type ProjectionDeps, type ProjectionKind } from './projection-reconciler.js';
import { projectionDeps, type ProjectionOptions } from './projection-deps.js';
import type { ReconcilerRegistration, RuntimeServices } from './runtime.js';

/** The tenant intent with its policy sets resolved (in attachment order) and its clusters. */
export async function loadTenant(tenant: Resource<TenantSpec>, objects: ObjectStore): Promise<{ intent: TenantIntent; clusters: string[] }> {
  const policySets: PolicySetSpec[] = [];
  for (const name of tenant.spec.policySets ?? []) {
    const ps = await objects.get<PolicySetSpec>('PolicySet', name);
    if (ps) policySets.push(ps.spec);
  }
  const clusters = placedClusters(tenant.spec.placement, await listAll(objects, 'Cluster'));
  return { intent: { name: tenant.name, spec: tenant.spec, policySets }, clusters };
}

const projectsOf = (objects: ObjectStore, tenant: string) => listAll<ProjectSpec>(objects, 'Project', { tenant });

// ---------------------------------------------------------------------------------------------
// Tenant

export const tenantKind: ProjectionKind<TenantIntent, void, string[]> = {
  kind: 'Tenant',
  adapter: capsuleTenantAdapter,
  async load(obj, objects) {
    return loadTenant(obj as Resource<TenantSpec>, objects);
  },
  owner: (obj) => ({ tenant: obj.name }),
  async prepare(client, intent, signal) {
    // Namespaces the tenant's owners created themselves get KubeNova's guards from the tenant;
    // project namespaces get them from their project.
    const namespaces = await client.list(NAMESPACE_TYPE, { labelSelector: ownerCreatedNamespacesSelector(intent.name), signal });
    const live = await client.get({ ...TENANT_TYPE, name: intent.name }, { signal });
    const counted = new Set(tenantNamespaces(live));
    const others = namespaces.filter((ns) => !ns.metadata.deletionTimestamp && counted.has(ns.metadata.name)).map((ns) => ns.metadata.name);
    return { ctx: undefined, input: others };
  },
  plan: (intent, caps, others) => planTenant(intent, caps, others),
  driftPolicy: (intent) => intent.spec.driftPolicy,
  detail: (applied) => tenantDetail(applied.find((o) => o.kind === TENANT_TYPE.kind && o.apiVersion === TENANT_TYPE.apiVersion)),
  async deletionBlocker(obj, objects) {
    const projects = await projectsOf(objects, obj.name);
    return projects.length > 0 ? `waiting for ${projects.length} project${projects.length === 1 ? '' : 's'} to be deleted` : undefined;
  },
};

// ---------------------------------------------------------------------------------------------
// Project

interface ProjectIntent {
  project: string;
  tenant: TenantIntent;
}

export const projectKind: ProjectionKind<ProjectIntent, ProjectContext, void> = {
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
  async prepare(client, intent, signal) {
    // The namespace can only join a Tenant that exists on the cluster (and is KubeNova's).
    const live = await client.get({ ...TENANT_TYPE, name: intent.tenant.name }, { signal });
    if (!live || live.metadata.deletionTimestamp || !isOwnedBy(live.metadata.labels, { tenant: intent.tenant.name })) {
      return { stop: { state: 'progressing', reason: 'WaitingForTenant', message: `the tenant "${intent.tenant.name}" is not on this cluster yet` } };
    }
    return { ctx: { tenant: intent.tenant.name, tenantUid: live.metadata.uid }, input: undefined };
  },
  plan: (intent, caps) => planProject(intent.project, intent.tenant, caps),
  // A project follows its tenant's drift policy.
  driftPolicy: (intent) => intent.tenant.spec.driftPolicy,
};

export function tenantReconciler(deps: ProjectionDeps): ProjectionReconciler<TenantIntent, void, string[]> {
  return new ProjectionReconciler(tenantKind, deps);
}

export function projectReconciler(deps: ProjectionDeps): ProjectionReconciler<ProjectIntent, ProjectContext, void> {
  return new ProjectionReconciler(projectKind, deps);
}

// ---------------------------------------------------------------------------------------------
// What wakes them

const projectKeys = async (objects: ObjectStore, tenant: string) => (await projectsOf(objects, tenant)).map((p) => `Project/${p.name}`);

/**
 * The tenancy keys to reconcile after a store change. A tenant's projects follow their tenant
 * (placement, isolation and policies are the tenant's); a tenant follows its projects (it waits
 * for them on deletion and leaves their namespaces to them); policy sets and clusters fan out to
 * the tenants (and projects) that use them.
 */
export async function tenancyKeysFor(e: ChangeEvent, objects: ObjectStore): Promise<string[]> {
  switch (e.kind) {
    case 'Tenant':
      return [`Tenant/${e.name}`, ...(await projectKeys(objects, e.name))];
    case 'Project': {
      const tenant = e.tenant ?? (await objects.get<ProjectSpec>('Project', e.name))?.spec.tenant;
      return [`Project/${e.name}`, ...(tenant ? [`Tenant/${tenant}`] : [])];
    }
    case 'PolicySet':
    case 'Cluster': {
      const tenants = (await listAll<TenantSpec>(objects, 'Tenant')).filter((t) =>
        e.kind === 'PolicySet' ? t.spec.policySets?.includes(e.name) : true,
      );
      const keys = tenants.map((t) => `Tenant/${t.name}`);
      for (const t of tenants) keys.push(...(await projectKeys(objects, t.name)));
      return keys;
    }
    default:
      return [];
  }
}

/** The intent a projected object belongs to, from its labels; also when someone removed its
 *  managed-by label (the watch then reports it leaving the selection: that is drift too). */
const byOwnerLabels = (obj: KubeObject) => {
  const key = ownerKeyOf({ ...obj.metadata.labels, [MANAGED_BY_LABEL]: MANAGED_BY_VALUE });
  return key ? [key] : [];
};

/**
 * Watches that bring cluster-side changes back to the tenancy reconcilers: Capsule reporting a
 * Tenant ready, a projected object changed or deleted by someone else, a tenant owner creating or
 * deleting a namespace (those are not KubeNova's, so they are selected by Capsule's tenant label).
 */
export const TENANCY_WATCHES: readonly ClusterWatch[] = [
  { type: TENANT_TYPE, labelSelector: MANAGED_SELECTOR, keysOf: byOwnerLabels },
  {
    type: NAMESPACE_TYPE,
    labelSelector: 'capsule.clastix.io/tenant',
    keysOf: (ns) => {
      const tenant = capsuleTenantOf(ns);
      return [...byOwnerLabels(ns), ...(tenant ? [`Tenant/${tenant}`] : [])];
    },
  },
  // Project namespaces by KubeNova's own labels too: one whose Capsule label went is still seen.
  { type: NAMESPACE_TYPE, labelSelector: MANAGED_SELECTOR, keysOf: byOwnerLabels },
  { type: { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy' }, labelSelector: MANAGED_SELECTOR, keysOf: byOwnerLabels },
  { type: { apiVersion: 'v1', kind: 'LimitRange' }, labelSelector: MANAGED_SELECTOR, keysOf: byOwnerLabels },
  // Quota usage Capsule reports: read by the usage tracker only, never a reconcile.
  { type: GLOBAL_RESOURCE_QUOTA_TYPE, labelSelector: QUOTA_USAGE_SELECTOR, keysOf: () => [] },
];

export interface TenancyOptions extends ProjectionOptions {
  workers?: number;
  /** Tenant usage tracking (usage-tracker.ts) from the tenancy watches; false: none (no usage
   *  is stored, so the API's quota checks know nothing and refuse nothing). */
  usage?: UsageOptions | false;
}

/**
 * The Tenant and Project kinds' entries for startRuntime: their reconcilers (sharing one set of
 * cluster watches), and the store changes of other kinds that wake them.
 */
export function tenancyRegistrations(opts: TenancyOptions = {}): ReconcilerRegistration[] {
  let watches: ClusterWatches | undefined;
  let usage: UsageTracker | undefined;
  const deps = (services: RuntimeServices): ProjectionDeps => {
    if (opts.usage !== false) usage ??= new UsageTracker(services, opts.usage);
    const tracker = usage;
    watches ??= new ClusterWatches((key) => services.enqueue(key), TENANCY_WATCHES, tracker && ((cluster, type, obj) => tracker.observe(cluster, type, obj)));
    return projectionDeps(services, 'capsule', watches, opts);
  };
  const only = (prefix: string) => async (e: ChangeEvent, services: RuntimeServices) =>
    (await tenancyKeysFor(e, services.store.objects)).filter((k) => k.startsWith(prefix));
  const common = { adapter: 'capsule', workers: opts.workers ?? 2, timeoutMs: 120_000, backoff: { baseDelayMs: 1_000, maxDelayMs: 30_000 } };
  return [
    {
      ...common,
      kind: 'Tenant',
      reconciler: (services) =>
        Object.assign(tenantReconciler(deps(services)), {
          close: () => {
            watches?.close();
            usage?.close();
          },
        }),
      triggers: (['Project', 'PolicySet', 'Cluster'] as const).map((kind) => ({ kind, keys: only('Tenant/') })),
    },
    {
      ...common,
      kind: 'Project',
      reconciler: (services) => projectReconciler(deps(services)),
      triggers: (['Tenant', 'PolicySet', 'Cluster'] as const).map((kind) => ({ kind, keys: only('Project/') })),
    },
  ];
}
