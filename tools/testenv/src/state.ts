import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, writeFile } from 'node:fs/promises';
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
  /** null without Capsule, and while capsule-proxy cannot be built (see versions.env). */
  capsuleProxy: { url: string; caFile: string } | null;
  /**
   * Every process of the cluster, in start order, whether running or stopped (`stop`):
   * e.g. no `capsule` in a cluster started `--without capsule`.
   */
  components: string[];
  /** PIDs of the running components; a stopped component has none. */
  pids: Record<string, number>;
  /**
   * The process the cluster belongs to (a test run), when it is not the CLI: once that process
   * is gone the cluster is stale (`down --stale`).
   */
  ownerPid?: number;
  ports: Record<string, number>;
  binDir: string;
  startedAt: string;
  upSeconds: number;
}

export const CLUSTER_FILE = 'cluster.json';
/** PID of the process running `up`, written when the dir is claimed (tells a crashed `up`). */
export const UP_PID_FILE = 'up.pid';
/** Written by `up --keep-on-failure` with the error: the dir is kept for a person to read. */
export const KEPT_FILE = 'kept-on-failure';

export function stateRoot(): string {
  return process.env.KUBENOVA_TESTENV_STATE ?? '/tmp/kubenova-testenv';
}

export function newClusterId(prefix = 'kn'): string {
  return `${prefix}-${randomBytes(3).toString('hex')}`;
}

/**
 * Creates the cluster dir, failing if it exists (mkdir is atomic: two `up --id x` at once cannot
 * both win), and records who is running `up`.
 */
export async function claimClusterDir(id: string): Promise<string> {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(id)) throw new Error(`cluster id ${JSON.stringify(id)}: use letters, digits, '.', '_' and '-'`);
  const dir = join(stateRoot(), id);
  await mkdir(stateRoot(), { recursive: true });
  try {
    await mkdir(dir, { mode: 0o700 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw new Error(`${dir} exists: cluster ${id} is running or left over (down it first)`);
    throw err;
  }
  await writeFile(join(dir, UP_PID_FILE), `${process.pid}\n`);
  return dir;
}

/** Accepts a cluster id (under the state root) or a cluster directory path. */
export function clusterDirOf(idOrDir: string): string {
  return isAbsolute(idOrDir) || idOrDir.includes('/') ? idOrDir : join(stateRoot(), idOrDir);
}

/** Written to a temporary file and renamed, so readers never see half a cluster.json. */
export async function writeClusterInfo(info: ClusterInfo): Promise<void> {
  const file = join(info.dir, CLUSTER_FILE);
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, `${JSON.stringify(info, null, 2)}\n`);
  await rename(tmp, file);
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
