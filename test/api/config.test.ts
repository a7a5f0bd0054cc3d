// Server configuration from the environment, the local HS256 secret, and `main.ts token`.
import { execFile } from 'node:child_process';
import { chmod, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';
import { loadHs256Secret } from '../../src/security/auth-keys.js';
import { createTokenVerifier } from '../../src/security/auth.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kubenova-config-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('loadConfig', () => {
  it('defaults to the embedded store with a generated HS256 secret in the data directory', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      host: '127.0.0.1',
      port: 8080,
      dataDir: resolve('./data'),
      store: { kind: 'embedded', dataDir: resolve('./data') },
      auth: { createHs256SecretFile: true, hs256SecretFile: resolve('./data/jwt-secret') },
      bodyLimitBytes: 1024 * 1024,
      forceTenantPrefix: true,
      http: { requestTimeoutMs: 30_000, headersTimeoutMs: 10_000, maxEventStreams: 1000, maxEventStreamsPerSubject: 10 },
    });
  });

  it('turns the tenant prefix rule off only with KUBENOVA_FORCE_TENANT_PREFIX=false', () => {
    expect(loadConfig({ KUBENOVA_FORCE_TENANT_PREFIX: 'false' }).forceTenantPrefix).toBe(false);
    expect(loadConfig({ KUBENOVA_FORCE_TENANT_PREFIX: 'true' }).forceTenantPrefix).toBe(true);
  });

  it('reads request timeouts (seconds) and event stream limits', () => {
    const config = loadConfig({
      KUBENOVA_REQUEST_TIMEOUT_SECONDS: '60',
      KUBENOVA_HEADERS_TIMEOUT_SECONDS: '5',
      KUBENOVA_MAX_EVENT_STREAMS: '50',
      KUBENOVA_MAX_EVENT_STREAMS_PER_SUBJECT: '2',
    });
    expect(config.http).toEqual({ requestTimeoutMs: 60_000, headersTimeoutMs: 5_000, maxEventStreams: 50, maxEventStreamsPerSubject: 2 });
  });

  it('uses PostgreSQL when KUBENOVA_DATABASE_URL is set, and then needs a configured key', () => {
    const url = 'postgres://kubenova@db:5432/kubenova';
    expect(() => loadConfig({ KUBENOVA_DATABASE_URL: url })).toThrow(ConfigError);
    const config = loadConfig({ KUBENOVA_DATABASE_URL: url, KUBENOVA_JWT_SECRET: 's'.repeat(32) });
    expect(config.store).toEqual({ kind: 'postgres', url });
    expect(config.auth).toEqual({ createHs256SecretFile: false, hs256Secret: 's'.repeat(32) });
  });

  it('an IdP configuration turns the generated secret off', () => {
    const config = loadConfig({
      KUBENOVA_JWT_JWKS_URL: 'https://idp.example/jwks',
      KUBENOVA_JWT_ISSUER: 'https://idp.example',
      KUBENOVA_JWT_AUDIENCE: 'kubenova',
    });
    expect(config.auth).toEqual({ createHs256SecretFile: false, jwksUrl: 'https://idp.example/jwks', issuer: 'https://idp.example', audience: 'kubenova' });
  });

  it.each([
    [{ KUBENOVA_PORT: '80000' }],
    [{ KUBENOVA_PORT: 'http' }],
    [{ KUBENOVA_JWT_SECRET: 'short' }],
    [{ KUBENOVA_JWT_JWKS_URL: 'http://idp.example/jwks' }],
    [{ KUBENOVA_JWT_JWKS_URL: 'not a url' }],
    [{ KUBENOVA_DATABASE_URL: 'mysql://x' }],
    [{ KUBENOVA_LOG_LEVEL: 'loud' }],
    [{ KUBENOVA_FORCE_TENANT_PREFIX: 'no' }],
    [{ KUBENOVA_REQUEST_TIMEOUT_SECONDS: '0' }],
    [{ KUBENOVA_REQUEST_TIMEOUT_SECONDS: '1.5' }],
    [{ KUBENOVA_REQUEST_TIMEOUT_SECONDS: '99999' }],
    [{ KUBENOVA_HEADERS_TIMEOUT_SECONDS: '40' }],
    [{ KUBENOVA_MAX_EVENT_STREAMS: '-1' }],
    [{ KUBENOVA_MAX_EVENT_STREAMS_PER_SUBJECT: 'many' }],
  ])('rejects %j', (env) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
  });

  it('reads host, port and data directory', () => {
    const config = loadConfig({ KUBENOVA_HOST: '0.0.0.0', KUBENOVA_PORT: '9090', KUBENOVA_DATA_DIR: dir });
    expect(config).toMatchObject({ host: '0.0.0.0', port: 9090, dataDir: dir, store: { kind: 'embedded', dataDir: dir } });
  });
});

