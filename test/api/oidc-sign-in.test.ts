// People signing in through a real OpenID provider (oidc-provider, its own process): code + PKCE
// through its login form, then the ID token as the bearer token of the API. Rights come from role
// rules only; every way a token can be wrong is a 401 with a machine-readable reason.
import { createHmac, randomBytes } from 'node:crypto';
import { createPublicKey } from 'node:crypto';
import { decodeJwt, decodeProtectedHeader, generateKeyPair, SignJWT, type JWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lookupApiToken } from '../../src/api/kinds/apitoken.js';
import { managedRoleRules } from '../../src/api/kinds/rolerule.js';
import { API_TOKEN_PREFIX, createApiTokenVerifier } from '../../src/security/api-tokens.js';
import { createTokenVerifier } from '../../src/security/auth.js';
import { parseIdentityConfig, type IdentityConfig } from '../../src/security/identity-config.js';
import { createIdentityVerifier } from '../../src/security/identity.js';
import { createIssuerVerifier, type IssuerVerifierOptions } from '../../src/security/oidc-issuer.js';
import { startIdentityProvider, type TestIdentityProvider, type TestUser } from '../support/identity-provider.js';
import { loginWithCode } from '../support/oidc-login.js';
import { ADMIN, json, openTestStore, startHarness, TEST_SECRET, type Harness } from './support/harness.js';

const REDIRECT = 'http://127.0.0.1:9/callback';
const USERS: Record<string, TestUser> = {
  alice: { password: 'alice-pw', email: 'alice@corp.example', groups: ['acme-admins'] },
  bob: { password: 'bob-pw', email: 'bob@corp.example', groups: ['staff'] },
  carol: { password: 'carol-pw', email: 'carol@corp.example', groups: ['platform'] },
};

let idp: TestIdentityProvider;
let other: TestIdentityProvider;
let shared: Awaited<ReturnType<typeof openTestStore>>;
let identity: IdentityConfig;
let h: Harness;

function server(opts: IssuerVerifierOptions = {}): Promise<Harness> {
  return startHarness({
    store: shared.store,
    verifier: createIdentityVerifier({
      issuers: identity.issuers.map((i) => createIssuerVerifier(i, opts)),
      rules: { rules: async () => [...identity.roleRules, ...(await managedRoleRules(shared.store.objects))] },
      local: createTokenVerifier({ hs256Secret: TEST_SECRET }),
      apiTokens: { prefix: API_TOKEN_PREFIX, verifier: createApiTokenVerifier((name) => lookupApiToken(shared.store.objects, name)) },
    }),
  });
}

beforeAll(async () => {
  [idp, other, shared] = await Promise.all([
    startIdentityProvider({
      clients: [
        { clientId: 'kubenova', redirectUris: [REDIRECT] },
        { clientId: 'another-app', redirectUris: [REDIRECT] },
      ],
      users: USERS,
    }),
    startIdentityProvider({ clients: [{ clientId: 'kubenova', redirectUris: [REDIRECT] }], users: USERS }),
    openTestStore(),
  ]);
  identity = parseIdentityConfig(`
issuers:
  - name: corp
    issuerUrl: ${idp.issuer}
    audiences: [kubenova]
    username: { claim: email }
roleRules:
  - { name: acme-admins, issuer: corp, group: acme-admins, role: tenant-admin, tenant: acme }
  - { name: platform-team, issuer: corp, group: platform, role: platform-admin }
  - { name: bob-dev-globex, issuer: corp, user: bob@corp.example, role: tenant-dev, tenant: globex }
`);
  h = await server();
  for (const name of ['acme', 'globex', 'initech']) expect((await h.call(ADMIN, 'POST', '/api/v1/tenants', { name, spec: {} })).statusCode).toBe(201);
}, 120_000);
afterAll(async () => {
  await h?.close();
  await Promise.all([idp?.stop(), other?.stop(), shared?.close()]);
});

const signIn = async (login: string, provider = idp, clientId = 'kubenova') =>
  (await loginWithCode({ issuer: provider.issuer, clientId, redirectUri: REDIRECT, login, password: USERS[login]!.password })).idToken;

