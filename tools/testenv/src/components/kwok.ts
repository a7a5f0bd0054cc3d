import { join } from 'node:path';
import type { Manifest } from '../manifests.js';
import type { ClusterPlan } from '../plan.js';
import { bin } from '../plan.js';
import { LOOPBACK } from '../ports.js';
import type { ProcessSpec } from '../processes.js';

/** kwok manages only nodes carrying this annotation (see `fakeNode`). */
export const KWOK_NODE_ANNOTATION = { key: 'kwok.x-k8s.io/node', value: 'fake' } as const;

export function kwokProcess(plan: ClusterPlan): ProcessSpec {
  return {
    name: 'kwok',
    command: bin(plan, 'kwok'),
    args: [
      `--kubeconfig=${plan.kubeconfigs.kwok}`,
      // kwok's own "fast" stages (node ready + heartbeat lease, pods straight to Running), as
      // shipped in its module (a kustomize dir, which kwok's config loader reads directly).
      `--config=${join(plan.kwokStagesDir, 'fast')}`,
      '--manage-all-nodes=false',
      `--manage-nodes-with-annotation-selector=${KWOK_NODE_ANNOTATION.key}=${KWOK_NODE_ANNOTATION.value}`,
      // Renew node Leases like a kubelet, so the node-lifecycle controller keeps the node Ready.
      '--node-lease-duration-seconds=40',
      `--node-ip=${LOOPBACK}`,
      `--server-address=${LOOPBACK}:${plan.ports.kwok}`,
      '--cidr=10.244.0.1/16',
    ],
  };
}

/** A Node object for kwok to adopt and mark Ready; no taints, so ordinary workloads land on it. */
export function fakeNode(name: string): Manifest {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name,
      annotations: { [KWOK_NODE_ANNOTATION.key]: KWOK_NODE_ANNOTATION.value, 'node.alpha.kubernetes.io/ttl': '0' },
      labels: {
        'kubernetes.io/hostname': name,
        'kubernetes.io/os': 'linux',
        'kubernetes.io/arch': 'amd64',
        'node-role.kubernetes.io/agent': '',
        type: 'kwok',
      },
    },
    spec: {},
    // Far above the kubelet's default 110 pods: the HA test alone runs 200 apps on one node.
    status: {
      allocatable: { cpu: '32', memory: '256Gi', pods: '1000' },
      capacity: { cpu: '32', memory: '256Gi', pods: '1000' },
    },
  };
}
