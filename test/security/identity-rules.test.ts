// Pure identity logic as tables: the config file, role rules, the claim checks jose leaves to us,
// and authorization with per-tenant rights.
import { describe, expect, it } from 'vitest';
import { AuthenticationError, type Identity, type Principal } from '../../src/security/auth.js';
import { authorize } from '../../src/security/authorization.js';
import { IdentityConfigError, parseIdentityConfig, type IssuerConfig } from '../../src/security/identity-config.js';
import { identityOf } from '../../src/security/oidc-issuer.js';
import { bindingsFor, ruleProblems, type RoleRule } from '../../src/security/role-rules.js';
import { type RoleRuleSpec } from '../../src/domain/kinds/rolerule.js';

const ISSUER = 'issuers: [{ name: corp, issuerUrl: "https://idp.example", audiences: [kubenova] }]';

describe('parseIdentityConfig', () => {
  it('fills the defaults of an issuer', () => {
    expect(parseIdentityConfig(ISSUER).issuers[0]).toMatchObject({
      username: { claim: 'sub', prefix: '' },
      groups: { claim: 'groups', prefix: '' },
      requiredClaims: {},
      algorithms: expect.not.arrayContaining(['HS256', 'none']),
    });
  });

  it.each([
    ['not YAML', '{', /not valid YAML/],
    ['an unknown field', 'issuers: [{ name: corp, issuerUrl: "https://i", audiences: [a], extra: 1 }]', /invalid at \/issuers\/0/],
    ['no audience', 'issuers: [{ name: corp, issuerUrl: "https://i", audiences: [] }]', /invalid at \/issuers\/0\/audiences/],
    ['a plain http issuer off loopback', 'issuers: [{ name: corp, issuerUrl: "http://idp.example", audiences: [a] }]', /issuerUrl must be an https/],
    ['an issuer URL with a query', 'issuers: [{ name: corp, issuerUrl: "https://i/?x=1", audiences: [a] }]', /issuerUrl/],
    ['HS256 as an algorithm', 'issuers: [{ name: corp, issuerUrl: "https://i", audiences: [a], algorithms: [HS256] }]', /algorithms/],
    [
      'two issuers of one name',
      'issuers: [{ name: a, issuerUrl: "https://i", audiences: [a] }, { name: a, issuerUrl: "https://j", audiences: [a] }]',
      /issuers\/1\/name repeats/,
    ],
    [
      'a rule naming no configured issuer',
      `${ISSUER}\nroleRules: [{ name: r, issuer: other, group: g, role: platform-admin }]`,
      /roleRules\/0\/issuer names no configured issuer/,
    ],
    ['a tenant-admin rule without tenant', 'roleRules: [{ name: r, group: g, role: tenant-admin }]', /roleRules\/0 tenant is required/],
    ['a rule of an unknown role', 'roleRules: [{ name: r, group: g, role: owner }]', /roleRules\/0\/role/],
    ['YAML merge keys', 'a: &x { b: 1 }\nissuers: [{ <<: *x }]', /invalid|not valid/],
  ])('refuses %s, saying where', (_reason, text, message) => {
    expect(() => parseIdentityConfig(text)).toThrow(IdentityConfigError);
    expect(() => parseIdentityConfig(text)).toThrow(message);
  });

  it('an empty file configures nothing', () => {
    expect(parseIdentityConfig('')).toEqual({ issuers: [], roleRules: [] });
  });
});

