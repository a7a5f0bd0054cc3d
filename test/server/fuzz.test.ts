// The real server process, fed a few thousand generated malformed requests on every route it
// documents: bodies (random JSON, near-schema JSON, not JSON at all), kubeconfigs (hostile YAML
// constructs, broken URLs and credentials) and query strings (times, numbers, cursors, selectors
// out of range). No answer may be a 5xx, none may echo a planted marker, and the process must
// still answer /readyz after every batch. Seeded, so a failure replays (the seed is printed).
import fc from 'fast-check';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadHs256Secret } from '../../src/security/auth-keys.js';
import { mintToken } from '../../src/security/auth-token.js';
import { kubeconfigYaml } from '../support/kubeconfig.js';
import { startServer, type RunningServer } from '../support/server-process.js';
import { backends } from '../support/stores.js';

const SEED = Number(process.env.KUBENOVA_FUZZ_SEED ?? 20261203);
const BATCH = 250;
/** Planted in generated input; an answer that carries it echoed raw input. */
const MARKER = 'zq<img src=x onerror=alert(1)>';

type Operation = { method: string; path: string };
let server: RunningServer;
let tokens: Record<'admin' | 'tenant' | 'none', string | undefined>;
let operations: Operation[];

beforeAll(async () => {
  const { dataDir } = await backends.find((b) => b.name === 'embedded')!.fresh();
  server = await startServer({ env: { KUBENOVA_DATA_DIR: dataDir, KUBENOVA_HOST: '127.0.0.1', KUBENOVA_PORT: '0', KUBENOVA_LOG_LEVEL: 'fatal' } });
  const secret = (await loadHs256Secret({ hs256SecretFile: join(dataDir, 'jwt-secret'), createHs256SecretFile: false }))!;
  tokens = {
    admin: await mintToken(secret, { subject: 'fuzz-admin', roles: ['platform-admin'], ttlSeconds: 3600 }),
    tenant: await mintToken(secret, { subject: 'fuzz-tenant', roles: ['tenant-admin'], tenants: ['acme'], ttlSeconds: 3600 }),
    none: undefined,
  };
  const spec = (await (await fetch(`${server.url}/openapi.json`)).json()) as { paths: Record<string, Record<string, unknown>> };
  operations = Object.entries(spec.paths).flatMap(([path, methods]) =>
    Object.keys(methods)
      .filter((m) => ['get', 'post', 'put', 'patch', 'delete'].includes(m))
      .map((m) => ({ method: m.toUpperCase(), path })),
  );
  // A few objects so that routes on existing names reach their deeper checks.
  for (const [path, body] of [
    ['/tenants', { name: 'acme', spec: { owners: [{ kind: 'User', name: 'alice' }] } }],
    ['/policysets', { name: 'baseline', spec: {} }],
  ] as const) {
    await send({ method: 'POST', path: `/api/v1${path}`, body: JSON.stringify(body), contentType: 'application/json', as: 'admin' });
  }
}, 120_000);

afterAll(async () => {
  await server?.stop();
});

interface Request {
  method: string;
  path: string;
  body?: string;
  contentType?: string;
  as: keyof typeof tokens;
}

/** Status and body text; a stream (SSE) is closed as soon as its headers arrive. */
async function send(r: Request): Promise<{ status: number; text: string }> {
  const headers: Record<string, string> = {};
  const token = tokens[r.as];
  if (token) headers.authorization = `Bearer ${token}`;
  if (r.contentType) headers['content-type'] = r.contentType;
  const res = await fetch(`${server.url}${r.path}`, {
    method: r.method,
    headers,
    body: r.method === 'GET' || r.method === 'DELETE' ? undefined : r.body,
    signal: AbortSignal.timeout(15_000),
  });
  if (res.headers.get('content-type')?.includes('text/event-stream')) {
    await res.body?.cancel();
    return { status: res.status, text: '' };
  }
  return { status: res.status, text: await res.text() };
}

