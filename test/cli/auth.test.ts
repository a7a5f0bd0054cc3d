// login / logout / whoami run fully locally: no server needed.
import { chmod, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { EXIT } from '../../src/cli/errors.js';
import { fakeJwt, kubenova } from './io.js';

let dir: string;
let env: Record<string, string>;
const now = new Date('2026-03-01T10:00:00Z');
const exp = Math.floor(now.getTime() / 1000) + 3600;
const token = fakeJwt({ sub: 'alice', roles: ['tenant-admin'], tenants: ['acme', 'beta'], iss: 'kubenova', exp });

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kubenova-cli-auth-'));
  env = { HOME: dir, KUBENOVA_CONFIG: join(dir, 'kn', 'config.json') };
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('login', () => {
  it('stores server and token with mode 0600 and never echoes the token', async () => {
    const r = await kubenova(env, ['login', '--server', 'https://kn.example/api/v1/', '--token', token], { now });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Logged in to https://kn.example as alice');
    expect(r.stdout + r.stderr).not.toContain(token);
    const path = env.KUBENOVA_CONFIG!;
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect(JSON.parse(await readFile(path, 'utf8'))).toEqual({ server: 'https://kn.example', token });
  });

  it('reads the token from stdin and keeps the stored server when --server is omitted', async () => {
    await kubenova(env, ['login', '--server', 'https://kn.example', '--token', token], { now });
    const other = fakeJwt({ sub: 'bob', exp });
    const r = await kubenova(env, ['login', '--token-stdin'], { stdin: `${other}\n`, now });
    expect(r.code).toBe(0);
    expect(JSON.parse(await readFile(env.KUBENOVA_CONFIG!, 'utf8'))).toEqual({ server: 'https://kn.example', token: other });
  });

  it('warns about plain http to a remote host and about expired tokens', async () => {
    const expired = fakeJwt({ sub: 'alice', exp: Math.floor(now.getTime() / 1000) - 60 });
    const r = await kubenova(env, ['login', '--server', 'http://kn.example', '--token', expired], { now });
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/plain http/);
    expect(r.stderr).toMatch(/already expired/);
  });

  it('rejects what is not a JWT, and a missing server, as usage errors', async () => {
    const notJwt = await kubenova(env, ['login', '--server', 'https://kn.example', '--token', 'secret-value'], { now });
    expect(notJwt.code).toBe(EXIT.usage);
    expect(notJwt.stderr).not.toContain('secret-value');
    const noServer = await kubenova(env, ['login', '--token', token], { now });
    expect(noServer.code).toBe(EXIT.usage);
    expect(noServer.stderr).toMatch(/--server is required/);
  });

  it('logout removes the token but keeps the server', async () => {
    await kubenova(env, ['login', '--server', 'https://kn.example', '--token', token], { now });
    expect((await kubenova(env, ['logout'])).code).toBe(0);
    expect(JSON.parse(await readFile(env.KUBENOVA_CONFIG!, 'utf8'))).toEqual({ server: 'https://kn.example' });
    const who = await kubenova(env, ['whoami']);
    expect(who.code).toBe(EXIT.auth);
  });
});

