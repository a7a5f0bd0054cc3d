// Removing what registering a cluster (and the ClusterReconciler) put into a shared test cluster:
// the agent's identity and RBAC, its place among Capsule's administrators, and the namespace
// tenant-label admission policy. The namespaces are waited for, so a later registration does not
// meet them while they terminate.
import { expect, vi } from 'vitest';
import { AGENT } from '../../src/adapters/cluster/agent-identity.js';
import { namespaceGuardObjects } from '../../src/adapters/cluster/namespace-guard.js';
import { CAPSULE_CONFIGURATION } from '../../src/adapters/capsule/administrators.js';
import type { KubeClusterClient } from '../../src/adapters/kube/client.js';

export async function removeAgentIdentity(client: KubeClusterClient): Promise<void> {
  const config = await client.get({ ...CAPSULE_CONFIGURATION });
  const administrators = (config?.spec as { administrators?: Array<{ name: string }> } | undefined)?.administrators;
  if (config && administrators?.some((a) => a.name === AGENT.username)) {
    await client.rest.request({
      method: 'PATCH',
      path: `/apis/capsule.clastix.io/v1beta2/capsuleconfigurations/${CAPSULE_CONFIGURATION.name}`,
      contentType: 'application/merge-patch+json',
      body: { spec: { administrators: administrators.filter((a) => a.name !== AGENT.username) } },
    });
  }
  for (const obj of namespaceGuardObjects().reverse()) await client.delete({ apiVersion: obj.apiVersion, kind: obj.kind, name: obj.metadata.name });
  for (const kind of ['ClusterRoleBinding', 'ClusterRole'] as const)
    await client.delete({ apiVersion: 'rbac.authorization.k8s.io/v1', kind, name: AGENT.roleName });
  for (const ns of [AGENT.namespace, AGENT.grantsNamespace]) await client.delete({ apiVersion: 'v1', kind: 'Namespace', name: ns });
  await vi.waitFor(
    async () => {
      for (const ns of [AGENT.namespace, AGENT.grantsNamespace]) expect(await client.get({ apiVersion: 'v1', kind: 'Namespace', name: ns })).toBeUndefined();
    },
    { timeout: 60_000, interval: 250 },
  );
}
