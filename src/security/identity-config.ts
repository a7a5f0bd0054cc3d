// The identity configuration file (KUBENOVA_OIDC_CONFIG): the OIDC issuers people sign in with
// and the role rules seeded at start, in YAML or JSON: what a Helm values file would carry.
// Parsing is pure; the caller reads the file. Shaped after Kubernetes' AuthenticationConfiguration
// (issuer URL, audiences, claim mappings with prefixes, required claims).
import { Type, type Static } from 'typebox';
import { Compile } from 'typebox/compile';
import { parse } from 'yaml';
import { ruleProblems, type RoleRule } from './role-rules.js';
import { RoleRuleSpecSchema } from '../domain/kinds/rolerule.js';
import { isKeySourceUrl, parseUrl } from './key-source-url.js';

/** Asymmetric JWS algorithms only: an issuer's keys are public, so an HMAC "signed" with one
 *  proves nothing, and `none` signs nothing. */
export const ASYMMETRIC_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'] as const;

const NAME = '^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$';
const ClaimMapping = (defaultClaim: string) =>
  Type.Object(
    {
      claim: Type.Optional(Type.String({ minLength: 1, maxLength: 128, description: `default: ${defaultClaim}` })),
      prefix: Type.Optional(Type.String({ maxLength: 64, description: 'default: none' })),
    },
    { additionalProperties: false },
  );

const IssuerSchema = Type.Object(
  {
    name: Type.String({ pattern: NAME, maxLength: 63 }),
    /** Exactly the `iss` of its tokens; discovery is at <url>/.well-known/openid-configuration. */
    issuerUrl: Type.String({ minLength: 1, maxLength: 2048 }),
    /** Client ids: a token's `aud` must contain one of them. */
    audiences: Type.Array(Type.String({ minLength: 1, maxLength: 256 }), { minItems: 1, maxItems: 16 }),
    username: Type.Optional(ClaimMapping('sub')),
    groups: Type.Optional(ClaimMapping('groups')),
    /** Claims a token must carry with exactly these string values (e.g. a hosted domain). */
    requiredClaims: Type.Optional(Type.Record(Type.String({ minLength: 1, maxLength: 128 }), Type.String({ maxLength: 256 }))),
    algorithms: Type.Optional(Type.Array(Type.Enum([...ASYMMETRIC_ALGORITHMS], { type: 'string' }), { minItems: 1 })),
    /** A public client of the web console (code + PKCE in the browser, redirect /ui/callback):
     *  listed by GET /api/v1/auth/providers, and accepted as an audience. */
    consoleClientId: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
    /** Scopes the console asks for (default: openid profile email). */
    consoleScopes: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 128, pattern: '^[\\x21-\\x7E]+$' }), { minItems: 1, maxItems: 16 })),
  },
  { additionalProperties: false },
);

const FileSchema = Type.Object(
  {
    issuers: Type.Optional(Type.Array(IssuerSchema, { maxItems: 32 })),
    roleRules: Type.Optional(
      Type.Array(Type.Object({ name: Type.String({ pattern: NAME, maxLength: 63 }), ...RoleRuleSpecSchema.properties }, { additionalProperties: false }), {
        maxItems: 1000,
      }),
    ),
  },
  { additionalProperties: false },
);
const checkFile = Compile(FileSchema);

export interface IssuerConfig {
  name: string;
  issuerUrl: string;
  audiences: string[];
  username: { claim: string; prefix: string };
  groups: { claim: string; prefix: string };
  requiredClaims: Record<string, string>;
  algorithms: string[];
  /** The web console's client at this issuer, when it has one. */
  console?: { clientId: string; scopes: string[] };
}

/** Default scopes of the console's sign-in. */
export const CONSOLE_SCOPES = ['openid', 'profile', 'email'];

export interface IdentityConfig {
  issuers: IssuerConfig[];
  /** Seeded rules: in force beside the RoleRule objects of the API, not editable there. */
  roleRules: RoleRule[];
}

