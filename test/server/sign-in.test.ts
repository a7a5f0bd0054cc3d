// The real server process configured as an operator would (KUBENOVA_OIDC_CONFIG and a JWT secret
// file), with the real identity provider: a person signs in, their rights come from the file's
// rules and from a RoleRule written through the API, and an API token they create works until
// it is revoked.
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
let server: RunningServer;
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kubenova-sign-in-'));
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
    `issuers:\n  - { name: corp, issuerUrl: "${idp.issuer}", audiences: [kubenova], username: { claim: email } }\n` +
      'roleRules:\n  - { name: platform-team, issuer: corp, group: platform, role: platform-admin }\n',
  );
  server = await startServer({
    env: { KUBENOVA_DATA_DIR: join(dir, 'data'), KUBENOVA_PORT: '0', KUBENOVA_LOG_LEVEL: 'fatal', KUBENOVA_OIDC_CONFIG: config },
    // A shared 2-core machine can take over a minute to transform and start the server.
    startupTimeoutMs: 240_000,
  });
}, 300_000);
afterAll(async () => {
  await server?.stop();
  await idp?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const signIn = async (login: string, password: string) =>
  (await loginWithCode({ issuer: idp.issuer, clientId: 'kubenova', redirectUri: REDIRECT, login, password })).idToken;

it('a person signs in; rules from the file and the API give rights; an API token works until revoked', async () => {
  const pat = apiClient(await signIn('pat', 'pat-pw'));
  expect((await pat(server.url, 'GET', '/whoami')).body).toMatchObject({ subject: 'oidc:corp:pat', rights: [{ role: 'platform-admin', source: 'config/platform-team' }] });
  expect((await pat(server.url, 'POST', '/tenants', { name: 'web', spec: {} })).status).toBe(201);
  expect((await pat(server.url, 'POST', '/rolerules', { name: 'web-team', spec: { issuer: 'corp', group: 'web-team', role: 'tenant-admin', tenant: 'web' } })).status).toBe(201);

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