describe('the local HS256 secret', () => {
  it('is created once, mode 0600, and reused', async () => {
    const file = join(dir, 'gen', 'jwt-secret');
    const first = await loadHs256Secret({ createHs256SecretFile: true, hs256SecretFile: file });
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    const second = await loadHs256Secret({ createHs256SecretFile: true, hs256SecretFile: file });
    expect(Buffer.from(second!).equals(Buffer.from(first!))).toBe(true);
    expect(first!.length).toBeGreaterThanOrEqual(32);
  });

  it('is refused when others can read it, or when it is too short', async () => {
    const open = join(dir, 'open-secret');
    await writeFile(open, 'x'.repeat(40), { mode: 0o644 });
    await chmod(open, 0o644);
    await expect(loadHs256Secret({ createHs256SecretFile: false, hs256SecretFile: open })).rejects.toThrow(/chmod 600/);
    const short = join(dir, 'short-secret');
    await writeFile(short, 'x', { mode: 0o600 });
    await expect(loadHs256Secret({ createHs256SecretFile: false, hs256SecretFile: short })).rejects.toThrow(/at least/);
  });
});

describe('main.ts token', () => {
  const run = (args: string[], env: Record<string, string>) =>
    promisify(execFile)(process.execPath, ['--import', 'tsx', 'src/main.ts', ...args], {
      cwd: resolve(import.meta.dirname, '../..'),
      env: { ...process.env, ...env },
    });

  it('prints a token signed with the data directory secret, with the requested claims', async () => {
    const dataDir = join(dir, 'server-data');
    const { stdout } = await run(['token', '--role', 'tenant-admin', '--tenant', 'acme', '--tenant', 'globex', '--subject', 'alice', '--ttl', '2h'], {
      KUBENOVA_DATA_DIR: dataDir,
    });
    const secret = new Uint8Array(Buffer.from((await readFile(join(dataDir, 'jwt-secret'), 'utf8')).trim()));
    const principal = await createTokenVerifier({ hs256Secret: secret }).verify(stdout.trim());
    expect(principal).toEqual({ subject: 'alice', roles: ['tenant-admin'], tenants: ['acme', 'globex'] });
    const payload = JSON.parse(Buffer.from(stdout.split('.')[1]!, 'base64url').toString()) as { exp: number; iat: number };
    expect(payload.exp - payload.iat).toBe(7200);
  });

  it('refuses unknown roles and durations with exit code 2', async () => {
    for (const args of [['token', '--role', 'god'], ['token'], ['token', '--role', 'read-only', '--ttl', 'forever']]) {
      await expect(run(args, { KUBENOVA_DATA_DIR: join(dir, 'server-data') })).rejects.toMatchObject({ code: 2 });
    }
  });

  it('prints usage with --help', async () => {
    const { stdout } = await run(['--help'], {});
    expect(stdout).toContain('token --role');
    expect(stdout).toContain('KUBENOVA_DATABASE_URL');
  });
});
