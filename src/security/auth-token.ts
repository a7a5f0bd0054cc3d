// Minting HS256 tokens with the locally configured secret: how a newcomer gets a first admin
// token (`main.ts token`), and how tests make callers.
import { SignJWT } from 'jose';
import type { Role } from '../domain/roles.js';

export interface TokenRequest {
  subject: string;
  roles: readonly Role[];
  tenants?: readonly string[];
  ttlSeconds: number;
  issuer?: string;
  audience?: string;
}

export async function mintToken(secret: Uint8Array, req: TokenRequest): Promise<string> {
  const claims: Record<string, unknown> = { roles: [...req.roles] };
  if (req.tenants !== undefined) claims.tenants = [...req.tenants];
  let jwt = new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(req.subject)
    .setIssuedAt()
    .setExpirationTime(Math.floor(Date.now() / 1000) + req.ttlSeconds);
  if (req.issuer) jwt = jwt.setIssuer(req.issuer);
  if (req.audience) jwt = jwt.setAudience(req.audience);
  return jwt.sign(secret);
}

const DURATION = /^(\d+)(s|m|h|d)$/;
const UNIT_SECONDS = { s: 1, m: 60, h: 3600, d: 86400 } as const;

/** `90s`, `30m`, `12h`, `7d` in seconds; undefined if it is not such a duration. */
export function parseDuration(text: string): number | undefined {
  const m = DURATION.exec(text);
  if (!m) return undefined;
  const seconds = Number(m[1]) * UNIT_SECONDS[m[2] as keyof typeof UNIT_SECONDS];
  return seconds > 0 && Number.isSafeInteger(seconds) ? seconds : undefined;
}
