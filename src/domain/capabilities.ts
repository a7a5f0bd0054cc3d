// What a registered cluster can do, as discovered by the ClusterReconciler and kept in the
// Cluster's `status.capabilities`. Intents that need something a placed cluster lacks are refused
// (HTTP 422) before anything is stored or applied; adapters read the same facts to choose how to
// project. This module is the one typed accessor over that status field. No I/O here.
import type { Resource } from './resource.js';

/** The part of `Cluster.status.capabilities` KubeNova's planners read. */
export interface ClusterCapabilities {
  /** When discovery found these capabilities (RFC 3339); it stays while refreshes (every minute)
   *  find the same, so an unchanged cluster causes no status write. */
  observedAt?: string;
  kubernetesVersion?: string;
  /** Served API resources (plural names) by group/version, from discovery:
   *  `{"example.io/v1": ["widgets", ...], "v1": [...]}`. */
  resources?: Record<string, string[]>;
  /** Capsule in the cluster (filled by the ClusterReconciler; see adapters/capsule/health.ts). */
  capsule?: CapsuleCapabilities;
  /** The capsule-proxy endpoint registered with the cluster, probed over HTTPS with its CA. */
  capsuleProxy?: { configured: boolean; reachable: boolean; message?: string };
  /** KubeVela in the cluster (adapters/vela/capabilities.ts). */
  kubevela?: KubeVelaCapabilities;
}

export interface CapsuleCapabilities {
  /** Versions of the tenancy engine's API group served (the Capsule adapter discovers them); empty: its CRDs are not installed. */
  apiVersions: string[];
  /** Capsule's webhook configurations exist, and its webhook server answered a dry-run Tenant. */
  webhooks: { registered: boolean; answering: boolean; message?: string };
  /** Capsule's controller has reconciled the current CapsuleConfiguration. */
  controller: { running: boolean; message?: string };
  /** KubeNova's agent is in CapsuleConfiguration administrators (its labelled namespaces are adopted). */
  agentIsAdministrator: boolean;
}

export interface KubeVelaCapabilities {
  /** Versions of the app engine's API group served (the KubeVela adapter discovers them); empty: its CRDs are not installed. */
  apiVersions: string[];
  /** The app engine's workflow-run API is served. */
  workflowRun: boolean;
  /** Definitions installed in vela-system, by type, sorted by name. */
  definitions: { components: string[]; traits: string[]; policies: string[]; workflowSteps: string[] };
}

/** Something an intent needs from a cluster, named so a person can act on it. */
export interface CapabilityNeed {
  /** Stable id, `<group>/<version>/<resource>` for served APIs. */
  capability: string;
  /** What it is, in words. */
  description: string;
}

/** A served API resource as a need. */
export function apiNeed(groupVersion: string, resource: string, description: string): CapabilityNeed {
  return { capability: `${groupVersion}/${resource}`, description };
}

/** The discovered capabilities of a cluster; undefined while discovery has not run yet. */
export function capabilitiesOf(cluster: Pick<Resource, 'status'>): ClusterCapabilities | undefined {
  const caps = cluster.status.capabilities;
  return caps && typeof caps === 'object' ? caps : undefined;
}

/** Whether the cluster serves `resource` in `groupVersion` (`"v1"` for the core group). */
export function servesResource(caps: ClusterCapabilities, groupVersion: string, resource: string): boolean {
  return caps.resources?.[groupVersion]?.includes(resource) ?? false;
}

/** The needs a cluster does not meet. A need `<group>/<version>/<resource>` is met when discovery
 *  saw that resource served. */
export function unmetNeeds(caps: ClusterCapabilities, needs: readonly CapabilityNeed[]): CapabilityNeed[] {
  return needs.filter((need) => {
    const cut = need.capability.lastIndexOf('/');
    return !servesResource(caps, need.capability.slice(0, cut), need.capability.slice(cut + 1));
  });
}
