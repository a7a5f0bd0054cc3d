// `kubenova login --oidc`: the CLI signs a person in through the real identity provider (its own
// process) with code + PKCE and a loopback redirect, the person's "browser" being a real HTTP
// client through the provider's login form. Then the stored ID token calls the API, the config
// file is 0600 and keeps the refresh token, and an expired ID token is renewed on its own.
import { readFile, stat, writeFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../../src/cli/program.js';
import { parseIdentityConfig } from '../../src/security/identity-config.js';
import { createIdentityVerifier } from '../../src/security/identity.js';
import { createIssuerVerifier } from '../../src/security/oidc-issuer.js';
import { startIdentityProvider, type TestIdentityProvider } from '../support/identity-provider.js';
import { confirmDeviceCode, signInAtProvider } from '../support/oidc-login.js';
import { captureIo, kubenova } from './io.js';
import { startServer, type TestServer } from './server.js';

let idp: TestIdentityProvider;
let server: TestServer;
let env: Record<string, string>;

beforeAll(async () => {
  idp = await startIdentityProvider({
    // A native client: any port on the loopback redirect is accepted (RFC 8252 7.3).
    clients: [{ clientId: 'kubenova-cli', redirectUris: ['http://127.0.0.1/callback'] }],
    users: { ana: { password: 'ana-pw', email: 'ana@corp.example', groups: ['platform'] } },
  });
  const identity = parseIdentityConfig(`
issuers: [{ name: corp, issuerUrl: "${idp.issuer}", audiences: [kubenova-cli], username: { claim: email } }]
roleRules: [{ name: platform, issuer: corp, group: platform, role: platform-admin }]
`);
  server = await startServer({
    verifier: (local) =>
      createIdentityVerifier({
        issuers: identity.issuers.map((i) => createIssuerVerifier(i)),
        rules: { rules: () => Promise.resolve(identity.roleRules) },
        local,
      }),
  });
  const admin = await server.token({ roles: ['platform-admin'] });
  const created = await fetch(`${server.url}/api/v1/tenants`, {
    method: 'POST',
    headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'acme', spec: {} }),
  });
  expect(created.status).toBe(201);
  env = { HOME: server.dir, KUBENOVA_CONFIG: `${server.dir}/config.json` };
}, 120_000);
afterAll(async () => {
  await server?.close();
  await idp?.stop();
});

type Stored = { server: string; token: string; oidc: { issuer: string; clientId: string; refreshToken?: string; scopes: string } };
const stored = async () => JSON.parse(await readFile(env.KUBENOVA_CONFIG!, 'utf8')) as Stored;

/** `kubenova login --oidc`, with the person signing in at the URL it prints. */
async function loginThroughBrowser(login: string, password: string) {
  const cap = captureIo(env);
  const done = run(
    ['login', '--server', server.url, '--oidc', idp.issuer, '--client-id', 'kubenova-cli', '--scopes', 'openid email groups offline_access'],
    cap.io,
  );
  let url: string | undefined;
  for (let i = 0; i < 200 && !url; i++) {
    url = /https?:\/\/\S+\/auth\?\S+/.exec(cap.stderr)?.[0];
    if (!url) await new Promise((r) => setTimeout(r, 50));
  }
  expect(url, cap.stderr).toBeDefined();
  const redirect = new URL(url!).searchParams.get('redirect_uri')!;
  expect(redirect).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/callback$/);
  const callback = await signInAtProvider(url!, redirect, login, password);
  // The browser follows the provider's last redirect to the CLI's loopback listener.
  const landed = await fetch(callback);
  expect(landed.status).toBe(200);
  expect(await landed.text()).not.toMatch(/eyJ/);
  return { code: await done, stdout: cap.stdout, stderr: cap.stderr };
}

