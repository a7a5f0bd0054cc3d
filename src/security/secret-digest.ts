// Keyed digests of secret values: whether a value written again equals the stored one, told
// without decrypting it. HMAC-SHA256 under a key derived (HKDF) from a keyring key, never a
// plain hash: a kubeconfig is guessable around its token, and a plain hash in the database would
// let anyone holding a copy test guesses offline. This needs the keyring.
import { createHmac, hkdfSync } from 'node:crypto';
import type { KeySource } from './keyring.js';

// Separates this use of a keyring key from wrapping data keys with it.
const INFO = 'kubenova/secret-digest/v1';

/** base64url HMAC of `value`, bound to `aad` (the secret's address: equal values of two objects
 *  do not give equal digests), under the key `keyId` (default: the active one). */
export function secretDigest(value: Buffer, aad: Buffer, keys: KeySource, keyId = keys.activeKeyId): string {
  const key = Buffer.from(hkdfSync('sha256', keys.key(keyId), Buffer.alloc(0), INFO, 32));
  const length = Buffer.alloc(4);
  length.writeUInt32BE(aad.length);
  try {
    return createHmac('sha256', key).update(length).update(aad).update(value).digest('base64url');
  } finally {
    key.fill(0);
  }
}
