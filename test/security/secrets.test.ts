import { randomBytes } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, test, vi } from 'vitest';
import { EnvelopeError } from '../../src/security/envelope.js';
import { Keyring, KEYRING_FILE_ENV } from '../../src/security/keyring.js';
import { createStore, openStoreOn, type OpenedStore } from '../../src/store/factory.js';
import { SqlSecretStore } from '../../src/store/secrets.js';
import type { Database } from '../../src/store/sql.js';
import type { SecretRef } from '../../src/store/types.js';
import { backends, keyringFile, tempDir, testKeyring, type StoreBackend } from '../support/stores.js';

const kubeconfig = (name: string): SecretRef => ({ kind: 'Cluster', name, field: 'kubeconfig' });

async function cluster(store: OpenedStore, name: string, finalizers: string[] = []) {
  await store.objects.create({ kind: 'Cluster', name, spec: {}, finalizers });
}

/** A fresh store and a raw handle on its database (the same connection), to look under it. */
async function storeWithDatabase(backend: StoreBackend, keyring: Keyring = testKeyring()) {
  const db = await (await backend.fresh()).openDatabase();
  return { store: await openStoreOn(db, keyring), db };
}

/** Every regular file under `dir` (a running server's temp directories come and go). */
async function* files(dir: string): AsyncGenerator<string> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* files(path);
    else if (entry.isFile()) yield path;
  }
}

/** Which of the needles occur in any file under `dir`. */
async function foundIn(dir: string, needles: Buffer[]): Promise<Buffer[]> {
  const found = new Set<Buffer>();
  for await (const path of files(dir)) {
    const bytes = await readFile(path).catch(() => undefined); // files come and go under a running server
    if (bytes) for (const n of needles) if (bytes.includes(n)) found.add(n);
  }
  return [...found];
}

