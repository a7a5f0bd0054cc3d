// A person signing in, as a browser or `kubenova login` would: the authorization code flow with
// PKCE, driven over real HTTP against the provider's own pages. Redirects are followed by hand
// (cookies kept per host) so that the code can be taken from the final redirect to the client.
import { createHash, randomBytes } from 'node:crypto';

export interface LoginRequest {
  issuer: string;
  clientId: string;
  redirectUri: string;
  login: string;
  password: string;
  scope?: string;
}

export interface Tokens {
  idToken: string;
  accessToken: string;
}

/** Thrown when the provider does not let the person in (wrong password, refused request). */
export class LoginRefused extends Error {}

const b64url = (b: Buffer) => b.toString('base64url');

export async function loginWithCode(req: LoginRequest): Promise<Tokens> {
  const discovery = (await (await fetch(`${req.issuer}/.well-known/openid-configuration`)).json()) as {
    authorization_endpoint: string;
    token_endpoint: string;
  };
  const verifier = b64url(randomBytes(32));
  const state = b64url(randomBytes(16));
  const authorize = new URL(discovery.authorization_endpoint);
  authorize.search = new URLSearchParams({
    client_id: req.clientId,
    redirect_uri: req.redirectUri,
    response_type: 'code',
    scope: req.scope ?? 'openid email profile groups',
    state,
    nonce: b64url(randomBytes(16)),
    code_challenge: b64url(createHash('sha256').update(verifier).digest()),
    code_challenge_method: 'S256',
  }).toString();

  const callback = new URL(await signInAtProvider(authorize.toString(), req.redirectUri, req.login, req.password));
  if (callback.searchParams.get('state') !== state) throw new LoginRefused('state mismatch');
  const code = callback.searchParams.get('code');
  if (!code) throw new LoginRefused(`no code: ${callback.searchParams.get('error') ?? 'unknown error'}`);

  const res = await fetch(discovery.token_endpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      code,
      redirect_uri: req.redirectUri,
      client_id: req.clientId,
      code_verifier: verifier,
    }),
  });
  const body = (await res.json()) as { id_token?: string; access_token?: string; error?: string };
  if (!res.ok || !body.id_token || !body.access_token) throw new LoginRefused(`token exchange failed: ${body.error ?? res.status}`);
  return { idToken: body.id_token, accessToken: body.access_token };
}

/** What a person does in a browser at the provider: opens `authorizeUrl`, fills its login form,
 *  confirms, and is sent back to the client at `callbackPrefix`; returns that callback URL (not
 *  yet visited). */
export async function signInAtProvider(authorizeUrl: string, callbackPrefix: string, login: string, password: string): Promise<string> {
  const browser = new Browser();
  let page = await browser.follow(authorizeUrl, callbackPrefix);
  // Pages until the provider redirects back to the client: its login form, then its consent form.
  for (let step = 0; page.kind === 'page' && step < 4; step++) {
    const form = /<form[^>]*action="([^"]+)"/.exec(page.html);
    if (!form) throw new LoginRefused('the provider showed a page without a form');
    if (/class="error"/.test(page.html)) throw new LoginRefused('the provider refused the login');
    const fields: Record<string, string> = /name="password"/.test(page.html) ? { login, password } : {};
    page = await browser.follow(new URL(form[1]!.replace(/&amp;/g, '&'), page.url).toString(), callbackPrefix, new URLSearchParams(fields));
  }
  if (page.kind !== 'callback') throw new LoginRefused('the provider never redirected back');
  return page.url;
}

/** What a person does on another device for the device authorization grant: opens the
 *  verification URL (with the code in it), confirms the code, signs in and consents, until the
 *  provider's success page (a page without a form). */
export async function confirmDeviceCode(verificationUrl: string, login: string, password: string): Promise<string> {
  const browser = new Browser();
  let page = await browser.follow(verificationUrl, 'never:');
  for (let step = 0; page.kind === 'page' && step < 6; step++) {
    const form = /<form([^>]*)>([\s\S]*?)<\/form>/.exec(page.html);
    if (!form) return page.html;
    if (/class="error"/.test(page.html)) throw new LoginRefused('the provider refused the login');
    const action = /action="([^"]+)"/.exec(form[1]!)?.[1] ?? page.url;
    const fields = new URLSearchParams();
    // Filled inputs (the provider's xsrf token, the user code) go back as they came.
    for (const input of form[2]!.matchAll(/<input\b[^>]*>/g)) {
      const name = /name="([^"]+)"/.exec(input[0])?.[1];
      if (name) fields.set(name, /value="([^"]*)"/.exec(input[0])?.[1] ?? '');
    }
    if (/name="password"/.test(form[2]!)) {
      fields.set('login', login);
      fields.set('password', password);
    }
    page = await browser.follow(new URL(action.replace(/&amp;/g, '&'), page.url).toString(), 'never:', fields);
  }
  throw new LoginRefused('the device confirmation never ended');
}

type Visit = { kind: 'page'; url: string; html: string } | { kind: 'callback'; url: string };

/** Just enough of a browser: a cookie jar and manual redirects. */
class Browser {
  private readonly cookies = new Map<string, string>();

  async follow(url: string, callbackPrefix: string, form?: URLSearchParams): Promise<Visit> {
    let method = form ? 'POST' : 'GET';
    let body: URLSearchParams | undefined = form;
    for (let hops = 0; hops < 10; hops++) {
      if (url.startsWith(callbackPrefix)) return { kind: 'callback', url };
      const res = await fetch(url, {
        method,
        redirect: 'manual',
        headers: {
          cookie: [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; '),
          ...(body && { 'content-type': 'application/x-www-form-urlencoded' }),
        },
        body,
      });
      for (const c of res.headers.getSetCookie()) {
        const [pair = ''] = c.split(';', 1);
        const eq = pair.indexOf('=');
        this.cookies.set(pair.slice(0, eq), pair.slice(eq + 1));
      }
      const location = res.headers.get('location');
      if (res.status >= 300 && res.status < 400 && location) {
        url = new URL(location, url).toString();
        method = 'GET';
        body = undefined;
        continue;
      }
      if (!res.ok) throw new LoginRefused(`the provider answered ${res.status}`);
      return { kind: 'page', url, html: await res.text() };
    }
    throw new LoginRefused('too many redirects');
  }
}
