// Permission bits of a directory tree, to assert what a process left behind.
import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';

/** The mode (permission bits) of everything in `dir` but symbolic links, by relative path;
 *  `dir` itself is '.'. */
export async function modesUnder(dir: string): Promise<Record<string, number>> {
  const names = ['.', ...(await readdir(dir, { recursive: true }))];
  const out: Record<string, number> = {};
  for (const name of names) {
    const s = await lstat(join(dir, name));
    if (!s.isSymbolicLink()) out[name] = s.mode & 0o7777;
  }
  return out;
}
