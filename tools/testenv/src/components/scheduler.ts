import type { ClusterPlan } from '../plan.js';
import { bin } from '../plan.js';
import { LOOPBACK } from '../ports.js';
import type { ProcessSpec } from '../processes.js';

/** Binds Pods to the kwok fake nodes (kwok itself never schedules). */
export function schedulerProcess(plan: ClusterPlan): ProcessSpec {
  const kubeconfig = plan.kubeconfigs.scheduler;
  return {
    name: 'kube-scheduler',
    command: bin(plan, 'kube-scheduler'),
    args: [
      `--kubeconfig=${kubeconfig}`,
      `--authentication-kubeconfig=${kubeconfig}`,
      `--authorization-kubeconfig=${kubeconfig}`,
      `--bind-address=${LOOPBACK}`,
      `--secure-port=${plan.ports.scheduler}`,
      '--leader-elect=false',
      '--v=0',
    ],
  };
}
