// The CLI against a real KubeNova server (buildServer + the embedded store), run in-process
// through the same `run()` as the `kubenova` binary.
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { EXIT } from '../../src/cli/errors.js';
import { Keyring } from '../../src/security/keyring.js';
import { kubenova } from './io.js';
import { kubeconfigB64, kubeconfigYaml } from '../support/kubeconfig.js';
import { startServer, type TestServer } from './server.js';

let server: TestServer;
let admin: Record<string, string>;
const CLUSTER_SECRET = 'cluster-admin-token-must-never-be-printed';
const KUBECONFIG_B64 = kubeconfigB64({ token: CLUSTER_SECRET });

beforeAll(async () => {
  server = await startServer();
  admin = server.env(await server.token({ roles: ['platform-admin'], subject: 'admin' }));
});
afterAll(async () => {
  await server?.close();
});

const cli = (argv: string[], env = admin, stdin?: string) => kubenova(env, argv, { stdin });
const file = async (name: string, content: string) => {
  const path = join(server.dir, name);
  await writeFile(path, content);
  return path;
};
/** Table rows as cells (columns are separated by at least two spaces). */
const rows = (table: string) =>
  table
    .trimEnd()
    .split('\n')
    .map((l) => l.split(/\s{2,}/));

describe('platform setup: clusters, tenants, projects', () => {
  it('login stores the server; an empty list says so on stderr', async () => {
    const env = { HOME: server.dir, KUBENOVA_CONFIG: join(server.dir, 'login.json') };
    const login = await kubenova(env, ['login', '--server', server.url, '--token-stdin'], { stdin: admin.KUBENOVA_TOKEN });
    expect(login.code).toBe(0);
    const r = await kubenova(env, ['get', 'tenants']);
    expect(r).toMatchObject({ code: 0, stdout: '', stderr: 'No tenants found.\n' });
  });

  it('registers a cluster from a kubeconfig file and never shows the kubeconfig', async () => {
    const kc = await file('prod-a.kubeconfig', kubeconfigYaml({ token: CLUSTER_SECRET }));
    const created = await cli(['create', 'cluster', 'prod-a', '--kubeconfig-file', kc, '--label', 'region=eu-west']);
    expect(created).toMatchObject({ code: 0, stdout: 'cluster/prod-a created\n' });

    const json = await cli(['get', 'cl', 'prod-a', '-o', 'json']);
    const obj: unknown = JSON.parse(json.stdout);
    expect(obj).toMatchObject({ kind: 'Cluster', name: 'prod-a', labels: { region: 'eu-west' }, kubeconfig: { set: true } });
    const table = await cli(['get', 'clusters']);
    expect(rows(table.stdout)[0]).toEqual(['NAME', 'PHASE', 'CAPSULE-PROXY', 'CAPABILITIES', 'LABELS', 'GEN/OBSERVED', 'AGE']);
    expect(rows(table.stdout)[1]).toEqual(['prod-a', 'Pending', '<none>', '<none>', 'region=eu-west', '1/0', expect.stringMatching(/^\d+s$/)]);
    for (const r of [created, json, table]) expect(r.stdout + r.stderr).not.toContain(KUBECONFIG_B64);
    for (const r of [created, json, table]) expect(r.stdout + r.stderr).not.toContain(CLUSTER_SECRET);
  });

  it("creates from the seed's JSON cluster body on stdin", async () => {
    const body = JSON.stringify({ name: 'prod-b', kubeconfig: KUBECONFIG_B64, labels: { region: 'us-east' } });
    const r = await cli(['create', 'cluster', '-f', '-'], admin, body);
    expect(r).toMatchObject({ code: 0, stdout: 'cluster/prod-b created\n' });
    expect((await cli(['get', 'clusters', '-l', 'region=us-east', '-o', 'name'])).stdout).toBe('cluster/prod-b\n');
  });

  it('creates a tenant from YAML and shows it as a table', async () => {
    const path = await file(
      'acme.yaml',
      YAML.stringify({
        kind: 'Tenant',
        name: 'acme',
        labels: { team: 'shop' },
        spec: { owners: [{ kind: 'User', name: 'alice' }], placement: { clusters: ['prod-a'] } },
      }),
    );
    expect(await cli(['create', '-f', path])).toMatchObject({ code: 0, stdout: 'tenant/acme created\n' });
    const r = await cli(['get', 'tn']);
    expect(rows(r.stdout)).toEqual([
      ['NAME', 'PHASE', 'OWNERS', 'CLUSTERS', 'GEN/OBSERVED', 'AGE'],
      ['acme', 'Pending', 'alice', 'prod-a', '1/0', expect.stringMatching(/^\d+s$/)],
    ]);
  });

  it('creates projects inside a tenant, by flag or from the file', async () => {
    expect(await cli(['create', 'project', 'acme-shop', '--tenant', 'acme'])).toMatchObject({ code: 0, stdout: 'project/acme-shop created\n' });
    const path = await file('proj.yaml', YAML.stringify({ name: 'acme-shop-staging', spec: { tenant: 'acme', description: 'staging' } }));
    expect(await cli(['create', 'proj', '-f', path])).toMatchObject({ code: 0, stdout: 'project/acme-shop-staging created\n' });
    const list = await cli(['get', 'projects', '--tenant', 'acme']);
    expect(rows(list.stdout).map((r) => r.slice(0, 3))).toEqual([
      ['NAME', 'TENANT', 'PHASE'],
      ['acme-shop', 'acme', 'Pending'],
      ['acme-shop-staging', 'acme', 'Pending'],
    ]);
    expect((await cli(['get', 'project', 'acme-shop', '--tenant', 'acme', '-o', 'name'])).stdout).toBe('project/acme-shop\n');
  });

  it('creates an app and lists it by tenant and by project', async () => {
    const app = {
      kind: 'App',
      name: 'acme-web',
      spec: { project: 'acme-shop', components: [{ name: 'web', type: 'webservice', properties: { image: 'nginx' } }] },
    };
    expect(await cli(['create', '-f', await file('web.json', JSON.stringify(app))])).toMatchObject({ code: 0, stdout: 'app/acme-web created\n' });
    for (const scope of [
      ['--tenant', 'acme'],
      ['--project', 'acme-shop'],
    ]) {
      const r = await cli(['get', 'apps', ...scope]);
      expect(rows(r.stdout)[1]!.slice(0, 5)).toEqual(['acme-web', 'acme', 'Pending', 'acme-shop', 'web']);
    }
    expect((await cli(['get', 'apps', '--project', 'acme-shop-staging'])).stderr).toBe('No apps found.\n');
  });
});