describe('kubenova login --oidc', () => {
  it('signs in with code + PKCE on a loopback redirect, stores the refresh token 0600, and calls the API with the ID token', async () => {
    const res = await loginThroughBrowser('ana', 'ana-pw');
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toContain(`Logged in to ${server.url} as ana@corp.example through ${idp.issuer}`);
    expect((await stat(env.KUBENOVA_CONFIG!)).mode & 0o777).toBe(0o600);
    const config = await stored();
    expect(config.oidc).toMatchObject({ issuer: idp.issuer, clientId: 'kubenova-cli', refreshToken: expect.any(String) });
    expect(JSON.parse(Buffer.from(config.token.split('.')[1]!, 'base64url').toString())).toMatchObject({
      iss: idp.issuer,
      aud: 'kubenova-cli',
      email: 'ana@corp.example',
    });

    const got = await kubenova(env, ['get', 'tenants', '-o', 'name']);
    expect(got.code, got.stderr).toBe(0);
    expect(got.stdout).toContain('acme');
  });

  it('renews an expired ID token with the refresh token, and keeps the file 0600', async () => {
    const before = await stored();
    // ID tokens are stamped in whole seconds: let one pass so that the renewed one differs.
    await new Promise((r) => setTimeout(r, 1100));
    const later = new Date(Date.now() + 3 * 3600_000);
    const got = await kubenova(env, ['get', 'tenants', '-o', 'name'], { now: later });
    expect(got.code, got.stderr).toBe(0);
    expect(got.stdout).toContain('acme');
    const after = await stored();
    expect(after.token).not.toBe(before.token);
    const iat = (t: string) => (JSON.parse(Buffer.from(t.split('.')[1]!, 'base64url').toString()) as { iat: number }).iat;
    expect(iat(after.token)).toBeGreaterThan(iat(before.token));
    expect(after.oidc.refreshToken).toEqual(expect.any(String));
    expect((await stat(env.KUBENOVA_CONFIG!)).mode & 0o777).toBe(0o600);
    // Not expired yet: nothing renewed.
    await kubenova(env, ['get', 'tenants', '-o', 'name']);
    expect((await stored()).token).toBe(after.token);
  });

  it('a refresh token the issuer refuses ends in a clear auth error naming what to run, never the token', async () => {
    const config = await stored();
    const bogus = 'not-a-refresh-token-123456';
    await writeFile(env.KUBENOVA_CONFIG!, JSON.stringify({ ...config, oidc: { ...config.oidc, refreshToken: bogus } }), { mode: 0o600 });
    const got = await kubenova(env, ['get', 'tenants'], { now: new Date(Date.now() + 3 * 3600_000) });
    expect(got.code).toBe(4);
    expect(got.stderr).toContain('invalid_grant');
    expect(got.stderr).toContain(`kubenova login --oidc ${idp.issuer}`);
    expect(got.stderr).not.toContain(bogus);
  });

  it('signs in with the device authorization grant: the code confirmed from another device, then the API works', { timeout: 60_000 }, async () => {
    const cap = captureIo(env);
    const done = run(
      ['login', '--server', server.url, '--oidc', idp.issuer, '--client-id', 'kubenova-cli', '--scopes', 'openid email groups offline_access', '--device'],
      cap.io,
    );
    let prompt: RegExpExecArray | null = null;
    for (let i = 0; i < 200 && !prompt; i++) {
      prompt = /Open (\S+) and enter the code (\S+)/.exec(cap.stderr);
      if (!prompt) await new Promise((r) => setTimeout(r, 50));
    }
    expect(prompt, cap.stderr).not.toBeNull();
    const success = await confirmDeviceCode(prompt![1]!, 'ana', 'ana-pw');
    expect(success).toMatch(/Sign-in Success/i);
    expect(await done, cap.stderr).toBe(0);
    expect(cap.stdout).toContain('as ana@corp.example');
    expect((await stored()).oidc.refreshToken).toEqual(expect.any(String));
    expect((await stat(env.KUBENOVA_CONFIG!)).mode & 0o777).toBe(0o600);
    const got = await kubenova(env, ['get', 'tenants', '-o', 'name']);
    expect(got.code, got.stderr).toBe(0);
  });

  it('refuses a plain-http issuer that is not on loopback, and --device without --oidc', async () => {
    const remote = await kubenova(env, ['login', '--server', server.url, '--oidc', 'http://idp.example.com']);
    expect(remote.code).toBe(2);
    expect(remote.stderr).toContain('https://');
    const device = await kubenova(env, ['login', '--server', server.url, '--device']);
    expect(device.code).toBe(2);
  });
});