describe('role rules', () => {
  const who: Identity = { issuer: 'corp', subject: 's1', username: 'bob@corp', groups: ['acme-admins', 'staff'] };
  const rule = (name: string, spec: RoleRuleSpec): RoleRule => ({ name, spec });

  it.each([
    [
      'a group of the issuer matches',
      rule('r', { issuer: 'corp', group: 'acme-admins', role: 'tenant-admin', tenant: 'acme' }),
      [{ role: 'tenant-admin', tenant: 'acme', source: 'rule/r' }],
    ],
    ['the same group of another issuer does not', rule('r', { issuer: 'other', group: 'acme-admins', role: 'platform-admin' }), []],
    ['a rule without issuer matches any issuer', rule('r', { group: 'staff', role: 'read-only' }), [{ role: 'read-only', source: 'rule/r' }]],
    [
      'a user rule matches the username',
      rule('r', { user: 'bob@corp', role: 'tenant-dev', tenant: 'web' }),
      [{ role: 'tenant-dev', tenant: 'web', source: 'rule/r' }],
    ],
    ['a user rule does not match the subject', rule('r', { user: 's1', role: 'platform-admin' }), []],
    ['a group name is matched exactly (no prefix match)', rule('r', { group: 'acme', role: 'platform-admin' }), []],
    [
      'anyone matches every person',
      rule('r', { anyone: true, role: 'read-only', tenant: 'lobby' }),
      [{ role: 'read-only', tenant: 'lobby', source: 'rule/r' }],
    ],
  ])('%s', (_reason, r, expected) => {
    expect(bindingsFor([r], who)).toEqual(expected);
  });

  it.each([
    ['no subject', { role: 'read-only' }, 'must name exactly one of group, user or anyone'],
    ['two subjects', { group: 'g', user: 'u', role: 'read-only' }, 'must name exactly one of group, user or anyone'],
    ['tenant-dev without tenant', { group: 'g', role: 'tenant-dev' }, 'is required for tenant-dev'],
    ['platform-admin of a tenant', { group: 'g', role: 'platform-admin', tenant: 't' }, 'must be omitted for platform-admin'],
  ] as const)('a rule with %s is refused', (_reason, spec, reason) => {
    expect(ruleProblems(spec as RoleRuleSpec).map((p) => p.reason)).toContain(reason);
  });
});