describe('apply and update', () => {
  it('apply creates, then reports unchanged, then configured (bumping the generation)', async () => {
    const docs = (owners: string[]) =>
      [
        { kind: 'PolicySet', name: 'baseline', spec: { podSecurity: 'baseline' } },
        { kind: 'Tenant', name: 'beta', spec: { owners: owners.map((name) => ({ kind: 'User', name })) } },
      ]
        .map((d) => YAML.stringify(d))
        .join('---\n');
    const path = await file('bundle.yaml', docs(['bob']));
    expect(await cli(['apply', '-f', path])).toMatchObject({ code: 0, stdout: 'policyset/baseline created\ntenant/beta created\n' });
    expect(await cli(['apply', '-f', path])).toMatchObject({ code: 0, stdout: 'policyset/baseline unchanged\ntenant/beta unchanged\n' });
    await writeFile(path, docs(['bob', 'carol']));
    expect(await cli(['apply', '-f', path])).toMatchObject({ code: 0, stdout: 'policyset/baseline unchanged\ntenant/beta configured\n' });
    const beta: unknown = JSON.parse((await cli(['get', 'tenant', 'beta', '-o', 'json'])).stdout);
    expect(beta).toMatchObject({ generation: 2, spec: { owners: [{ name: 'bob' }, { name: 'carol' }] } });
  });

  it('re-applies `get -o yaml` output unchanged, including a cluster with its write-only kubeconfig', async () => {
    for (const what of [
      ['tenant', 'acme'],
      ['cluster', 'prod-a'],
      ['app', 'acme-web'],
      ['project', 'acme-shop'],
    ]) {
      const yaml = (await cli(['get', ...what, '-o', 'yaml'])).stdout;
      const r = await cli(['apply', '-f', '-'], admin, yaml);
      expect({ ...r, what }).toMatchObject({ code: 0, stdout: `${what.join('/')} unchanged\n`, stderr: '' });
    }
  });

  it('re-applies a cluster with the very kubeconfig it has: unchanged, no new generation', async () => {
    const manifest = JSON.stringify({ kind: 'Cluster', name: 'prod-b', kubeconfig: KUBECONFIG_B64, labels: { region: 'us-east' } });
    expect(await cli(['apply', '-f', '-'], admin, manifest)).toMatchObject({ code: 0, stdout: 'cluster/prod-b unchanged\n' });
    const other = JSON.stringify({ kind: 'Cluster', name: 'prod-b', kubeconfig: kubeconfigB64({ token: 'rotated' }), labels: { region: 'us-east' } });
    expect(await cli(['apply', '-f', '-'], admin, other)).toMatchObject({ code: 0, stdout: 'cluster/prod-b configured\n' });
    expect((JSON.parse((await cli(['get', 'cl', 'prod-b', '-o', 'json'])).stdout) as { generation: number }).generation).toBe(2);
  });

  it('update replaces labels and spec with If-Match from a fresh GET', async () => {
    const path = await file('baseline.yaml', YAML.stringify({ labels: { tier: 'gold' }, spec: { podSecurity: 'restricted' } }));
    expect(await cli(['update', 'ps', 'baseline', '-f', path])).toMatchObject({ code: 0, stdout: 'policyset/baseline updated\n' });
    const got: unknown = JSON.parse((await cli(['get', 'ps', 'baseline', '-o', 'json'])).stdout);
    expect(got).toMatchObject({ labels: { tier: 'gold' }, spec: { podSecurity: 'restricted' }, generation: 2 });
  });

  it('update with a stale --resource-version fails with CONFLICT', async () => {
    const path = await file('stale.yaml', YAML.stringify({ spec: { podSecurity: 'privileged' } }));
    const r = await cli(['update', 'ps', 'baseline', '-f', path, '--resource-version', '1']);
    expect(r.code).toBe(EXIT.general);
    expect(r.stderr).toMatch(/^Error from server \(CONFLICT\): .*get it again and retry/);
  });

  it('update rejects a file naming another object', async () => {
    const path = await file('other.yaml', YAML.stringify({ name: 'other', spec: {} }));
    const r = await cli(['update', 'ps', 'baseline', '-f', path]);
    expect(r.code).toBe(EXIT.usage);
  });
});

