// No input produces a 500: wrong types, unknown fields, huge strings, bad cursors and selectors,
// odd path names, bad JSON, wrong content types, deep nesting, text PostgreSQL cannot store.
// Every rejection is the one error shape with a stable code.
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kubeconfigB64 } from '../support/kubeconfig.js';
import { ADMIN, json, startHarness, type Harness } from './support/harness.js';
import { appBody, seedWorld, uniq } from './support/world.js';

let h: Harness;
let admin: string;
beforeAll(async () => {
  h = await startHarness();
  await seedWorld(h);
  admin = await h.token(ADMIN);
});
afterAll(() => h?.close());

const raw = (method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, payload?: string | Buffer, headers: Record<string, string> = {}) =>
  h.app.inject({ method, url, payload, headers: { authorization: `Bearer ${admin}`, ...headers } });

function expectError(res: LightMyRequestResponse, status: number, code?: string) {
  expect(res.statusCode, res.body.slice(0, 500)).toBe(status);
  const body = json<{ code: string; message: string; details: { field: string; reason: string }[] }>(res);
  expect(body).toEqual({ code: expect.any(String), message: expect.any(String), details: expect.any(Array) });
  if (code) expect(body.code).toBe(code);
  return body;
}

const withProperties = (properties: unknown) => {
  const body = appBody(uniq('acme-a'), 'acme-web');
  (body.spec.components[0] as Record<string, unknown>).properties = properties;
  return body;
};

describe('bodies that fail the schema: 400 VALIDATION_FAILED naming each field', () => {
  it.each([
    ['name of the wrong type', '/api/v1/tenants', { name: 42 }, ['body/name']],
    ['spec as an array', '/api/v1/tenants', { name: 'x1', spec: [] }, ['body/spec']],
    ['label value as a number', '/api/v1/tenants', { name: 'x2', labels: { a: 1 } }, ['body/labels/a']],
    ['bad label key', '/api/v1/tenants', { name: 'x3', labels: { 'Bad Key!': 'v' } }, ['body/labels/*']],
    ['a number as text is not coerced', '/api/v1/tenants', { name: 'x4', spec: { quotas: { namespaces: '5' } } }, ['body/spec/quotas/namespaces']],
    ['boolean for an enum', '/api/v1/tenants', { name: 'x5', spec: { networkIsolation: true } }, ['body/spec/networkIsolation']],
    ['unknown top-level field', '/api/v1/tenants', { name: 'x6', metadata: {} }, ['body/metadata']],
    ['unknown nested field', '/api/v1/tenants', { name: 'x7', spec: { quotas: { gpus: 1 } } }, ['body/spec/quotas/gpus']],
    [
      'unknown field in a list item',
      '/api/v1/tenants',
      { name: 'x8', spec: { owners: [{ kind: 'User', name: 'a', email: 'a@b' }] } },
      ['body/spec/owners/0/email'],
    ],
    ['owner kind outside the enum', '/api/v1/tenants', { name: 'x9', spec: { owners: [{ kind: 'Robot', name: 'a' }] } }, ['body/spec/owners/0/kind']],
    ['bad quantity', '/api/v1/tenants', { name: 'x10', spec: { quotas: { memory: '1 GB' } } }, ['body/spec/quotas/memory']],
    ['missing required fields', '/api/v1/apps', { name: 'x11', spec: {} }, ['body/spec/project', 'body/spec/components']],
    ['empty component list', '/api/v1/apps', { name: 'x12', spec: { project: 'acme-web', components: [] } }, ['body/spec/components']],
    [
      'ttl as a string',
      '/api/v1/kubeconfiggrants',
      { name: 'x13', spec: { tenant: 'acme', cluster: 'c1', subject: 's', ttlSeconds: '3600', role: 'view' } },
      ['body/spec/ttlSeconds'],
    ],
    ['missing kubeconfig', '/api/v1/clusters', { name: 'x14' }, ['body/kubeconfig']],
    ['kubeconfig not base64', '/api/v1/clusters', { name: 'x15', kubeconfig: 'not base64!' }, ['body/kubeconfig']],
    ['kubeconfig that is not a kubeconfig', '/api/v1/clusters', { name: 'x16', kubeconfig: Buffer.from('hello: [').toString('base64') }, ['body/kubeconfig']],
    [
      'kubeconfig without a current context',
      '/api/v1/clusters',
      { name: 'x17', kubeconfig: Buffer.from('apiVersion: v1\nclusters: []\n').toString('base64') },
      ['body/kubeconfig'],
    ],
    [
      'proxy URL not https',
      '/api/v1/clusters',
      { name: 'x18', kubeconfig: kubeconfigB64(), spec: { capsuleProxy: { url: 'http://proxy' } } },
      ['body/spec/capsuleProxy/url'],
    ],
    ['a body that is null', '/api/v1/tenants', null, ['body']],
    ['a body that is a string', '/api/v1/tenants', 'tenant', ['body']],
  ])('%s', async (_what, url, body, fields) => {
    const res = await raw('POST', url, JSON.stringify(body), { 'content-type': 'application/json' });
    const err = expectError(res, 400, 'VALIDATION_FAILED');
    expect(err.details.map((d) => d.field)).toEqual(expect.arrayContaining(fields));
    for (const d of err.details) expect(d.reason).not.toMatch(/^\s*$/);
  });

  it('unknown fields are named as such', async () => {
    const err = expectError(await h.call(ADMIN, 'POST', '/api/v1/tenants', { name: 'x20', spec: { colour: 'red' } }), 400);
    expect(err.details).toContainEqual({ field: 'body/spec/colour', reason: 'unknown field' });
  });

  it('pattern failures are explained in words', async () => {
    const err = expectError(await h.call(ADMIN, 'POST', '/api/v1/tenants', { name: 'Not_A_Name' }), 400);
    expect(err.details).toEqual([{ field: 'body/name', reason: expect.stringContaining('DNS-1123 label') }]);
  });
});

