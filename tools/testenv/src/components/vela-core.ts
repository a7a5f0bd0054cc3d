import { join } from 'node:path';
import type { ClusterPlan } from '../plan.js';
import { bin } from '../plan.js';
import { LOOPBACK } from '../ports.js';
import type { ProcessSpec } from '../processes.js';

export const VELA = {
  namespace: 'vela-system',
  release: 'kubevela',
  /** The chart's ServiceAccount (`<release>-vela-core`); vela-core runs with its token. */
  serviceAccount: 'kubevela-vela-core',
  defaultUser: 'kubevela:vela-core',
  groupPattern: 'kubevela:*',
} as const;

export function velaKubeconfig(plan: ClusterPlan): string {
  return join(plan.layout.kubeconfigs, 'vela-core.kubeconfig');
}

/** vela-core (controllers + webhooks), single-cluster mode, with Application authentication on. */
export function velaCoreProcess(plan: ClusterPlan): ProcessSpec {
  return {
    name: 'vela-core',
    command: bin(plan, 'vela-core'),
    args: [
      '--use-webhook=true',
      `--webhook-port=${plan.ports.velaWebhook}`,
      `--webhook-cert-dir=${plan.layout.velaCerts}`,
      `--metrics-addr=${LOOPBACK}:${plan.ports.velaMetrics}`,
      `--health-addr=${LOOPBACK}:${plan.ports.velaHealth}`,
      `--system-definition-namespace=${VELA.namespace}`,
      // Chart defaults for revisions; concurrency and client rate kept low for 2-core machines.
      '--application-revision-limit=2',
      '--definition-revision-limit=2',
      '--concurrent-reconciles=2',
      '--kube-api-qps=50',
      '--kube-api-burst=100',
      '--application-re-sync-period=5m',
      // The chart's reduced ClusterRole for authentication mode grants nothing on cue.oam.dev, so
      // loading external CUE Packages only logs "forbidden" errors; no built-in Definition uses them.
      '--enable-external-package-for-default-compiler=false',
      // Applications run with the identity of whoever wrote them (webhook stamps the user and
      // its kubevela:* groups; the controller impersonates them).
      '--feature-gates=AuthenticateApplication=true',
      '--authentication-with-user',
      `--authentication-default-user=${VELA.defaultUser}`,
      `--authentication-group-pattern=${VELA.groupPattern}`,
    ],
    env: { KUBECONFIG: velaKubeconfig(plan) },
  };
}
