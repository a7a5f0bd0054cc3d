// A real, certified OpenID provider for tests: panva's `oidc-provider` (npm), run as its own
// process on loopback with a free port. It serves discovery, JWKS, authorization (code + PKCE),
// token and userinfo as in production; what a deployment supplies itself is supplied here:
//  - accounts: read from the users file on every login and token, so a test changes a user's
//    groups or password between two logins without restarting anything;
//  - the login and consent pages (interactions): a plain HTML form that checks the password.
// Test-only extras under /_test: how many times the JWKS was fetched.
//
// Usage: node tools/oidc/node-oidc-provider.mjs <config.json>
//   config: { clients: [{ clientId, redirectUris }], usersFile, idTokenTtlSeconds? }
//   users file: { "<login>": { password, sub?, email?, groups: [..], groupsOverage? } }
//   groupsOverage: the ID token names where the groups are (_claim_names/_claim_sources) instead
//   of listing them, as Entra ID does past its group limit.
// Prints one JSON line on stdout when ready: {"issuer":"http://127.0.0.1:<port>"}.
import { createServer } from 'node:http';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { exportJWK, generateKeyPair } from 'jose';
import Provider from 'oidc-provider';

const config = JSON.parse(readFileSync(process.argv[2], 'utf8'));
// Read anew on every use: a test edits the file to change a password or groups.
const users = () => Object.entries(JSON.parse(readFileSync(config.usersFile, 'utf8'))).map(([login, u]) => ({ login, ...u, sub: u.sub ?? login }));
const userByLogin = (login) => users().find((u) => u.login === login);
const userBySub = (sub) => users().find((u) => u.sub === sub);

const { privateKey } = await generateKeyPair('RS256', { extractable: true });
const signingKey = { ...(await exportJWK(privateKey)), kid: randomBytes(8).toString('hex'), alg: 'RS256', use: 'sig' };

const server = createServer();
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const issuer = `http://127.0.0.1:${server.address().port}`;

const provider = new Provider(issuer, {
  clients: config.clients.map((c) => ({
    client_id: c.clientId,
    redirect_uris: c.redirectUris,
    // Refresh tokens are issued for offline_access (asked with prompt=consent), as in production.
    // and the device authorization grant (RFC 8628) for CLIs without a browser.
    grant_types: ['authorization_code', 'refresh_token', 'urn:ietf:params:oauth:grant-type:device_code'],
    response_types: ['code'],
    // A public client (a CLI or a browser app): PKCE instead of a secret.
    token_endpoint_auth_method: 'none',
    application_type: 'native',
  })),
  pkce: { required: () => true },
  jwks: { keys: [signingKey] },
  cookies: { keys: [randomBytes(32).toString('hex')] },
  claims: { openid: ['sub'], email: ['email'], profile: ['preferred_username'], groups: ['groups'] },
  // Scoped claims (groups) go into the ID token too, as Dex, Keycloak and Entra ID put them.
  conformIdTokenClaims: false,
  // The device flow's own pages (code entry, confirmation, success) are oidc-provider's defaults.
  features: { devInteractions: { enabled: false }, deviceFlow: { enabled: true } },
  interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
  // A browser app (the web console) calls discovery and the token endpoint from its own origin.
  // oidc-provider allows the exact origins of a public client's redirect URIs; as loopback
  // redirects match on any port (RFC 8252 §7.3), so does CORS here: a redirect URI
  // http://127.0.0.1/ui/callback lets http://127.0.0.1:<any port> exchange its code.
  clientBasedCORS(_ctx, origin, client) {
    if (origin === 'null' || client.clientAuthMethod !== 'none') return false;
    const from = URL.parse(origin);
    return client.redirectUris.some((uri) => {
      const to = URL.parse(uri);
      if (!from || !to) return false;
      if (to.origin === from.origin) return true;
      return ['127.0.0.1', 'localhost', '[::1]'].includes(to.hostname) && to.port === '' && to.protocol === from.protocol && to.hostname === from.hostname;
    });
  },
  ttl: { IdToken: config.idTokenTtlSeconds ?? 3600 },
  async findAccount(_ctx, sub) {
    if (!userBySub(sub)) return undefined;
    return {
      accountId: sub,
      async claims() {
        const user = userBySub(sub);
        const base = { sub, email: user?.email, preferred_username: user?.login };
        if (user?.groupsOverage) {
          return { ...base, _claim_names: { groups: 'src1' }, _claim_sources: { src1: { endpoint: `${issuer}/_test/groups/${encodeURIComponent(sub)}` } } };
        }
        return { ...base, groups: user?.groups ?? [] };
      },
    };
  },
});
provider.on('server_error', (_ctx, err) => process.stderr.write(`oidc-provider server_error: ${err.stack}\n`));

