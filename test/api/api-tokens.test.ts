// API tokens for automation: created within the creator's rights and shown once, stored only as
// a digest, listed without secrets, refused once expired and at once after revocation.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lookupApiToken } from '../../src/api/kinds/apitoken.js';
import { API_TOKEN_PREFIX, createApiTokenVerifier } from '../../src/security/api-tokens.js';
import { createTokenVerifier } from '../../src/security/auth.js';
import { createIdentityVerifier } from '../../src/security/identity.js';
import { ADMIN, json, openTestStore, startHarness, TEST_SECRET, type Caller, type Harness } from './support/harness.js';

let shared: Awaited<ReturnType<typeof openTestStore>>;
let h: Harness;
const ACME_ADMIN: Caller = { roles: ['tenant-admin'], tenants: ['acme'], subject: 'acme-admin' };

const server = (now?: () => number) =>
  startHarness({
    store: shared.store,
    verifier: createIdentityVerifier({
      issuers: [],
      rules: { rules: () => Promise.resolve([]) },
      local: createTokenVerifier({ hs256Secret: TEST_SECRET }),
      apiTokens: { prefix: API_TOKEN_PREFIX, verifier: createApiTokenVerifier((name) => lookupApiToken(shared.store.objects, name), now) },
    }),
  });

beforeAll(async () => {
  shared = await openTestStore();
  h = await server();
  for (const name of ['acme', 'globex']) expect((await h.call(ADMIN, 'POST', '/api/v1/tenants', { name, spec: {} })).statusCode).toBe(201);
});
afterAll(async () => {
  await h?.close();
  await shared?.close();
});

async function create(caller: Caller, body: Record<string, unknown>) {
  const res = await h.call(caller, 'POST', '/api/v1/apitokens', { ttlSeconds: 3600, ...body });
  return { status: res.statusCode, body: json<Record<string, unknown> & { token: string }>(res) };
}

async function expect401(token: string, reason: string, harness = h) {
  const res = await harness.call(token, 'GET', '/api/v1/tenants');
  expect(res.statusCode, res.body).toBe(401);
  expect(json(res)).toMatchObject({ code: 'UNAUTHENTICATED', details: [{ reason }] });
}