describe('lists', () => {
  beforeAll(async () => {
    for (let i = 1; i <= 5; i++) {
      const r = await cli(['create', 'ps', `page-${i}`, '--label', `tier=${i % 2 ? 'odd' : 'even'}`]);
      expect(r.code).toBe(0);
    }
  });

  it('follows nextCursor until the last page', async () => {
    const r = await cli(['get', 'ps', '-l', 'tier in (odd,even)', '--chunk-size', '2', '-o', 'name']);
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(r.stdout.trim().split('\n')).toEqual(['policyset/page-1', 'policyset/page-2', 'policyset/page-3', 'policyset/page-4', 'policyset/page-5']);
  });

  it('--limit returns one page and says how to continue', async () => {
    const first = await cli(['get', 'ps', '-l', 'tier in (odd,even)', '--limit', '2', '-o', 'name']);
    expect(first.stdout).toBe('policyset/page-1\npolicyset/page-2\n');
    const cursor = /--cursor (\S+)/.exec(first.stderr)?.[1];
    expect(cursor).toBeDefined();
    const rest = await cli(['get', 'ps', '-l', 'tier in (odd,even)', '--cursor', cursor!, '-o', 'name']);
    expect(rest.stdout).toBe('policyset/page-3\npolicyset/page-4\npolicyset/page-5\n');
  });

  it('passes label selectors to the server', async () => {
    const r = await cli(['get', 'ps', '-l', 'tier=even', '-o', 'yaml']);
    expect((YAML.parse(r.stdout) as { items: { name: string }[] }).items.map((o) => o.name)).toEqual(['page-2', 'page-4']);
    const bad = await cli(['get', 'ps', '-l', 'a in (']);
    expect(bad.code).toBe(EXIT.general);
    expect(bad.stderr).toMatch(/^Error from server \(VALIDATION_FAILED\)/);
    expect(bad.stderr).toMatch(/query\/labelSelector/);
  });
});