const page = (title, body) => `<!doctype html><html><head><title>${title}</title></head><body><h1>${title}</h1>${body}</body></html>`;
const escape = (s) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

async function formBody(req) {
  let text = '';
  for await (const chunk of req) text += chunk;
  return new URLSearchParams(text);
}

let jwksRequests = 0;
const callback = provider.callback();

// The login and consent pages: what oidc-provider leaves to the deployment.
async function interaction(req, res, uid, action) {
  const details = await provider.interactionDetails(req, res);
  if (details.uid !== uid) throw new Error('interaction mismatch');
  const { prompt, params, session } = details;
  if (req.method === 'GET') {
    res.setHeader('content-type', 'text/html; charset=utf-8');
    if (prompt.name === 'login') {
      const error = action === 'retry' ? '<p class="error">Invalid login or password.</p>' : '';
      res.end(
        page(
          'Sign in',
          `${error}<form method="post" action="/interaction/${escape(uid)}/login">` +
            '<input name="login" type="text" autocomplete="username"/>' +
            '<input name="password" type="password" autocomplete="current-password"/>' +
            '<button type="submit">Sign in</button></form>',
        ),
      );
    } else {
      res.end(
        page(
          'Authorize',
          `<p>${escape(params.client_id)} asks for: ${escape(params.scope)}</p>` +
            `<form method="post" action="/interaction/${escape(uid)}/confirm"><button type="submit">Continue</button></form>`,
        ),
      );
    }
    return;
  }
  const form = await formBody(req);
  if (action === 'login') {
    const account = userByLogin(form.get('login') ?? '');
    if (!account || account.password !== form.get('password')) {
      res.statusCode = 303;
      res.setHeader('location', `/interaction/${uid}/retry`);
      res.end();
      return;
    }
    await provider.interactionFinished(req, res, { login: { accountId: account.sub } }, { mergeWithLastSubmission: false });
    return;
  }
  // confirm: grant what the client asked for.
  const grant = details.grantId ? await provider.Grant.find(details.grantId) : new provider.Grant({ accountId: session.accountId, clientId: params.client_id });
  if (prompt.details.missingOIDCScope) grant.addOIDCScope(prompt.details.missingOIDCScope.join(' '));
  if (prompt.details.missingOIDCClaims) grant.addOIDCClaims(prompt.details.missingOIDCClaims);
  const grantId = await grant.save();
  await provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
}

server.on('request', (req, res) => {
  const url = new URL(req.url, issuer);
  const match = /^\/interaction\/([^/]+)(?:\/(login|confirm|retry))?$/.exec(url.pathname);
  if (match) {
    interaction(req, res, match[1], match[2]).catch((err) => {
      res.statusCode = 400;
      res.end(page('Error', escape(err.message)));
    });
    return;
  }
  if (url.pathname === '/_test/stats') {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ jwksRequests }));
    return;
  }
  if (url.pathname === '/jwks') jwksRequests += 1;
  callback(req, res);
});

process.stdout.write(`${JSON.stringify({ issuer })}\n`);
process.on('SIGTERM', () => server.close(() => process.exit(0)));
