// API tokens for automation (CI systems): opaque bearer tokens `knt_<name>_<secret>`, shown once
// when created and stored only as a SHA-256 digest of the secret. The name in the token finds the
// record; the digest proves the secret. A record carries the one role (and tenant) the token acts
// with, its expiry and who created it; deleting the record revokes the token at the next request.
// Plain SHA-256 is enough here: the secret is 256 random bits, not a password to brute-force.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { AuthenticationError, type Principal, type TokenVerifier } from './auth.js';
import type { ApiTokenRecord } from '../domain/kinds/apitoken.js';
import { principalOf } from './identity.js';

export const API_TOKEN_PREFIX = 'knt_';
const TOKEN = /^knt_([a-z0-9](?:[-a-z0-9]{0,61}[a-z0-9])?)_([A-Za-z0-9_-]{43})$/;

export function newApiToken(name: string): { token: string; digest: string } {
  const secret = randomBytes(32).toString('base64url');
  return { token: `${API_TOKEN_PREFIX}${name}_${secret}`, digest: digestOf(secret) };
}

const digestOf = (secret: string) => createHash('sha256').update(secret).digest('base64url');

/** `lookup` reads the record of a token name (undefined: none, or revoked). */
export function createApiTokenVerifier(lookup: (name: string) => Promise<ApiTokenRecord | undefined>, now: () => number = Date.now): TokenVerifier {
  return {
    async verify(token): Promise<Principal> {
      const m = TOKEN.exec(token);
      if (!m) throw new AuthenticationError('invalid API token: malformed', 'malformed');
      const [, name, secret] = m as unknown as [string, string, string];
      const record = await lookup(name);
      const given = Buffer.from(digestOf(secret));
      // Unknown and revoked look alike on purpose: both are simply not (or no longer) a token.
      if (!record || record.digest.length !== given.length || !timingSafeEqual(Buffer.from(record.digest), given)) {
        throw new AuthenticationError('invalid API token: unknown or revoked', 'api_token_unknown');
      }
      if (Date.parse(record.expiresAt) <= now()) throw new AuthenticationError('invalid API token: expired', 'api_token_expired');
      const binding = {
        role: record.role,
        ...(record.tenant !== undefined && { tenant: record.tenant }),
        ...(record.project !== undefined && { project: record.project }),
        source: `api-token/${name}`,
      };
      return principalOf({ issuer: 'api-token', subject: name, username: `api-token:${name}`, groups: [] }, [binding], `api-token:${name}`);
    },
  };
}