describe('claims beyond the signature (identityOf)', () => {
  const config: IssuerConfig = {
    name: 'corp',
    issuerUrl: 'https://idp.example',
    audiences: ['kubenova'],
    username: { claim: 'email', prefix: 'corp:' },
    groups: { claim: 'groups', prefix: 'corp:' },
    requiredClaims: { hd: 'corp.example' },
    algorithms: ['RS256'],
  };
  const base = { iss: config.issuerUrl, sub: 's1', aud: 'kubenova', email: 'a@corp.example', hd: 'corp.example', groups: ['g'] };

  it('maps username and groups with their prefixes', () => {
    expect(identityOf(config, base)).toEqual({ issuer: 'corp', subject: 's1', username: 'corp:a@corp.example', groups: ['corp:g'] });
  });

  it.each([
    ['several audiences without azp', { aud: ['kubenova', 'other'] }, 'authorized_party_mismatch'],
    ['several audiences, azp another client', { aud: ['kubenova', 'other'], azp: 'other' }, 'authorized_party_mismatch'],
    ['azp naming another client', { azp: 'other' }, 'authorized_party_mismatch'],
    ['a required claim missing', { hd: undefined }, 'required_claim_mismatch'],
    ['a required claim with another value', { hd: 'evil.example' }, 'required_claim_mismatch'],
    ['no username claim', { email: undefined }, 'claims_invalid'],
    ['an unverified email as username', { email_verified: false }, 'claims_invalid'],
    ['groups that are not strings', { groups: [1] }, 'claims_invalid'],
    [
      'group overage (distributed groups claim)',
      { groups: undefined, _claim_names: { groups: 'src1' }, _claim_sources: { src1: { endpoint: 'https://graph.example/x' } } },
      'groups_overage',
    ],
    ['group overage (hasgroups)', { groups: undefined, hasgroups: true }, 'groups_overage'],
  ])('refuses %s', (_reason, change, reason) => {
    const err = (() => {
      try {
        identityOf(config, { ...base, ...change });
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(AuthenticationError);
    expect((err as AuthenticationError).reason).toBe(reason);
  });

  it('a distributed claim of another name is no overage; no groups at all is group-less', () => {
    expect(identityOf(config, { ...base, groups: undefined, _claim_names: { address: 'src1' }, _claim_sources: { src1: {} } }).groups).toEqual([]);
    expect(identityOf(config, { ...base, groups: undefined }).groups).toEqual([]);
  });

  it('accepts several audiences when azp is a configured client', () => {
    expect(identityOf(config, { ...base, aud: ['kubenova', 'other'], azp: 'kubenova' }).subject).toBe('s1');
  });
});

describe('authorize with per-tenant rights', () => {
  const mixed: Principal = {
    subject: 'p',
    roles: ['tenant-admin', 'tenant-dev'],
    tenants: ['acme', 'globex'],
    bindings: [
      { role: 'tenant-admin', tenant: 'acme', source: 'rule/a' },
      { role: 'tenant-dev', tenant: 'globex', source: 'rule/b' },
    ],
  };

  it.each([
    ['creating projects reaches only the tenant one administers', 'Project', 'create', undefined, { allowed: true, scope: ['acme'] }],
    ['reading apps reaches both tenants', 'App', 'list', undefined, { allowed: true, scope: ['acme', 'globex'] }],
    ['in globex only tenant-dev counts for issuing grants', 'KubeconfigGrant', 'create', 'globex', { allowed: false }],
    ['in acme tenant-admin creates grants', 'KubeconfigGrant', 'create', 'acme', { allowed: true, roles: ['tenant-admin'] }],
    ['clusters stay out of reach', 'Cluster', 'list', undefined, { allowed: false }],
  ] as const)('%s', (_reason, kind, verb, tenant, expected) => {
    expect(authorize(mixed, kind, verb, tenant)).toMatchObject(expected);
  });

  it('read-only without a tenant reads the platform; with one, that tenant', () => {
    const reader = (tenant?: string): Principal => ({
      subject: 'r',
      roles: ['read-only'],
      bindings: [{ role: 'read-only', ...(tenant && { tenant }), source: 'rule/r' }],
    });
    expect(authorize(reader(), 'Cluster', 'list')).toMatchObject({ allowed: true, scope: 'all' });
    expect(authorize(reader('acme'), 'Tenant', 'list')).toMatchObject({ allowed: true, scope: ['acme'] });
    expect(authorize(reader('acme'), 'Cluster', 'list')).toEqual({ allowed: false });
  });
});

describe('rights held in one project', () => {
  const dev: Principal = { subject: 'bob', roles: ['tenant-dev'], bindings: [{ role: 'tenant-dev', tenant: 'acme', project: 'acme-web', source: 'rule/bob' }] };

  it.each([
    [
      'apps are listed in the project only',
      'App',
      'list',
      undefined,
      undefined,
      { allowed: true, scope: [], projects: [{ tenant: 'acme', project: 'acme-web' }] },
    ],
    ['apps are created in the project', 'App', 'create', 'acme', 'acme-web', { allowed: true, roles: ['tenant-dev'] }],
    ['not in another project of the tenant', 'App', 'create', 'acme', 'acme-back', { allowed: false }],
    ['not tenant-wide', 'KubeconfigGrant', 'list', 'acme', undefined, { allowed: false }],
    ['the tenant is readable', 'Tenant', 'get', 'acme', undefined, { allowed: true }],
    ['but not issued from', 'Tenant', 'issue-kubeconfig', undefined, undefined, { allowed: false }],
    ['the project is never created or deleted', 'Project', 'delete', undefined, undefined, { allowed: false }],
    ['policy sets stay out of reach', 'PolicySet', 'get', undefined, undefined, { allowed: false }],
  ] as const)('%s', (_reason, kind, verb, tenant, project, expected) => {
    expect(authorize(dev, kind, verb, tenant, project)).toMatchObject(expected);
  });

  it.each([
    [{ user: 'bob', role: 'tenant-dev', tenant: 'acme', project: 'acme-web' }, []],
    [{ user: 'bob', role: 'tenant-dev', project: 'acme-web' }, ['spec/tenant', 'spec/project']],
    [{ group: 'g', role: 'platform-admin', project: 'acme-web' }, ['spec/project']],
  ] as const)('rule %j has problems at %j', (spec, fields) => {
    expect(ruleProblems(spec as RoleRuleSpec).map((p) => p.field)).toEqual(fields);
  });

  it('a rule gives its project with the binding', () => {
    const who: Identity = { issuer: 'corp', subject: 's', username: 'bob@corp', groups: [] };
    const rules: RoleRule[] = [{ name: 'bob', spec: { issuer: 'corp', user: 'bob@corp', role: 'tenant-dev', tenant: 'acme', project: 'acme-web' } }];
    expect(bindingsFor(rules, who)).toEqual([{ role: 'tenant-dev', tenant: 'acme', project: 'acme-web', source: 'rule/bob' }]);
  });
});
