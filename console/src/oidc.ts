// Signing in through an identity provider the server lists (GET /api/v1/auth/providers): the
// authorization code flow with PKCE (S256), state and nonce, run in the browser as a public
// client with oauth4webapi (discovery, callback checks, token exchange, ID token claim checks).
// The redirect is <origin>/ui/callback; the ID token becomes the session's bearer token.
// What the flow needs across the redirect (verifier, state, nonce) is kept in this tab's
// sessionStorage only, and removed as soon as the callback has been handled. This module (and
// oauth4webapi) loads as its own chunk when a login starts or finishes.
import * as oauth from 'oauth4webapi';
import { CALLBACK_PATH, PENDING_LOGIN as PENDING, type LoginProvider } from './session';

interface Pending {
  name: string;
  issuer: string;
  clientId: string;
  verifier: string;
  state: string;
  nonce: string;
}

/** Plain HTTP is allowed for an issuer on this machine only (a development or test provider). */
function insecureAllowed(issuer: URL): boolean {
  return issuer.protocol === 'http:' && ['127.0.0.1', 'localhost', '[::1]'].includes(issuer.hostname);
}

async function discover(issuerUrl: string): Promise<{ as: oauth.AuthorizationServer; options: { [oauth.allowInsecureRequests]: boolean } }> {
  const issuer = new URL(issuerUrl);
  const options = { [oauth.allowInsecureRequests]: insecureAllowed(issuer) };
  const as = await oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, options));
  return { as, options };
}

const redirectUri = () => `${window.location.origin}${CALLBACK_PATH}`;

/** Starts the login: leaves the page for the provider's authorization endpoint. */
export async function beginLogin(p: LoginProvider): Promise<void> {
  const { as } = await discover(p.issuer);
  if (!as.authorization_endpoint) throw new Error(`${p.name} publishes no authorization endpoint`);
  const pending: Pending = {
    name: p.name,
    issuer: p.issuer,
    clientId: p.clientId,
    verifier: oauth.generateRandomCodeVerifier(),
    state: oauth.generateRandomState(),
    nonce: oauth.generateRandomNonce(),
  };
  const url = new URL(as.authorization_endpoint);
  url.search = new URLSearchParams({
    client_id: p.clientId,
    redirect_uri: redirectUri(),
    response_type: 'code',
    scope: p.scopes.includes('openid') ? p.scopes.join(' ') : ['openid', ...p.scopes].join(' '),
    state: pending.state,
    nonce: pending.nonce,
    code_challenge: await oauth.calculatePKCECodeChallenge(pending.verifier),
    code_challenge_method: 'S256',
  }).toString();
  sessionStorage.setItem(PENDING, JSON.stringify(pending));
  window.location.assign(url.toString());
}

/** Finishes the login on /ui/callback: checks state, exchanges the code (with the verifier) at
 *  the token endpoint, checks the ID token's issuer, audience, nonce and lifetime, and returns it.
 *  The code and state are removed from the address bar and the pending login from storage. */
export async function completeLogin(): Promise<string> {
  const raw = sessionStorage.getItem(PENDING);
  sessionStorage.removeItem(PENDING);
  const current = new URL(window.location.href);
  window.history.replaceState(null, '', '/ui/');
  if (!raw) throw new Error('no sign-in was started in this tab');
  const pending = JSON.parse(raw) as Pending;
  const { as, options } = await discover(pending.issuer);
  const client: oauth.Client = { client_id: pending.clientId };
  const params = oauth.validateAuthResponse(as, client, current, pending.state);
  const response = await oauth.authorizationCodeGrantRequest(as, client, oauth.None(), params, redirectUri(), pending.verifier, options);
  const result = await oauth.processAuthorizationCodeResponse(as, client, response, { expectedNonce: pending.nonce, requireIdToken: true });
  if (!result.id_token) throw new Error(`${pending.name} returned no ID token`);
  return result.id_token;
}

/** A readable line for a failed login (the provider's own error when it sent one). */
export function loginErrorMessage(err: unknown): string {
  if (err instanceof oauth.AuthorizationResponseError) return `${err.error}${err.error_description ? `: ${err.error_description}` : ''}`;
  if (err instanceof oauth.ResponseBodyError) return `${err.error}${err.error_description ? `: ${err.error_description}` : ''}`;
  if (err instanceof TypeError) return `the identity provider could not be reached from this page (${err.message})`;
  return err instanceof Error ? err.message : String(err);
}
