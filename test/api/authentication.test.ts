// Bearer JWTs: HS256 secret, RS256 public key (PEM), an external IdP's JWKS served over HTTP,
// issuer and audience checks, and the claims KubeNova reads. All through the API.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, exportSPKI, generateKeyPair, SignJWT, type CryptoKey } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadVerificationKeys } from '../../src/security/auth-keys.js';
import { createTokenVerifier } from '../../src/security/auth.js';
import { mintToken } from '../../src/security/auth-token.js';
import { json, openTestStore, startHarness, TEST_SECRET, type Harness } from './support/harness.js';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const now = () => Math.floor(Date.now() / 1000);

// One store for the file: each verifier gets its own server on it.
let shared: Awaited<ReturnType<typeof openTestStore>>;
beforeAll(async () => {
  shared = await openTestStore();
});
afterAll(() => shared?.close());
const claims = { roles: ['platform-admin'] };

async function sign(
  key: CryptoKey | Uint8Array,
  alg: string,
  opts: { kid?: string; iss?: string; aud?: string; exp?: number; sub?: string | null; extra?: Record<string, unknown> } = {},
) {
  let jwt = new SignJWT({ ...claims, ...opts.extra }).setProtectedHeader({ alg, ...(opts.kid && { kid: opts.kid }) }).setIssuedAt();
  if (opts.sub !== null) jwt = jwt.setSubject(opts.sub ?? 'someone');
  if (opts.exp !== 0) jwt = jwt.setExpirationTime(opts.exp ?? now() + 600);
  if (opts.iss) jwt = jwt.setIssuer(opts.iss);
  if (opts.aud) jwt = jwt.setAudience(opts.aud);
  return jwt.sign(key);
}

async function expectStatus(h: Harness, token: string, status: number, code?: string) {
  const res = await h.call(token, 'GET', '/api/v1/tenants');
  expect(res.statusCode, res.body).toBe(status);
  if (code) expect(json(res).code).toBe(code);
  if (status === 401) expect(res.headers['www-authenticate']).toBe('Bearer realm="kubenova", error="invalid_token"');
  return res;
}

describe('HS256', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ store: shared.store });
  });
  afterAll(() => h?.close());

  it('accepts a token signed with the secret', async () => {
    await expectStatus(h, await sign(TEST_SECRET, 'HS256'), 200);
  });

  it.each([
    ['expired', () => sign(TEST_SECRET, 'HS256', { exp: now() - 3600 })],
    ['without exp', () => sign(TEST_SECRET, 'HS256', { exp: 0 })],
    ['without sub', () => sign(TEST_SECRET, 'HS256', { sub: null })],
    ['signed with another secret', () => sign(new TextEncoder().encode('another-secret-another-secret-another!!'), 'HS256')],
    ['with roles that are not a list', () => sign(TEST_SECRET, 'HS256', { extra: { roles: 7 } })],
    ['with tenants that are not tenant names', () => sign(TEST_SECRET, 'HS256', { extra: { tenants: ['Not A Tenant'] } })],
    [
      'unsigned (alg none)',
      () =>
        Promise.resolve(
          `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(JSON.stringify({ sub: 'x', exp: now() + 60, ...claims })).toString('base64url')}.`,
        ),
    ],
    [
      'tampered',
      async () => {
        const [head, , sig] = (await sign(TEST_SECRET, 'HS256')).split('.');
        return `${head}.${Buffer.from(JSON.stringify({ sub: 'x', exp: now() + 60, roles: ['platform-admin'], tenants: [] })).toString('base64url')}.${sig}`;
      },
    ],
  ])('rejects a token %s: 401', async (_what, make) => {
    await expectStatus(h, await make(), 401, 'UNAUTHENTICATED');
  });

  it('asks for a token when there is none', async () => {
    const res = await h.call(undefined, 'GET', '/api/v1/tenants');
    expect(res.statusCode).toBe(401);
    expect(res.headers['www-authenticate']).toBe('Bearer realm="kubenova"');
  });

  it('ignores roles it does not know (403 without a KubeNova role)', async () => {
    await expectStatus(h, await sign(TEST_SECRET, 'HS256', { extra: { roles: ['some-other-app-admin'] } }), 403, 'FORBIDDEN');
  });

  it('accepts roles and tenants as space separated strings (scope style)', async () => {
    await expectStatus(h, await sign(TEST_SECRET, 'HS256', { extra: { roles: 'read-only tenant-dev', tenants: 'acme' } }), 200);
  });

  it('mints tokens the verifier accepts (the `token` subcommand)', async () => {
    await expectStatus(h, await mintToken(TEST_SECRET, { subject: 'admin', roles: ['platform-admin'], ttlSeconds: 60 }), 200);
  });
});