describe('delete', () => {
  it('deletes several objects and then reports them not found (exit 3)', async () => {
    expect(await cli(['delete', 'ps', 'page-4', 'page-5'])).toMatchObject({ code: 0, stdout: 'policyset/page-4 deleted\npolicyset/page-5 deleted\n' });
    const r = await cli(['get', 'ps', 'page-4']);
    expect(r.code).toBe(EXIT.notFound);
    expect(r.stderr).toMatch(/^Error from server \(NOT_FOUND\): PolicySet "page-4" not found\n {2}request id: \S+\n$/);
  });

  it('keeps going after one failure and exits with the first error', async () => {
    const r = await cli(['delete', 'ps', 'nope', 'page-3']);
    expect(r.code).toBe(EXIT.notFound);
    expect(r.stdout).toBe('policyset/page-3 deleted\n');
    expect(r.stderr).toMatch(/NOT_FOUND.*"nope"/);
  });

  it('refuses to delete a tenant that still has projects', async () => {
    const r = await cli(['delete', 'tenant', 'acme']);
    expect(r.code).toBe(EXIT.general);
    expect(r.stderr).toMatch(/^Error from server \(HAS_DEPENDENTS\): tenant "acme" still has projects/);
  });
});

describe('errors from the server', () => {
  it('prints validation details field by field', async () => {
    const path = await file('bad-tenant.yaml', YAML.stringify({ name: 'gamma', spec: { owners: [{ kind: 'Robot', name: 'x' }], bogus: 1 } }));
    const r = await cli(['create', 'tenant', '-f', path]);
    expect(r.code).toBe(EXIT.general);
    expect(r.stderr).toMatch(/^Error from server \(VALIDATION_FAILED\): /);
    expect(r.stderr).toMatch(/ {2}- body\/spec\/bogus: unknown field/);
  });

  it('ALREADY_EXISTS on create is an error (apply is the idempotent verb)', async () => {
    const r = await cli(['create', 'ps', 'baseline']);
    expect(r.code).toBe(EXIT.general);
    expect(r.stderr).toMatch(/ALREADY_EXISTS/);
  });

  it('an invalid or expired token exits 4 and is never printed', async () => {
    const expired = await server.token({ roles: ['platform-admin'], ttlSeconds: -3600 });
    for (const token of [expired, 'not-a-jwt']) {
      const r = await cli(['get', 'tenants'], server.env(token));
      expect(r.code).toBe(EXIT.auth);
      expect(r.stderr).toMatch(/^Error from server \(UNAUTHENTICATED\)/);
      expect(r.stderr).not.toContain(token);
    }
  });

  it("a tenant's token: forbidden platform writes exit 4, other tenants' objects are not found (exit 3)", async () => {
    const dev = server.env(await server.token({ roles: ['tenant-dev'], tenants: ['beta'], subject: 'dana' }));
    const kc = await file('x.kubeconfig', kubeconfigYaml({ token: 'x' }));
    const forbidden = await cli(['create', 'cluster', 'evil', '--kubeconfig-file', kc], dev);
    expect(forbidden.code).toBe(EXIT.auth);
    expect(forbidden.stderr).toMatch(/FORBIDDEN/);
    expect((await cli(['get', 'tenant', 'acme'], dev)).code).toBe(EXIT.notFound);
    expect((await cli(['get', 'tenants', '-o', 'name'], dev)).stdout).toBe('tenant/beta\n');
    const who = await cli(['whoami'], dev);
    expect(who.stdout).toMatch(/Subject:\s+dana\nRoles:\s+tenant-dev\nTenants:\s+beta/);
  });
});

