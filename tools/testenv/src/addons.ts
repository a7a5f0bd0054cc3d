import type { ChartManifests } from './charts.js';
import { capsuleManifests, velaManifests } from './charts.js';
import { CAPSULE, capsuleKubeconfig, capsuleProcess } from './components/capsule.js';
import { VELA, velaCoreProcess, velaKubeconfig } from './components/vela-core.js';
import type { Kube } from './kube.js';
import type { ClusterPlan } from './plan.js';
import type { ProcessSpec } from './processes.js';
import type { ComponentName } from './readiness.js';

/** What `up --without` can leave out. */
export const ADDON_NAMES = ['capsule', 'kubevela'] as const;
export type AddonName = (typeof ADDON_NAMES)[number];

/**
 * An optional part of a cluster installed from its chart: CRDs, RBAC and configuration, a
 * controller process running with its chart's ServiceAccount, and admission webhooks served by it.
 */
export interface Addon {
  name: AddonName;
  /** Its controller process. */
  component: ComponentName;
  render(plan: ClusterPlan): Promise<ChartManifests>;
  serviceAccount: { namespace: string; name: string };
  /** The controller's kubeconfig, with a token of that ServiceAccount. */
  kubeconfig(plan: ClusterPlan): string;
  process(plan: ClusterPlan): ProcessSpec;
  /** True once the controller has registered what it registers itself (before the chart's webhooks go in). */
  selfRegistered?(kube: Kube): Promise<boolean>;
}

export const ADDONS: readonly Addon[] = [
  {
    name: 'capsule',
    component: 'capsule',
    render: capsuleManifests,
    serviceAccount: { namespace: CAPSULE.namespace, name: CAPSULE.serviceAccount },
    kubeconfig: capsuleKubeconfig,
    process: capsuleProcess,
    // Capsule writes its own webhook configurations (from CapsuleConfiguration.spec.admission).
    selfRegistered: async (kube) => {
      const kinds = ['MutatingWebhookConfiguration', 'ValidatingWebhookConfiguration'];
      const found = await Promise.all(kinds.map((kind) => kube.exists('admissionregistration.k8s.io/v1', kind, CAPSULE.dynamicWebhook)));
      return found.every(Boolean);
    },
  },
  {
    name: 'kubevela',
    component: 'vela-core',
    render: velaManifests,
    serviceAccount: { namespace: VELA.namespace, name: VELA.serviceAccount },
    kubeconfig: velaKubeconfig,
    process: velaCoreProcess,
  },
];

/** Parses `--without capsule,kubevela`. */
export function parseAddonNames(list: string): AddonName[] {
  const names = list
    .split(',')
    .map((n) => n.trim())
    .filter(Boolean);
  for (const name of names) {
    if (!(ADDON_NAMES as readonly string[]).includes(name))
      throw new Error(`unknown component ${JSON.stringify(name)} for --without (one of: ${ADDON_NAMES.join(', ')})`);
  }
  return names as AddonName[];
}
