// Reads a JWT's claims locally, for display only (`whoami`, `login`). No signature check: the
// server verifies; the CLI only shows who the token says it is. The token itself is never shown.
import { CliError, EXIT } from './errors.js';

export interface TokenClaims {
  sub?: string;
  iss?: string;
  aud?: string | string[];
  exp?: number;
  iat?: number;
  roles?: string[];
  tenants?: string[];
  [claim: string]: unknown;
}

export function decodeClaims(token: string): TokenClaims {
  const parts = token.split('.');
  if (parts.length !== 3 || !parts[1]) throw new CliError('token is not a JWT (expected header.payload.signature)', EXIT.usage);
  let payload: unknown;
  try {
    payload = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'));
  } catch {
    throw new CliError('token payload is not valid base64url JSON', EXIT.usage);
  }
  if (!payload || typeof payload !== 'object' || Array.isArray(payload)) {
    throw new CliError('token payload is not a JSON object', EXIT.usage);
  }
  return payload as TokenClaims;
}

/** A claim that may be a list or a space/comma separated string (`scope`-style). */
export function claimList(claims: TokenClaims, name: string): string[] {
  const v = claims[name];
  if (Array.isArray(v)) return v.filter((x): x is string => typeof x === 'string');
  if (typeof v === 'string') return v.split(/[\s,]+/).filter(Boolean);
  return [];
}

export function expiryOf(claims: TokenClaims): Date | undefined {
  return typeof claims.exp === 'number' ? new Date(claims.exp * 1000) : undefined;
}