describe('custom methods', () => {
  it('rollout and rollback reach the app routes', async () => {
    const missing = await cli(['rollout', 'nope']);
    expect(missing.code).toBe(EXIT.notFound);
    expect(missing.stderr).toMatch(/App "nope" not found/);
    const rollback = await cli(['rollback', 'nope', '--revision', '1', '--reason', 'bad deploy']);
    expect(rollback.code).toBe(EXIT.notFound);
    // An existing app's rollout, before any cluster reported: Pending, nothing per cluster.
    const view = await cli(['rollout', 'acme-web', '-o', 'json']);
    expect(view.code, view.stderr).toBe(0);
    expect(JSON.parse(view.stdout)).toMatchObject({ app: 'acme-web', phase: 'Pending', clusters: {} });
  });

  it('issue-kubeconfig sends the grant request; a refusal writes no file', async () => {
    const out = join(server.dir, 'acme.kubeconfig');
    const outside = await cli(['issue-kubeconfig', 'tenant', 'acme', '--cluster', 'prod-b', '--ttl', '1h', '--role', 'view', '-o', out]);
    expect(outside.code).toBe(EXIT.general);
    expect(outside.stderr).toMatch(/UNPROCESSABLE.*cluster "prod-b" is not in the placement of tenant "acme"/);
    expect(outside.stderr).toMatch(/ {2}- body\/cluster: /);

    const badNs = await cli(['issue-kubeconfig', 'project', 'acme-shop', '--cluster', 'prod-a', '--namespace', 'acme-shop-staging', '-o', out]);
    expect(badNs.stderr).toMatch(/VALIDATION_FAILED/);
    expect(badNs.stderr).toMatch(/namespaces: a project grant covers only its own project/);

    const ttlTooShort = await cli(['issue-kubeconfig', 'tenant', 'acme', '--cluster', 'prod-a', '--ttl', '60s', '-o', out]);
    expect(ttlTooShort.stderr).toMatch(/body\/ttlSeconds/);

    // Accepted by admission; issuing itself arrives with the grant reconciler (501 until then).
    const ok = await cli(['issue-kubeconfig', 'tenant', 'acme', '--cluster', 'prod-a', '--ttl', '2h', '--role', 'edit', '--namespace', 'acme-shop', '-o', out]);
    expect(ok.stderr).toMatch(/^Error from server \(NOT_IMPLEMENTED\)/);
    expect(existsSync(out)).toBe(false);
  });
});

describe('keys rotate', () => {
  it('adopts the edited keyring file and re-wraps every secret; a bad file is a server error with what to fix', async () => {
    const path = server.store.keyring.path!;
    const doc = JSON.parse(await readFile(path, 'utf8')) as { active: string; keys: Record<string, string> };
    await writeFile(path, JSON.stringify({ active: 'k9', keys: doc.keys }));
    const bad = await cli(['keys', 'rotate']);
    expect(bad.code).toBe(EXIT.general);
    expect(bad.stderr).toMatch(/^Error from server \(KEYRING_INVALID\): the keyring file is refused: active key "k9" is not among the keys/);

    await writeFile(path, JSON.stringify({ active: 'k2', keys: { ...doc.keys, k2: Keyring.generateKey() } }));
    const rotated = await cli(['keys', 'rotate']);
    expect(rotated).toMatchObject({ code: 0, stderr: '' });
    expect(rotated.stdout).toMatch(/^Keys rotated: active key k2, [1-9]\d* secret\(s\) re-wrapped\n$/);
    expect((JSON.parse((await cli(['get', 'cl', 'prod-a', '-o', 'json'])).stdout) as { kubeconfig: unknown }).kubeconfig).toMatchObject({
      set: true,
      keyId: 'k2',
    });
    expect(JSON.parse((await cli(['keys', 'rotate', '-o', 'json'])).stdout)).toEqual({ activeKeyId: 'k2', rewrapped: 0 });
  });

  it('is for platform admins only', async () => {
    const tenantAdmin = server.env(await server.token({ roles: ['tenant-admin'], tenants: ['acme'] }));
    const r = await cli(['keys', 'rotate'], tenantAdmin);
    expect(r.code).toBe(EXIT.auth);
    expect(r.stderr).toMatch(/^Error from server \(FORBIDDEN\): tenant-admin: may not rotate-keys/);
  });
});

describe('the kubenova binary', () => {
  it('exits with the command exit code and writes to stdout/stderr', async () => {
    const { execFile } = await import('node:child_process');
    const runBin = (args: string[]) =>
      new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
        execFile(
          process.execPath,
          ['--import', 'tsx', 'src/cli/main.ts', ...args],
          { env: { ...process.env, ...admin }, cwd: process.cwd() },
          (err, stdout, stderr) => resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
        );
      });
    const ok = await runBin(['get', 'tenants', '-o', 'json']);
    expect(ok.code).toBe(0);
    expect((JSON.parse(ok.stdout) as { items: { name: string }[] }).items.map((t) => t.name)).toEqual(['acme', 'beta']);
    const missing = await runBin(['get', 'tenant', 'nope']);
    expect(missing).toMatchObject({ code: EXIT.notFound, stdout: '' });
    expect(missing.stderr).toMatch(/NOT_FOUND/);
    expect(await readFile(join(server.dir, 'config.json'), 'utf8').catch(() => 'absent')).toBe('absent');
  });
});
