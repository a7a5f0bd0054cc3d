import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { ProcessDirs } from './processes.js';

/** Where things live inside one cluster directory. */
export interface ClusterLayout {
  dir: string;
  pki: string;
  kubeconfigs: string;
  logs: string;
  pids: string;
  /** What each component was started with, for `start` after `stop`. */
  specs: string;
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
    specs: join(dir, 'specs'),
    etcdData: join(dir, 'etcd'),
    manifests: join(dir, 'manifests'),
    capsuleCerts: join(dir, 'pki', 'capsule-webhook'),
    velaCerts: join(dir, 'pki', 'vela-webhook'),
  };
}

export function processDirs(layout: ClusterLayout): ProcessDirs {
  return { logDir: layout.logs, pidDir: layout.pids, specDir: layout.specs };
}

export async function createLayout(layout: ClusterLayout): Promise<void> {
  for (const path of Object.values<string>({ ...layout })) await mkdir(path, { recursive: true, mode: 0o700 });
}

/** Every component's command line names a path inside its cluster dir; this is that prefix. */
export function ownershipMarker(dir: string): string {
  return `${dir.replace(/\/+$/, '')}/`;
}