export class IdentityConfigError extends Error {
  override readonly name = 'IdentityConfigError';
}

/** One issuer as the file writes it (what the environment variables make too). */
export type IssuerEntry = Static<typeof IssuerSchema>;

/** The parsed configuration, or IdentityConfigError saying what to fix (where, never a value).
 *  `extraIssuers` (from the environment) follow the file's. */
export function parseIdentityConfig(text: string, extraIssuers: readonly IssuerEntry[] = []): IdentityConfig {
  let raw: unknown;
  try {
    raw = parse(text, { merge: false, maxAliasCount: 0 });
  } catch {
    throw new IdentityConfigError('the identity config is not valid YAML or JSON');
  }
  raw ??= {};
  if (extraIssuers.length > 0 && typeof raw === 'object' && !Array.isArray(raw)) {
    const file = raw as { issuers?: unknown };
    file.issuers = [...(Array.isArray(file.issuers) ? (file.issuers as unknown[]) : []), ...extraIssuers];
  }
  if (!checkFile.Check(raw)) {
    const first = [...checkFile.Errors(raw)][0];
    throw new IdentityConfigError(`the identity config is invalid at ${first?.instancePath || '/'}: ${first?.message ?? 'unexpected shape'}`);
  }
  const file = raw;
  const issuers = (file.issuers ?? []).map((i, n): IssuerConfig => {
    if (!isAcceptableIssuerUrl(i.issuerUrl)) {
      throw new IdentityConfigError(`issuers/${n}/issuerUrl must be an https:// URL (http:// only on loopback) without query or fragment`);
    }
    return {
      name: i.name,
      issuerUrl: i.issuerUrl,
      // The console's ID tokens name its client: accepted like the other client ids.
      audiences: i.consoleClientId === undefined || i.audiences.includes(i.consoleClientId) ? i.audiences : [...i.audiences, i.consoleClientId],
      username: { claim: i.username?.claim ?? 'sub', prefix: i.username?.prefix ?? '' },
      groups: { claim: i.groups?.claim ?? 'groups', prefix: i.groups?.prefix ?? '' },
      requiredClaims: i.requiredClaims ?? {},
      algorithms: i.algorithms ?? [...ASYMMETRIC_ALGORITHMS],
      ...(i.consoleClientId !== undefined && { console: { clientId: i.consoleClientId, scopes: i.consoleScopes ?? CONSOLE_SCOPES } }),
    };
  });
  duplicates(
    issuers.map((i) => i.name),
    'issuers',
    'name',
  );
  duplicates(
    issuers.map((i) => i.issuerUrl),
    'issuers',
    'issuerUrl',
  );
  const names = new Set(issuers.map((i) => i.name));
  const roleRules = (file.roleRules ?? []).map(({ name, ...spec }, n): RoleRule => {
    const problem = ruleProblems(spec)[0];
    if (problem) throw new IdentityConfigError(`roleRules/${n} ${problem.field.replace(/^spec\/?/, '')} ${problem.reason}`.replace(/  +/g, ' '));
    if (spec.issuer !== undefined && !names.has(spec.issuer)) throw new IdentityConfigError(`roleRules/${n}/issuer names no configured issuer`);
    return { name, spec, source: `config/${name}` };
  });
  duplicates(
    roleRules.map((r) => r.name),
    'roleRules',
    'name',
  );
  return { issuers, roleRules };
}

function duplicates(values: string[], list: string, field: string): void {
  const i = values.findIndex((v, n) => values.indexOf(v) !== n);
  if (i >= 0) throw new IdentityConfigError(`${list}/${i}/${field} repeats an earlier entry's`);
}

function isAcceptableIssuerUrl(text: string): boolean {
  const url = parseUrl(text);
  if (!url || url.search !== '' || url.hash !== '' || url.username !== '' || url.password !== '') return false;
  return isKeySourceUrl(url);
}
