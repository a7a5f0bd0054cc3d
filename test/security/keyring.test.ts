import { chmod, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { beforeEach, describe, expect, test } from 'vitest';
import { Keyring, KeyringError } from '../../src/security/keyring.js';
import { tempDir } from '../support/stores.js';

let dir: string;
beforeEach(async () => {
  dir = await tempDir('keyring');
});

const key = () => Keyring.generateKey();
async function write(doc: unknown, name = 'keyring.json'): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, typeof doc === 'string' ? doc : JSON.stringify(doc), { mode: 0o600 });
  return path;
}

describe('Keyring', () => {
  test('reads several keys, one active for writing', async () => {
    const [a, b] = [key(), key()];
    const ring = await Keyring.fromFile(await write({ active: 'k2', keys: { k1: a, k2: b } }));
    expect(ring.activeKeyId).toBe('k2');
    expect(ring.ids()).toEqual(['k1', 'k2']);
    expect(ring.key('k1')).toEqual(Buffer.from(a, 'base64'));
    expect(ring.key('k2')).toHaveLength(32);
  });

  const invalid: { doc: unknown; error: RegExp; reason: string }[] = [
    { doc: '{not json', error: /not JSON/, reason: 'a syntax error' },
    { doc: [], error: /expected an object/, reason: 'an array' },
    { doc: { active: 'k1' }, error: /"keys" must be a non-empty object/, reason: 'no keys' },
    { doc: { active: 'k1', keys: {} }, error: /"keys" must be a non-empty object/, reason: 'empty keys' },
    { doc: { keys: { k1: key() } }, error: /"active" must name the key id/, reason: 'no active id' },
    { doc: { active: 'k3', keys: { k1: key(), k2: key() } }, error: /active key "k3" is not among the keys \(k1, k2\)/, reason: 'unknown active id' },
    { doc: { active: 'k1', keys: { k1: Buffer.alloc(16).toString('base64') } }, error: /key "k1" must be 32 bytes, got 16/, reason: 'a 128-bit key' },
    { doc: { active: 'k1', keys: { k1: Buffer.alloc(33).toString('base64') } }, error: /must be 32 bytes, got 33/, reason: 'a key too long' },
    { doc: { active: 'k1', keys: { k1: 'not base64!' } }, error: /key "k1" must be a base64 string/, reason: 'not base64' },
    { doc: { active: 'k1', keys: { k1: 42 } }, error: /must be a base64 string/, reason: 'not a string' },
    { doc: { active: 'k 1', keys: { 'k 1': key() } }, error: /key id "k 1" must be/, reason: 'an id with a space' },
  ];
  test.each(invalid)('rejects $reason with a clear error', async ({ doc, error }) => {
    const path = await write(doc);
    const err = await Keyring.fromFile(path).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KeyringError);
    expect(err).toMatchObject({ code: 'INVALID' });
    expect((err as Error).message).toMatch(error);
    expect((err as Error).message).toContain(path); // which file is wrong
  });

  test('a file that is not JSON is reported by position, never quoted (it holds keys)', async () => {
    const secret = key();
    for (const text of [secret, `{"active": "k1", "keys": {"k1": "${secret}" "k2": "x"}}`]) {
      const err = (await Keyring.fromFile(await write(text)).catch((e: unknown) => e)) as Error;
      expect(err.message).toMatch(/not JSON \(syntax error( at position \d+)?\)$/);
      expect(err.message).not.toContain(secret.slice(0, 8));
    }
  });

  test('reload(accept) can refuse the new keys: the current ones stay in force', async () => {
    const [a, b] = [key(), key()];
    const path = await write({ active: 'k1', keys: { k1: a } });
    const ring = await Keyring.fromFile(path);
    await write({ active: 'k2', keys: { k2: b } });
    let offered: readonly string[] = [];
    const veto = (ids: readonly string[]) => {
      offered = ids;
      return Promise.reject(new Error('k1 still in use'));
    };
    await expect(ring.reload(veto)).rejects.toThrow('k1 still in use');
    expect(offered).toEqual(['k2']);
    expect(ring.activeKeyId).toBe('k1');
    expect(ring.key('k1')).toEqual(Buffer.from(a, 'base64'));
    await ring.reload(() => undefined);
    expect(ring.ids()).toEqual(['k2']);
  });

  test('a missing file is a clear error', async () => {
    await expect(Keyring.fromFile(join(dir, 'absent.json'))).rejects.toThrow(/keyring .*absent\.json: cannot read/);
  });

  test('reload() picks up a new active key; a broken file keeps the old keys in force', async () => {
    const [a, b] = [key(), key()];
    const path = await write({ active: 'k1', keys: { k1: a } });
    const ring = await Keyring.fromFile(path);
    await write({ active: 'k2', keys: { k1: a, k2: b } });
    await ring.reload();
    expect(ring.activeKeyId).toBe('k2');
    await write({ active: 'k9', keys: { k1: a } });
    await expect(ring.reload()).rejects.toThrow(/active key "k9"/);
    expect(ring.activeKeyId).toBe('k2');
    expect(ring.ids()).toEqual(['k1', 'k2']);
  });

  test('a keyring not read from a file cannot reload', async () => {
    await expect(Keyring.fromJson({ active: 'k1', keys: { k1: key() } }).reload()).rejects.toMatchObject({ code: 'NO_SOURCE' });
  });

  test('fromEnv reads KUBENOVA_KEYRING_FILE, and is undefined without it', async () => {
    const path = await write({ active: 'main', keys: { main: key() } });
    expect((await Keyring.fromEnv({ KUBENOVA_KEYRING_FILE: path }))?.activeKeyId).toBe('main');
    expect(await Keyring.fromEnv({})).toBeUndefined();
  });

  test('a keyring file group or others may access is refused, at start and on reload', async () => {
    const path = await write({ active: 'k1', keys: { k1: key() } });
    const ring = await Keyring.fromFile(path);
    for (const mode of [0o640, 0o604, 0o620, 0o666]) {
      await chmod(path, mode);
      const refused = new RegExp(`keyring ${path} must not be accessible by group or others \\(chmod 600\\)$`);
      await expect(Keyring.fromFile(path)).rejects.toThrow(refused);
      await expect(ring.reload()).rejects.toMatchObject({ code: 'INVALID', message: expect.stringMatching(refused) });
    }
    await chmod(path, 0o400);
    expect((await Keyring.fromFile(path)).activeKeyId).toBe('k1');
  });

  test('loadOrCreate generates one key into a 0600 file in a 0700 directory once, then reuses it', async () => {
    const path = join(dir, 'data', 'keyring.json');
    const first = await Keyring.loadOrCreate(path);
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect((await stat(join(dir, 'data'))).mode & 0o777).toBe(0o700);
    const doc = JSON.parse(await readFile(path, 'utf8')) as { active: string; keys: Record<string, string> };
    expect(Object.keys(doc.keys)).toEqual([doc.active]);
    const second = await Keyring.loadOrCreate(path);
    expect(second.key(second.activeKeyId)).toEqual(first.key(first.activeKeyId));
  });

  test('concurrent first starts agree on one key', async () => {
    const path = join(dir, 'keyring.json');
    const rings = await Promise.all([1, 2, 3, 4].map(() => Keyring.loadOrCreate(path)));
    const keys = rings.map((r) => r.key(r.activeKeyId).toString('base64'));
    expect(new Set(keys).size).toBe(1);
  });

  test('key material never shows in logs', () => {
    const secret = key();
    const ring = Keyring.fromJson({ active: 'k1', keys: { k1: secret } });
    for (const shown of [JSON.stringify(ring), inspect(ring), String(inspect({ nested: ring }))]) {
      expect(shown).not.toContain(secret);
      expect(shown).toContain('k1');
    }
  });
});
