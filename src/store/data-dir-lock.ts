// One process per embedded data directory: two PGlite instances on one directory corrupt it. A
// lock file created atomically holds the owner's pid and host; a lock whose process is gone
// (crash, SIGKILL) is stale and taken over.
import { randomBytes } from 'node:crypto';
import { link, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { setTimeout } from 'node:timers/promises';

export const LOCK_FILE = 'kubenova.lock';

interface LockOwner {
  pid: number;
  host: string;
}

export class DataDirInUseError extends Error {
  override readonly name = 'DataDirInUseError';
  constructor(
    readonly dir: string,
    readonly owner: LockOwner,
  ) {
    const where = owner.host === hostname() ? `process ${owner.pid}` : `process ${owner.pid} on host ${owner.host}`;
    super(
      `data directory ${dir} is in use by ${where} (lock ${join(dir, LOCK_FILE)}); ` + 'stop that KubeNova first, or remove the lock file if none runs there',
    );
  }
}

export interface DataDirLock {
  /** Removes the lock file, if it is still this lock's. */
  release(): Promise<void>;
}

function parseOwner(text: string): LockOwner | undefined {
  try {
    const { pid, host } = JSON.parse(text) as Partial<LockOwner>;
    return Number.isInteger(pid) && (pid as number) > 0 && typeof host === 'string' ? { pid: pid as number, host } : undefined;
  } catch {
    return undefined;
  }
}

/** Whether the owner may still run. On another host that cannot be known: assume it does. */
function isAlive(owner: LockOwner): boolean {
  if (owner.host !== hostname()) return true;
  try {
    process.kill(owner.pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'; // alive, another user's
  }
}

const errno = (err: unknown) => (err as NodeJS.ErrnoException).code;

/** Takes the lock of `dir` (which must exist) for this process, or throws DataDirInUseError. */
export async function lockDataDir(dir: string): Promise<DataDirLock> {
  const path = join(dir, LOCK_FILE);
  // The nonce tells this lock from a later one of the same process.
  const content = `${JSON.stringify({ pid: process.pid, host: hostname(), nonce: randomBytes(8).toString('hex') })}\n`;
  // Written aside and linked into place: the lock file appears complete or not at all, and
  // link(2), unlike rename, fails if the target exists.
  const mine = `${path}.${process.pid}.${randomBytes(6).toString('hex')}`;
  await writeFile(mine, content, { mode: 0o600 });
  const lock = { release: () => releaseIfMine(path, content) };
  try {
    for (let attempt = 0; attempt < 10; attempt++) {
      try {
        await link(mine, path);
        return lock;
      } catch (err) {
        if (errno(err) !== 'EEXIST') throw err;
      }
      const seen = await readIfExists(path);
      if (seen === undefined) continue; // released meanwhile
      const owner = parseOwner(seen);
      if (owner && isAlive(owner)) throw new DataDirInUseError(dir, owner);
      if (await takeOver(path, seen, mine)) return lock;
      await setTimeout(20 + Math.random() * 30); // another process is taking it over: see who won
    }
    throw new Error(`data directory ${dir}: could not take the lock ${path}; other processes keep taking it`);
  } finally {
    await unlink(mine).catch(() => undefined);
  }
}

/** Replaces the stale lock (content `stale`) by `mine`. Takers of one stale lock first take a
 *  guard (link(2) again, so only one can), check the lock is still the stale one, and rename
 *  theirs over it: the lock file never disappears, so no plain taker slips in meanwhile. */
async function takeOver(path: string, stale: string, mine: string): Promise<boolean> {
  const guard = `${path}.takeover`;
  try {
    await link(mine, guard);
  } catch (err) {
    if (errno(err) !== 'EEXIST') throw err;
    // Held for a few system calls only; a holder that died meanwhile leaves it behind.
    const holder = parseOwner((await readIfExists(guard)) ?? '');
    if (holder && !isAlive(holder)) await unlink(guard).catch(() => undefined);
    return false;
  }
  try {
    if ((await readIfExists(path)) !== stale) return false;
    await rename(mine, path);
    return true;
  } finally {
    await unlink(guard);
  }
}

async function readIfExists(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    if (errno(err) === 'ENOENT') return undefined;
    throw err;
  }
}

async function releaseIfMine(path: string, content: string): Promise<void> {
  if ((await readIfExists(path)) === content) await unlink(path);
}