describe('RS256 with a PEM public key', () => {
  let h: Harness;
  let dir: string;
  let privateKey: CryptoKey;
  beforeAll(async () => {
    const pair = await generateKeyPair('RS256', { extractable: true });
    privateKey = pair.privateKey;
    dir = await mkdtemp(join(tmpdir(), 'kubenova-rs256-'));
    const pemFile = join(dir, 'jwt.pem');
    await writeFile(pemFile, await exportSPKI(pair.publicKey));
    // Through the configuration path the server uses.
    const keys = await loadVerificationKeys({ createHs256SecretFile: false, rs256PublicKeyFile: pemFile });
    h = await startHarness({ store: shared.store, verifier: createTokenVerifier(keys, { issuer: 'https://idp.example', audience: 'kubenova' }) });
  });
  afterAll(async () => {
    await h?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('accepts a token signed with the private key, with the right issuer and audience', async () => {
    await expectStatus(h, await sign(privateKey, 'RS256', { iss: 'https://idp.example', aud: 'kubenova' }), 200);
  });

  it('rejects the wrong issuer, the wrong audience, another key, and HS256 (not configured)', async () => {
    await expectStatus(h, await sign(privateKey, 'RS256', { iss: 'https://evil.example', aud: 'kubenova' }), 401);
    await expectStatus(h, await sign(privateKey, 'RS256', { iss: 'https://idp.example', aud: 'someone-else' }), 401);
    const other = await generateKeyPair('RS256');
    await expectStatus(h, await sign(other.privateKey, 'RS256', { iss: 'https://idp.example', aud: 'kubenova' }), 401);
    await expectStatus(h, await sign(TEST_SECRET, 'HS256', { iss: 'https://idp.example', aud: 'kubenova' }), 401);
  });
});

describe('JWKS from an external IdP', () => {
  let h: Harness;
  let idp: Server;
  let up = true;
  let privateKey: CryptoKey;
  beforeAll(async () => {
    const pair = await generateKeyPair('RS256', { extractable: true });
    privateKey = pair.privateKey;
    const jwk = { ...(await exportJWK(pair.publicKey)), kid: 'idp-key-1', alg: 'RS256', use: 'sig' };
    idp = createServer((req, res) => {
      if (!up || req.url !== '/.well-known/jwks.json') {
        res.writeHead(up ? 404 : 500).end();
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [jwk] }));
    });
    await new Promise<void>((resolve) => idp.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(idp.address() as AddressInfo).port}/.well-known/jwks.json`;
    const keys = await loadVerificationKeys({ createHs256SecretFile: false, jwksUrl: url });
    h = await startHarness({ store: shared.store, verifier: createTokenVerifier(keys) });
  });
  afterAll(async () => {
    await h?.close();
    await new Promise((resolve) => idp?.close(resolve));
  });

  it('accepts a token whose kid is in the key set', async () => {
    await expectStatus(h, await sign(privateKey, 'RS256', { kid: 'idp-key-1' }), 200);
  });

  it('rejects an unknown kid and a key outside the set', async () => {
    await expectStatus(h, await sign(privateKey, 'RS256', { kid: 'unknown' }), 401);
    const other = await generateKeyPair('RS256');
    await expectStatus(h, await sign(other.privateKey, 'RS256', { kid: 'idp-key-1' }), 401);
  });

  it('answers 503 when the key set cannot be fetched', async () => {
    const fresh = await startHarness({
      store: shared.store,
      verifier: createTokenVerifier(
        await loadVerificationKeys({ createHs256SecretFile: false, jwksUrl: `http://127.0.0.1:${(idp.address() as AddressInfo).port}/.well-known/jwks.json` }),
      ),
    });
    up = false;
    try {
      await expectStatus(fresh, await sign(privateKey, 'RS256', { kid: 'idp-key-1' }), 503, 'UNAVAILABLE');
    } finally {
      up = true;
      await fresh.close();
    }
  });
});
