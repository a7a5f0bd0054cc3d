// `down --stale` (downStale) removes only clusters nobody can be using: a test run's cluster
// whose run is gone, a dir whose processes all died. It is run here on a state root of its own,
// so it never judges the clusters of other sessions.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { down, downStale, staleReason, up } from '../../tools/testenv/src/cluster.js';
import { isAlive } from '../../tools/testenv/src/processes.js';
import { CLUSTER_FILE, KEPT_FILE, UP_PID_FILE } from '../../tools/testenv/src/state.js';

let root: string;
const previousRoot = process.env.KUBENOVA_TESTENV_STATE;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'kubenova-testenv-stale-'));
  process.env.KUBENOVA_TESTENV_STATE = root;
});

afterAll(async () => {
  if (previousRoot === undefined) delete process.env.KUBENOVA_TESTENV_STATE;
  else process.env.KUBENOVA_TESTENV_STATE = previousRoot;
  await rm(root, { recursive: true, force: true });
});

/** A PID that surely belongs to no process any more. */
function deadPid(): number {
  return spawnSync('true').pid;
}

/** A cluster dir with just the given files, as a dead or kept cluster leaves it. */
async function fakeDir(id: string, files: Record<string, string>): Promise<string> {
  const dir = join(root, id);
  await mkdir(join(dir, 'pids'), { recursive: true });
  for (const [file, text] of Object.entries(files)) await writeFile(join(dir, file), text);
  return dir;
}

describe('down --stale', () => {
  it('stops the clusters of a gone owner and dead leftovers; leaves running, starting and kept ones', { timeout: 300_000 }, async () => {
    const orphan = await up({ id: 'orphan', without: ['capsule', 'kubevela'], ownerPid: deadPid() });
    const owned = await up({ id: 'owned', without: ['capsule', 'kubevela'], ownerPid: process.pid });
    try {
      const info = (id: string, ownerPid?: number) => JSON.stringify({ id, dir: join(root, id), components: ['etcd'], pids: {}, ownerPid });
      const crashed = await fakeDir('crashed', { [CLUSTER_FILE]: info('crashed'), 'pids/etcd.pid': `${deadPid()}\n` });
      const upDied = await fakeDir('up-died', { [UP_PID_FILE]: `${deadPid()}\n` });
      const starting = await fakeDir('starting', { [UP_PID_FILE]: `${process.pid}\n` });
      const kept = await fakeDir('kept', { [KEPT_FILE]: 'Error: boom\n', 'pids/etcd.pid': `${deadPid()}\n` });

      expect(await staleReason(orphan.dir)).toMatch(/owner process \d+ is gone/);
      expect(await staleReason(owned.dir)).toBeUndefined();

      const heard: string[] = [];
      const removed = await downStale((id, reason) => heard.push(`${id}: ${reason}`));
      expect(removed.sort()).toEqual(['crashed', 'orphan', 'up-died']);
      expect(heard).toHaveLength(3);

      expect((await Promise.all(Object.values(orphan.pids).map(isAlive))).some(Boolean)).toBe(false);
      expect([orphan.dir, crashed, upDied].filter(existsSync)).toEqual([]);
      expect([owned.dir, starting, kept].filter(existsSync)).toEqual([owned.dir, starting, kept]);
      expect((await Promise.all(Object.values(owned.pids).map(isAlive))).every(Boolean)).toBe(true);
    } finally {
      await down(orphan.dir);
      await down(owned.dir);
    }
  });
});
