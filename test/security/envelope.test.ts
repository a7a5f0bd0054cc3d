import { describe, expect, test } from 'vitest';
import { EnvelopeError, open, rewrap, seal, type Envelope } from '../../src/security/envelope.js';
import { Keyring, KeyringError } from '../../src/security/keyring.js';

const k1 = Keyring.generateKey();
const k2 = Keyring.generateKey();
const keyring = (active: string, keys: Record<string, string>) => Keyring.fromJson({ active, keys });
const both = keyring('k1', { k1, k2 });
const aad = Buffer.from('["Cluster","east","kubeconfig"]');
const plaintext = Buffer.from('apiVersion: v1\nkind: Config\n');

/** A copy of `e` with one bit of `field` flipped at `at` (negative: from the end). */
function flip(e: Envelope, field: 'wrappedKey' | 'iv' | 'tag' | 'ciphertext', at: number): Envelope {
  const copy = Buffer.from(e[field]);
  const i = at < 0 ? copy.length + at : at;
  copy[i] = copy[i]! ^ 0x01;
  return { ...e, [field]: copy };
}

describe('envelope encryption', () => {
  test.each([
    { value: plaintext, reason: 'a kubeconfig' },
    { value: Buffer.alloc(0), reason: 'an empty value' },
    { value: Buffer.alloc(1 << 20, 7), reason: 'a megabyte' },
  ])('seal then open returns the plaintext ($reason)', ({ value }) => {
    const e = seal(value, aad, both);
    expect(e.keyId).toBe('k1');
    expect(e.iv).toHaveLength(12);
    expect(e.tag).toHaveLength(16);
    expect(e.wrappedKey).toHaveLength(60);
    expect(open(e, aad, both).equals(value)).toBe(true); // (toEqual walks a megabyte byte by byte)
  });

  test('every seal uses a fresh data key and iv', () => {
    const a = seal(plaintext, aad, both);
    const b = seal(plaintext, aad, both);
    expect(a.ciphertext.equals(b.ciphertext)).toBe(false);
    expect(a.wrappedKey.equals(b.wrappedKey)).toBe(false);
    expect(a.iv.equals(b.iv)).toBe(false);
  });

  test('the ciphertext does not contain the plaintext', () => {
    const e = seal(plaintext, aad, both);
    for (const part of [e.ciphertext, e.wrappedKey]) expect(part.includes(plaintext.subarray(0, 8))).toBe(false);
  });

  const tampering: { reason: string; tamper: (e: Envelope) => Envelope; error: RegExp }[] = [
    { reason: 'a ciphertext bit', tamper: (e) => flip(e, 'ciphertext', 3), error: /secret value failed authentication/ },
    { reason: 'the last ciphertext bit', tamper: (e) => flip(e, 'ciphertext', -1), error: /secret value failed authentication/ },
    { reason: 'the value tag', tamper: (e) => flip(e, 'tag', 0), error: /secret value failed authentication/ },
    { reason: 'the value iv', tamper: (e) => flip(e, 'iv', 5), error: /secret value failed authentication/ },
    { reason: "the wrapped key's iv", tamper: (e) => flip(e, 'wrappedKey', 0), error: /data key wrapped by "k1" failed authentication/ },
    { reason: 'the wrapped data key itself', tamper: (e) => flip(e, 'wrappedKey', 20), error: /data key wrapped by "k1" failed/ },
    { reason: "the wrapped key's tag", tamper: (e) => flip(e, 'wrappedKey', -1), error: /data key wrapped by "k1" failed/ },
    { reason: 'a truncated ciphertext', tamper: (e) => ({ ...e, ciphertext: e.ciphertext.subarray(1) }), error: /failed authentication/ },
    {
      reason: 'a truncated tag (GCM accepts short tags unless told not to)',
      tamper: (e) => ({ ...e, tag: e.tag.subarray(0, 4) }),
      error: /malformed iv or tag/,
    },
    { reason: 'a truncated wrapped key', tamper: (e) => ({ ...e, wrappedKey: e.wrappedKey.subarray(0, 59) }), error: /malformed \(59 bytes\)/ },
    { reason: 'the key id relabelled to another existing key', tamper: (e) => ({ ...e, keyId: 'k2' }), error: /wrapped by "k2" failed authentication/ },
  ];
  test.each(tampering)('tampering with $reason is detected', ({ tamper, error }) => {
    const e = seal(plaintext, aad, both);
    expect(() => open(tamper(e), aad, both)).toThrow(EnvelopeError);
    expect(() => open(tamper(e), aad, both)).toThrow(error);
  });

  test('an envelope opened under another AAD (moved to another secret) fails', () => {
    const e = seal(plaintext, aad, both);
    expect(() => open(e, Buffer.from('["Cluster","west","kubeconfig"]'), both)).toThrow(EnvelopeError);
  });

  test("a value combined with another secret's wrapped data key fails", () => {
    const a = seal(plaintext, aad, both);
    const otherAad = Buffer.from('["Cluster","west","kubeconfig"]');
    const b = seal(Buffer.from('other'), otherAad, both);
    // b's data key, re-bound by an attacker to a: the wrap AAD names b's secret.
    expect(() => open({ ...a, keyId: b.keyId, wrappedKey: b.wrappedKey }, aad, both)).toThrow(/data key wrapped by "k1" failed/);
  });

  test('rewrap moves the data key to the active key; the value is untouched and still opens', () => {
    const e = seal(plaintext, aad, both);
    const rotated = keyring('k2', { k1, k2 });
    const w = rewrap(e, aad, rotated);
    expect(w.keyId).toBe('k2');
    const moved = { ...e, ...w };
    expect(open(moved, aad, keyring('k2', { k2 }))).toEqual(plaintext);
    expect(() => rewrap(e, Buffer.from('elsewhere'), rotated)).toThrow(EnvelopeError);
  });

  test('a key id the keyring does not hold is a KeyringError naming the ids it has', () => {
    const e = seal(plaintext, aad, both);
    let thrown: unknown;
    try {
      open(e, aad, keyring('k2', { k2 }));
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(KeyringError);
    expect(thrown).toMatchObject({ code: 'UNKNOWN_KEY', message: 'key "k1" is not in the keyring (it holds k2)' });
  });
});
