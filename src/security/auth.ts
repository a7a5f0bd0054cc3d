// Authentication: a bearer JWT becomes a Principal. Three kinds of signing key, any of them
// configured: an HS256 shared secret (the embedded default), an RS256 public key (PEM), and an
// external IdP's JWKS URL. Which key applies is decided by the token's `alg` (and `kid`).
import { errors as joseErrors, jwtVerify, type CryptoKey, type JWTVerifyGetKey, type JWTPayload, type KeyObject } from 'jose';

export const ROLES = ['platform-admin', 'tenant-admin', 'tenant-dev', 'read-only'] as const;
export type Role = (typeof ROLES)[number];

/** Who is calling: the token's subject, its KubeNova roles, and the tenants they apply to. */
export interface Principal {
  subject: string;
  roles: Role[];
  /** The `tenants` claim; undefined when the token has none (see authorization.ts for what that
   *  means per role). */
  tenants?: string[];
}

/** The token is missing, malformed, expired, wrongly signed or has unusable claims: 401. */
export class AuthenticationError extends Error {
  override readonly name = 'AuthenticationError';
}

/** The IdP's signing keys cannot be fetched right now: the token cannot be judged (503). */
export class SigningKeysUnavailableError extends Error {
  override readonly name = 'SigningKeysUnavailableError';
}

export interface TokenVerifier {
  verify(token: string): Promise<Principal>;
}

export interface VerificationKeys {
  hs256Secret?: Uint8Array;
  rs256PublicKey?: CryptoKey | KeyObject;
  /** From jose's createRemoteJWKSet (or createLocalJWKSet in tests). */
  jwks?: JWTVerifyGetKey;
}

export interface VerifierOptions {
  issuer?: string;
  audience?: string;
  clockToleranceSeconds?: number;
}

/** Algorithms accepted from a JWKS: what common IdPs sign with. */
const JWKS_ALGORITHMS = ['RS256', 'PS256', 'ES256'];
const TENANT_NAME = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

// jose error codes that mean "this token is not acceptable" (everything else is our problem).
const TOKEN_ERRORS = new Set([
  'ERR_JWT_EXPIRED',
  'ERR_JWT_CLAIM_VALIDATION_FAILED',
  'ERR_JWT_INVALID',
  'ERR_JWS_INVALID',
  'ERR_JWS_SIGNATURE_VERIFICATION_FAILED',
  'ERR_JOSE_ALG_NOT_ALLOWED',
  'ERR_JOSE_NOT_SUPPORTED',
  'ERR_JWKS_NO_MATCHING_KEY',
  'ERR_JWKS_MULTIPLE_MATCHING_KEYS',
]);

export function createTokenVerifier(keys: VerificationKeys, opts: VerifierOptions = {}): TokenVerifier {
  const algorithms = [
    ...(keys.hs256Secret ? ['HS256'] : []),
    ...(keys.rs256PublicKey ? ['RS256'] : []),
    ...(keys.jwks ? JWKS_ALGORITHMS : []),
  ];
  if (algorithms.length === 0) throw new Error('no JWT verification key configured');
  const algs = [...new Set(algorithms)];

  const getKey: JWTVerifyGetKey = async (header, token) => {
    if (header.alg === 'HS256') {
      if (keys.hs256Secret) return keys.hs256Secret;
      throw new AuthenticationError('HS256 tokens are not accepted by this server');
    }
    // A `kid` names a key of the IdP's set; without one, the configured PEM key is meant.
    if (keys.jwks && (header.kid !== undefined || !keys.rs256PublicKey)) return keys.jwks(header, token);
    if (keys.rs256PublicKey && header.alg === 'RS256') return keys.rs256PublicKey;
    // `alg` is the client's text: named among the accepted ones, never quoted back.
    throw new AuthenticationError(`the token's algorithm is not accepted by this server (accepted: ${algs.join(', ')})`);
  };

  return {
    async verify(token) {
      let payload: JWTPayload;
      try {
        ({ payload } = await jwtVerify(token, getKey, {
          algorithms: algs,
          issuer: opts.issuer,
          audience: opts.audience,
          clockTolerance: opts.clockToleranceSeconds ?? 30,
          requiredClaims: ['sub', 'exp'],
        }));
      } catch (err) {
        if (err instanceof AuthenticationError) throw err;
        if (err instanceof joseErrors.JOSEError && TOKEN_ERRORS.has(err.code)) {
          throw new AuthenticationError(`invalid bearer token: ${err.message}`);
        }
        throw new SigningKeysUnavailableError(`cannot verify tokens now: ${(err as Error).message}`);
      }
      return principalOf(payload);
    },
  };
}

/** A claim given as a JSON array or as a space/comma separated string (scope style). */
function claimList(payload: JWTPayload, name: string): string[] | undefined {
  const v = payload[name];
  if (v === undefined) return undefined;
  if (typeof v === 'string') return v.split(/[\s,]+/).filter(Boolean);
  if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v;
  throw new AuthenticationError(`the "${name}" claim must be an array of strings`);
}

function principalOf(payload: JWTPayload): Principal {
  if (typeof payload.sub !== 'string' || payload.sub === '') throw new AuthenticationError('the "sub" claim is missing');
  // Unknown roles are ignored: an IdP's token often carries other applications' roles too.
  const roles = (claimList(payload, 'roles') ?? []).filter((r): r is Role => (ROLES as readonly string[]).includes(r));
  const tenants = claimList(payload, 'tenants');
  if (tenants?.some((t) => !TENANT_NAME.test(t))) {
    throw new AuthenticationError('the "tenants" claim must hold tenant names (DNS labels)');
  }
  const principal: Principal = { subject: payload.sub, roles: [...new Set(roles)] };
  if (tenants !== undefined) principal.tenants = [...new Set(tenants)];
  return principal;
}
