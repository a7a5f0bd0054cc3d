import type { ClusterPlan } from '../plan.js';
import { bin } from '../plan.js';
import { LOOPBACK } from '../ports.js';
import type { ProcessSpec } from '../processes.js';

/** Single-member etcd on loopback, plain HTTP (nothing but this cluster's API server can reach it). */
export function etcdProcess(plan: ClusterPlan): ProcessSpec {
  const client = `http://${LOOPBACK}:${plan.ports.etcdClient}`;
  const peer = `http://${LOOPBACK}:${plan.ports.etcdPeer}`;
  return {
    name: 'etcd',
    command: bin(plan, 'etcd'),
    args: [
      `--name=${plan.id}`,
      `--data-dir=${plan.layout.etcdData}`,
      `--listen-client-urls=${client}`,
      `--advertise-client-urls=${client}`,
      `--listen-peer-urls=${peer}`,
      `--initial-advertise-peer-urls=${peer}`,
      `--initial-cluster=${plan.id}=${peer}`,
      `--initial-cluster-token=${plan.id}`,
      // Throwaway data: skipping fsync makes writes cheap on a shared 2-core box.
      '--unsafe-no-fsync=true',
      '--quota-backend-bytes=536870912',
      '--snapshot-count=5000',
      '--auto-compaction-mode=periodic',
      '--auto-compaction-retention=5m',
      '--log-level=warn',
    ],
  };
}