// ---- generators -------------------------------------------------------------------------

const oddText = fc.oneof(
  fc.constantFrom(
    '',
    ' ',
    '..',
    '%',
    '%00',
    '\u0000',
    '\ud800',
    'a'.repeat(300),
    '-1',
    '0',
    '1e400',
    'NaN',
    'null',
    '{}',
    '[]',
    MARKER,
    '../../etc/passwd',
    'acme',
    'baseline',
  ),
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 20 }),
);

/** A path segment for `{param}`: valid names, existing names, garbage. */
const segment = fc.oneof(fc.constantFrom('acme', 'baseline', 'c1', 'acme-web', 'x'), oddText).map((s) => {
  try {
    return encodeURIComponent(s);
  } catch {
    return '%ED%A0%80'; // a lone surrogate, as raw (invalid) UTF-8
  }
});

const timeText = fc.oneof(
  fc.constantFrom('99999', '275760-09-13', '-000001-01-01', '+010000-01-01', '0', '1970-01-01T00:00:00Z', '2026-13-45', 'yesterday', MARKER),
  fc.integer().map(String),
  fc.date({ noInvalidDate: false }).map((d) => (Number.isNaN(d.getTime()) ? 'Invalid' : d.toISOString())),
);

/** One or two parameters at a time: a strict query schema refuses unknown ones first, so more
 *  at once would rarely reach the parsing of any single one. */
const queryParam = fc.oneof(
  fc.tuple(fc.constantFrom('since', 'until'), timeText),
  fc.tuple(fc.constant('limit'), fc.oneof(fc.integer().map(String), oddText)),
  fc.tuple(
    fc.constant('cursor'),
    fc.oneof(
      oddText,
      fc.json().map((j) => Buffer.from(j).toString('base64url')),
    ),
  ),
  fc.tuple(fc.constant('watch'), fc.constantFrom('true', 'false', '1', MARKER)),
  fc.tuple(fc.constant('labelSelector'), fc.oneof(fc.constantFrom('a=b', 'a in (b,c)', '!a', 'a!=', '===', MARKER), oddText)),
  fc.tuple(fc.constant('phase'), fc.oneof(fc.constantFrom('Error', 'Error,Drifted', 'Error,', 'error', MARKER), oddText)),
  fc.tuple(fc.constant('nameContains'), fc.oneof(fc.constantFrom('web', '%', "'", MARKER), oddText)),
  fc.tuple(fc.constant('count'), fc.constantFrom('true', 'false', '1', MARKER)),
  fc.tuple(fc.constantFrom('kind', 'name', 'actor', 'outcome', 'tenant', 'correlationId', 'resourceVersion', 'revision', MARKER), oddText),
);
const query = fc.array(queryParam, { maxLength: 2 }).map((pairs) => new URLSearchParams(pairs).toString());

/** YAML text that is almost a kubeconfig, with one hostile or broken part. */
const kubeconfigText = fc
  .record({
    server: fc.constantFrom('https://127.0.0.1:1', 'ftp://127.0.0.1:21', 'http://127.0.0.1:8080', 'https://probe:probe-pass@127.0.0.1:1', 'not a url', MARKER),
    user: fc.constantFrom(
      'token: t',
      'token: "a\\nb"',
      '<<: {exec: {command: /bin/touch, args: [/tmp/fuzz-pwned]}}',
      '<<: {token-file: /etc/shadow}',
      'exec: {command: /bin/true, apiVersion: client.authentication.k8s.io/v1}',
      'token-file: /nonexistent/token',
      'token: &a t',
      'token: !!binary eA==',
      'token: t\n    token: u',
      `token: "${MARKER}"`,
      'as: admin\n    token: t',
    ),
    extra: fc.constantFrom('', 'x: *undefined', '---\na: 1', 'current-context: other', '<<: {clusters: []}', '%YAML 1.1', MARKER),
  })
  .map((parts) => kubeconfigYaml(parts));

