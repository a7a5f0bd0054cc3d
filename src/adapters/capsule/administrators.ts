// Capsule administrators (CapsuleConfiguration `spec.administrators`, v0.12+): an administrator
// may create a namespace with only the label `capsule.clastix.io/tenant=<t>` and Capsule's
// mutating webhook adopts it (adds the Tenant ownerReference); anyone else is refused. Matching
// is by kind and full username, `{kind: ServiceAccount, name: system:serviceaccount:<ns>:<sa>}`
// (pkg/api/rbac/users_list.go IsPresent at v0.14.0). Also Capsule's users (`spec.users`).
import type { KubeClusterClient } from '../kube/client.js';
import { KubeError, type KubeObject } from '../kube/types.js';
import { CAPSULE_GROUP_VERSION } from './capsule-api.js';

/** The configuration Capsule reads (its `--configuration-name`, `default` in the chart). */
export const CAPSULE_CONFIGURATION = { apiVersion: CAPSULE_GROUP_VERSION, kind: 'CapsuleConfiguration', name: 'default' } as const;

export interface Administrator {
  kind: 'User' | 'Group' | 'ServiceAccount';
  name: string;
}

type ConfigList = 'administrators' | 'users';

function entriesOf(config: KubeObject | undefined, list: ConfigList): Administrator[] {
  const found = (config?.spec as Record<string, unknown> | undefined)?.[list];
  return Array.isArray(found) ? (found as Administrator[]) : [];
}

export const administratorsOf = (config: KubeObject | undefined): Administrator[] => entriesOf(config, 'administrators');

export const isAdministrator = (config: KubeObject | undefined, username: string): boolean =>
  administratorsOf(config).some((a) => a.kind === 'ServiceAccount' && a.name === username);

export type AdministratorOutcome = 'added' | 'present' | 'no-configuration';

/** Adds the ServiceAccount `username` to the administrators, keeping everyone else. */
export function ensureCapsuleAdministrator(client: KubeClusterClient, username: string, signal?: AbortSignal): Promise<AdministratorOutcome> {
  return ensureEntry(client, 'administrators', { kind: 'ServiceAccount', name: username }, signal);
}

/**
 * Adds `group` to Capsule's users (`spec.users`): Capsule's webhooks, and capsule-proxy's
 * filtering, apply only to identities Capsule counts as its users. KubeNova's grant
 * ServiceAccounts all live in one namespace, so its group `system:serviceaccounts:<ns>` covers them.
 */
export function ensureCapsuleUserGroup(client: KubeClusterClient, group: string, signal?: AbortSignal): Promise<AdministratorOutcome> {
  return ensureEntry(client, 'users', { kind: 'Group', name: group }, signal);
}

/**
 * Adds `entry` to one of the configuration's lists, keeping everyone else. The lists are atomic
 * for server-side apply (no list-type), so this is a merge patch of the whole list guarded by
 * the resourceVersion it was read at, retried on conflict.
 */
async function ensureEntry(client: KubeClusterClient, list: ConfigList, entry: Administrator, signal?: AbortSignal): Promise<AdministratorOutcome> {
  const resource = await client.discovery.resource(CAPSULE_CONFIGURATION.apiVersion, CAPSULE_CONFIGURATION.kind, signal);
  const path = `/apis/${CAPSULE_GROUP_VERSION}/${resource.plural}/${CAPSULE_CONFIGURATION.name}`;
  for (let attempt = 1; ; attempt++) {
    const config = await client.get({ ...CAPSULE_CONFIGURATION }, { signal });
    if (!config) return 'no-configuration';
    const current = entriesOf(config, list);
    if (current.some((e) => e.kind === entry.kind && e.name === entry.name)) return 'present';
    try {
      await client.rest.request({
        method: 'PATCH',
        path,
        contentType: 'application/merge-patch+json',
        body: { metadata: { resourceVersion: config.metadata.resourceVersion }, spec: { [list]: [...current, entry] } },
        signal,
      });
      return 'added';
    } catch (err) {
      if (!(err instanceof KubeError && err.reason === 'Conflict') || attempt >= 5) throw err;
    }
  }
}