describe('API tokens', () => {
  it('a platform admin creates one; it is shown once, works, and only its digest is stored', async () => {
    const created = await create(ADMIN, { name: 'ci-reader', role: 'read-only', description: 'nightly report' });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name: 'ci-reader', role: 'read-only', createdBy: 'admin', description: 'nightly report' });
    const token = created.body.token;
    expect(token).toMatch(/^knt_ci-reader_/);
    expect((await h.call(token, 'GET', '/api/v1/tenants')).statusCode).toBe(200);
    expect((await h.call(token, 'POST', '/api/v1/tenants', { name: 'nope', spec: {} })).statusCode).toBe(403);

    const listed = json<{ items: Record<string, unknown>[] }>(await h.call(ADMIN, 'GET', '/api/v1/apitokens')).items.find((t) => t.name === 'ci-reader');
    expect(listed).toBeDefined();
    expect(JSON.stringify(listed)).not.toContain(token.slice(-43));
    expect(listed).not.toHaveProperty('token');
    expect(listed).not.toHaveProperty('digest');
    const stored = await shared.store.objects.get('ApiToken', 'ci-reader');
    expect(JSON.stringify(stored)).not.toContain(token.slice(-43));
    expect(h.logs.join('')).not.toContain(token.slice(-43));
  });

  it('a tenant admin creates tokens for their tenant only, and no platform-wide or platform-admin ones', async () => {
    const ok = await create(ACME_ADMIN, { name: 'acme-deployer', role: 'tenant-dev', tenant: 'acme' });
    expect(ok.status).toBe(201);
    const names = json<{ items: { name: string }[] }>(await h.call(ok.body.token, 'GET', '/api/v1/tenants')).items.map((t) => t.name);
    expect(names).toEqual(['acme']);
    expect((await create(ACME_ADMIN, { name: 'x1', role: 'tenant-dev', tenant: 'globex' })).status).toBe(403);
    expect((await create(ACME_ADMIN, { name: 'x2', role: 'read-only' })).status).toBe(403);
    expect((await create(ACME_ADMIN, { name: 'x3', role: 'platform-admin' })).status).toBe(403);
    // Listing shows the tenant's tokens, not the platform's.
    const listed = json<{ items: { name: string }[] }>(await h.call(ACME_ADMIN, 'GET', '/api/v1/apitokens')).items.map((t) => t.name);
    expect(listed).toContain('acme-deployer');
    expect(listed).not.toContain('ci-reader');
  });

  it("a token scoped to one project acts on that project's objects only", async () => {
    for (const name of ['acme-web', 'acme-back']) expect((await h.call(ADMIN, 'POST', '/api/v1/tenants/acme/projects', { name })).statusCode).toBe(201);
    const app = (name: string, project: string) => ({
      name,
      spec: { project, components: [{ name: 'web', type: 'webservice', properties: { image: 'nginx:1.27' } }] },
    });
    expect((await h.call(ADMIN, 'POST', '/api/v1/apps', app('acme-back-api', 'acme-back'))).statusCode).toBe(201);
    const created = await create(ACME_ADMIN, { name: 'acme-web-ci', role: 'tenant-dev', tenant: 'acme', project: 'acme-web' });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body).toMatchObject({ role: 'tenant-dev', tenant: 'acme', project: 'acme-web' });
    const token = created.body.token;
    expect((await h.call(token, 'POST', '/api/v1/apps', app('acme-web-shop', 'acme-web'))).statusCode).toBe(201);
    expect((await h.call(token, 'POST', '/api/v1/apps', app('acme-back-x', 'acme-back'))).statusCode).toBe(422);
    expect((await h.call(token, 'GET', '/api/v1/apps/acme-back-api')).statusCode).toBe(404);
    const apps = json<{ items: { name: string }[] }>(await h.call(token, 'GET', '/api/v1/apps')).items.map((a) => a.name);
    expect(apps).toEqual(['acme-web-shop']);
    expect(json<{ items: { name: string }[] }>(await h.call(token, 'GET', '/api/v1/projects')).items.map((p) => p.name)).toEqual(['acme-web']);
    // A project that is not the tenant's, and a project without its tenant, are refused.
    expect((await create(ADMIN, { name: 'bad-p1', role: 'tenant-dev', tenant: 'globex', project: 'acme-web' })).status).toBe(422);
    expect((await create(ADMIN, { name: 'bad-p2', role: 'read-only', project: 'acme-web' })).status).toBe(400);
  });

  it.each([
    ['a tenant role without tenant', { name: 'bad1', role: 'tenant-dev' }, 400],
    ['platform-admin of a tenant', { name: 'bad2', role: 'platform-admin', tenant: 'acme' }, 400],
    ['a tenant that does not exist', { name: 'bad3', role: 'tenant-dev', tenant: 'nowhere' }, 422],
    ['an expiry beyond a year', { name: 'bad4', role: 'read-only', ttlSeconds: 400 * 86400 }, 400],
    ['an unknown role', { name: 'bad5', role: 'owner' }, 400],
  ])('refuses %s', async (_why, body, status) => {
    expect((await create(ADMIN, body)).status).toBe(status);
  });

  it('a second token of the same name is refused', async () => {
    expect((await create(ADMIN, { name: 'twice', role: 'read-only' })).status).toBe(201);
    expect((await create(ADMIN, { name: 'twice', role: 'read-only' })).status).toBe(409);
  });

  it('is refused after its expiry', async () => {
    const { token } = (await create(ADMIN, { name: 'short-lived', role: 'read-only', ttlSeconds: 60 })).body;
    const later = await server(() => Date.now() + 61_000);
    try {
      await expect401(token, 'api_token_expired', later);
    } finally {
      await later.close();
    }
    expect((await h.call(token, 'GET', '/api/v1/tenants')).statusCode).toBe(200);
  });

  it('is refused at once after revocation, and the revocation is audited', async () => {
    const { token } = (await create(ACME_ADMIN, { name: 'acme-revoked', role: 'read-only', tenant: 'acme' })).body;
    expect((await h.call(token, 'GET', '/api/v1/tenants')).statusCode).toBe(200);
    expect((await h.call(ACME_ADMIN, 'DELETE', '/api/v1/apitokens/acme-revoked', undefined, { 'x-request-id': 'revoke-1' })).statusCode).toBe(204);
    await expect401(token, 'api_token_unknown');
    const audit = json<{ items: { clientRequestId?: string; actor: string; action: string; name: string }[] }>(
      await h.call(ADMIN, 'GET', '/api/v1/audit?kind=ApiToken'),
    );
    expect(audit.items.find((r) => r.clientRequestId === 'revoke-1')).toMatchObject({ actor: 'acme-admin', action: 'delete', name: 'acme-revoked' });
  });

  it("a tenant admin cannot see or revoke another tenant's token", async () => {
    await create(ADMIN, { name: 'globex-ci', role: 'read-only', tenant: 'globex' });
    expect((await h.call(ACME_ADMIN, 'DELETE', '/api/v1/apitokens/globex-ci')).statusCode).toBe(404);
  });

  it.each([
    ['a wrong secret', async () => `${(await create(ADMIN, { name: 'guessed', role: 'read-only' })).body.token.slice(0, -2)}AA`, 'api_token_unknown'],
    ['an unknown name', () => Promise.resolve(`knt_never-made_${'A'.repeat(43)}`), 'api_token_unknown'],
    ['a malformed token', () => Promise.resolve('knt_x'), 'malformed'],
  ])('refuses %s with 401', async (_why, make, reason) => {
    await expect401(await make(), reason);
  });
});
