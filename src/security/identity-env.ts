// One OIDC issuer from environment variables, beside (or instead of) the KUBENOVA_OIDC_CONFIG
// file: the settings a Helm chart's values put into the Deployment's env. The entry is checked by
// the same parser as the file's issuers, and a problem is reported by the variable's name.
import { IdentityConfigError, parseIdentityConfig, type IssuerEntry } from './identity-config.js';

/** Documented in `--help` and the README. */
export const OIDC_ENVIRONMENT = {
  KUBENOVA_OIDC_ISSUER_URL: "an OIDC issuer people sign in with (exactly its tokens' iss); the variables below configure it",
  KUBENOVA_OIDC_ISSUER_NAME: 'its name in role rules, whoami and the audit log (default oidc)',
  KUBENOVA_OIDC_CLIENT_ID: "client ids, comma-separated: a token's aud must contain one (required with KUBENOVA_OIDC_ISSUER_URL)",
  KUBENOVA_OIDC_USERNAME_CLAIM: 'claim holding the username (default sub)',
  KUBENOVA_OIDC_USERNAME_PREFIX: 'prefix put before usernames (default none)',
  KUBENOVA_OIDC_GROUPS_CLAIM: 'claim holding the groups (default groups)',
  KUBENOVA_OIDC_GROUPS_PREFIX: 'prefix put before group names (default none)',
  KUBENOVA_OIDC_REQUIRED_CLAIMS: 'claims tokens must carry with exactly these values: claim=value,claim=value',
  KUBENOVA_OIDC_CONSOLE_CLIENT_ID: "the web console's public client at the issuer (listed by GET /api/v1/auth/providers)",
} as const;

type OidcVariable = keyof typeof OIDC_ENVIRONMENT;

/** Where each field of an issuer entry comes from, to name the variable in errors. */
const VARIABLE_OF: Record<string, OidcVariable> = {
  name: 'KUBENOVA_OIDC_ISSUER_NAME',
  issuerUrl: 'KUBENOVA_OIDC_ISSUER_URL',
  audiences: 'KUBENOVA_OIDC_CLIENT_ID',
  username: 'KUBENOVA_OIDC_USERNAME_CLAIM',
  groups: 'KUBENOVA_OIDC_GROUPS_CLAIM',
  requiredClaims: 'KUBENOVA_OIDC_REQUIRED_CLAIMS',
  consoleClientId: 'KUBENOVA_OIDC_CONSOLE_CLIENT_ID',
};

const list = (text: string) =>
  text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');

/** The issuer the variables describe; undefined when none is set. Throws IdentityConfigError
 *  naming the variable to fix (never its value). */
export function issuerFromEnvironment(get: (name: OidcVariable) => string | undefined): IssuerEntry | undefined {
  const set = (Object.keys(OIDC_ENVIRONMENT) as OidcVariable[]).filter((v) => get(v) !== undefined);
  if (set.length === 0) return undefined;
  const issuerUrl = get('KUBENOVA_OIDC_ISSUER_URL');
  if (issuerUrl === undefined) throw new IdentityConfigError(`${set[0]} is set but KUBENOVA_OIDC_ISSUER_URL is not: set the issuer URL too`);
  const clientIds = list(get('KUBENOVA_OIDC_CLIENT_ID') ?? '');
  if (clientIds.length === 0)
    throw new IdentityConfigError('KUBENOVA_OIDC_CLIENT_ID is required with KUBENOVA_OIDC_ISSUER_URL (the client ids tokens are issued for)');
  const entry: IssuerEntry = { name: get('KUBENOVA_OIDC_ISSUER_NAME') ?? 'oidc', issuerUrl, audiences: clientIds };
  const mapping = (claim: string | undefined, prefix: string | undefined) =>
    claim === undefined && prefix === undefined ? undefined : { ...(claim !== undefined && { claim }), ...(prefix !== undefined && { prefix }) };
  const username = mapping(get('KUBENOVA_OIDC_USERNAME_CLAIM'), get('KUBENOVA_OIDC_USERNAME_PREFIX'));
  const groups = mapping(get('KUBENOVA_OIDC_GROUPS_CLAIM'), get('KUBENOVA_OIDC_GROUPS_PREFIX'));
  if (username) entry.username = username;
  if (groups) entry.groups = groups;
  const required = get('KUBENOVA_OIDC_REQUIRED_CLAIMS');
  if (required !== undefined) entry.requiredClaims = requiredClaims(required);
  const console = get('KUBENOVA_OIDC_CONSOLE_CLIENT_ID');
  if (console !== undefined) entry.consoleClientId = console;
  try {
    parseIdentityConfig(JSON.stringify({ issuers: [entry] }));
  } catch (err) {
    if (!(err instanceof IdentityConfigError)) throw err;
    const field = /issuers\/0\/?([A-Za-z]*)/.exec(err.message)?.[1] ?? '';
    const variable = VARIABLE_OF[field] ?? 'KUBENOVA_OIDC_ISSUER_URL';
    throw new IdentityConfigError(`${variable} is invalid: ${err.message.replace(/^.*?issuers\/0\/?[A-Za-z]*\/?[^ ]*:? ?/, '')}`);
  }
  return entry;
}

function requiredClaims(text: string): Record<string, string> {
  const claims: Record<string, string> = {};
  for (const pair of list(text)) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new IdentityConfigError('KUBENOVA_OIDC_REQUIRED_CLAIMS must be claim=value pairs separated by commas');
    claims[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return claims;
}
