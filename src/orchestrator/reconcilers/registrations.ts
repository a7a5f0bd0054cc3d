// The projected kinds' entries for the manager, built by the one builder
// (projection/registration.ts): which kind, and which store changes of other kinds wake it.
import { reconcileKey } from '../../domain/resource.js';
import { listAll } from '../../store/paging.js';
import type { ChangeEvent } from '../../store/types.js';
import type { ReconcilerRegistration, RuntimeServices, Trigger } from '../manager/manager.js';
import type { ProjectionOptions } from '../projection/deps.js';
import { projectionRegistrations, type ProjectedKind } from '../projection/registration.js';
import { UsageTracker, type UsageOptions } from '../usage/tracker.js';
import { appKeysFor, appProjection } from './app.js';
import { definitionProjection } from './definition.js';
import { projectProjection } from './project.js';
import { tenancyKeysFor, tenantProjection } from './tenant.js';

export interface TenancyOptions extends ProjectionOptions {
  workers?: number;
  /** Tenant usage tracking (usage/tracker.ts) from the tenancy watches; false: none (no usage
   *  is stored, so the API's quota checks know nothing and refuse nothing). */
  usage?: UsageOptions | false;
}

const tenancyKeys = (prefix: string) => async (e: ChangeEvent, services: RuntimeServices) =>
  (await tenancyKeysFor(e, services.store.objects)).filter((k) => k.startsWith(prefix));

/** Which status-only changes of a kind wake the kinds it triggers (manager.ts, Trigger.onStatus).
 *  A Cluster's status (capabilities, health) is read by all of them. A tenant's status changes
 *  with every usage report; its projects wait for it to be Deployed (Capsule's Tenant ready), and
 *  nothing else in it is theirs or its apps' to read. A project's phase tells its apps that its
 *  namespace and binding are there; a tenant reads nothing of its projects' statuses. */
const STATUS_WAKES = {
  Tenant: { tenancy: 'phase', apps: 'phase' },
  Project: { tenancy: 'none', apps: 'phase' },
  PolicySet: { tenancy: 'phase', apps: 'phase' },
  Cluster: { tenancy: 'any', apps: 'any' },
} as const satisfies Record<string, { tenancy: Trigger['onStatus']; apps: Trigger['onStatus'] }>;

/** Tenants and projects (sharing one set of cluster watches). */
export function tenancyRegistrations(opts: TenancyOptions = {}): ReconcilerRegistration[] {
  const tenancyTriggers = (kinds: readonly (keyof typeof STATUS_WAKES)[], prefix: string) =>
    kinds.map((kind) => ({ kind, onStatus: STATUS_WAKES[kind].tenancy, keys: tenancyKeys(prefix) }));
  const kinds: ProjectedKind[] = [
    { projection: tenantProjection, workers: opts.workers, triggers: tenancyTriggers(['Project', 'PolicySet', 'Cluster'], 'Tenant/') },
    { projection: projectProjection, workers: opts.workers, triggers: tenancyTriggers(['Tenant', 'PolicySet', 'Cluster'], 'Project/') },
  ];
  const usage = opts.usage;
  return projectionRegistrations(kinds, opts, usage === false ? undefined : (services) => new UsageTracker(services, usage));
}

export type DeliveryOptions = TenancyOptions;

/** Apps. */
export function deliveryRegistrations(opts: DeliveryOptions = {}): ReconcilerRegistration[] {
  const triggers = (['Project', 'Tenant', 'Cluster'] as const).map((kind) => ({
    kind,
    onStatus: STATUS_WAKES[kind].apps,
    keys: (e: ChangeEvent, services: RuntimeServices) => appKeysFor(e, services.store.objects),
  }));
  return projectionRegistrations([{ projection: appProjection, workers: opts.workers, triggers }], opts);
}

export type DefinitionOptions = ProjectionOptions;

/** Definitions: a cluster registered, gone, or with new capabilities is followed by every
 *  definition placed on every cluster. */
export function definitionRegistration(opts: DefinitionOptions = {}): ReconcilerRegistration {
  const triggers = [
    {
      kind: 'Cluster' as const,
      async keys(_e: ChangeEvent, services: RuntimeServices) {
        return (await listAll(services.store.objects, 'Definition')).map((d) => reconcileKey('Definition', d.name));
      },
    },
  ];
  return projectionRegistrations([{ projection: definitionProjection, timeoutMs: 60_000, triggers }], opts)[0]!;
}