const FIELDS = [
  'name',
  'labels',
  'annotations',
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
  'namespaceOptions',
  'placement',
  'ttlSeconds',
  'reason',
  'revision',
  'dryRun',
];
const nearSchema = fc.dictionary(
  fc.constantFrom(...FIELDS),
  fc.oneof(
    fc.jsonValue({ maxDepth: 3 }),
    oddText,
    kubeconfigText.map((k) => Buffer.from(k).toString('base64')),
  ),
  { maxKeys: 6 },
);

const body = fc.oneof(
  { weight: 3, arbitrary: nearSchema.map((b) => ({ text: JSON.stringify(b), contentType: 'application/json' })) },
  {
    weight: 2,
    arbitrary: kubeconfigText.map((k) => ({
      text: JSON.stringify({ name: 'c1', kubeconfig: Buffer.from(k).toString('base64') }),
      contentType: 'application/json',
    })),
  },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 4 }).map((v) => ({ text: JSON.stringify(v), contentType: 'application/json' })) },
  { weight: 1, arbitrary: fc.string({ maxLength: 200 }).map((t) => ({ text: t, contentType: 'application/json' })) },
  {
    weight: 1,
    arbitrary: fc.record({ text: oddText, contentType: fc.constantFrom('text/plain', 'application/x-www-form-urlencoded', 'application/yaml', MARKER) }),
  },
);

const request = (ops: readonly Operation[]) =>
  fc
    .record({
      op: fc.constantFrom(...ops),
      params: fc.array(segment, { minLength: 4, maxLength: 4 }),
      query,
      body,
      as: fc.constantFrom<Request['as']>('admin', 'admin', 'admin', 'tenant', 'none'),
    })
    .map(({ op, params, query, body, as }): Request => {
      let i = 0;
      const path = op.path.replace(/\{[^}]+\}/g, () => params[i++ % params.length]!);
      return { method: op.method, path: `${path}${query ? `?${query}` : ''}`, body: body.text, contentType: body.contentType, as };
    });

// ---- the run ------------------------------------------------------------------------------

describe('fuzz: generated malformed requests on every documented route', () => {
  it('documents enough routes to be worth fuzzing', () => {
    expect(operations.length).toBeGreaterThan(30);
  });

  it(`${BATCH * 12} requests in batches: never a 5xx or an echo, the process answers after each batch (seed ${SEED})`, { timeout: 600_000 }, async () => {
    const requests = fc.sample(request(operations), { numRuns: BATCH * 12, seed: SEED });
    const seen = new Set<string>();
    for (let start = 0; start < requests.length; start += BATCH) {
      const batch = requests.slice(start, start + BATCH);
      // Four at a time: some concurrency, without queueing behind the server's own limits.
      for (let i = 0; i < batch.length; i += 4) {
        await Promise.all(
          batch.slice(i, i + 4).map(async (r) => {
            const { status, text } = await send(r);
            seen.add(`${r.method} ${status}`);
            const what = `${r.as} ${r.method} ${r.path.slice(0, 300)} ${String(r.body).slice(0, 300)} → ${status} ${text.slice(0, 300)}`;
            expect(status < 500 || status === 501, what).toBe(true);
            expect(text.includes(MARKER), `echoed input: ${what}`).toBe(false);
          }),
        );
      }
      expect(server.running(), `the server exited: ${server.stderr().slice(-2000)}`).toBe(true);
      const ready = await fetch(`${server.url}/readyz`);
      expect(ready.status, `after batch ${start / BATCH + 1}`).toBe(200);
    }
    // The run reached past authentication and validation, not only 401/404s.
    expect([...seen].some((s) => / 2\d\d$/.test(s))).toBe(true);
    expect([...seen].some((s) => / 400$/.test(s))).toBe(true);
  });

  it('is still alive a while later (nothing armed by a refused request fires)', async () => {
    await new Promise((r) => setTimeout(r, 11_000));
    expect(server.running(), server.stderr().slice(-2000)).toBe(true);
    expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
  });
});
