// The real server process (src/main.ts) on the embedded store: everything written survives a
// clean stop (SIGTERM, exit code 0) and a start on the same data directory, secrets included;
// a second process is refused the directory while the first runs.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import type { Resource } from '../../src/domain/resource.js';
import { secretRefOf } from '../../src/domain/secret-refs.js';
import { loadHs256Secret } from '../../src/security/auth-keys.js';
import { mintToken } from '../../src/security/auth-token.js';
import { Keyring } from '../../src/security/keyring.js';
import { LOCK_FILE } from '../../src/store/data-dir-lock.js';
import { createStore } from '../../src/store/index.js';
import { apiClient } from '../support/api-client.js';
import { kubeconfigYaml } from '../support/kubeconfig.js';
import { launchServer, startServer } from '../support/server-process.js';
import { backends } from '../support/stores.js';

/** `main.ts` as an operator runs it, with only the data directory and port configured. */
const serverEnv = (dataDir: string) => ({ KUBENOVA_DATA_DIR: dataDir, KUBENOVA_HOST: '127.0.0.1', KUBENOVA_PORT: '0', KUBENOVA_LOG_LEVEL: 'warn' });
const start = (dataDir: string) => startServer({ env: serverEnv(dataDir) });

// Three server starts, one refused start and two in-process opens of the store.
test('objects and secrets survive a stop and a start of the server process', { timeout: 180_000 }, async () => {
  // A pre-initialised PGlite in a fresh data directory (initdb would take ~10 s).
  const { dataDir } = await backends.find((b) => b.name === 'embedded')!.fresh();
  const kubeconfig = kubeconfigYaml({ token: 'restart-test-cluster-token' });

  // The cluster and its kubeconfig are written as the API writes them (one transaction). Through
  // HTTP, registering a cluster needs a real cluster to register with.
  const seeding = await createStore({ kind: 'embedded', dataDir, keyring: await Keyring.loadOrCreate(join(dataDir, 'keyring.json')) });
  await seeding.objects.create({ kind: 'Cluster', name: 'prod', labels: { region: 'eu' }, spec: {}, secrets: { kubeconfig: Buffer.from(kubeconfig) } });
  await seeding.close();

  const first = await start(dataDir);
  const secret = await loadHs256Secret({ hs256SecretFile: join(dataDir, 'jwt-secret'), createHs256SecretFile: false });
  const token = await mintToken(secret!, { subject: 'admin', roles: ['platform-admin'], ttlSeconds: 600 });
  const call = apiClient(token);

  const writes: [string, unknown][] = [
    ['/policysets', { name: 'baseline', spec: { podSecurity: 'baseline' } }],
    ['/tenants', { name: 'acme', labels: { team: 'shop' }, spec: { placement: { clusters: ['prod'] }, policySets: ['baseline'] } }],
    ['/tenants/acme/projects', { name: 'acme-shop' }],
    ['/apps', { name: 'acme-web', spec: { project: 'acme-shop', components: [{ name: 'web', type: 'webservice', properties: { image: 'nginx' } }] } }],
  ];
  for (const [path, body] of writes) {
    const res = await call(first.url, 'POST', path, body);
    expect(res.status, JSON.stringify(res.body)).toBe(201);
  }
  const objects = ['/clusters/prod', '/policysets/baseline', '/tenants/acme', '/projects/acme-shop', '/apps/acme-web'];
  const before = await Promise.all(objects.map(async (path) => (await call(first.url, 'GET', path)).body));
  expect(before[0]).toMatchObject({ name: 'prod', labels: { region: 'eu' }, kubeconfig: { set: true, keyId: 'k1' } });

  // The data directory is this process's: a second server is refused it, naming the owner.
  const intruder = launchServer({ env: serverEnv(dataDir) });
  expect(await intruder.exited).toBe(1);
  expect(intruder.stderr()).toContain(`kubenova: data directory ${join(dataDir, 'pglite')} is in use by process ${first.pid}`);

  expect(await first.stop(), first.stderr()).toBe(0);
  expect(existsSync(join(dataDir, 'pglite', LOCK_FILE)), 'a clean stop releases the directory').toBe(false);

  const second = await start(dataDir);
  const after = await Promise.all(objects.map(async (path) => (await call(second.url, 'GET', path)).body));
  expect(after).toEqual(before);
  const list = await call(second.url, 'GET', '/tenants');
  expect((list.body.items as { name: string }[]).map((t) => t.name)).toEqual(['acme']);
  expect(await second.stop(), second.stderr()).toBe(0);

  // And the kubeconfig still decrypts, as a reconciler reads it.
  const reopened = await createStore({ kind: 'embedded', dataDir, keyring: await Keyring.fromFile(join(dataDir, 'keyring.json')) });
  try {
    const cluster = (await reopened.objects.get('Cluster', 'prod')) as Resource;
    expect((await reopened.secrets.get(secretRefOf(cluster, 'kubeconfig')!))?.toString()).toBe(kubeconfig);
  } finally {
    await reopened.close();
  }
});
