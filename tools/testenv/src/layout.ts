import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';

/** Where things live inside one cluster directory. */
export interface ClusterLayout {
  dir: string;
  pki: string;
  kubeconfigs: string;
  logs: string;
  pids: string;
  etcdData: string;
  /** Rendered charts and other generated inputs, kept for debugging. */
  manifests: string;
  /** Webhook serving-cert dirs (controller-runtime expects tls.crt/tls.key in one dir). */
  capsuleCerts: string;
  velaCerts: string;
}

export function clusterLayout(dir: string): ClusterLayout {
  return {
    dir,
    pki: join(dir, 'pki'),
    kubeconfigs: join(dir, 'kubeconfigs'),
    logs: join(dir, 'logs'),
    pids: join(dir, 'pids'),
    etcdData: join(dir, 'etcd'),
    manifests: join(dir, 'manifests'),
    capsuleCerts: join(dir, 'pki', 'capsule-webhook'),
    velaCerts: join(dir, 'pki', 'vela-webhook'),
  };
}

export async function createLayout(layout: ClusterLayout): Promise<void> {
  for (const path of Object.values(layout)) await mkdir(path, { recursive: true, mode: 0o700 });
}
