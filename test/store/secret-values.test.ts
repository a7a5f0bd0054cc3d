// Objects written together with their secret values (a cluster and its kubeconfig): one
// transaction, values referenced from the spec by a keyed digest, equal values a no-op.
import { createHash, randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Resource } from '../../src/domain/resource.js';
import { SECRET_REFS, secretRefOf, secretRefsOf } from '../../src/domain/secret-refs.js';
import { Keyring } from '../../src/security/keyring.js';
import { openStoreOn, type OpenedStore } from '../../src/store/factory.js';
import type { Database } from '../../src/store/sql.js';
import type { ChangeEvent } from '../../src/store/types.js';
import { backends, keyringFile, tempDir } from '../support/stores.js';

const value = (text: string) => Buffer.from(text);

describe.each(backends)('secret values written with their object ($name)', (backend) => {
  let store: OpenedStore;
  let db: Database;
  let keyringPath: string;
  const [k1, k2] = [Keyring.generateKey(), Keyring.generateKey()];
  beforeAll(async () => {
    keyringPath = join(await tempDir('keyring'), 'keyring.json');
    db = await (await backend.fresh()).openDatabase();
    store = await openStoreOn(db, await keyringFile(keyringPath, { active: 'k1', keys: { k1 } }));
  });
  afterAll(() => store?.close());

  const uniqueName = (prefix: string) => `${prefix}-${randomUUID().slice(0, 8)}`;
  const read = async (obj: Pick<Resource<unknown>, 'kind' | 'name' | 'spec'>) => (await store.secrets.get(secretRefOf(obj, 'kubeconfig')!))?.toString();
  const rowsOf = async (name: string) =>
    (await db.query<{ field: string }>(`SELECT field FROM secrets WHERE kind = 'Cluster' AND name = $1`, [name])).map((r) => r.field);

  /** Events about `name` published while `fn` runs. */
  async function eventsDuring(name: string, fn: () => Promise<unknown>): Promise<ChangeEvent[]> {
    const seen: ChangeEvent[] = [];
    const stop = store.objects.onChange((e) => e.name === name && seen.push(e));
    try {
      await fn().catch(() => undefined);
    } finally {
      stop();
    }
    return seen;
  }

  test('create stores the object and its values; the spec names where each value is', async () => {
    const name = uniqueName('c');
    const created = await store.objects.create({ kind: 'Cluster', name, spec: { region: 'eu' }, secrets: { kubeconfig: value('v1') } });
    expect(created.generation).toBe(1);
    expect(Object.keys(secretRefsOf(created.spec))).toEqual(['kubeconfig']);
    expect(await store.objects.get('Cluster', name)).toEqual(created);
    expect(await read(created)).toBe('v1');
    expect(await rowsOf(name)).toEqual([secretRefsOf(created.spec).kubeconfig]);
  });

  test('writing the value a field already has changes nothing: no version, no generation, no event', async () => {
    const name = uniqueName('c');
    const created = await store.objects.create({ kind: 'Cluster', name, spec: { region: 'eu' }, secrets: { kubeconfig: value('same') } });
    let again: Resource<unknown> | undefined;
    const events = await eventsDuring(name, async () => {
      again = await store.objects.update('Cluster', name, { spec: { region: 'eu' }, secrets: { kubeconfig: value('same') } });
    });
    expect(again).toEqual(created);
    expect(events).toEqual([]);
    // A label change is a write, but still not a new generation.
    const relabeled = await store.objects.update('Cluster', name, { labels: { a: 'b' }, spec: { region: 'eu' }, secrets: { kubeconfig: value('same') } });
    expect(relabeled.generation).toBe(1);
    expect(secretRefsOf(relabeled.spec)).toEqual(secretRefsOf(created.spec));
  });

  test('a new value bumps the generation, replaces the old one and keeps unmentioned fields', async () => {
    const name = uniqueName('c');
    const created = await store.objects.create({ kind: 'Cluster', name, spec: {}, secrets: { kubeconfig: value('old'), token: value('t') } });
    const updated = await store.objects.update('Cluster', name, { secrets: { kubeconfig: value('new') } });
    expect(updated.generation).toBe(2);
    expect(await read(updated)).toBe('new');
    expect(secretRefsOf(updated.spec).token).toBe(secretRefsOf(created.spec).token);
    expect((await rowsOf(name)).sort()).toEqual(Object.values(secretRefsOf(updated.spec)).sort());
    // A spec-only update carries the refs along.
    const respec = await store.objects.update('Cluster', name, { spec: { region: 'us' } });
    expect(secretRefsOf(respec.spec)).toEqual(secretRefsOf(updated.spec));
  });

  test('the store owns spec.secretRefs: what a write puts there is replaced by its bookkeeping', async () => {
    const name = uniqueName('c');
    const plain = await store.objects.create({ kind: 'Cluster', name, spec: { [SECRET_REFS]: { kubeconfig: 'forged' } } });
    expect(plain.spec).toEqual({});
    const withValue = await store.objects.update('Cluster', name, { secrets: { kubeconfig: value('v') } });
    const overwritten = await store.objects.update('Cluster', name, { spec: { [SECRET_REFS]: { kubeconfig: 'forged' } } });
    expect(overwritten.resourceVersion, 'nothing changed').toBe(withValue.resourceVersion);
    expect(await read(overwritten)).toBe('v');
  });

  test('refs are keyed digests: not a plain hash, different for another object with the same value', async () => {
    const [a, b] = [uniqueName('c'), uniqueName('c')];
    const secret = value(`token-${randomUUID()}`);
    const refA = secretRefsOf((await store.objects.create({ kind: 'Cluster', name: a, spec: {}, secrets: { kubeconfig: secret } })).spec).kubeconfig!;
    const refB = secretRefsOf((await store.objects.create({ kind: 'Cluster', name: b, spec: {}, secrets: { kubeconfig: secret } })).spec).kubeconfig!;
    expect(refA).not.toBe(refB);
    const sha = createHash('sha256').update(secret).digest();
    for (const encoded of [sha.toString('hex'), sha.toString('base64url'), sha.toString('base64')]) {
      expect(refA).not.toContain(encoded);
    }
  });

  describe('atomicity: a failure after the object row was written leaves nothing behind', () => {
    beforeAll(async () => {
      // Stands in for a crash between the object and its secret: secret rows of `doomed-*` fail.
      await db.exec(`
        CREATE FUNCTION fail_doomed() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN RAISE EXCEPTION 'simulated failure writing a secret'; END $$;
        CREATE TRIGGER fail_doomed BEFORE INSERT ON secrets FOR EACH ROW
          WHEN (NEW.name LIKE 'doomed-%') EXECUTE FUNCTION fail_doomed();
      `);
    });
    afterAll(async () => {
      await db.exec('DROP TRIGGER fail_doomed ON secrets; DROP FUNCTION fail_doomed();');
    });

    test('create: no object without its kubeconfig, no event', async () => {
      const name = uniqueName('doomed');
      const events = await eventsDuring(name, async () => {
        await expect(store.objects.create({ kind: 'Cluster', name, spec: {}, secrets: { kubeconfig: value('v') } })).rejects.toThrow(/simulated failure/);
      });
      expect(events).toEqual([]);
      expect(await store.objects.get('Cluster', name)).toBeUndefined();
      expect(await rowsOf(name)).toEqual([]);
    });

    test('update: the object keeps its spec, version and value', async () => {
      const name = uniqueName('doomed');
      await db.exec('ALTER TABLE secrets DISABLE TRIGGER fail_doomed');
      const before = await store.objects.create({ kind: 'Cluster', name, spec: { v: 1 }, secrets: { kubeconfig: value('old') } });
      await db.exec('ALTER TABLE secrets ENABLE TRIGGER fail_doomed');
      await expect(store.objects.update('Cluster', name, { spec: { v: 2 }, secrets: { kubeconfig: value('new') } })).rejects.toThrow(/simulated failure/);
      expect(await store.objects.get('Cluster', name)).toEqual(before);
      expect(await read(before)).toBe('old');
    });
  });

  test('equal values are recognised after a rotation while the old key is held, and written anew once it is retired', async () => {
    const name = uniqueName('c');
    const created = await store.objects.create({ kind: 'Cluster', name, spec: {}, secrets: { kubeconfig: value('kc') } });
    await keyringFile(keyringPath, { active: 'k2', keys: { k1, k2 } });
    expect(await store.rotateKeys()).toMatchObject({ activeKeyId: 'k2' });
    const same = await store.objects.update('Cluster', name, { secrets: { kubeconfig: value('kc') } });
    expect(same.resourceVersion).toBe(created.resourceVersion);

    await keyringFile(keyringPath, { active: 'k2', keys: { k2 } });
    await store.rotateKeys();
    const rewritten = await store.objects.update('Cluster', name, { secrets: { kubeconfig: value('kc') } });
    expect(rewritten.generation).toBe(2);
    expect(await read(rewritten)).toBe('kc');
    const settled = await store.objects.update('Cluster', name, { secrets: { kubeconfig: value('kc') } });
    expect(settled.resourceVersion).toBe(rewritten.resourceVersion);
  });
});