describe('sizes', () => {
  it.each([
    ['a 100k-character name', { name: 'a'.repeat(100_000) }],
    ['a 100k-character label value', { name: 'big1', labels: { a: 'b'.repeat(100_000) } }],
    ['a 100k-character label key', { name: 'big2', labels: { ['k'.repeat(100_000)]: 'v' } }],
    ['a 900k-character owner name', { name: 'big3', spec: { owners: [{ kind: 'User', name: 'u'.repeat(900_000) }] } }],
    ['10k owners', { name: 'big4', spec: { owners: Array.from({ length: 10_000 }, (_, i) => ({ kind: 'User', name: `u${i}` })) } }],
  ])('%s is rejected quickly', async (_what, body) => {
    const started = Date.now();
    expectError(await h.call(ADMIN, 'POST', '/api/v1/tenants', body), 400, 'VALIDATION_FAILED');
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('a body over 1 MiB is 413 PAYLOAD_TOO_LARGE', async () => {
    const res = await raw('POST', '/api/v1/tenants', JSON.stringify({ name: 'huge', labels: { a: 'x'.repeat(1_100_000) } }), {
      'content-type': 'application/json',
    });
    expectError(res, 413, 'PAYLOAD_TOO_LARGE');
  });

  it.each([
    ['33 levels in component properties', 33, 400],
    ['10000 levels', 10_000, 400],
    ['20 levels is fine', 20, 201],
  ])('nesting: %s', async (_what, levels, status) => {
    // Written as text: the test's own JSON.stringify would overflow on the deepest one.
    const properties = '{"n":'.repeat(levels) + '"leaf"' + '}'.repeat(levels);
    const text = JSON.stringify(withProperties('@')).replace('"@"', properties);
    const res = await raw('POST', '/api/v1/apps', text, { 'content-type': 'application/json' });
    expect(res.statusCode, res.body.slice(0, 300)).toBe(status);
  });

  it('a deeply nested array body (100k levels) is rejected, not a crash', async () => {
    const text = '['.repeat(100_000) + ']'.repeat(100_000);
    const res = await raw('POST', '/api/v1/tenants', text, { 'content-type': 'application/json' });
    expectError(res, 400);
  });
});

describe('text PostgreSQL cannot store', () => {
  it.each([
    ['a NUL character in a free-form value', withProperties({ cmd: 'a\u0000b' })],
    ['a NUL character in a free-form key', withProperties({ 'a\u0000b': 1 })],
    ['an unpaired high surrogate', withProperties({ s: 'x\ud800y' })],
    ['an unpaired low surrogate', withProperties({ s: '\udc00' })],
  ])('%s → 400', async (_what, body) => {
    expectError(await h.call(ADMIN, 'POST', '/api/v1/apps', body), 400, 'VALIDATION_FAILED');
  });

  it('paired surrogates (emoji) are fine', async () => {
    expect((await h.call(ADMIN, 'POST', '/api/v1/apps', withProperties({ s: 'ship it 🚀' }))).statusCode).toBe(201);
  });
});

describe('JSON and content types', () => {
  it.each(['{', '{"name":', '[1,2', '{"name":"a",}', "{'name':'a'}", 'undefined', '\u0000'])('malformed JSON %j → 400 MALFORMED_JSON', async (text) => {
    expectError(await raw('POST', '/api/v1/tenants', text, { 'content-type': 'application/json' }), 400, 'MALFORMED_JSON');
  });

  it('an empty body declared as JSON → 400', async () => {
    expectError(await raw('POST', '/api/v1/tenants', '', { 'content-type': 'application/json' }), 400, 'MALFORMED_JSON');
  });

  it('no body at all → 400', async () => {
    expectError(await raw('POST', '/api/v1/tenants'), 400, 'VALIDATION_FAILED');
  });

  it('prototype poisoning is refused', async () => {
    expectError(await raw('POST', '/api/v1/tenants', '{"name":"pp","__proto__":{"admin":true}}', { 'content-type': 'application/json' }), 400);
  });

  it.each(['text/plain', 'application/xml', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/octet-stream'])(
    'content type %s → 415',
    async (type) => {
      expectError(await raw('POST', '/api/v1/tenants', '{"name":"ct"}', { 'content-type': type }), 415, 'UNSUPPORTED_MEDIA_TYPE');
    },
  );

  it('application/json with a charset is fine', async () => {
    expect((await raw('POST', '/api/v1/tenants', JSON.stringify({ name: uniq('t') }), { 'content-type': 'application/json; charset=utf-8' })).statusCode).toBe(
      201,
    );
  });
});

describe('queries', () => {
  const forged = (body: unknown) => Buffer.from(JSON.stringify(body)).toString('base64url');
  it.each([
    ['limit=0'],
    ['limit=501'],
    ['limit=-1'],
    ['limit=abc'],
    ['limit=1.5'],
    ['limit=1&limit=2'],
    ['cursor='],
    ['cursor=abc'],
    ['cursor=!!!'],
    [`cursor=${'A'.repeat(5000)}`],
    [`cursor=${forged({ v: 1, k: 'Tenant', n: 'acme' })}`],
    [`cursor=${forged({ v: 1, k: 'App', n: 'a\u0000b' })}`],
    [`cursor=${forged({ v: 1, k: 'App', n: 42 })}`],
    ['labelSelector=a%20in%20('],
    ['labelSelector=!!'],
    ['labelSelector=a%3Db%3Dc'],
    ['labelSelector=a%3E1'],
    [`labelSelector=${'x'.repeat(5000)}`],
    [`labelSelector=${encodeURIComponent('a=\u0000')}`],
    ['phase=Broken'],
    ['phase=Error,'],
    ['phase=error'],
    ['nameContains='],
    ['nameContains=Shop'],
    ['nameContains=a%25'],
    [`nameContains=${'a'.repeat(64)}`],
    ['count=yes'],
    ['unknown=1'],
  ])('%s → 400', async (query) => {
    expectError(await raw('GET', `/api/v1/apps?${query}`), 400, 'VALIDATION_FAILED');
  });

  it('a cursor from another list of the same kind still works (it is only a position)', async () => {
    const page = json<{ nextCursor: string }>(await raw('GET', '/api/v1/apps?limit=1'));
    expect((await raw('GET', `/api/v1/projects/acme-web/apps?cursor=${encodeURIComponent(page.nextCursor)}`)).statusCode).toBe(200);
  });
});

describe('errors never quote the input back', () => {
  const MARKUP = '<img src=x onerror=alert(1)>';
  const forged = (body: unknown) => Buffer.from(JSON.stringify(body)).toString('base64url');
  const refusals: { reason: string; send: () => Promise<LightMyRequestResponse>; status: number }[] = [
    { reason: "a cursor's kind field", send: () => raw('GET', `/api/v1/apps?cursor=${forged({ v: 1, k: MARKUP, n: 'a' })}`), status: 400 },
    { reason: 'a label selector word', send: () => raw('GET', `/api/v1/apps?labelSelector=${encodeURIComponent(`a=${MARKUP}`)}`), status: 400 },
    { reason: 'a label selector key', send: () => raw('GET', `/api/v1/apps?labelSelector=${encodeURIComponent(`${MARKUP} in (x)`)}`), status: 400 },
    { reason: 'a label selector operator position', send: () => raw('GET', `/api/v1/apps?labelSelector=${encodeURIComponent(`a ${MARKUP}`)}`), status: 400 },
    {
      reason: 'an unknown body field',
      send: () => raw('POST', '/api/v1/tenants', JSON.stringify({ name: uniq('t'), spec: { [MARKUP]: 1 } }), { 'content-type': 'application/json' }),
      status: 400,
    },
    {
      reason: 'a label key in the body',
      send: () =>
        raw('POST', '/api/v1/tenants', JSON.stringify({ name: uniq('t'), spec: {}, labels: { [MARKUP]: 'x' } }), { 'content-type': 'application/json' }),
      status: 400,
    },
    { reason: 'an unknown query parameter', send: () => raw('GET', `/api/v1/apps?${encodeURIComponent(MARKUP)}=1`), status: 400 },
    { reason: 'a path no route has', send: () => raw('GET', `/api/v1/${encodeURIComponent(MARKUP)}`), status: 404 },
  ];
  it.each(refusals)('$reason: the error names the field, not the text', async ({ send, status }) => {
    const res = await send();
    expectError(res, status);
    expect(res.body).not.toMatch(/<img|onerror|alert/);
  });

  it('an unknown field with a plain name is still named', async () => {
    const err = expectError(
      await raw('POST', '/api/v1/tenants', JSON.stringify({ name: uniq('t'), spec: { [MARKUP]: 1, colour: 'red' } }), { 'content-type': 'application/json' }),
      400,
    );
    expect(err.details).toEqual(
      expect.arrayContaining([
        { field: 'body/spec/*', reason: 'unknown field' },
        { field: 'body/spec/colour', reason: 'unknown field' },
      ]),
    );
  });
});

describe('path names', () => {
  it.each([
    'UPPER',
    'a_b',
    '-a',
    'a-',
    'x'.repeat(64),
    '%00',
    'a%00b',
    '%C3%A9',
    'a%2Fb',
    '..',
    '%2e%2e',
    'a:b',
    ':rollback',
    '%ZZ',
    '%',
    "a'b",
    'a%20b',
    '%F0%9F%9A%80',
  ])('GET /api/v1/tenants/%s is a 4xx with the error shape', async (name) => {
    const res = await raw('GET', `/api/v1/tenants/${name}`);
    expect([400, 404], res.body).toContain(res.statusCode);
    expectError(res, res.statusCode);
  });

  it('odd custom-method targets are 4xx', async () => {
    for (const url of [
      '/api/v1/apps/:rollback',
      '/api/v1/apps/a:',
      '/api/v1/apps/A:rollback',
      '/api/v1/apps/a%00:rollback',
      '/api/v1/apps/a:b:rollback',
      '/api/v1/apps/%ZZ:rollback',
    ]) {
      const res = await raw('POST', url, '{}', { 'content-type': 'application/json' });
      expect([400, 404], `${url}: ${res.body}`).toContain(res.statusCode);
      expectError(res, res.statusCode);
    }
  });

  it('unknown routes are NOT_FOUND in the error shape', async () => {
    expectError(await raw('GET', '/api/v1/widgets'), 404, 'NOT_FOUND');
    expectError(await raw('GET', '/api/v2/tenants'), 404, 'NOT_FOUND');
    expectError(await h.app.inject({ method: 'PATCH', url: '/api/v1/tenants/acme' }), 404, 'NOT_FOUND');
  });
});

describe('headers', () => {
  it.each(['abc', 'W/"1"', '"1", "2"', '""', `"${'9'.repeat(100)}"`])('If-Match %s → 400', async (value) => {
    const res = await raw('PUT', '/api/v1/tenants/acme', JSON.stringify({ spec: {} }), { 'content-type': 'application/json', 'if-match': value });
    expectError(res, 400, 'VALIDATION_FAILED');
  });

  it.each(['Basic dXNlcjpwYXNz', 'Bearer', 'Bearer  ', 'Bearer a b', 'bearer not.a.jwt', `Bearer ${'x'.repeat(10_000)}`])(
    'Authorization %s → 401',
    async (value) => {
      const res = await h.app.inject({ method: 'GET', url: '/api/v1/tenants', headers: { authorization: value.slice(0, 60) } });
      expectError(res, 401, 'UNAUTHENTICATED');
    },
  );
});

describe('fuzz: random JSON never gives a 500', () => {
  // A small deterministic generator (no dependency): values of every JSON type, some of them
  // near the schema (known field names), some not.
  let seed = 42;
  const rand = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const FIELDS = [
    'name',
    'labels',
    'spec',
    'kubeconfig',
    'project',
    'components',
    'owners',
    'quotas',
    'tenant',
    'cluster',
    'role',
    'verbs',
    'properties',
    'type',
    'ttlSeconds',
    'x',
  ];
  const value = (depth: number): unknown => {
    const r = rand();
    if (depth > 4 || r < 0.3)
      return pick([null, true, 0, -1, 1.5, 1e308, '', 'acme', 'acme-web', 'c1', 'a'.repeat(300), '\u0000', '\ud800', 'view', 'webservice']);
    if (r < 0.55) return Array.from({ length: Math.floor(rand() * 4) }, () => value(depth + 1));
    return Object.fromEntries(Array.from({ length: Math.floor(rand() * 5) }, () => [pick(FIELDS), value(depth + 1)]));
  };
  const targets = [
    '/api/v1/clusters',
    '/api/v1/tenants',
    '/api/v1/projects',
    '/api/v1/apps',
    '/api/v1/policysets',
    '/api/v1/kubeconfiggrants',
    '/api/v1/tenants/acme/projects',
    '/api/v1/apps/acme-shop:rollback',
    '/api/v1/tenants/acme:issue-kubeconfig',
  ];

  it('1000 random bodies', async () => {
    for (let i = 0; i < 1000; i++) {
      const url = pick(targets);
      const body = rand() < 0.5 ? { name: `fz-${i}`, spec: value(1) } : value(0);
      const res = await raw('POST', url, JSON.stringify(body), { 'content-type': 'application/json' });
      expect(res.statusCode < 500 || res.statusCode === 501, `${url} ${JSON.stringify(body).slice(0, 300)} → ${res.statusCode} ${res.body.slice(0, 300)}`).toBe(
        true,
      );
    }
  });
});
