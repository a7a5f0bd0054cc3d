// The real server process configured as an operator would (KUBENOVA_OIDC_CONFIG, plus a second
// issuer from the KUBENOVA_OIDC_* variables), with real identity providers: a person signs in,
// their rights come from the file's rules and from a RoleRule written through the API, and an API
// token they create works until it is revoked; the console's sign-in providers are public, and a
// token the console's client got is accepted.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { apiClient } from '../support/api-client.js';
import { startIdentityProvider, type TestIdentityProvider } from '../support/identity-provider.js';
import { loginWithCode } from '../support/oidc-login.js';
import { startServer, type RunningServer } from '../support/server-process.js';

const REDIRECT = 'http://127.0.0.1:9/callback';
let idp: TestIdentityProvider;
let partner: TestIdentityProvider;
let server: RunningServer;
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kubenova-sign-in-'));
  partner = await startIdentityProvider({
    // The console's public client: its redirect is the server's /ui/callback (any loopback port).
    clients: [{ clientId: 'partner-console', redirectUris: ['http://127.0.0.1/ui/callback'] }],
    users: { uma: { password: 'uma-pw', email: 'uma@partner.example', groups: ['ops'] } },
  });
  idp = await startIdentityProvider({
    clients: [{ clientId: 'kubenova', redirectUris: [REDIRECT] }],
    users: {
      pat: { password: 'pat-pw', email: 'pat@corp.example', groups: ['platform'] },
      sam: { password: 'sam-pw', email: 'sam@corp.example', groups: ['web-team'] },
    },
  });
  const config = join(dir, 'identity.yaml');
  await writeFile(
    config,
    `issuers:\n  - { name: corp, issuerUrl: "${idp.issuer}", audiences: [kubenova], username: { claim: email }, consoleClientId: kubenova-console }\n` +
      'roleRules:\n  - { name: platform-team, issuer: corp, group: platform, role: platform-admin }\n' +
      // A rule of the issuer the environment configures.
      '  - { name: partner-ops, issuer: partner, group: "partner:ops", role: read-only }\n',
  );
  server = await startServer({
    env: {
      KUBENOVA_DATA_DIR: join(dir, 'data'),
      KUBENOVA_PORT: '0',
      KUBENOVA_LOG_LEVEL: 'fatal',
      KUBENOVA_OIDC_CONFIG: config,
      KUBENOVA_OIDC_ISSUER_URL: partner.issuer,
      KUBENOVA_OIDC_ISSUER_NAME: 'partner',
      KUBENOVA_OIDC_CLIENT_ID: 'kubenova',
      KUBENOVA_OIDC_USERNAME_CLAIM: 'email',
      KUBENOVA_OIDC_GROUPS_PREFIX: 'partner:',
      KUBENOVA_OIDC_CONSOLE_CLIENT_ID: 'partner-console',
    },
    // A shared 2-core machine can take over a minute to transform and start the server.
    startupTimeoutMs: 240_000,
  });
}, 300_000);
afterAll(async () => {
  await server?.stop();
  await idp?.stop();
  await partner?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const signIn = async (login: string, password: string) =>
  (await loginWithCode({ issuer: idp.issuer, clientId: 'kubenova', redirectUri: REDIRECT, login, password })).idToken;

it('a person signs in; rules from the file and the API give rights; an API token works until revoked', async () => {
  const pat = apiClient(await signIn('pat', 'pat-pw'));
  expect((await pat(server.url, 'GET', '/whoami')).body).toMatchObject({
    subject: 'oidc:corp:pat',
    rights: [{ role: 'platform-admin', source: 'config/platform-team' }],
  });
  expect((await pat(server.url, 'POST', '/tenants', { name: 'web', spec: {} })).status).toBe(201);
  expect(
    (await pat(server.url, 'POST', '/rolerules', { name: 'web-team', spec: { issuer: 'corp', group: 'web-team', role: 'tenant-admin', tenant: 'web' } }))
      .status,
  ).toBe(201);

  const sam = apiClient(await signIn('sam', 'sam-pw'));
  expect((await sam(server.url, 'GET', '/tenants')).body).toMatchObject({ items: [{ name: 'web' }] });
  const created = await sam(server.url, 'POST', '/apitokens', { name: 'web-ci', role: 'read-only', tenant: 'web', ttlSeconds: 600 });
  expect(created.status).toBe(201);
  const ci = apiClient(created.body.token as string);
  expect((await ci(server.url, 'GET', '/tenants/web')).status).toBe(200);
  expect((await sam(server.url, 'DELETE', '/apitokens/web-ci')).status).toBe(204);
  const refused = await ci(server.url, 'GET', '/tenants/web');
  expect(refused.status).toBe(401);
  expect(refused.body).toMatchObject({ code: 'UNAUTHENTICATED', details: [{ reason: 'api_token_unknown' }] });

  // An unconfigured issuer's token, and garbage, are 401 with their reason.
  const stranger = await pat(server.url, 'GET', '/whoami', undefined, { authorization: 'Bearer not-a-jwt' });
  expect(stranger.body).toMatchObject({ code: 'UNAUTHENTICATED', details: [{ reason: 'malformed' }] });
});

it('lists the console sign-in providers without a token; a token the console client got at the env-configured issuer works', async () => {
  const res = await fetch(`${server.url}/api/v1/auth/providers`);
  expect(res.status).toBe(200);
  expect(await res.json()).toEqual({
    providers: [
      { name: 'corp', issuer: idp.issuer, clientId: 'kubenova-console', scopes: ['openid', 'profile', 'email'] },
      { name: 'partner', issuer: partner.issuer, clientId: 'partner-console', scopes: ['openid', 'profile', 'email'] },
    ],
  });
  const openapi = (await (await fetch(`${server.url}/openapi.json`)).json()) as { paths: Record<string, { get?: { security?: unknown[] } }> };
  expect(openapi.paths['/api/v1/auth/providers']?.get?.security).toEqual([]);

  // What the console does: code + PKCE at the issuer with its own client and /ui/callback.
  const token = (
    await loginWithCode({
      issuer: partner.issuer,
      clientId: 'partner-console',
      redirectUri: `${server.url}/ui/callback`,
      login: 'uma',
      password: 'uma-pw',
      scope: 'openid email groups',
    })
  ).idToken;
  const uma = apiClient(token);
  expect((await uma(server.url, 'GET', '/whoami')).body).toEqual({
    subject: 'oidc:partner:uma',
    identity: { issuer: 'partner', subject: 'uma', username: 'uma@partner.example', groups: ['partner:ops'] },
    rights: [{ role: 'read-only', source: 'config/partner-ops' }],
  });
  expect((await uma(server.url, 'GET', '/tenants')).status).toBe(200);
});
