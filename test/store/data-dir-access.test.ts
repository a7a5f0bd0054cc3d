// The embedded data directory is private: created 0700, tightened when merely readable by
// others, refused when others could have written to it.
import { chmod, chown, mkdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { DataDirAccessError, securePrivateDir } from '../../src/store/data-dir-access.js';
import { modesUnder } from '../support/file-modes.js';
import { tempDir } from '../support/stores.js';

/** A data directory as an older KubeNova left it under umask 022: 0755 directories, the keyring
 *  0600, and PGlite's files 0666 or 0644 (`fileMode`). */
async function olderLayout(fileMode: number): Promise<string> {
  const dir = join(await tempDir('access'), 'data');
  await mkdir(join(dir, 'pglite', 'base'), { recursive: true, mode: 0o755 });
  await chmod(dir, 0o755);
  await writeFile(join(dir, 'keyring.json'), '{}', { mode: 0o600 });
  await writeFile(join(dir, 'pglite', 'base', '1'), 'rows');
  await chmod(join(dir, 'pglite', 'base', '1'), fileMode);
  return dir;
}

describe('securePrivateDir', () => {
  test('creates a missing data directory 0700', async () => {
    const dir = join(await tempDir('access'), 'a', 'data');
    await securePrivateDir(dir);
    expect((await stat(dir)).mode & 0o777).toBe(0o700);
    expect((await stat(join(dir, '..'))).mode & 0o777).toBe(0o700);
  });

  test('in a directory nobody else can enter, everything is made private', async () => {
    const dir = await tempDir('access'); // 0700, as KubeNova creates it
    await mkdir(join(dir, 'pglite', 'base'), { recursive: true, mode: 0o777 });
    await chmod(join(dir, 'pglite', 'base'), 0o777);
    await writeFile(join(dir, 'pglite', 'base', '1'), 'rows');
    await chmod(join(dir, 'pglite', 'base', '1'), 0o666); // as PGlite writes a new database
    await securePrivateDir(dir);
    expect(await modesUnder(dir)).toEqual({ '.': 0o700, pglite: 0o700, 'pglite/base': 0o700, 'pglite/base/1': 0o600 });
  });

  test('an older data directory others could read but not write is made private', async () => {
    const dir = await olderLayout(0o644);
    await securePrivateDir(dir);
    expect(await modesUnder(dir)).toEqual({ '.': 0o700, 'keyring.json': 0o600, pglite: 0o700, 'pglite/base': 0o700, 'pglite/base/1': 0o600 });
  });

  const refused: { reason: string; make: () => Promise<{ dir: string; problem: RegExp }> }[] = [
    {
      reason: 'the directory is writable by others (0777)',
      make: async () => {
        const dir = await tempDir('access');
        await chmod(dir, 0o777);
        return { dir, problem: /it is writable by group or others \(mode 0777\)/ };
      },
    },
    {
      reason: 'the directory is writable by its group (0770)',
      make: async () => {
        const dir = await tempDir('access');
        await chmod(dir, 0o770);
        return { dir, problem: /it is writable by group or others \(mode 0770\)/ };
      },
    },
    {
      reason: 'a file others can write, reachable through the directory (an older layout)',
      make: async () => {
        const dir = await olderLayout(0o666);
        return { dir, problem: new RegExp(`${join(dir, 'pglite', 'base', '1')} is writable by group or others \\(mode 0666\\)`) };
      },
    },
  ];
  test.each(refused)('refuses a data directory when $reason, and changes nothing', async ({ make }) => {
    const { dir, problem } = await make();
    const before = await modesUnder(dir);
    const err = await securePrivateDir(dir).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DataDirAccessError);
    expect((err as Error).message).toMatch(problem);
    expect((err as Error).message).toContain(`chmod -R go-rwx ${dir}`);
    expect(await modesUnder(dir)).toEqual(before);
  });

  // Only root can give a file away.
  test.runIf(process.geteuid?.() === 0)('refuses a data directory holding a file of another user', async () => {
    const dir = await tempDir('access');
    await writeFile(join(dir, 'keyring.json'), '{}', { mode: 0o600 });
    await chown(join(dir, 'keyring.json'), 4242, 4242);
    await expect(securePrivateDir(dir)).rejects.toThrow(/keyring\.json is owned by user 4242, not by this process's user 0/);
  });
});
