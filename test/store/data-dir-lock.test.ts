// One process per embedded data directory. (Two server processes on one directory: see
// test/server/restart.test.ts.)
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { DataDirInUseError, LOCK_FILE, lockDataDir } from '../../src/store/data-dir-lock.js';
import { openPglite } from '../../src/store/pglite.js';
import { backends, tempDir } from '../support/stores.js';

/** The pid of a process that has exited. */
function deadPid(): number {
  const { pid } = spawnSync(process.execPath, ['-e', '']);
  return pid;
}

const lockOf = async (dir: string) => JSON.parse(await readFile(join(dir, LOCK_FILE), 'utf8')) as { pid: number; host: string };
const writeLock = (dir: string, owner: { pid: number; host: string }) => writeFile(join(dir, LOCK_FILE), JSON.stringify(owner));

describe('the embedded store', () => {
  test('refuses a second open of the same directory until the first is closed', async () => {
    const dir = join((await backends.find((b) => b.name === 'embedded')!.fresh()).dataDir, 'pglite');
    const first = await openPglite(dir);
    const second = await openPglite(dir).catch((e: unknown) => e);
    expect(second).toBeInstanceOf(DataDirInUseError);
    expect((second as Error).message).toBe(
      `data directory ${dir} is in use by process ${process.pid} (lock ${join(dir, LOCK_FILE)}); ` +
        'stop that KubeNova first, or remove the lock file if none runs there',
    );
    expect(await first.query('SELECT 1 AS one'), 'the first is unharmed').toEqual([{ one: 1 }]);

    await first.close();
    expect(existsSync(join(dir, LOCK_FILE)), 'closing releases the lock').toBe(false);
    const again = await openPglite(dir);
    await again.close();
  });

  test('takes over the stale lock of a process that died without releasing it', async () => {
    const dir = join((await backends.find((b) => b.name === 'embedded')!.fresh()).dataDir, 'pglite');
    await writeLock(dir, { pid: deadPid(), host: hostname() });
    const db = await openPglite(dir);
    try {
      expect(await lockOf(dir)).toMatchObject({ pid: process.pid, host: hostname() });
    } finally {
      await db.close();
    }
  });
});

describe('lockDataDir', () => {
  test('a live process on this host holds the lock', async () => {
    const dir = await tempDir('lock');
    const parent = process.ppid; // alive while we run
    await writeLock(dir, { pid: parent, host: hostname() });
    await expect(lockDataDir(dir)).rejects.toMatchObject({ name: 'DataDirInUseError', dir, owner: { pid: parent } });
  });

  test('a lock from another host is never taken as stale (its pid means nothing here)', async () => {
    const dir = await tempDir('lock');
    await writeLock(dir, { pid: deadPid(), host: 'elsewhere.example' });
    await expect(lockDataDir(dir)).rejects.toThrow(/in use by process \d+ on host elsewhere\.example/);
  });

  test('a garbled lock file is stale', async () => {
    const dir = await tempDir('lock');
    await writeFile(join(dir, LOCK_FILE), 'not json');
    const lock = await lockDataDir(dir);
    expect((await lockOf(dir)).pid).toBe(process.pid);
    await lock.release();
  });

  test('of several takers racing for one stale lock, exactly one wins', async () => {
    const dir = await tempDir('lock');
    await writeLock(dir, { pid: deadPid(), host: hostname() });
    const results = await Promise.allSettled([1, 2, 3, 4, 5, 6].map(() => lockDataDir(dir)));
    const won = results.filter((r) => r.status === 'fulfilled');
    expect(won).toHaveLength(1);
    for (const r of results) if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(DataDirInUseError);
    await (won[0] as PromiseFulfilledResult<{ release(): Promise<void> }>).value.release();
    expect(existsSync(join(dir, LOCK_FILE))).toBe(false);
  });

  test('releasing an old lock never removes a newer one', async () => {
    const dir = await tempDir('lock');
    const old = await lockDataDir(dir);
    await old.release();
    const current = await lockDataDir(dir);
    await old.release();
    expect(existsSync(join(dir, LOCK_FILE))).toBe(true);
    await current.release();
  });
});
