import { chmod, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { configPath, isPlaintextRemote, loadConfig, normaliseServer, resolveCredentials, saveConfig } from '../../src/cli/config.js';
import { CliError, EXIT } from '../../src/cli/errors.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kubenova-cli-config-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const mode = async (p: string) => (await stat(p)).mode & 0o777;

describe('config file', () => {
  it('defaults to ~/.kubenova/config.json and honours KUBENOVA_CONFIG', () => {
    expect(configPath({ HOME: '/home/u' })).toBe('/home/u/.kubenova/config.json');
    expect(configPath({ HOME: '/home/u', KUBENOVA_CONFIG: '/etc/kn.json' })).toBe('/etc/kn.json');
  });

  it('writes mode 0600 in a 0700 directory it creates', async () => {
    const path = join(dir, 'nested', 'config.json');
    await saveConfig(path, { server: 'https://kn.example', token: 't' });
    expect(await mode(path)).toBe(0o600);
    expect(await mode(join(dir, 'nested'))).toBe(0o700);
    expect(JSON.parse(await readFile(path, 'utf8'))).toEqual({ server: 'https://kn.example', token: 't' });
  });

  it('tightens an existing world-readable file when rewriting it', async () => {
    const path = join(dir, 'config.json');
    await writeFile(path, '{}');
    await chmod(path, 0o644);
    await saveConfig(path, { server: 'https://kn.example', token: 't' });
    expect(await mode(path)).toBe(0o600);
  });

  it('reads a missing file as empty and warns about a readable one', async () => {
    expect(await loadConfig(join(dir, 'absent.json'))).toEqual({ config: {} });
    const path = join(dir, 'config.json');
    await writeFile(path, JSON.stringify({ server: 'https://a', token: 't', extra: 1 }));
    await chmod(path, 0o644);
    const { config, warning } = await loadConfig(path);
    expect(config).toEqual({ server: 'https://a', token: 't' });
    expect(warning).toMatch(/chmod 600/);
    await chmod(path, 0o600);
    expect((await loadConfig(path)).warning).toBeUndefined();
  });

  it('rejects a corrupt file with a clear message', async () => {
    const path = join(dir, 'config.json');
    await writeFile(path, 'not json');
    await expect(loadConfig(path)).rejects.toThrow(/not valid JSON/);
  });
});

describe('resolveCredentials', () => {
  it('lets KUBENOVA_SERVER and KUBENOVA_TOKEN override the file, each on its own', () => {
    const file = { server: 'https://file.example', token: 'file-token' };
    expect(resolveCredentials({}, file)).toMatchObject({ server: 'https://file.example', token: 'file-token', source: { server: 'config', token: 'config' } });
    expect(resolveCredentials({ KUBENOVA_TOKEN: 'env-token' }, file)).toMatchObject({
      server: 'https://file.example',
      token: 'env-token',
      source: { token: 'env' },
    });
    expect(resolveCredentials({ KUBENOVA_SERVER: 'http://127.0.0.1:8080/' }, file)).toMatchObject({
      server: 'http://127.0.0.1:8080',
      source: { server: 'env' },
    });
  });

  it('fails with the auth exit code when server or token is missing', () => {
    for (const [env, cfg] of [
      [{}, {}],
      [{}, { server: 'https://a' }],
    ] as const) {
      let err: unknown;
      try {
        resolveCredentials(env, cfg);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(CliError);
      expect((err as CliError).exitCode).toBe(EXIT.auth);
    }
  });
});

describe('normaliseServer', () => {
  it.each([
    ['https://kn.example/', 'https://kn.example'],
    ['https://kn.example/api/v1', 'https://kn.example'],
    ['https://kn.example/api/v1/', 'https://kn.example'],
    ['http://127.0.0.1:8080', 'http://127.0.0.1:8080'],
    ['https://gw.example/kubenova/?x=1', 'https://gw.example/kubenova'],
  ])('%s → %s', (input, want) => {
    expect(normaliseServer(input)).toBe(want);
  });
  it('rejects non-http URLs as usage errors', () => {
    expect(() => normaliseServer('ftp://x')).toThrow(/http or https/);
    expect(() => normaliseServer('kn.example')).toThrow(/invalid server URL/);
  });
  it('flags plain http to remote hosts only', () => {
    expect(isPlaintextRemote('http://kn.example')).toBe(true);
    expect(isPlaintextRemote('http://127.0.0.1:1')).toBe(false);
    expect(isPlaintextRemote('http://localhost:1')).toBe(false);
    expect(isPlaintextRemote('http://[::1]:1')).toBe(false);
    expect(isPlaintextRemote('https://kn.example')).toBe(false);
  });
});
