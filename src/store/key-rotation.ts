// Key rotation without downtime: adopt the keyring file as it is now, then re-wrap every secret
// under its active key. Readers never wait: until its row is re-wrapped, a secret stays
// readable under its old key, which the new keyring must therefore still hold.
import { KeyringError, type Keyring } from '../security/keyring.js';
import type { KeyRotation, SecretStore } from './types.js';

export async function rotateKeys(keyring: Keyring, secrets: SecretStore): Promise<KeyRotation> {
  await keyring.reload(async (ids) => {
    const missing = (await secrets.keyIdsInUse()).filter((id) => !ids.includes(id));
    if (missing.length > 0) {
      const detail =
        `${missing.map((id) => `"${id}"`).join(', ')} still wrap stored secrets; ` +
        'keep them in the file until a rotation has re-wrapped those secrets under the active key';
      throw new KeyringError('INVALID', `keyring ${keyring.path}: ${detail}`, detail);
    }
  });
  // The active key as re-wrapping starts: what the secrets end up under.
  const activeKeyId = keyring.activeKeyId;
  return { activeKeyId, rewrapped: await secrets.rewrapAll() };
}