const tenantNames = async (token: string) => {
  const res = await h.call(token, 'GET', '/api/v1/tenants');
  expect(res.statusCode, res.body).toBe(200);
  return json<{ items: { name: string }[] }>(res)
    .items.map((t) => t.name)
    .sort();
};

async function expect401(token: string, reason: string, harness = h) {
  const res = await harness.call(token, 'GET', '/api/v1/tenants');
  expect(res.statusCode, res.body).toBe(401);
  expect(json(res)).toMatchObject({ code: 'UNAUTHENTICATED', details: [{ field: 'header/authorization', reason }] });
  expect(res.body).not.toContain(token.split('.')[1]!.slice(0, 20));
}

describe('signing in through the provider', () => {
  it('a person gets exactly the rights their groups map to, and whoami says why', async () => {
    const token = await signIn('alice');
    const who = await h.call(token, 'GET', '/api/v1/whoami');
    expect(json(who)).toEqual({
      subject: 'oidc:corp:alice',
      identity: { issuer: 'corp', subject: 'alice', username: 'alice@corp.example', groups: ['acme-admins'] },
      rights: [{ role: 'tenant-admin', tenant: 'acme', source: 'config/acme-admins' }],
    });
    expect(await tenantNames(token)).toEqual(['acme']);
    expect((await h.call(token, 'POST', '/api/v1/projects', { name: 'acme-web', spec: { tenant: 'acme' } })).statusCode).toBe(201);
    expect((await h.call(token, 'POST', '/api/v1/projects', { name: 'globex-web', spec: { tenant: 'globex' } })).statusCode).toBe(422);
    expect((await h.call(token, 'POST', '/api/v1/tenants', { name: 'mine', spec: {} })).statusCode).toBe(403);
  });

  it('a user rule gives that user (and only them) a role; tenant-dev may not create projects', async () => {
    const token = await signIn('bob');
    expect(json(await h.call(token, 'GET', '/api/v1/whoami')).rights).toEqual([{ role: 'tenant-dev', tenant: 'globex', source: 'config/bob-dev-globex' }]);
    expect(await tenantNames(token)).toEqual(['globex']);
    expect((await h.call(token, 'POST', '/api/v1/projects', { name: 'globex-x', spec: { tenant: 'globex' } })).statusCode).toBe(403);
  });

  it('the platform group is platform-admin', async () => {
    expect(await tenantNames(await signIn('carol'))).toEqual(['acme', 'globex', 'initech']);
  });

  it('a person no rule names is authenticated but may do nothing', async () => {
    idp.setUsers({ ...USERS, dave: { password: 'dave-pw', email: 'dave@corp.example', groups: ['nobody'] } });
    const token = (await loginWithCode({ issuer: idp.issuer, clientId: 'kubenova', redirectUri: REDIRECT, login: 'dave', password: 'dave-pw' })).idToken;
    expect(json(await h.call(token, 'GET', '/api/v1/whoami')).rights).toEqual([]);
    expect((await h.call(token, 'GET', '/api/v1/tenants')).statusCode).toBe(403);
    idp.setUsers(USERS);
  });

  it('a group change at the provider changes the rights at the next token', async () => {
    const before = await signIn('alice');
    idp.setUsers({ ...USERS, alice: { ...USERS.alice!, groups: ['platform'] } });
    try {
      const after = await signIn('alice');
      expect(await tenantNames(after)).toEqual(['acme', 'globex', 'initech']);
      // The earlier token still says what it said.
      expect(await tenantNames(before)).toEqual(['acme']);
    } finally {
      idp.setUsers(USERS);
    }
  });

  it('names the person (issuer and subject) in the audit log', async () => {
    const token = await signIn('alice');
    expect(
      (await h.call(token, 'POST', '/api/v1/projects', { name: 'acme-audited', spec: { tenant: 'acme' } }, { 'x-request-id': 'oidc-audit-1' })).statusCode,
    ).toBe(201);
    const audit = json<{ items: { actor: string; clientRequestId?: string }[] }>(await h.call(ADMIN, 'GET', '/api/v1/audit?limit=500'));
    expect(audit.items.find((r) => r.clientRequestId === 'oidc-audit-1')?.actor).toBe('oidc:corp:alice');
    // The write's events name the person too; events a token-claims caller caused name that subject.
    const events = json<{ items: { reason: string; actor?: string }[] }>(await h.call(ADMIN, 'GET', '/api/v1/events?clientRequestId=oidc-audit-1'));
    expect(events.items.find((e) => e.reason === 'Created')).toMatchObject({ actor: 'oidc:corp:alice' });
  });

  it('self-minted HS256 tokens keep working beside the issuers', async () => {
    expect((await h.call(ADMIN, 'GET', '/api/v1/tenants')).statusCode).toBe(200);
  });
});

