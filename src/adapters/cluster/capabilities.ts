// Discovers what a registered cluster can do, for the Cluster's `status.capabilities`: the
// Kubernetes version, every served API resource (aggregated discovery), Capsule's state, the
// capsule-proxy endpoint and KubeVela's APIs and Definitions. Runs as KubeNova's agent.
// A cluster that cannot be reached (or rejects the agent) fails as a whole with that KubeError;
// a part that fails otherwise is reported in its own place.
import type { ClusterCapabilities } from '../../domain/capabilities.js';
import { observeCapsule } from '../capsule/health.js';
import type { KubeClusterClient } from '../kube/client.js';
import { observeKubeVela, VELA_GROUP } from '../vela/capabilities.js';
import { AGENT } from './agent-identity.js';
import { probeCapsuleProxy, type ProxyEndpoint } from './proxy-probe.js';

const CAPSULE_GROUP = 'capsule.clastix.io';

/** Everything but `observedAt` (the caller stamps it when the content changed). */
export async function discoverCapabilities(
  client: KubeClusterClient,
  opts: { capsuleProxy?: ProxyEndpoint; signal?: AbortSignal } = {},
): Promise<Omit<ClusterCapabilities, 'observedAt'>> {
  const { signal } = opts;
  const [version, served] = await Promise.all([client.discovery.serverVersion(signal), client.discovery.everything(signal)]);
  const resources: Record<string, string[]> = {};
  for (const [apiVersion, list] of [...served.resources].sort(([a], [b]) => a.localeCompare(b))) {
    resources[apiVersion] = list.map((r) => r.plural).sort();
  }
  const versionsOf = (group: string) => served.groups.find((g) => g.name === group)?.versions ?? [];
  const [capsule, kubevela, proxy] = await Promise.all([
    observeCapsule(client, versionsOf(CAPSULE_GROUP), AGENT.username, signal),
    observeKubeVela(client, versionsOf(VELA_GROUP), resources, signal),
    opts.capsuleProxy ? probeCapsuleProxy(opts.capsuleProxy, { signal }) : Promise.resolve(undefined),
  ]);
  return {
    kubernetesVersion: version.gitVersion,
    resources,
    capsule,
    capsuleProxy: proxy ? { configured: true, ...proxy } : { configured: false, reachable: false },
    kubevela,
  };
}
