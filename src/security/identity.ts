// The one TokenVerifier the API uses: a bearer token is an API token (`knt_...`), an ID token of
// a configured OIDC issuer (chosen by its `iss`, and verified only with that issuer's keys and
// settings, so a token of issuer A is never judged as issuer B's), or a token for the local keys
// (self-minted HS256/RS256, the legacy JWKS). A person's rights come from the role rules.
import { decodeJwt } from 'jose';
import { AuthenticationError, type Identity, type Principal, type RoleBinding, type TokenVerifier } from './auth.js';
import type { IssuerVerifier } from './oidc-issuer.js';
import { bindingsFor, type RoleRule } from './role-rules.js';

/** The role rules in force: seeded ones and those managed through the API. */
export interface RuleSource {
  rules(): Promise<readonly RoleRule[]>;
}

export interface IdentityVerifierParts {
  issuers: readonly IssuerVerifier[];
  rules: RuleSource;
  /** Self-minted and legacy tokens; absent when only OIDC (and API tokens) are configured. */
  local?: TokenVerifier;
  /** API tokens, recognized by their prefix. */
  apiTokens?: { prefix: string; verifier: TokenVerifier };
}

export function createIdentityVerifier(parts: IdentityVerifierParts): TokenVerifier {
  const byIssuerUrl = new Map(parts.issuers.map((i) => [i.config.issuerUrl, i]));
  return {
    async verify(token) {
      if (parts.apiTokens && token.startsWith(parts.apiTokens.prefix)) return parts.apiTokens.verifier.verify(token);
      const iss = issuerClaim(token);
      const issuer = iss === undefined ? undefined : byIssuerUrl.get(iss);
      if (issuer) {
        const identity = await issuer.verify(token);
        return principalOf(identity, bindingsFor(await parts.rules.rules(), identity));
      }
      if (!parts.local) throw new AuthenticationError('invalid bearer token: its issuer is not configured', 'issuer_unknown');
      try {
        return await parts.local.verify(token);
      } catch (err) {
        // A token naming an issuer we do not know: say so, rather than how the local keys failed.
        if (err instanceof AuthenticationError && iss !== undefined && byIssuerUrl.size > 0 && err.reason !== 'issuer_mismatch') {
          throw new AuthenticationError('invalid bearer token: its issuer is not configured', 'issuer_unknown');
        }
        throw err;
      }
    },
  };
}

/** The unverified `iss`, only to choose who verifies the token. */
function issuerClaim(token: string): string | undefined {
  try {
    const iss = decodeJwt(token).iss;
    return typeof iss === 'string' ? iss : undefined;
  } catch {
    throw new AuthenticationError('invalid bearer token: not a JWT', 'malformed');
  }
}

/** Who made a request, as records name them: the principal subject and, for a person or an API
 *  token, the issuer and username. */
export interface Requester {
  subject: string;
  issuer?: string;
  username?: string;
}

export function requesterOf(principal: Principal): Requester {
  const id = principal.identity;
  return { subject: principal.subject, ...(id && { issuer: id.issuer, username: id.username }) };
}

/** A principal whose rights are exactly its bindings (`roles` and `tenants` summarize them for
 *  the code that reads those; `tenants` names only tenant-wide rights: a right in one project
 *  does not open its tenant's events or policy sets). */
export function principalOf(identity: Identity, bindings: RoleBinding[], subject = `oidc:${identity.issuer}:${identity.subject}`): Principal {
  const tenants = [...new Set(bindings.flatMap((b) => (b.tenant === undefined || b.project !== undefined ? [] : [b.tenant])))];
  return {
    subject,
    roles: [...new Set(bindings.map((b) => b.role))],
    ...(tenants.length > 0 && { tenants }),
    identity,
    bindings,
  };
}
