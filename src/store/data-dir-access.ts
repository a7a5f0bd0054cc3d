// The embedded data directory is the store, the audit log included: only its owner may enter it.
// It is made 0700 and everything in it 0600 (0700 for directories). A directory that group or
// others can write, or anything in it owned by another user, is refused rather than used: what
// is in it may have been rewritten. PGlite writes the files of a new database 0666 whatever the
// umask, so the tree is tightened again after it opens and after it closes.
import { chmod, lstat, mkdir, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Stats } from 'node:fs';

const OTHERS = 0o077;
const OTHERS_WRITE = 0o022;

export class DataDirAccessError extends Error {
  override readonly name = 'DataDirAccessError';
}

const octal = (mode: number) => `0${(mode & 0o777).toString(8)}`;
const errno = (err: unknown) => (err as NodeJS.ErrnoException).code;

/** Every entry under `dir` (not `dir` itself) with its lstat; symbolic links are not followed,
 *  and entries removed meanwhile are skipped. */
async function entries(dir: string): Promise<{ path: string; stats: Stats }[]> {
  const names = await readdir(dir, { recursive: true });
  const found = await Promise.all(
    names.map(async (name) => {
      const path = join(dir, name);
      try {
        return { path, stats: await lstat(path) };
      } catch (err) {
        if (errno(err) === 'ENOENT') return undefined;
        throw err;
      }
    }),
  );
  return found.filter((e) => e !== undefined);
}

function refuse(dir: string, problem: string): never {
  throw new DataDirAccessError(
    `data directory ${dir}: ${problem}; anyone else on this machine could have rewritten the store and its audit log. ` +
      `Check it, then make it yours and private (chown -R <user> ${dir}; chmod -R go-rwx ${dir}), or start on another one`,
  );
}

function checkOwner(dir: string, path: string, stats: Stats): void {
  const uid = process.geteuid?.();
  if (uid !== undefined && stats.uid !== uid) refuse(dir, `${path} is owned by user ${stats.uid}, not by this process's user ${uid}`);
}

/** Creates `dir` private, or checks an existing one and makes it private: refused (with
 *  DataDirAccessError) if it is not this user's, or if group or others can write it or, through
 *  it, anything in it. */
export async function securePrivateDir(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const root = await stat(dir); // the data directory may be a link to where it really is
  checkOwner(dir, dir, root);
  if ((root.mode & OTHERS_WRITE) !== 0) refuse(dir, `it is writable by group or others (mode ${octal(root.mode)})`);
  // Inside a directory others cannot enter (the one made by KubeNova), modes are only tightened.
  const enterable = (root.mode & OTHERS) !== 0;
  for (const { path, stats } of await entries(dir)) {
    if (stats.isSymbolicLink()) continue;
    checkOwner(dir, path, stats);
    if (enterable && (stats.mode & OTHERS_WRITE) !== 0) refuse(dir, `${path} is writable by group or others (mode ${octal(stats.mode)})`);
  }
  await tightenTree(dir);
}

/** Takes every group and other permission off `dir` and everything in it. */
export async function tightenTree(dir: string): Promise<void> {
  const root = await stat(dir);
  const all = [{ path: dir, stats: root }, ...(await entries(dir))];
  for (const { path, stats } of all) {
    if (stats.isSymbolicLink() || (stats.mode & OTHERS) === 0) continue;
    try {
      await chmod(path, stats.mode & 0o700);
    } catch (err) {
      if (errno(err) !== 'ENOENT') throw err;
    }
  }
}
