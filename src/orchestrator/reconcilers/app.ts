// The App reconciler: KubeNova apps on the generic projection loop with the VelaAdapter (key
// `App/<name>`). An app goes to its tenant's clusters (those it names, within the placement),
// into its project's namespace, once that namespace is there and is the tenant's. What wakes it:
// store changes of its project, tenant and clusters, and watches on what it projected (vela-core's
// status changes of the Applications), so its rollout status follows the cluster, not a poll.
import type { AppSpec } from '../../domain/kinds/app.js';
import type { ProjectSpec } from '../../domain/kinds/project.js';
import type { TenantSpec } from '../../domain/kinds/tenant.js';
import { appOwner, isApplication, planApp, rolloutOf, velaAppAdapter, type AppIntent } from '../../adapters/vela/index.js';
import { APP_LABEL, isOwnedBy, MANAGED_BY_LABEL, MANAGED_BY_VALUE, MANAGED_SELECTOR, ownerKeyOf, PROJECT_LABEL } from '../../domain/ownership.js';
import type { Resource } from '../../domain/resource.js';
import { listAll } from '../../store/paging.js';
import type { ChangeEvent, ObjectStore } from '../../store/types.js';
import { ProjectionReconciler, type ProjectionDeps, type ProjectionKind } from '../projection/reconciler.js';
import { projectionDeps, type ProjectionOptions } from '../projection/deps.js';
import type { ReconcilerRegistration, RuntimeServices } from '../manager/manager.js';
import { ClusterWatches, type ClusterWatch } from '../projection/watches.js';
import { loadTenant } from './tenancy.js';

const NAMESPACE_TYPE = { apiVersion: 'v1', kind: 'Namespace' } as const;

export const appKind: ProjectionKind<AppIntent, void, void> = {
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
  async prepare(client, intent, signal) {
    const ns = await client.get({ ...NAMESPACE_TYPE, name: intent.project }, { signal });
    if (!ns || ns.metadata.deletionTimestamp || !isOwnedBy(ns.metadata.labels, { tenant: intent.tenant, project: intent.project })) {
      return { stop: { state: 'progressing', reason: 'WaitingForProject', message: `the namespace of project "${intent.project}" is not on this cluster yet` } };
    }
    return { ctx: undefined, input: undefined };
  },
  plan: (intent, caps) => planApp(intent, caps),
  detail: (applied) => {
    const app = applied.find(isApplication);
    return app ? { rollout: rolloutOf(app) } : {};
  },
};

export function appReconciler(deps: ProjectionDeps): ProjectionReconciler<AppIntent, void, void> {
  return new ProjectionReconciler(appKind, deps);
}

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

/** The app an object belongs to, from its labels; also when someone removed its managed-by
 *  label (the watch then reports it leaving the selection: that is drift too). */
const byOwnerLabels = (obj: { metadata: { labels?: Record<string, string> } }) => {
  const key = ownerKeyOf({ ...obj.metadata.labels, [MANAGED_BY_LABEL]: MANAGED_BY_VALUE });
  return key?.startsWith('App/') ? [key] : [];
};

/** Everything apps project, watched: vela-core's changes to the Applications (status, deletion)
 *  and anyone's changes to them or to the apps' identities (drift). A project's namespace
 *  appearing reaches apps through the Project's status change (a store trigger). */
export const APP_WATCHES: readonly ClusterWatch[] = velaAppAdapter.ownedTypes.map(({ apiVersion, kind, namespace }) => ({
  type: { apiVersion, kind },
  ...(namespace && { namespace }),
  labelSelector: `${MANAGED_SELECTOR},${APP_LABEL}`,
  keysOf: byOwnerLabels,
}));

export interface DeliveryOptions extends ProjectionOptions {
  workers?: number;
}

/** The App kind's entry for startRuntime. */
export function deliveryRegistrations(opts: DeliveryOptions = {}): ReconcilerRegistration[] {
  let watches: ClusterWatches | undefined;
  return [
    {
      kind: 'App',
      adapter: 'vela',
      workers: opts.workers ?? 2,
      timeoutMs: 120_000,
      backoff: { baseDelayMs: 1_000, maxDelayMs: 30_000 },
      reconciler: (services: RuntimeServices) => {
        watches ??= new ClusterWatches((key) => services.enqueue(key), APP_WATCHES);
        const shared = watches;
        const reconciler = appReconciler(projectionDeps(services, 'vela', shared, opts));
        return Object.assign(reconciler, { close: () => watches?.close() });
      },
      triggers: (['Project', 'Tenant', 'Cluster'] as const).map((kind) => ({ kind, keys: (e: ChangeEvent, services: RuntimeServices) => appKeysFor(e, services.store.objects) })),
    },
  ];
}
