import { join } from 'node:path';
import type { ClusterPlan } from '../plan.js';
import { bin } from '../plan.js';
import { LOOPBACK } from '../ports.js';
import type { ProcessSpec } from '../processes.js';

export const CAPSULE = {
  namespace: 'capsule-system',
  release: 'capsule',
  /** The chart's ServiceAccount; Capsule recognises its own requests by this identity. */
  serviceAccount: 'capsule',
  configurationName: 'default',
  /** Name of the webhook configurations Capsule maintains itself (chart: `<release>-dynamic-webhook`). */
  dynamicWebhook: 'capsule-dynamic-webhook',
} as const;

export function capsuleKubeconfig(plan: ClusterPlan): string {
  return join(plan.layout.kubeconfigs, 'capsule.kubeconfig');
}

/** The Capsule controller (manager + webhooks) as a local process, as its chart would run it. */
export function capsuleProcess(plan: ClusterPlan): ProcessSpec {
  return {
    name: 'capsule',
    command: bin(plan, 'capsule'),
    args: [
      `--configuration-name=${CAPSULE.configurationName}`,
      `--webhook-port=${plan.ports.capsuleWebhook}`,
      `--webhook-cert-path=${plan.layout.capsuleCerts}`,
      `--metrics-addr=${LOOPBACK}:${plan.ports.capsuleMetrics}`,
      '--metrics-secure=false',
      '--enable-leader-election=false',
      '--workers=2',
      '--zap-log-level=info',
    ],
    env: {
      KUBECONFIG: capsuleKubeconfig(plan),
      // Capsule refuses to start without knowing its own namespace and ServiceAccount.
      NAMESPACE: CAPSULE.namespace,
      SERVICE_ACCOUNT: CAPSULE.serviceAccount,
      // Upstream hard-codes ":10080"; build.sh adds this override so two clusters can coexist.
      CAPSULE_HEALTH_PROBE_BIND_ADDRESS: `${LOOPBACK}:${plan.ports.capsuleHealth}`,
    },
  };
}
