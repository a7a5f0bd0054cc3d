// Key rotation through the API, `POST /api/v1/admin/keys:rotate`, on both store backends: the
// keyring file is edited, the route adopts it and re-wraps every secret, and nothing stops
// working meanwhile.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Resource } from '../../src/domain/resource.js';
import { secretRefOf } from '../../src/domain/secret-refs.js';
import { Keyring } from '../../src/security/keyring.js';
import { createStore } from '../../src/store/factory.js';
import { kubeconfigB64, kubeconfigYaml } from '../support/kubeconfig.js';
import { backends, keyringFile, tempDir } from '../support/stores.js';
import { ADMIN, json, startHarness, type Harness } from './support/harness.js';

const ROTATE = '/api/v1/admin/keys:rotate';
const CLUSTERS = 130; // more than one re-wrap batch (100)
const names = Array.from({ length: CLUSTERS }, (_, i) => `c${String(i).padStart(3, '0')}`);
const serverOf = (name: string) => `https://${name}.example:6443`;

describe.each(backends)('key rotation through the API ($name)', (backend) => {
  let h: Harness;
  let path: string;
  const [k1, k2] = [Keyring.generateKey(), Keyring.generateKey()];
  beforeAll(async () => {
    path = join(await tempDir('keyring'), 'keyring.json');
    const store = await createStore((await backend.fresh()).config(await keyringFile(path, { active: 'k1', keys: { k1 } })));
    h = await startHarness({ store });
    // Written as the API writes a cluster (its creation through HTTP is in resources.test.ts), quicker.
    for (const name of names) {
      await store.objects.create({ kind: 'Cluster', name, spec: {}, secrets: { kubeconfig: Buffer.from(kubeconfigYaml({ server: serverOf(name) })) } });
    }
  });
  afterAll(async () => {
    await h?.close();
    await h?.store.close();
  });

  const rotate = () => h.call(ADMIN, 'POST', ROTATE, {});
  const keyIds = async () =>
    Promise.all(names.map(async (n) => json<{ kubeconfig: { keyId?: string } }>(await h.call(ADMIN, 'GET', `/api/v1/clusters/${n}`)).kubeconfig.keyId));
  /** Each cluster's kubeconfig as a reconciler reads it: the object, then the value it names. */
  const kubeconfigs = () =>
    Promise.all(
      names.map(async (n) => {
        const obj = (await h.store.objects.get('Cluster', n)) as Resource;
        return (await h.store.secrets.get(secretRefOf(obj, 'kubeconfig')!))?.toString();
      }),
    );
  const expected = names.map((n) => kubeconfigYaml({ server: serverOf(n) }));

  test('a bad keyring file is refused with what to fix, and the keys in force stay', async () => {
    const cases = [
      { doc: `{"active": "k2", "keys": {"k1": "${k1}", "k2": ${k2}}}`, reason: /not JSON \(syntax error( at position \d+)?\)/ },
      { doc: JSON.stringify({ active: 'k3', keys: { k1, k2 } }), reason: /active key "k3" is not among the keys \(k1, k2\)/ },
      { doc: JSON.stringify({ active: 'k2', keys: { k2 } }), reason: /"k1" still wrap stored secrets; keep them in the file/ },
    ];
    for (const { doc, reason } of cases) {
      await writeFile(path, doc);
      const res = await rotate();
      expect(res.statusCode, res.body).toBe(422);
      const body = json<{ code: string; message: string }>(res);
      expect(body.code).toBe('KEYRING_INVALID');
      expect(body.message).toMatch(reason);
      expect(body.message, "the file's path stays in the server log").not.toContain(path);
      expect(body.message).toMatch(/the keys in force are unchanged$/);
      for (const key of [k1, k2]) expect(res.body, 'key material is never echoed').not.toContain(key.slice(0, 16));
    }
    expect(h.store.keyring.activeKeyId).toBe('k1');
    expect(h.store.keyring.ids()).toEqual(['k1']);
    expect(new Set(await keyIds())).toEqual(new Set(['k1']));
  });

  test('k2 made active: rotation re-wraps every secret while reads and writes go on', async () => {
    await keyringFile(path, { active: 'k2', keys: { k1, k2 } });
    // Rotation and a stream of reads (API and reconciler paths) and writes, all at once.
    const reads = Promise.all([kubeconfigs(), keyIds(), kubeconfigs()]);
    const write = h.call(ADMIN, 'POST', '/api/v1/clusters', { name: 'late', kubeconfig: kubeconfigB64({ server: 'https://late:6443' }) });
    const [res, [values, ids, valuesAgain], written] = await Promise.all([rotate(), reads, write]);
    expect(res.statusCode, res.body).toBe(200);
    expect(written.statusCode, written.body).toBe(201);
    expect(values).toEqual(expected);
    expect(valuesAgain).toEqual(expected);
    expect(ids.every((id) => id === 'k1' || id === 'k2')).toBe(true);

    const { rewrapped, activeKeyId } = json<{ rewrapped: number; activeKeyId: string }>(res);
    expect(activeKeyId).toBe('k2');
    // Every secret under k1 was re-wrapped by it; `late` may have been written under either key.
    expect(rewrapped === CLUSTERS || rewrapped === CLUSTERS + 1, `rewrapped ${rewrapped}`).toBe(true);
    expect(new Set(await keyIds())).toEqual(new Set(['k2']));
    expect(json<{ kubeconfig: { keyId: string } }>(await h.call(ADMIN, 'GET', '/api/v1/clusters/late')).kubeconfig.keyId).toBe('k2');
    expect(json(await rotate()), 'nothing left to do').toEqual({ activeKeyId: 'k2', rewrapped: 0 });
  });

  test('k1 retired from the file: everything still reads', async () => {
    await keyringFile(path, { active: 'k2', keys: { k2 } });
    expect(json(await rotate())).toEqual({ activeKeyId: 'k2', rewrapped: 0 });
    expect(h.store.keyring.ids()).toEqual(['k2']);
    expect(await kubeconfigs()).toEqual(expected);
    expect(new Set(await keyIds())).toEqual(new Set(['k2']));
  });
});
