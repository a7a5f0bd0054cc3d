// The real server process on the embedded store: its data directory ends up private (0700,
// files 0600) whatever PGlite wrote, and a data directory others could have written to is
// refused at startup with what to do, exit code 1 and no stack trace.
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { expect, test } from 'vitest';
import { loadHs256Secret } from '../../src/security/auth-keys.js';
import { mintToken } from '../../src/security/auth-token.js';
import { Keyring } from '../../src/security/keyring.js';
import { apiClient } from '../support/api-client.js';
import { modesUnder } from '../support/file-modes.js';
import { launchServer, startServer } from '../support/server-process.js';
import { backends, tempDir } from '../support/stores.js';

const serverEnv = (dataDir: string) => ({ KUBENOVA_DATA_DIR: dataDir, KUBENOVA_HOST: '127.0.0.1', KUBENOVA_PORT: '0', KUBENOVA_LOG_LEVEL: 'warn' });

test('a data directory the server wrote to is 0700 with every file 0600', { timeout: 120_000 }, async () => {
  // A new database as PGlite writes it (files 0666) in a new directory.
  const { dataDir } = await backends.find((b) => b.name === 'embedded')!.fresh();
  expect(Object.values(await modesUnder(join(dataDir, 'pglite')))).toContain(0o666);

  const server = await startServer({ env: serverEnv(dataDir) });
  const secret = await loadHs256Secret({ hs256SecretFile: join(dataDir, 'jwt-secret'), createHs256SecretFile: false });
  const call = apiClient(await mintToken(secret!, { subject: 'admin', roles: ['platform-admin'], ttlSeconds: 600 }));
  const res = await call(server.url, 'POST', '/policysets', { name: 'baseline', spec: { podSecurity: 'baseline' } });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  expect((await modesUnder(dataDir))['.']).toBe(0o700);
  expect(await server.stop(), server.stderr()).toBe(0);

  const modes = Object.entries(await modesUnder(dataDir));
  expect(modes.map(([p]) => p)).toEqual(expect.arrayContaining(['jwt-secret', 'keyring.json', 'pglite/PG_VERSION']));
  expect(modes.filter(([, mode]) => mode !== 0o700 && mode !== 0o600)).toEqual([]);
});

test('a data directory others could write to is refused at startup', { timeout: 120_000 }, async () => {
  const keyring = { active: 'k1', keys: { k1: Keyring.generateKey() } };
  const cases = [
    {
      reason: 'the directory is 0777',
      make: async (dir: string) => chmod(dir, 0o777),
      problem: (dir: string) => `kubenova: data directory ${dir}: it is writable by group or others (mode 0777)`,
    },
    {
      reason: 'an older layout: 0755 directories and a database file others can write',
      make: async (dir: string) => {
        await chmod(dir, 0o755);
        await mkdir(join(dir, 'pglite'), { mode: 0o755 });
        await writeFile(join(dir, 'pglite', 'PG_VERSION'), '16\n');
        await chmod(join(dir, 'pglite', 'PG_VERSION'), 0o666);
      },
      problem: (dir: string) => `kubenova: data directory ${dir}: ${join(dir, 'pglite', 'PG_VERSION')} is writable by group or others (mode 0666)`,
    },
  ];
  for (const { reason, make, problem } of cases) {
    const dataDir = await tempDir('access');
    await writeFile(join(dataDir, 'keyring.json'), JSON.stringify(keyring), { mode: 0o600 });
    await make(dataDir);
    const server = launchServer({ env: serverEnv(dataDir) });
    // A server that accepted the directory runs on: it must have exited long before this.
    const exit = await Promise.race([server.exited, sleep(30_000).then(() => 'still running')]);
    expect(exit, reason).toBe(1);
    const stderr = server.stderr();
    expect(stderr, reason).toContain(problem(dataDir));
    expect(stderr, reason).toContain(`chmod -R go-rwx ${dataDir}`);
    expect(stderr, `${reason}: no stack trace`).not.toMatch(/^\s+at /m);
    expect(stderr, `${reason}: no key material`).not.toContain(keyring.keys.k1);
    expect(stderr.trim().split('\n'), reason).toHaveLength(1);
  }
});
