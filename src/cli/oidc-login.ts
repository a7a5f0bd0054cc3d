// `kubenova login --oidc <issuer>`: a person signs in through their identity provider, the way
// kubelogin does it: the authorization code flow with PKCE and a loopback redirect
// (http://127.0.0.1:<random port>/callback, RFC 8252), or the device authorization grant
// (`--device`, RFC 8628) where no browser can reach this machine. The ID token is the bearer
// token; the refresh token (with issuer and client id) is kept in the config file (0600) so that
// an expired ID token is renewed without a new login.
//
// The protocol is openid-client's (by the author of oidc-provider, OpenID certified): discovery,
// PKCE, state and nonce checks, validation of the token response's ID token, refresh and device
// polling are each a place where hand-written OAuth goes wrong.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as oidc from 'openid-client';
import { CliError, EXIT } from './errors.js';

/** What the config file keeps of an OIDC login (never the ID token's claims, never a secret of
 *  the client: CLI clients are public). */
export interface OidcLogin {
  issuer: string;
  clientId: string;
  refreshToken?: string;
  scopes: string;
}

export interface SignedIn {
  idToken: string;
  refreshToken?: string;
}

/** Default scopes: `offline_access` asks for the refresh token. Dex and Okta put groups in the ID
 *  token only when `groups` is asked for too (`--scopes`). */
export const DEFAULT_SCOPES = 'openid profile email offline_access';
const LOGIN_TIMEOUT_MS = 5 * 60_000;

/** The issuer's metadata, found by discovery. http:// only on loopback (a local test IdP). */
export async function discoverIssuer(issuer: string, clientId: string): Promise<oidc.Configuration> {
  let url: URL;
  try {
    url = new URL(issuer);
  } catch {
    throw new CliError('--oidc must be the issuer URL, e.g. https://idp.example.com/realms/main', EXIT.usage);
  }
  const loopback = ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback)) {
    throw new CliError('the issuer URL must be https:// (http:// only on loopback)', EXIT.usage);
  }
  try {
    return await oidc.discovery(url, clientId, undefined, oidc.None(), url.protocol === 'http:' ? { execute: [oidc.allowInsecureRequests] } : undefined);
  } catch (err) {
    throw new CliError(`cannot discover the issuer ${url.origin}${url.pathname}: ${describe(err)}`, EXIT.auth);
  }
}

/** Code + PKCE with a loopback redirect. `show` is given the URL the person opens. */
export async function signInWithBrowser(
  config: oidc.Configuration,
  scopes: string,
  show: (url: string) => void,
  timeoutMs = LOGIN_TIMEOUT_MS,
): Promise<SignedIn> {
  const verifier = oidc.randomPKCECodeVerifier();
  const state = oidc.randomState();
  const nonce = oidc.randomNonce();
  const server = createServer();
  await new Promise<void>((ok, fail) => server.once('error', fail).listen(0, '127.0.0.1', ok));
  const redirectUri = `http://127.0.0.1:${(server.address() as AddressInfo).port}/callback`;
  try {
    const authorize = oidc.buildAuthorizationUrl(config, {
      redirect_uri: redirectUri,
      scope: scopes,
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
      nonce,
      // Providers hand out a refresh token for offline_access only after an explicit consent.
      ...(scopes.split(' ').includes('offline_access') && { prompt: 'consent' }),
    });
    show(authorize.href);
    const tokens = await callback(server, redirectUri, timeoutMs, (url) =>
      oidc.authorizationCodeGrant(config, url, { pkceCodeVerifier: verifier, expectedState: state, expectedNonce: nonce, idTokenExpected: true }),
    );
    return signedIn(tokens);
  } finally {
    server.close();
  }
}

/** The device authorization grant: `show` is given where to go and the code to type there. */
export async function signInWithDevice(config: oidc.Configuration, scopes: string, show: (url: string, userCode: string) => void): Promise<SignedIn> {
  try {
    const device = await oidc.initiateDeviceAuthorization(config, { scope: scopes });
    show(device.verification_uri_complete ?? device.verification_uri, device.user_code);
    return signedIn(await oidc.pollDeviceAuthorizationGrant(config, device));
  } catch (err) {
    if (err instanceof CliError) throw err;
    throw new CliError(`device sign-in failed: ${describe(err)}`, EXIT.auth);
  }
}

/** A new ID token (and, with rotation, refresh token) for the stored login. */
export async function refreshLogin(login: OidcLogin): Promise<SignedIn> {
  if (!login.refreshToken)
    throw new CliError(`the ID token expired and no refresh token is stored: run \`kubenova login --oidc ${login.issuer}\` again`, EXIT.auth);
  const config = await discoverIssuer(login.issuer, login.clientId);
  let tokens: oidc.TokenEndpointResponse;
  try {
    tokens = await oidc.refreshTokenGrant(config, login.refreshToken);
  } catch (err) {
    throw new CliError(`the issuer refused to renew the ID token (${describe(err)}): run \`kubenova login --oidc ${login.issuer}\` again`, EXIT.auth);
  }
  const renewed = signedIn(tokens);
  return { idToken: renewed.idToken, refreshToken: renewed.refreshToken ?? login.refreshToken };
}

function signedIn(tokens: oidc.TokenEndpointResponse): SignedIn {
  if (!tokens.id_token) throw new CliError('the issuer returned no ID token (is "openid" among the scopes?)', EXIT.auth);
  return { idToken: tokens.id_token, ...(tokens.refresh_token !== undefined && { refreshToken: tokens.refresh_token }) };
}

/** Waits for the browser's redirect to the loopback callback, redeems it, and tells the browser
 *  how it went (without any token). */
function callback<T>(server: Server, redirectUri: string, timeoutMs: number, redeem: (url: URL) => Promise<T>): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new CliError('no sign-in arrived in time: run the login again', EXIT.auth)), timeoutMs);
    server.on('request', (req, res) => {
      const url = new URL(req.url ?? '/', redirectUri);
      if (url.pathname !== '/callback') {
        res.writeHead(404).end();
        return;
      }
      const done = (status: number, text: string) => res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' }).end(text);
      redeem(url).then(
        (tokens) => {
          done(200, 'Signed in to KubeNova. You may close this window.\n');
          clearTimeout(timer);
          resolve(tokens);
        },
        (err: unknown) => {
          done(400, 'Sign-in failed; see the terminal.\n');
          clearTimeout(timer);
          reject(new CliError(`sign-in failed: ${describe(err)}`, EXIT.auth));
        },
      );
    });
  });
}

/** An OAuth failure in words: the error code the provider answered, or what openid-client
 *  found wrong. Never a token. */
function describe(err: unknown): string {
  if (err instanceof oidc.ResponseBodyError || err instanceof oidc.AuthorizationResponseError) return err.error;
  if (err instanceof oidc.WWWAuthenticateChallengeError) return 'the issuer refused the request';
  return err instanceof Error ? err.message : String(err);
}
