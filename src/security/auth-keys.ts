// Loading the keys tokens are verified with (and the local HS256 secret tokens are minted with)
// from the configuration: the I/O half of authentication.
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { createRemoteJWKSet, importSPKI } from 'jose';
import { ConfigError, MIN_HS256_SECRET_LENGTH, type AuthConfig } from '../config.js';
import type { VerificationKeys } from './auth.js';
import { isPrivateMode, NOT_PRIVATE } from './private-file.js';

/** The local HS256 secret, created on first use when the configuration says so; undefined when
 *  HS256 is not configured. */
export async function loadHs256Secret(auth: AuthConfig): Promise<Uint8Array | undefined> {
  if (auth.hs256Secret !== undefined) return new TextEncoder().encode(auth.hs256Secret);
  if (auth.hs256SecretFile === undefined) return undefined;
  const file = auth.hs256SecretFile;
  if (auth.createHs256SecretFile) await createSecretFile(file);
  let info;
  try {
    info = await stat(file);
  } catch {
    throw new ConfigError(`JWT secret file ${file} cannot be read`);
  }
  if (!isPrivateMode(info.mode)) throw new ConfigError(`JWT secret file ${file} ${NOT_PRIVATE}`);
  const text = (await readFile(file, 'utf8')).trim();
  if (text.length < MIN_HS256_SECRET_LENGTH) {
    throw new ConfigError(`JWT secret file ${file} must hold at least ${MIN_HS256_SECRET_LENGTH} characters`);
  }
  return new TextEncoder().encode(text);
}

async function createSecretFile(file: string): Promise<void> {
  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  try {
    await writeFile(file, `${randomBytes(48).toString('base64url')}\n`, { mode: 0o600, flag: 'wx' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
}

export async function loadVerificationKeys(auth: AuthConfig): Promise<VerificationKeys> {
  const keys: VerificationKeys = {};
  const secret = await loadHs256Secret(auth);
  if (secret) keys.hs256Secret = secret;
  if (auth.rs256PublicKeyFile !== undefined) {
    const pem = await readFile(auth.rs256PublicKeyFile, 'utf8').catch(() => {
      throw new ConfigError(`JWT public key file ${auth.rs256PublicKeyFile} cannot be read`);
    });
    try {
      keys.rs256PublicKey = await importSPKI(pem, 'RS256');
    } catch {
      throw new ConfigError(`JWT public key file ${auth.rs256PublicKeyFile} is not an RSA public key in PEM (SPKI)`);
    }
  }
  // Fetched lazily on the first token with a matching kid, cached and refreshed by jose.
  if (auth.jwksUrl !== undefined) keys.jwks = createRemoteJWKSet(new URL(auth.jwksUrl));
  return keys;
}
