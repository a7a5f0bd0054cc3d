// The console's "Sign in with <provider>" in Debian's Chromium against the real server process
// and a real OpenID provider (oidc-provider, tools/oidc/): the browser discovers the issuer, goes
// to its login form with code + PKCE (S256), state and nonce, comes back to /ui/callback,
// exchanges the code at the token endpoint itself (a public client; the provider allows the
// console's origin by CORS) and calls the API with the ID token. No Kubernetes cluster needed.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ensureConsoleBuilt, launchBrowser, type TestBrowser } from '../support/browser.js';
import { startIdentityProvider, type TestIdentityProvider } from '../support/identity-provider.js';
import { startServer, type RunningServer } from '../support/server-process.js';

let idp: TestIdentityProvider;
let server: RunningServer;
let browser: TestBrowser;
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kubenova-console-oidc-'));
  await ensureConsoleBuilt();
  idp = await startIdentityProvider({
    // The console's public client; a loopback redirect matches on any port. The console asks for
    // the groups scope (consoleScopes), so the role rule below applies.
    clients: [{ clientId: 'kubenova-console', redirectUris: ['http://127.0.0.1/ui/callback'] }],
    users: { ann: { password: 'ann-pw', email: 'ann@corp.example', groups: ['platform'] } },
  });
  const config = join(dir, 'identity.yaml');
  await writeFile(
    config,
    `issuers:\n  - { name: corp, issuerUrl: "${idp.issuer}", audiences: [kubenova], username: { claim: email }, consoleClientId: kubenova-console, consoleScopes: [openid, email, groups] }\n` +
      'roleRules:\n  - { name: platform-team, issuer: corp, group: platform, role: platform-admin }\n',
  );
  server = await startServer({
    env: { KUBENOVA_DATA_DIR: join(dir, 'data'), KUBENOVA_PORT: '0', KUBENOVA_LOG_LEVEL: 'fatal', KUBENOVA_OIDC_CONFIG: config },
    // A shared 2-core machine can take over a minute to transform and start the server.
    startupTimeoutMs: 240_000,
  });
  browser = await launchBrowser();
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  await idp?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function consolePage(): Promise<Page> {
  const page = await (await browser.context()).newPage();
  await page.goto(`${server.url}/ui/`);
  return page;
}

it("the console page may call the provider (CSP connect-src names the issuer's origin)", async () => {
  const res = await fetch(`${server.url}/ui/`);
  expect(res.headers.get('content-security-policy')).toContain(`connect-src 'self' ${idp.issuer};`);
  expect(res.headers.get('content-security-policy')).toContain("script-src 'self';");
});

it("signs in with the provider's login form and lands back signed in, with the ID token as bearer", async () => {
  const page = await consolePage();
  await page.getByRole('button', { name: 'Sign in with corp' }).click();

  // At the provider: its own login page, then its consent page.
  await page.waitForURL((u) => u.origin === idp.issuer);
  const authorize = new URL(page.url());
  expect(authorize.pathname).toMatch(/^\/interaction\//);
  await page.locator('input[name=login]').fill('ann');
  await page.locator('input[name=password]').fill('ann-pw');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('button', { name: 'Continue' }).click();

  // Back at the console: signed in as the provider's user, live, with nothing left in the URL.
  await page.getByRole('status').filter({ hasText: 'Live' }).waitFor({ timeout: 30_000 });
  await expect.poll(() => page.locator('.who').textContent()).toBe('oidc:corp:ann');
  expect(new URL(page.url()).pathname).toBe('/ui/');
  expect(new URL(page.url()).search).toBe('');
  await page.getByRole('link', { name: 'Platform' }).waitFor();

  // The session holds the ID token (audience: the console client) in sessionStorage only; the
  // login's verifier, state and nonce are gone; localStorage is empty.
  const storage = await page.evaluate(() => {
    const session: Record<string, string> = {};
    for (let i = 0; i < sessionStorage.length; i++) {
      const key = sessionStorage.key(i) ?? '';
      session[key] = sessionStorage.getItem(key) ?? '';
    }
    return { session, local: localStorage.length };
  });
  expect(storage.local).toBe(0);
  expect(Object.keys(storage.session)).toEqual(['kubenova.token']);
  const idToken = storage.session['kubenova.token'] ?? '';
  const claims = JSON.parse(Buffer.from(idToken.split('.')[1]!, 'base64url').toString()) as { aud: string; iss: string; email: string };
  expect(claims).toMatchObject({ aud: 'kubenova-console', iss: idp.issuer, email: 'ann@corp.example' });
  const whoami = await fetch(`${server.url}/api/v1/whoami`, { headers: { authorization: `Bearer ${idToken}` } });
  expect(await whoami.json()).toMatchObject({ subject: 'oidc:corp:ann', rights: [{ role: 'platform-admin', source: 'config/platform-team' }] });

  // Signing out drops the token from the tab.
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByRole('button', { name: 'Sign in with corp' }).waitFor();
  expect(await page.evaluate(() => sessionStorage.length)).toBe(0);
  await page.context().close();
});

it('refuses a callback whose state is not the one this tab sent, and says so', async () => {
  const page = await consolePage();
  await page.getByRole('button', { name: 'Sign in with corp' }).click();
  await page.waitForURL((u) => u.origin === idp.issuer);
  // Someone else's (or a forged) code arrives instead of the provider's answer to this tab.
  await page.goto(`${server.url}/ui/callback?code=forged&state=not-ours&iss=${encodeURIComponent(idp.issuer)}`);
  await expect.poll(() => page.getByRole('alert').textContent()).toMatch(/^Sign-in failed: .*state/);
  expect(await page.evaluate(() => sessionStorage.length)).toBe(0);
  await page.getByRole('button', { name: 'Sign in with corp' }).waitFor();
  await page.context().close();
});