describe.each(backends)('secrets ($name)', (backend) => {
  // Most tests share one store, each on its own object names.
  let store: OpenedStore;
  let db: Database;
  beforeAll(async () => {
    ({ store, db } = await storeWithDatabase(backend));
  });
  afterAll(() => store?.close());

  test('put, get, describe, overwrite and remove', async () => {
    await cluster(store, 'east');
    const ref = kubeconfig('east');
    expect(await store.secrets.get(ref)).toBeUndefined();
    expect(await store.secrets.describe(ref)).toBeUndefined();

    await store.secrets.put(ref, Buffer.from('v1'));
    expect((await store.secrets.get(ref))?.toString()).toBe('v1');
    expect(await store.secrets.describe(ref)).toEqual({ keyId: 'k1', updatedAt: expect.any(String) });

    await store.secrets.put(ref, Buffer.from('v2'));
    expect((await store.secrets.get(ref))?.toString()).toBe('v2');
    expect(await store.secrets.get({ ...ref, field: 'token' }), 'fields are separate secrets').toBeUndefined();

    await store.secrets.remove(ref);
    expect(await store.secrets.get(ref)).toBeUndefined();
    await store.secrets.remove(ref); // removing what is gone is fine
  });

  test('a secret needs its object: NOT_FOUND otherwise', async () => {
    await expect(store.secrets.put(kubeconfig('nowhere'), Buffer.from('x'))).rejects.toMatchObject({
      name: 'StoreError',
      code: 'NOT_FOUND',
    });
  });

  test("hard deletion removes the object's secrets; a pending deletion keeps them for finalizers", async () => {
    await cluster(store, 'plain');
    await cluster(store, 'guarded', ['kubenova.io/uninstall']);
    for (const name of ['plain', 'guarded']) await store.secrets.put(kubeconfig(name), Buffer.from(name));

    await store.objects.delete('Cluster', 'plain');
    await store.objects.delete('Cluster', 'guarded');
    expect((await store.secrets.get(kubeconfig('guarded')))?.toString(), 'the uninstall finalizer still needs it').toBe('guarded');

    await store.objects.update('Cluster', 'guarded', { finalizers: [] });
    // A new object of the same name does not inherit the old one's secrets.
    for (const name of ['plain', 'guarded']) {
      await cluster(store, name);
      expect(await store.secrets.get(kubeconfig(name))).toBeUndefined();
    }
  });

  test('a tampered row fails to decrypt', async () => {
    await cluster(store, 'tampered');
    await store.secrets.put(kubeconfig('tampered'), Buffer.from('apiVersion: v1'));
    await db.query(`UPDATE secrets SET ciphertext = set_byte(ciphertext, 0, get_byte(ciphertext, 0) # 1) WHERE name = 'tampered'`);
    const err = await store.secrets.get(kubeconfig('tampered')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EnvelopeError);
    expect((err as Error).message).toBe(
      'secret of Cluster "tampered" field "kubeconfig": secret value failed authentication: tampered, or stored for another secret',
    );
  });

  test("a row copied onto another object's secret fails to decrypt", async () => {
    await cluster(store, 'victim');
    await cluster(store, 'attacker');
    await store.secrets.put(kubeconfig('victim'), Buffer.from('victim-admin-credentials'));
    await store.secrets.put(kubeconfig('attacker'), Buffer.from('attacker'));
    // Someone with database access copies the victim's encrypted row onto their own cluster.
    await db.query(
      `UPDATE secrets AS a SET key_id = v.key_id, wrapped_key = v.wrapped_key, iv = v.iv, tag = v.tag, ciphertext = v.ciphertext
       FROM secrets AS v WHERE a.name = 'attacker' AND v.name = 'victim'`,
    );
    await expect(store.secrets.get(kubeconfig('attacker'))).rejects.toThrow(EnvelopeError);
    expect((await store.secrets.get(kubeconfig('victim')))?.toString()).toBe('victim-admin-credentials');
  });

  test('reading a secret under a retired key names the secret and the missing key', async () => {
    await cluster(store, 'retired');
    await store.secrets.put(kubeconfig('retired'), Buffer.from('x'));
    const reader = new SqlSecretStore(db, Keyring.fromJson({ active: 'k9', keys: { k9: Keyring.generateKey() } }));
    await expect(reader.get(kubeconfig('retired'))).rejects.toThrow(
      'secret of Cluster "retired" field "kubeconfig": key "k1" is not in the keyring (it holds k9)',
    );
  });

  describe('on a store of its own', () => {
    const toClose: OpenedStore[] = [];
    afterEach(async () => {
      await Promise.all(toClose.splice(0).map((s) => s.close()));
    });

    test('rotation: re-wrap under k2 while readers keep reading, then retire k1', async () => {
      const [k1, k2] = [Keyring.generateKey(), Keyring.generateKey()];
      const path = join(await tempDir('keyring'), 'keyring.json');
      const keyring = await keyringFile(path, { active: 'k1', keys: { k1 } });
      const { store, db } = await storeWithDatabase(backend, keyring);
      toClose.push(store);
      const names = Array.from({ length: 25 }, (_, i) => `c${String(i).padStart(2, '0')}`);
      for (const name of names) {
        await cluster(store, name);
        await store.secrets.put(kubeconfig(name), Buffer.from(`config of ${name}`));
      }

      await keyringFile(path, { active: 'k2', keys: { k1, k2 } });
      await keyring.reload();
      await store.secrets.put(kubeconfig('c00'), Buffer.from('config of c00')); // new writes use k2 at once

      // Small batches, so rotation takes several transactions while reads go on.
      const rotating = new SqlSecretStore(db, keyring, 4);
      const reads = Promise.all(names.flatMap((n) => [store.secrets.get(kubeconfig(n)), store.secrets.get(kubeconfig(n))]));
      const [rewrapped, values] = await Promise.all([rotating.rewrapAll(), reads]);
      expect(rewrapped, 'c00, already under k2, is skipped').toBe(24);
      expect(values.map((v) => v?.toString())).toEqual(names.flatMap((n) => [`config of ${n}`, `config of ${n}`]));

      const keyIds = await db.query<{ key_id: string; n: number }>('SELECT key_id, count(*)::int AS n FROM secrets GROUP BY key_id');
      expect(keyIds).toEqual([{ key_id: 'k2', n: 25 }]);
      expect(await store.secrets.rewrapAll(), 'nothing left to re-wrap').toBe(0);

      await keyringFile(path, { active: 'k2', keys: { k2 } });
      await keyring.reload();
      for (const name of names) {
        expect((await store.secrets.get(kubeconfig(name)))?.toString()).toBe(`config of ${name}`);
        expect((await store.secrets.describe(kubeconfig(name)))?.keyId).toBe('k2');
      }
    });

    test('the plaintext never reaches the database files', async () => {
      const loc = await backend.fresh();
      const store = await createStore(loc.config(testKeyring()));
      const secret = Buffer.from(`kubenova-plaintext-canary-${randomBytes(12).toString('hex')}`);
      // Positive control: a marker in a plain (unencrypted) column must be found by the same scan.
      const marker = `kubenova-spec-marker-${randomBytes(12).toString('hex')}`;
      await store.objects.create({ kind: 'Cluster', name: 'canary', spec: { marker } });
      await store.secrets.put(kubeconfig('canary'), secret);
      if (backend.name === 'postgres') {
        // Write shared buffers out to the data files (the WAL already holds every commit).
        const raw = await loc.openDatabase();
        await raw.query('CHECKPOINT');
        await raw.close();
      }
      await store.close(); // PGlite checkpoints as it shuts down

      const needles = [secret, Buffer.from(secret.toString('base64')), Buffer.from(secret.toString('hex')), Buffer.from(marker)];
      const found = await foundIn(loc.dataDir, needles);
      expect(found.map(String), 'only the plain marker is in the files').toEqual([marker]);
    });
  });
});

describe('the embedded default keyring', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  test('is created (mode 0600) in the data directory on first start and reused after', async () => {
    vi.stubEnv(KEYRING_FILE_ENV, '');
    const loc = await backends.find((b) => b.name === 'embedded')!.fresh();
    const first = await createStore(loc.config());
    await cluster(first, 'east');
    await first.secrets.put(kubeconfig('east'), Buffer.from('x'));
    await first.close();

    const file = join(loc.dataDir, 'keyring.json');
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    const second = await createStore(loc.config());
    try {
      expect(second.keyring.path).toBe(file);
      expect((await second.secrets.get(kubeconfig('east')))?.toString()).toBe('x');
    } finally {
      await second.close();
    }
  });

  test('a postgres store without a keyring is refused before connecting', async () => {
    vi.stubEnv(KEYRING_FILE_ENV, '');
    await expect(createStore({ kind: 'postgres', url: 'postgres://nowhere.invalid/db' })).rejects.toThrow(
      /postgres store needs a keyring: set KUBENOVA_KEYRING_FILE/,
    );
  });
});
