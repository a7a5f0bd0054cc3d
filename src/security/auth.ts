// Authentication: a bearer JWT becomes a Principal. Three kinds of signing key, any of them
// configured: an HS256 shared secret (the embedded default), an RS256 public key (PEM), and an
// external IdP's JWKS URL. Which key applies is decided by the token's `alg` (and `kid`).
import { errors as joseErrors, jwtVerify, type CryptoKey, type JWTVerifyGetKey, type JWTPayload, type KeyObject } from 'jose';

import { ROLES, type Role } from '../domain/roles.js';

/** Who is calling: the token's subject, its KubeNova roles, and the tenants they apply to. */
export interface Principal {
  subject: string;
  roles: Role[];
  /** The `tenants` claim; undefined when the token has none (see authorization.ts for what that
   *  means per role). */
  tenants?: string[];
  /** A person signed in through an OIDC issuer, or an API token (security/identity.ts). */
  identity?: Identity;
  /** Each role with its own scope, and why the caller has it. When present, authorization uses
   *  these instead of `roles` × `tenants` (which then only summarize them). */
  bindings?: RoleBinding[];
}

/** Who a verified token names. */
export interface Identity {
  /** The configured issuer's name (`api-token` for API tokens). */
  issuer: string;
  /** The `sub` claim, unique within the issuer. */
  subject: string;
  /** From the issuer's username claim, with its prefix. */
  username: string;
  /** From the issuer's groups claim, each with the issuer's group prefix. */
  groups: string[];
}

/** One right: a role, platform-wide or in one tenant, and the rule (or token) that gave it. */
export interface RoleBinding {
  role: Role;
  tenant?: string;
  /** A project of `tenant`: the right reaches only that project's objects (authorization.ts). */
  project?: string;
  source: string;
}

/** Why a token was refused, machine-readable (the error details carry it). */
export type AuthenticationFailure =
  | 'invalid_token'
  | 'malformed'
  | 'expired'
  | 'not_yet_valid'
  | 'issuer_unknown'
  | 'issuer_mismatch'
  | 'audience_mismatch'
  | 'authorized_party_mismatch'
  | 'algorithm_not_allowed'
  | 'signature_invalid'
  | 'key_unknown'
  | 'claims_invalid'
  | 'required_claim_mismatch'
  | 'groups_overage'
  | 'api_token_unknown'
  | 'api_token_expired';

/** The token is missing, malformed, expired, wrongly signed or has unusable claims: 401. */
export class AuthenticationError extends Error {
  override readonly name = 'AuthenticationError';
  constructor(
    message: string,
    readonly reason: AuthenticationFailure = 'invalid_token',
  ) {
    super(message);
  }
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

export function createTokenVerifier(keys: VerificationKeys, opts: VerifierOptions = {}): TokenVerifier {
  const algorithms = [...(keys.hs256Secret ? ['HS256'] : []), ...(keys.rs256PublicKey ? ['RS256'] : []), ...(keys.jwks ? JWKS_ALGORITHMS : [])];
  if (algorithms.length === 0) throw new Error('no JWT verification key configured');
  const algs = [...new Set(algorithms)];

  const getKey: JWTVerifyGetKey = async (header, token) => {
    if (header.alg === 'HS256') {
      if (keys.hs256Secret) return keys.hs256Secret;
      throw new AuthenticationError('HS256 tokens are not accepted by this server', 'algorithm_not_allowed');
    }
    // A `kid` names a key of the IdP's set; without one, the configured PEM key is meant.
    if (keys.jwks && (header.kid !== undefined || !keys.rs256PublicKey)) return keys.jwks(header, token);
    if (keys.rs256PublicKey && header.alg === 'RS256') return keys.rs256PublicKey;
    // `alg` is the client's text: named among the accepted ones, never quoted back.
    throw new AuthenticationError(`the token's algorithm is not accepted by this server (accepted: ${algs.join(', ')})`, 'algorithm_not_allowed');
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
        throw tokenFailure(err);
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

/** What went wrong while verifying a token: an AuthenticationError with its reason when the
 *  token is not acceptable, SigningKeysUnavailableError when the keys could not be had. jose's
 *  messages name the failed check, never a claim's value. */
export function tokenFailure(err: unknown): Error {
  if (err instanceof AuthenticationError || err instanceof SigningKeysUnavailableError) return err;
  if (!(err instanceof joseErrors.JOSEError)) return new SigningKeysUnavailableError(`cannot verify tokens now: ${(err as Error).message}`);
  const reason = JOSE_FAILURES[err.code];
  if (reason === undefined) return new SigningKeysUnavailableError(`cannot verify tokens now: ${err.message}`);
  if (err instanceof joseErrors.JWTClaimValidationFailed) {
    const byClaim = CLAIM_FAILURES[err.claim];
    if (byClaim) return new AuthenticationError(`invalid bearer token: ${err.message}`, byClaim);
  }
  return new AuthenticationError(`invalid bearer token: ${err.message}`, reason);
}

// jose error codes that mean "this token is not acceptable" (everything else is our problem).
const JOSE_FAILURES: Record<string, AuthenticationFailure> = {
  ERR_JWT_EXPIRED: 'expired',
  ERR_JWT_CLAIM_VALIDATION_FAILED: 'claims_invalid',
  ERR_JWT_INVALID: 'malformed',
  ERR_JWS_INVALID: 'malformed',
  ERR_JWS_SIGNATURE_VERIFICATION_FAILED: 'signature_invalid',
  ERR_JOSE_ALG_NOT_ALLOWED: 'algorithm_not_allowed',
  ERR_JOSE_NOT_SUPPORTED: 'algorithm_not_allowed',
  ERR_JWKS_NO_MATCHING_KEY: 'key_unknown',
  ERR_JWKS_MULTIPLE_MATCHING_KEYS: 'key_unknown',
};

const CLAIM_FAILURES: Record<string, AuthenticationFailure> = {
  iss: 'issuer_mismatch',
  aud: 'audience_mismatch',
  nbf: 'not_yet_valid',
  iat: 'not_yet_valid',
};

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
