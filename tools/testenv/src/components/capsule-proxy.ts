import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Manifest } from '../manifests.js';
import { parseManifests } from '../manifests.js';
import type { ClusterPlan } from '../plan.js';
import { bin } from '../plan.js';
import { LOOPBACK } from '../ports.js';
import type { ProcessSpec } from '../processes.js';
import { capsuleKubeconfig, CAPSULE } from './capsule.js';

export interface CapsuleProxySlot {
  process: ProcessSpec;
  /** Its own CRDs (ProxySetting, GlobalProxySettings): without them it exits at once. */
  crds: Manifest[];
}

/**
 * capsule-proxy, when the build holds its binary (`bin/capsule-proxy`) and its chart's CRDs
 * (`charts/capsule-proxy/crds/*.yaml`). Neither can be had from the registries this project
 * uses (the Go module proxy answers 403 for github.com/projectcapsule/capsule-proxy), so `up`
 * skips the slot unless someone places both there by hand; the slot is kept so the cluster
 * gains the proxy as soon as they exist.
 *
 * Its ports: the proxy listens on `--listening-port` (it binds every interface: no flag for the
 * address), metrics on `--metrics-addr` (default `:8080` on every interface, KubeNova's own
 * default port, so always given here, on loopback), and its health probe on `:8081`, which is
 * hard-coded: only one capsule-proxy can run on a machine at a time.
 */
export function capsuleProxySlot(plan: ClusterPlan): CapsuleProxySlot | undefined {
  const command = bin(plan, 'capsule-proxy');
  const crdDir = join(plan.chartsDir, 'capsule-proxy', 'crds');
  if (!existsSync(command) || !existsSync(crdDir)) return undefined;
  const crds = readdirSync(crdDir)
    .filter((f) => /\.ya?ml$/.test(f))
    .flatMap((f) => parseManifests(readFileSync(join(crdDir, f), 'utf8')).manifests)
    .filter((m) => m.kind === 'CustomResourceDefinition');
  return {
    crds,
    process: {
      name: 'capsule-proxy',
      command,
      args: [
        `--listening-port=${plan.ports.capsuleProxy}`,
        `--metrics-addr=${LOOPBACK}:${plan.ports.capsuleProxyMetrics}`,
        '--enable-ssl=true',
        `--ssl-cert-path=${plan.pki.capsuleProxy.certFile}`,
        `--ssl-key-path=${plan.pki.capsuleProxy.keyFile}`,
        `--capsule-configuration-name=${CAPSULE.configurationName}`,
      ],
      // Capsule's identity, as the chart's ServiceAccount would have.
      env: { KUBECONFIG: capsuleKubeconfig(plan), NAMESPACE: CAPSULE.namespace },
    },
  };
}