describe('API tokens with SSO on', () => {
  it('a tenant admin signed in through the provider creates a token within their rights, and it works', async () => {
    const alice = await signIn('alice');
    const created = await h.call(alice, 'POST', '/api/v1/apitokens', { name: 'acme-ci', role: 'tenant-dev', tenant: 'acme', ttlSeconds: 3600 });
    expect(created.statusCode, created.body).toBe(201);
    const { token, createdBy } = json<{ token: string; createdBy: string }>(created);
    expect(createdBy).toBe('oidc:corp:alice');
    expect(json(await h.call(token, 'GET', '/api/v1/whoami'))).toMatchObject({
      subject: 'api-token:acme-ci',
      rights: [{ role: 'tenant-dev', tenant: 'acme', source: 'api-token/acme-ci' }],
    });
    expect(await tenantNames(token)).toEqual(['acme']);
    // Beyond alice's rights: another tenant, or the platform.
    expect((await h.call(alice, 'POST', '/api/v1/apitokens', { name: 'globex-ci', role: 'read-only', tenant: 'globex', ttlSeconds: 3600 })).statusCode).toBe(
      403,
    );
    expect((await h.call(alice, 'POST', '/api/v1/apitokens', { name: 'root-ci', role: 'read-only', ttlSeconds: 3600 })).statusCode).toBe(403);
  });
});

describe('role rules managed through the API', () => {
  it('a platform admin adds a rule; it applies at the next request and is audited with their name', async () => {
    idp.setUsers({ ...USERS, erin: { password: 'erin-pw', email: 'erin@corp.example', groups: ['initech-devs'] } });
    try {
      const erin = (await loginWithCode({ issuer: idp.issuer, clientId: 'kubenova', redirectUri: REDIRECT, login: 'erin', password: 'erin-pw' })).idToken;
      expect((await h.call(erin, 'GET', '/api/v1/tenants')).statusCode).toBe(403);
      const carol = await signIn('carol');
      const rule = { name: 'initech-devs', spec: { issuer: 'corp', group: 'initech-devs', role: 'tenant-dev', tenant: 'initech' } };
      const created = await h.call(carol, 'POST', '/api/v1/rolerules', rule, { 'x-request-id': 'rule-create-1' });
      expect(created.statusCode, created.body).toBe(201);
      expect(json(await h.call(erin, 'GET', '/api/v1/whoami')).rights).toEqual([{ role: 'tenant-dev', tenant: 'initech', source: 'rule/initech-devs' }]);
      expect(await tenantNames(erin)).toEqual(['initech']);
      const audit = json<{ items: { actor: string; clientRequestId?: string; kind: string; name: string }[] }>(
        await h.call(ADMIN, 'GET', '/api/v1/audit?kind=RoleRule'),
      );
      expect(audit.items.find((r) => r.clientRequestId === 'rule-create-1')).toMatchObject({
        actor: 'oidc:corp:carol',
        kind: 'RoleRule',
        name: 'initech-devs',
      });
      expect((await h.call(carol, 'DELETE', '/api/v1/rolerules/initech-devs')).statusCode).toBeLessThan(300);
      expect((await h.call(erin, 'GET', '/api/v1/tenants')).statusCode).toBe(403);
    } finally {
      idp.setUsers(USERS);
    }
  });

  it('a tenant admin may neither see nor write rules', async () => {
    const alice = await signIn('alice');
    const rule = { name: 'self-promotion', spec: { group: 'acme-admins', role: 'platform-admin' } };
    expect((await h.call(alice, 'POST', '/api/v1/rolerules', rule)).statusCode).toBe(403);
    expect((await h.call(alice, 'GET', '/api/v1/rolerules')).statusCode).toBe(403);
  });

  it.each([
    ['no group, user or anyone', { role: 'read-only' }, 'body/spec'],
    ['tenant-admin without tenant', { group: 'g', role: 'tenant-admin' }, 'body/spec/tenant'],
    ['an unknown role', { group: 'g', role: 'owner' }, 'body/spec/role'],
  ])('a rule with %s is a 400 naming the field', async (_what, spec, field) => {
    const res = await h.call(ADMIN, 'POST', '/api/v1/rolerules', { name: 'bad-rule', spec });
    expect(res.statusCode).toBe(400);
    expect(json<{ details: { field: string }[] }>(res).details.map((d) => d.field)).toContain(field);
  });
});

