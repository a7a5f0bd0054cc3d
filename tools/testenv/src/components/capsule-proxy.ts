import { existsSync } from 'node:fs';
import type { ClusterPlan } from '../plan.js';
import { bin } from '../plan.js';
import type { ProcessSpec } from '../processes.js';
import { capsuleKubeconfig, CAPSULE } from './capsule.js';

/**
 * capsule-proxy, when its binary exists in the build. It cannot be built today (the Go module
 * proxy answers 403 for github.com/projectcapsule/capsule-proxy), so `up` skips it; the slot
 * is here so the cluster gains it as soon as the binary appears.
 */
export function capsuleProxyProcess(plan: ClusterPlan): ProcessSpec | undefined {
  const command = bin(plan, 'capsule-proxy');
  if (!existsSync(command)) return undefined;
  return {
    name: 'capsule-proxy',
    command,
    args: [
      `--listening-port=${plan.ports.capsuleProxy}`,
      '--enable-ssl=true',
      `--ssl-cert-path=${plan.pki.capsuleProxy.certFile}`,
      `--ssl-key-path=${plan.pki.capsuleProxy.keyFile}`,
      `--capsule-configuration-name=${CAPSULE.configurationName}`,
    ],
    // Unverified until a binary exists: run with Capsule's identity, as the chart's SA would.
    env: { KUBECONFIG: capsuleKubeconfig(plan), NAMESPACE: CAPSULE.namespace },
  };
}
