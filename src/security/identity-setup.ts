// Putting the verifier together from the configuration: the I/O half of identity (reading the
// identity config file, loading local keys).
import { readFile } from 'node:fs/promises';
import { ConfigError, type AuthConfig } from '../config.js';
import { createTokenVerifier, type TokenVerifier } from './auth.js';
import { loadVerificationKeys } from './auth-keys.js';
import { createIdentityVerifier, type IdentityVerifierParts } from './identity.js';
import { IdentityConfigError, parseIdentityConfig, type IdentityConfig, type IssuerEntry } from './identity-config.js';
import { createIssuerVerifier } from './oidc-issuer.js';
import type { RoleRule } from './role-rules.js';

/** The issuers and seeded rules of the KUBENOVA_OIDC_CONFIG file and the issuer of the
 *  KUBENOVA_OIDC_* variables (after the file's; names and URLs must not repeat). */
export async function loadIdentityConfig(file: string | undefined, fromEnv?: IssuerEntry): Promise<IdentityConfig> {
  const extra = fromEnv ? [fromEnv] : [];
  if (file === undefined) return parseIdentityConfig('{}', extra);
  const text = await readFile(file, 'utf8').catch(() => {
    throw new ConfigError(`KUBENOVA_OIDC_CONFIG file ${file} cannot be read`);
  });
  try {
    return parseIdentityConfig(text, extra);
  } catch (err) {
    if (err instanceof IdentityConfigError) throw new ConfigError(`KUBENOVA_OIDC_CONFIG${fromEnv ? ' with the KUBENOVA_OIDC_* issuer' : ''}: ${err.message}`);
    throw err;
  }
}

export interface VerifierSetup {
  identity: IdentityConfig;
  /** Rules managed through the API, beside the seeded ones. */
  managedRules?: () => Promise<readonly RoleRule[]>;
  apiTokens?: IdentityVerifierParts['apiTokens'];
}

/** The server's TokenVerifier: OIDC issuers with role rules, API tokens, and the local keys
 *  when any are configured. */
export async function createServerVerifier(auth: AuthConfig, setup: VerifierSetup): Promise<TokenVerifier> {
  const keys = await loadVerificationKeys(auth);
  const hasLocalKeys = keys.hs256Secret !== undefined || keys.rs256PublicKey !== undefined || keys.jwks !== undefined;
  const local = hasLocalKeys ? createTokenVerifier(keys, { issuer: auth.issuer, audience: auth.audience }) : undefined;
  const seeded = setup.identity.roleRules;
  return createIdentityVerifier({
    issuers: setup.identity.issuers.map((i) => createIssuerVerifier(i)),
    rules: { rules: async () => (setup.managedRules ? [...seeded, ...(await setup.managedRules())] : seeded) },
    ...(local && { local }),
    ...(setup.apiTokens && { apiTokens: setup.apiTokens }),
  });
}
