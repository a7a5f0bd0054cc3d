// Envelope encryption: each value is sealed with its own random data key (AES-256-GCM), and the
// data key is wrapped by a keyring key (AES-256-GCM again). Rotating the keyring only re-wraps
// data keys; values are never re-encrypted. The caller's AAD (the secret's address) is bound to
// both layers, so neither a value nor a wrapped key can be moved onto another secret.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { KeySource } from './keyring.js';

export interface WrappedKey {
  /** The keyring key that wraps the data key. */
  keyId: string;
  /** iv (12) ‖ encrypted data key (32) ‖ tag (16). */
  wrappedKey: Buffer;
}

export interface Envelope extends WrappedKey {
  iv: Buffer;
  tag: Buffer;
  ciphertext: Buffer;
}

/** Authentication failed (tampered, truncated or moved), or the envelope is malformed. */
export class EnvelopeError extends Error {
  override readonly name = 'EnvelopeError';
}

const ALGORITHM = 'aes-256-gcm';
const DATA_KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const WRAPPED_BYTES = IV_BYTES + DATA_KEY_BYTES + TAG_BYTES;

// Distinct labels keep the two layers' AADs apart; NUL cannot occur in key ids.
const valueAad = (aad: Buffer) => Buffer.concat([Buffer.from('kubenova/value/v1\0'), aad]);
const wrapAad = (keyId: string, aad: Buffer) => Buffer.concat([Buffer.from(`kubenova/wrap/v1\0${keyId}\0`), aad]);

function encrypt(key: Buffer, plaintext: Buffer, aad: Buffer): { iv: Buffer; ciphertext: Buffer; tag: Buffer } {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv(ALGORITHM, key, iv, { authTagLength: TAG_BYTES }).setAAD(aad);
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return { iv, ciphertext, tag: cipher.getAuthTag() };
}

function decrypt(key: Buffer, iv: Buffer, ciphertext: Buffer, tag: Buffer, aad: Buffer, what: string): Buffer {
  if (iv.length !== IV_BYTES || tag.length !== TAG_BYTES) throw new EnvelopeError(`${what}: malformed iv or tag`);
  const decipher = createDecipheriv(ALGORITHM, key, iv, { authTagLength: TAG_BYTES }).setAAD(aad).setAuthTag(tag);
  try {
    return Buffer.concat([decipher.update(ciphertext), decipher.final()]);
  } catch {
    throw new EnvelopeError(`${what} failed authentication: tampered, or stored for another secret`);
  }
}

function wrapDataKey(dataKey: Buffer, aad: Buffer, keys: KeySource): WrappedKey {
  const keyId = keys.activeKeyId;
  const { iv, ciphertext, tag } = encrypt(keys.key(keyId), dataKey, wrapAad(keyId, aad));
  return { keyId, wrappedKey: Buffer.concat([iv, ciphertext, tag]) };
}

function unwrapDataKey(w: WrappedKey, aad: Buffer, keys: KeySource): Buffer {
  const what = `data key wrapped by "${w.keyId}"`;
  if (w.wrappedKey.length !== WRAPPED_BYTES) throw new EnvelopeError(`${what}: malformed (${w.wrappedKey.length} bytes)`);
  const iv = w.wrappedKey.subarray(0, IV_BYTES);
  const encrypted = w.wrappedKey.subarray(IV_BYTES, IV_BYTES + DATA_KEY_BYTES);
  const tag = w.wrappedKey.subarray(IV_BYTES + DATA_KEY_BYTES);
  return decrypt(keys.key(w.keyId), iv, encrypted, tag, wrapAad(w.keyId, aad), what);
}

/** Encrypts `plaintext` under a fresh data key wrapped by the keyring's active key. */
export function seal(plaintext: Buffer, aad: Buffer, keys: KeySource): Envelope {
  const dataKey = randomBytes(DATA_KEY_BYTES);
  try {
    const { iv, ciphertext, tag } = encrypt(dataKey, plaintext, valueAad(aad));
    return { ...wrapDataKey(dataKey, aad, keys), iv, ciphertext, tag };
  } finally {
    dataKey.fill(0);
  }
}

/** Decrypts an envelope sealed with the same AAD; EnvelopeError if anything was altered. */
export function open(envelope: Envelope, aad: Buffer, keys: KeySource): Buffer {
  const dataKey = unwrapDataKey(envelope, aad, keys);
  try {
    return decrypt(dataKey, envelope.iv, envelope.ciphertext, envelope.tag, valueAad(aad), 'secret value');
  } finally {
    dataKey.fill(0);
  }
}

/** The same data key, wrapped by the keyring's active key instead. */
export function rewrap(wrapped: WrappedKey, aad: Buffer, keys: KeySource): WrappedKey {
  const dataKey = unwrapDataKey(wrapped, aad, keys);
  try {
    return wrapDataKey(dataKey, aad, keys);
  } finally {
    dataKey.fill(0);
  }
}
