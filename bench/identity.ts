// Cost of verifying a bearer token per request, keys cached (not a test): a real ID token from
// the test identity provider (oidc-provider, RS256, JWKS fetched once), a self-minted HS256 token,
// and an API token (its record looked up in memory, so only the verifier's own work is timed).
// Each figure is the mean of N sequential verifications after a warm-up, in µs.
//
//   npx tsx bench/identity.ts        (BENCH_VERIFICATIONS=5000 by default)
import { performance } from 'node:perf_hooks';
import { API_TOKEN_PREFIX, createApiTokenVerifier, newApiToken } from '../src/security/api-tokens.js';
import { type ApiTokenRecord } from '../src/domain/kinds/apitoken.js';
import { createTokenVerifier, type TokenVerifier } from '../src/security/auth.js';
import { mintToken } from '../src/security/auth-token.js';
import { createIdentityVerifier } from '../src/security/identity.js';
import { parseIdentityConfig } from '../src/security/identity-config.js';
import { createIssuerVerifier } from '../src/security/oidc-issuer.js';
import { startIdentityProvider } from '../test/support/identity-provider-process.js';
import { loginWithCode } from '../test/support/oidc-login.js';

const N = Number(process.env.BENCH_VERIFICATIONS ?? 5000);
const REDIRECT = 'http://127.0.0.1:9/callback';

const idp = await startIdentityProvider({
  clients: [{ clientId: 'kubenova', redirectUris: [REDIRECT] }],
  users: { alice: { password: 'pw', email: 'alice@corp.example', groups: ['acme-admins', 'staff'] } },
});
try {
  const identity = parseIdentityConfig(`
issuers: [{ name: corp, issuerUrl: "${idp.issuer}", audiences: [kubenova], username: { claim: email } }]
roleRules:
  - { name: acme-admins, issuer: corp, group: acme-admins, role: tenant-admin, tenant: acme }
  - { name: staff, issuer: corp, group: staff, role: read-only, tenant: lobby }
`);
  const secret = new TextEncoder().encode('bench-secret-bench-secret-bench-secret!!');
  const records = new Map<string, ApiTokenRecord>();
  const api = newApiToken('bench-ci');
  records.set('bench-ci', {
    role: 'tenant-dev',
    tenant: 'acme',
    expiresAt: new Date(Date.now() + 3600_000).toISOString(),
    digest: api.digest,
    createdBy: 'bench',
  });
  const verifier = createIdentityVerifier({
    issuers: identity.issuers.map((i) => createIssuerVerifier(i)),
    rules: { rules: () => Promise.resolve(identity.roleRules) },
    local: createTokenVerifier({ hs256Secret: secret }),
    apiTokens: { prefix: API_TOKEN_PREFIX, verifier: createApiTokenVerifier((name) => Promise.resolve(records.get(name))) },
  });

  const idToken = (await loginWithCode({ issuer: idp.issuer, clientId: 'kubenova', redirectUri: REDIRECT, login: 'alice', password: 'pw' })).idToken;
  const hs256 = await mintToken(secret, { subject: 'bench', roles: ['platform-admin'], ttlSeconds: 3600 });

  const measure = async (name: string, v: TokenVerifier, token: string) => {
    for (let i = 0; i < 200; i++) await v.verify(token); // warm-up; the first fetches the JWKS
    const start = performance.now();
    for (let i = 0; i < N; i++) await v.verify(token);
    const us = ((performance.now() - start) * 1000) / N;
    console.log(`${name.padEnd(42)} ${us.toFixed(1).padStart(7)} µs/verification`);
  };
  console.log(`token verification, keys cached, N=${N} (node ${process.version})`);
  await measure('OIDC ID token (RS256, 2 role rules)', verifier, idToken);
  await measure('self-minted HS256 token', verifier, hs256);
  await measure('API token (record in memory, SHA-256)', verifier, api.token);
  console.log(`JWKS fetched ${await idp.jwksRequests()} time(s) in all`);
} finally {
  await idp.stop();
}