describe('whoami', () => {
  it('decodes subject, roles, tenants and expiry locally', async () => {
    await kubenova(env, ['login', '--server', 'https://kn.example', '--token', token], { now });
    const r = await kubenova(env, ['whoami'], { now });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Subject:\s+alice/);
    expect(r.stdout).toMatch(/Roles:\s+tenant-admin/);
    expect(r.stdout).toMatch(/Tenants:\s+acme, beta/);
    expect(r.stdout).toMatch(/Expires:\s+2026-03-01T11:00:00.000Z \(in 60m\)/);
    expect(r.stdout).not.toContain(token);
  });

  it('prefers KUBENOVA_TOKEN/KUBENOVA_SERVER and prints json or yaml', async () => {
    const envOnly = { ...env, KUBENOVA_SERVER: 'http://127.0.0.1:9', KUBENOVA_TOKEN: fakeJwt({ sub: 'ci', roles: 'read-only' }) };
    const r = await kubenova(envOnly, ['whoami', '-o', 'json'], { now });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({
      server: 'http://127.0.0.1:9',
      subject: 'ci',
      roles: ['read-only'],
      tenants: [],
      expired: false,
      tokenSource: 'KUBENOVA_TOKEN',
    });
    const y = await kubenova(envOnly, ['whoami', '-o', 'yaml'], { now });
    expect((YAML.parse(y.stdout) as { subject: string }).subject).toBe('ci');
  });

  it('fails with exit 4 when not logged in', async () => {
    const r = await kubenova(env, ['whoami']);
    expect(r.code).toBe(EXIT.auth);
    expect(r.stderr).toMatch(/kubenova login/);
  });

  it('warns when the config file is readable by others', async () => {
    await kubenova(env, ['login', '--server', 'https://kn.example', '--token', token], { now });
    await chmod(env.KUBENOVA_CONFIG!, 0o644);
    const r = await kubenova(env, ['whoami'], { now });
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/chmod 600/);
  });
});

describe('usage errors exit with 2', () => {
  const cases: Array<{ argv: string[]; error: RegExp; reason: string }> = [
    { argv: [], error: /Usage: kubenova/, reason: 'no command' },
    { argv: ['frobnicate'], error: /unknown command/, reason: 'unknown command' },
    { argv: ['get'], error: /missing required argument 'kind'/, reason: 'missing kind' },
    { argv: ['get', 'pods'], error: /unknown resource kind "pods"/, reason: 'unknown kind' },
    { argv: ['get', 'tenants', '--limit', '0'], error: /positive integer/, reason: 'bad limit' },
    { argv: ['get', 'tenants', '-o', 'xml'], error: /unknown output format/, reason: 'bad format' },
    { argv: ['apply'], error: /required option '-f, --filename/, reason: 'apply without -f' },
    { argv: ['create', 'cluster', 'a'], error: /--kubeconfig-file/, reason: 'cluster without kubeconfig' },
    { argv: ['issue-kubeconfig', 'tenant', 'acme', '--cluster', 'a', '--role', 'root'], error: /Allowed choices are view, edit, admin/, reason: 'bad role' },
    { argv: ['issue-kubeconfig', 'namespace', 'x', '--cluster', 'a'], error: /scope must be/, reason: 'bad scope' },
    { argv: ['issue-kubeconfig', 'tenant', 'acme', '--cluster', 'a', '--ttl', 'soon'], error: /--ttl must be a duration/, reason: 'bad ttl' },
    { argv: ['get', 'tenants', 'a', 'b'], error: /too many arguments/, reason: 'excess arguments' },
  ];
  it.each(cases)('$reason', async ({ argv, error }) => {
    // A server and token are set so that only the usage is wrong; nothing is reachable there.
    const r = await kubenova({ ...env, KUBENOVA_SERVER: 'http://127.0.0.1:9', KUBENOVA_TOKEN: token }, argv);
    expect(r.stderr).toMatch(error);
    expect(r.code).toBe(EXIT.usage);
  });

  it('--help exits 0 and lists the kinds', async () => {
    const r = await kubenova(env, ['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/kubeconfiggrants\s+kubeconfiggrant, kcg/);
  });

  it('an unreachable server is a general error naming the server', async () => {
    const r = await kubenova({ ...env, KUBENOVA_SERVER: 'http://127.0.0.1:9', KUBENOVA_TOKEN: token }, ['get', 'tenants']);
    expect(r.code).toBe(EXIT.general);
    expect(r.stderr).toMatch(/cannot reach http:\/\/127.0.0.1:9/);
    expect(r.stderr).not.toContain(token);
  });
});

describe('files the CLI writes', () => {
  it('never follows a world-readable pre-existing kubeconfig file mode', async () => {
    const { writePrivateFile } = await import('../../src/cli/commands/access.js');
    const path = join(dir, 'out.kubeconfig');
    await writeFile(path, 'old');
    await chmod(path, 0o644);
    await writePrivateFile(path, 'apiVersion: v1\n');
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect(await readFile(path, 'utf8')).toBe('apiVersion: v1\n');
  });
});
