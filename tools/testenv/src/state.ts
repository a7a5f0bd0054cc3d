import { randomBytes } from 'node:crypto';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';

/** What `up` hands out about a running cluster; written as `<dir>/cluster.json`. */
export interface ClusterInfo {
  id: string;
  dir: string;
  /** Admin kubeconfig (client cert in system:masters), certificates embedded. */
  kubeconfig: string;
  apiServerUrl: string;
  /** CA of the API server, the webhooks and every client cert; its key lets tests mint user certs. */
  caFile: string;
  caKeyFile: string;
  /** null while capsule-proxy cannot be built (see versions.env). */
  capsuleProxy: { url: string; caFile: string } | null;
  pids: Record<string, number>;
  ports: Record<string, number>;
  binDir: string;
  startedAt: string;
  upSeconds: number;
}

export const CLUSTER_FILE = 'cluster.json';

export function stateRoot(): string {
  return process.env.KUBENOVA_TESTENV_STATE ?? '/tmp/kubenova-testenv';
}

export function newClusterId(): string {
  return `kn-${randomBytes(3).toString('hex')}`;
}

/** Accepts a cluster id (under the state root) or a cluster directory path. */
export function clusterDirOf(idOrDir: string): string {
  return isAbsolute(idOrDir) || idOrDir.includes('/') ? idOrDir : join(stateRoot(), idOrDir);
}

export async function writeClusterInfo(info: ClusterInfo): Promise<void> {
  await writeFile(join(info.dir, CLUSTER_FILE), `${JSON.stringify(info, null, 2)}\n`);
}

export async function readClusterInfo(idOrDir: string): Promise<ClusterInfo> {
  const file = join(clusterDirOf(idOrDir), CLUSTER_FILE);
  try {
    return JSON.parse(await readFile(file, 'utf8')) as ClusterInfo;
  } catch (err) {
    throw new Error(`no cluster at ${file}: ${(err as Error).message}`);
  }
}

/** Directories under the state root; each is a cluster that is running, starting or left over. */
export async function listClusterDirs(): Promise<string[]> {
  try {
    const entries = await readdir(stateRoot(), { withFileTypes: true });
    return entries.filter((e) => e.isDirectory()).map((e) => join(stateRoot(), e.name));
  } catch {
    return [];
  }
}
