// The real test cluster(s) from tools/testenv, for vitest's globalSetup and for tests that need
// more than one cluster or a non-admin identity.
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import type { AddonName } from '../../tools/testenv/src/addons.js';
import { down, up } from '../../tools/testenv/src/cluster.js';
import { httpsGet } from '../../tools/testenv/src/https.js';
import { clusterLayout } from '../../tools/testenv/src/layout.js';
import type { ComponentRef } from '../../tools/testenv/src/lifecycle.js';
import * as lifecycle from '../../tools/testenv/src/lifecycle.js';
import { issueCertificate } from '../../tools/testenv/src/pki.js';
import type { ClusterInfo } from '../../tools/testenv/src/state.js';
import { newClusterId, readClusterInfo } from '../../tools/testenv/src/state.js';

export type { AddonName } from '../../tools/testenv/src/addons.js';
export type { ComponentRef } from '../../tools/testenv/src/lifecycle.js';
export type { ClusterInfo } from '../../tools/testenv/src/state.js';

export interface ClusterHandle {
  info: ClusterInfo;
  /** Tears the cluster down; a no-op for a reused cluster (KUBENOVA_TEST_CLUSTER). */
  stop(): Promise<void>;
}

const log = (line: string) => process.stderr.write(`[testenv] ${line}\n`);

/**
 * The cluster named by KUBENOVA_TEST_CLUSTER (an id under the state root or a cluster dir),
 * checked to be answering, or else a fresh one that `stop()` removes again.
 */
export async function ensureCluster(): Promise<ClusterHandle> {
  const named = process.env.KUBENOVA_TEST_CLUSTER;
  if (named) {
    const info = await readClusterInfo(named);
    await assertAnswering(info);
    log(`reusing cluster ${info.id} (${info.apiServerUrl})`);
    return { info, stop: async () => {} };
  }
  return startExtraCluster();
}

export interface ExtraClusterOptions {
  /** Leave Capsule and/or KubeVela out: no CRDs, no process, no webhooks. */
  without?: readonly AddonName[];
}

/**
 * Starts one more independent cluster (multi-cluster tests); the caller stops it. Test clusters
 * are named `vt-<pid>-xxxxxx` and owned by this process: if it dies without stopping them,
 * `npm run testenv -- down --stale` removes them (and leaves every other cluster alone).
 */
export async function startExtraCluster(opts: ExtraClusterOptions = {}): Promise<ClusterHandle> {
  const info = await up({ id: newClusterId(`vt-${process.pid}`), ownerPid: process.pid, without: opts.without, log });
  return { info, stop: () => down(info.dir) };
}

/**
 * Stops one component of a running cluster (e.g. 'kube-apiserver', 'capsule', 'vela-core',
 * 'capsule-proxy'); the rest keeps running. Returns the cluster's updated info (its `pids`).
 */
export function stopComponent(info: ClusterInfo, name: ComponentRef): Promise<ClusterInfo> {
  return lifecycle.stopComponent(info.dir, name, { log });
}

/**
 * Starts a stopped component again with its state (same ports, certificates, etcd data) and
 * resolves once it is ready: the API server's /readyz, a webhook server answering.
 */
export function startComponent(info: ClusterInfo, name: ComponentRef, opts: { timeoutMs?: number } = {}): Promise<ClusterInfo> {
  return lifecycle.startComponent(info.dir, name, { log, ...opts });
}

async function assertAnswering(info: ClusterInfo): Promise<void> {
  const admin = adminCredentials(info);
  const res = await httpsGet(`${info.apiServerUrl}/readyz`, admin).catch((err: Error) => ({ status: 0, body: err.message }));
  if (res.status !== 200) {
    throw new Error(`KUBENOVA_TEST_CLUSTER=${process.env.KUBENOVA_TEST_CLUSTER}: API server ${info.apiServerUrl} not ready (${res.status} ${res.body})`);
  }
}

function adminCredentials(info: ClusterInfo) {
  const pki = clusterLayout(info.dir).pki;
  return { caFile: info.caFile, certFile: join(pki, 'client-admin.crt'), keyFile: join(pki, 'client-admin.key') };
}

/** A client-node KubeConfig for the cluster admin (system:masters). */
export function adminKubeConfig(info: ClusterInfo): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromFile(info.kubeconfig);
  return kc;
}

/**
 * A KubeConfig that authenticates as `user` in `groups` with a client certificate signed by the
 * cluster CA: a real identity for RBAC, Capsule's webhooks and KubeVela's impersonation, without
 * the admin impersonating anyone.
 */
export async function userKubeConfig(info: ClusterInfo, user: string, groups: readonly string[] = []): Promise<KubeConfig> {
  const dir = join(info.dir, 'users');
  await mkdir(dir, { recursive: true });
  const safeName = user.replace(/[^A-Za-z0-9_.-]/g, '_');
  const files = await issueCertificate({ certFile: info.caFile, keyFile: info.caKeyFile }, dir, {
    fileName: `${safeName}-${Date.now()}`,
    commonName: user,
    organizations: groups,
    usage: 'client',
  });
  const [ca, cert, key] = await Promise.all([readFile(info.caFile), readFile(files.certFile), readFile(files.keyFile)]);
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: info.id, server: info.apiServerUrl, caData: ca.toString('base64'), skipTLSVerify: false }],
    users: [{ name: user, certData: cert.toString('base64'), keyData: key.toString('base64') }],
    contexts: [{ name: user, cluster: info.id, user }],
    currentContext: user,
  });
  return kc;
}