describe('refused tokens: 401 with a reason', () => {
  const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');

  it('an ID token for another client (wrong audience)', async () => {
    await expect401(await signIn('alice', idp, 'another-app'), 'audience_mismatch');
  });

  it('an ID token of an issuer that is not configured', async () => {
    await expect401(await signIn('alice', other), 'issuer_unknown');
  });

  it("another issuer's token claiming to be this issuer's (iss rewritten)", async () => {
    const [head, body, sig] = (await signIn('alice', other)).split('.');
    const forged = `${head}.${b64({ ...decodeJwt(`${head}.${body}.${sig}`), iss: idp.issuer })}.${sig}`;
    await expect401(forged, 'key_unknown');
  });

  it('an expired ID token', async () => {
    const token = await signIn('alice');
    const later = await server({ now: () => new Date(Date.now() + 2 * 3600_000) });
    try {
      await expect401(token, 'expired', later);
    } finally {
      await later.close();
    }
  });

  it("Entra ID's group overage: a token that names where its groups are instead of listing them", async () => {
    idp.setUsers({ ...USERS, olga: { password: 'olga-pw', email: 'olga@corp.example', groups: ['acme-admins'], groupsOverage: true } });
    try {
      const token = (await loginWithCode({ issuer: idp.issuer, clientId: 'kubenova', redirectUri: REDIRECT, login: 'olga', password: 'olga-pw' })).idToken;
      const claims = decodeJwt(token);
      expect(claims.groups).toBeUndefined();
      expect(claims._claim_names).toEqual({ groups: 'src1' });
      await expect401(token, 'groups_overage');
      const res = await h.call(token, 'GET', '/api/v1/whoami');
      expect(json<{ message: string }>(res).message).toMatch(/group overage.*groupMembershipClaims ApplicationGroup/);
    } finally {
      idp.setUsers(USERS);
    }
  });

  it('alg none', async () => {
    const claims = decodeJwt(await signIn('alice'));
    await expect401(`${b64({ alg: 'none', typ: 'JWT' })}.${b64(claims)}.`, 'algorithm_not_allowed');
  });

  it("HS256 signed with the provider's public key", async () => {
    const token = await signIn('alice');
    const { kid } = decodeProtectedHeader(token);
    const jwks = (await (await fetch(`${idp.issuer}/jwks`)).json()) as { keys: JWK[] };
    const pem = createPublicKey({ key: jwks.keys.find((k) => k.kid === kid) as never, format: 'jwk' }).export({ type: 'spki', format: 'pem' });
    const input = `${b64({ alg: 'HS256', typ: 'JWT', kid })}.${b64(decodeJwt(token))}`;
    await expect401(`${input}.${createHmac('sha256', pem).update(input).digest('base64url')}`, 'algorithm_not_allowed');
  });

  it('a flood of unknown kids is refused without refetching the JWKS for each', async () => {
    await signIn('alice').then((t) => h.call(t, 'GET', '/api/v1/whoami')); // keys cached
    const { privateKey } = await generateKeyPair('RS256');
    const before = await idp.jwksRequests();
    for (let i = 0; i < 40; i++) {
      const forged = await new SignJWT({ email: 'mallory@corp.example', groups: ['platform'] })
        .setProtectedHeader({ alg: 'RS256', kid: randomBytes(8).toString('hex') })
        .setIssuer(idp.issuer)
        .setAudience('kubenova')
        .setSubject('mallory')
        .setIssuedAt()
        .setExpirationTime('5m')
        .sign(privateKey);
      await expect401(forged, 'key_unknown');
    }
    // jose refetches an unknown kid's set at most once per cooldown (30 s).
    expect((await idp.jwksRequests()) - before).toBeLessThanOrEqual(1);
  });
});
