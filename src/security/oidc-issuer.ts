// Verifying ID tokens of one configured OIDC issuer, as OIDC Core 3.1.3.7 and Kubernetes'
// structured authentication check them: keys from the issuer's JWKS (found by discovery), `iss`
// exactly the configured URL, `aud` containing a configured client id (`azp` one of them when a
// token names several audiences), `exp`/`nbf`/`iat` with a small skew, asymmetric algorithms
// only, required claims. The keys are cached by jose's createRemoteJWKSet, which refetches the
// set when an unknown `kid` arrives, at most once per cooldown: a flood of made-up kids costs
// the issuer one request per cooldown, not one per token.
import { createRemoteJWKSet, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import { AuthenticationError, SigningKeysUnavailableError, tokenFailure, type Identity } from './auth.js';
import type { IssuerConfig } from './identity-config.js';

export interface IssuerVerifierOptions {
  clockToleranceSeconds?: number;
  /** The verifier's clock (tests move it). */
  now?: () => Date;
  /** Shortest time between two JWKS fetches caused by unknown kids (default 30 s). */
  jwksCooldownMs?: number;
  /** After a failed discovery, how long requests fail fast before it is tried again (default 10 s). */
  discoveryRetryMs?: number;
}

export interface IssuerVerifier {
  readonly config: IssuerConfig;
  /** The person the token names; AuthenticationError (with its reason) when it is not acceptable. */
  verify(token: string): Promise<Identity>;
}

const MAX_GROUPS = 1000;

export function createIssuerVerifier(config: IssuerConfig, opts: IssuerVerifierOptions = {}): IssuerVerifier {
  const keys = discoveredKeys(config, opts);
  return {
    config,
    async verify(token) {
      const getKey = await keys();
      let payload: JWTPayload;
      try {
        ({ payload } = await jwtVerify(token, getKey, {
          algorithms: config.algorithms,
          issuer: config.issuerUrl,
          audience: config.audiences,
          clockTolerance: opts.clockToleranceSeconds ?? 30,
          requiredClaims: ['sub', 'exp', 'iat'],
          ...(opts.now && { currentDate: opts.now() }),
        }));
      } catch (err) {
        throw tokenFailure(err);
      }
      return identityOf(config, payload);
    },
  };
}

/** The claims of a verified token as an Identity; the checks jose does not make. */
export function identityOf(config: IssuerConfig, payload: JWTPayload): Identity {
  const audiences = Array.isArray(payload.aud) ? payload.aud : [payload.aud];
  if (payload.azp !== undefined || audiences.length > 1) {
    if (typeof payload.azp !== 'string' || !config.audiences.includes(payload.azp)) {
      throw new AuthenticationError('invalid bearer token: the "azp" claim must name a configured client id', 'authorized_party_mismatch');
    }
  }
  for (const [claim, value] of Object.entries(config.requiredClaims)) {
    if (payload[claim] !== value)
      throw new AuthenticationError(`invalid bearer token: the "${claim}" claim does not have the required value`, 'required_claim_mismatch');
  }
  const username = payload[config.username.claim];
  if (typeof username !== 'string' || username === '') {
    throw new AuthenticationError(`invalid bearer token: the "${config.username.claim}" claim must be a non-empty string`, 'claims_invalid');
  }
  // As Kubernetes: an email is a username only when it is not marked unverified.
  if (config.username.claim === 'email' && payload.email_verified === false) {
    throw new AuthenticationError('invalid bearer token: the email is not verified', 'claims_invalid');
  }
  refuseGroupOverage(payload, config.groups.claim);
  return {
    issuer: config.name,
    subject: payload.sub!,
    username: config.username.prefix + username,
    groups: groupsOf(payload[config.groups.claim], config.groups.claim).map((g) => config.groups.prefix + g),
  };
}

/** Entra ID leaves the groups out of a token when a user is in too many (more than 200 in a JWT)
 *  and names where to fetch them instead (`_claim_names`/`_claim_sources`, OIDC Core 5.6.2), or
 *  says `hasgroups`. Taking such a person as group-less would quietly drop their rights (the
 *  Argo CD bug this avoids), and fetching them means a Graph API call with a credential of
 *  KubeNova's per sign-in: refused, telling the admin what to configure. */
function refuseGroupOverage(payload: JWTPayload, claim: string): void {
  if (payload[claim] !== undefined) return;
  const names = payload._claim_names;
  const distributed = typeof names === 'object' && names !== null && Object.hasOwn(names, claim);
  if (!distributed && payload.hasgroups !== true) return;
  throw new AuthenticationError(
    `invalid bearer token: its "${claim}" claim was left out for too many groups (group overage); ` +
      "configure the issuer to emit only the groups assigned to KubeNova's application (Entra ID: groupMembershipClaims ApplicationGroup) or app roles, and map those in role rules",
    'groups_overage',
  );
}

function groupsOf(value: unknown, claim: string): string[] {
  if (value === undefined) return [];
  if (typeof value === 'string') return [value];
  if (Array.isArray(value) && value.length <= MAX_GROUPS && value.every((g) => typeof g === 'string')) return [...new Set(value)];
  throw new AuthenticationError(`invalid bearer token: the "${claim}" claim must be a string or an array of strings`, 'claims_invalid');
}

/** The issuer's key set, found through discovery on first use. A failed discovery is retried,
 *  but not more often than every `discoveryRetryMs`. */
function discoveredKeys(config: IssuerConfig, opts: IssuerVerifierOptions): () => Promise<JWTVerifyGetKey> {
  let keys: Promise<JWTVerifyGetKey> | undefined;
  let failedAt = -Infinity;
  const retryMs = opts.discoveryRetryMs ?? 10_000;
  return () => {
    if (!keys) {
      if (Date.now() - failedAt < retryMs) return Promise.reject(new SigningKeysUnavailableError(`issuer ${config.name}: discovery failed recently`));
      keys = discover(config).then(
        (jwksUri) => createRemoteJWKSet(jwksUri, { cooldownDuration: opts.jwksCooldownMs ?? 30_000, cacheMaxAge: 10 * 60_000, timeoutDuration: 5_000 }),
        (err: Error) => {
          keys = undefined;
          failedAt = Date.now();
          throw new SigningKeysUnavailableError(`issuer ${config.name}: ${err.message}`);
        },
      );
    }
    return keys;
  };
}

async function discover(config: IssuerConfig): Promise<URL> {
  const url = `${config.issuerUrl.replace(/\/$/, '')}/.well-known/openid-configuration`;
  const res = await fetch(url, { signal: AbortSignal.timeout(5_000), redirect: 'error' });
  if (!res.ok) throw new Error(`discovery answered ${res.status}`);
  const doc = (await res.json()) as { issuer?: unknown; jwks_uri?: unknown };
  // OIDC Discovery 4.3: the document's issuer must be exactly the one configured.
  if (doc.issuer !== config.issuerUrl) throw new Error('discovery names another issuer');
  if (typeof doc.jwks_uri !== 'string') throw new Error('discovery has no jwks_uri');
  const jwks = new URL(doc.jwks_uri);
  const loopback = ['localhost', '127.0.0.1', '[::1]'].includes(jwks.hostname);
  if (jwks.protocol !== 'https:' && !(jwks.protocol === 'http:' && loopback)) throw new Error('jwks_uri must be https');
  return jwks;
}
