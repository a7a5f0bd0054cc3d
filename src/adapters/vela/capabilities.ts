// What KubeVela offers in a cluster: its API versions, the WorkflowRun API (shipped by the
// separate vela-workflow addon, not by vela-core's chart) and the Definitions installed in
// vela-system: which component types, traits, policies and workflow steps apps may use.
import type { KubeVelaCapabilities } from '../../domain/capabilities.js';
import type { KubeClusterClient } from '../kube/client.js';

export const VELA_GROUP = 'core.oam.dev';
export const VELA_SYSTEM_NAMESPACE = 'vela-system';

const DEFINITION_KINDS = {
  components: 'ComponentDefinition',
  traits: 'TraitDefinition',
  policies: 'PolicyDefinition',
  workflowSteps: 'WorkflowStepDefinition',
} as const;

/** `resources`: served plurals by apiVersion, from discovery. */
export async function observeKubeVela(
  client: KubeClusterClient,
  apiVersions: string[],
  resources: Record<string, string[]>,
  signal?: AbortSignal,
): Promise<KubeVelaCapabilities> {
  const definitions: KubeVelaCapabilities['definitions'] = { components: [], traits: [], policies: [], workflowSteps: [] };
  const workflowRun = resources[`${VELA_GROUP}/v1alpha1`]?.includes('workflowruns') ?? false;
  if (!apiVersions.includes('v1beta1')) return { apiVersions, workflowRun, definitions };
  await Promise.all(
    (Object.keys(DEFINITION_KINDS) as Array<keyof typeof DEFINITION_KINDS>).map(async (key) => {
      const items = await client.list(
        { apiVersion: `${VELA_GROUP}/v1beta1`, kind: DEFINITION_KINDS[key] },
        { namespace: VELA_SYSTEM_NAMESPACE, signal, metadataOnly: true },
      );
      definitions[key] = items.map((d) => d.metadata.name).sort();
    }),
  );
  return { apiVersions, workflowRun, definitions };
}
