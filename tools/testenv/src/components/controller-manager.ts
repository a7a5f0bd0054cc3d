import type { ClusterPlan } from '../plan.js';
import { bin } from '../plan.js';
import { LOOPBACK } from '../ports.js';
import type { ProcessSpec } from '../processes.js';

/**
 * Controllers a cluster without cloud, volumes, autoscaling or CSR flows has no use for; off to
 * save CPU on small machines. Everything workloads, namespaces, ServiceAccounts and garbage
 * collection need stays on.
 */
const DISABLED_CONTROLLERS = [
  'cloud-node-lifecycle-controller',
  'node-route-controller',
  'service-lb-controller',
  'node-ipam-controller',
  'horizontal-pod-autoscaler-controller',
  'persistentvolume-attach-detach-controller',
  'persistentvolume-expander-controller',
  'ephemeral-volume-controller',
  'certificatesigningrequest-approving-controller',
  'certificatesigningrequest-cleaner-controller',
  'certificatesigningrequest-signing-controller',
  'kube-apiserver-serving-clustertrustbundle-publisher-controller',
  'podcertificaterequest-cleaner-controller',
  'resourceclaim-controller',
  'resourcepoolstatusrequest-controller',
  'device-taint-eviction-controller',
  'storage-version-migrator-controller',
  'storageversion-garbage-collector-controller',
  'legacy-serviceaccount-token-cleaner-controller',
];

export function controllerManagerProcess(plan: ClusterPlan): ProcessSpec {
  const kubeconfig = plan.kubeconfigs.controllerManager;
  return {
    name: 'kube-controller-manager',
    command: bin(plan, 'kube-controller-manager'),
    args: [
      `--kubeconfig=${kubeconfig}`,
      `--authentication-kubeconfig=${kubeconfig}`,
      `--authorization-kubeconfig=${kubeconfig}`,
      `--bind-address=${LOOPBACK}`,
      `--secure-port=${plan.ports.controllerManager}`,
      `--cert-dir=${plan.layout.pki}/controller-manager`,
      // Each controller acts as its own kube-system ServiceAccount, as in kubeadm clusters.
      '--use-service-account-credentials=true',
      `--service-account-private-key-file=${plan.pki.serviceAccountSigning.privateKeyFile}`,
      `--root-ca-file=${plan.pki.ca.certFile}`,
      `--controllers=*,${DISABLED_CONTROLLERS.map((c) => `-${c}`).join(',')}`,
      '--leader-elect=false',
      '--concurrent-gc-syncs=5',
      '--v=0',
    ],
  };
}
