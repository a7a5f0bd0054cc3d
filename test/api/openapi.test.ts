// The OpenAPI document: valid 3.1 in structure, every route documented (and every documented
// route served), schemas identical to those that validate requests.
import { Compile } from 'typebox/compile';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, json, startHarness, type Harness } from './support/harness.js';

type Operation = {
  operationId?: string;
  summary?: string;
  tags?: string[];
  parameters?: { name: string; in: string; required?: boolean; schema?: unknown }[];
  requestBody?: { content: Record<string, { schema: Record<string, unknown> }> };
  responses?: Record<string, { description?: string; content?: Record<string, { schema: unknown }> }>;
  security?: unknown[];
};
type Doc = {
  openapi: string;
  info: { title: string; version: string };
  paths: Record<string, Record<string, Operation>>;
  components: { securitySchemes: Record<string, unknown>; schemas?: Record<string, unknown> };
  security: unknown[];
};

let h: Harness;
let doc: Doc;
beforeAll(async () => {
  h = await startHarness();
  const res = await h.app.inject({ method: 'GET', url: '/openapi.json' });
  expect(res.statusCode).toBe(200);
  doc = json<Doc>(res);
});
afterAll(() => h?.close());

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options', 'trace'];
const operations = () =>
  Object.entries(doc.paths).flatMap(([path, item]) =>
    Object.entries(item)
      .filter(([m]) => METHODS.includes(m))
      .map(([method, op]) => ({ path, method, op })),
  );

/** Every route KubeNova serves, written out: the seed's paths, CRUD per kind, nested lists. */
const EXPECTED: [string, string][] = [
  ...['clusters', 'tenants', 'projects', 'apps', 'policysets', 'kubeconfiggrants', 'definitions', 'rolerules'].flatMap((p): [string, string][] => [
    ['post', `/api/v1/${p}`],
    ['get', `/api/v1/${p}`],
    ['get', `/api/v1/${p}/{name}`],
    ['put', `/api/v1/${p}/{name}`],
    ['delete', `/api/v1/${p}/{name}`],
  ]),
  ['post', '/api/v1/tenants/{name}/projects'],
  ['get', '/api/v1/tenants/{name}/projects'],
  ['get', '/api/v1/tenants/{name}/apps'],
  ['get', '/api/v1/tenants/{name}/kubeconfiggrants'],
  ['get', '/api/v1/projects/{name}/apps'],
  ['get', '/api/v1/projects/{name}/kubeconfiggrants'],
  ['get', '/api/v1/apps/{name}/rollout'],
  ['post', '/api/v1/apps/{name}:rollback'],
  ['post', '/api/v1/apps/{name}:suspend'],
  ['post', '/api/v1/apps/{name}:resume'],
  ['post', '/api/v1/apps/{name}:terminate'],
  ['get', '/api/v1/apps/{name}/revisions'],
  ['get', '/api/v1/apps/{name}/revisions/{number}'],
  ['get', '/api/v1/clusters/{name}/definitions'],
  ['post', '/api/v1/tenants/{name}:issue-kubeconfig'],
  ['post', '/api/v1/projects/{name}:issue-kubeconfig'],
  ['post', '/api/v1/clusters/{name}:bootstrap'],
  ['get', '/api/v1/tenants/{name}/plan'],
  ['get', '/api/v1/projects/{name}/plan'],
  ['post', '/api/v1/admin/keys:rotate'],
  ['get', '/api/v1/events'],
  ['get', '/api/v1/audit'],
  ['get', '/api/v1/whoami'],
  ['post', '/api/v1/apitokens'],
  ['get', '/api/v1/apitokens'],
  ['delete', '/api/v1/apitokens/{name}'],
  ['get', '/api/v1/auth/providers'],
  ['get', '/api/v1/tenants/{name}/usage'],
  ['get', '/api/v1/tenants/{name}/usage/history'],
  ['get', '/api/v1/projects/{name}/usage'],
  ['get', '/api/v1/usage'],
  ['get', '/healthz'],
  ['get', '/readyz'],
  ['get', '/metrics'],
];

describe('the OpenAPI document', () => {
  it('is OpenAPI 3.1 with info, bearer security and paths', () => {
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.info).toMatchObject({ title: 'KubeNova API', version: expect.any(String) });
    expect(doc.components.securitySchemes).toEqual({ bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } });
    expect(doc.security).toEqual([{ bearerAuth: [] }]);
  });

  it('documents every route, seed paths exactly as written', () => {
    const documented = new Set(operations().map(({ method, path }) => `${method} ${path}`));
    for (const [method, path] of EXPECTED) expect(documented, `${method} ${path}`).toContain(`${method} ${path}`);
    expect(documented.size).toBe(EXPECTED.length);
  });

  it('serves every documented operation', async () => {
    for (const { method, path } of operations()) {
      const url = path.replace('{name}', 'doc-check');
      const res = await h.call(ADMIN, method.toUpperCase(), url, ['post', 'put'].includes(method) ? {} : undefined);
      const body = res.headers['content-type']?.toString().includes('json') ? json<{ message?: string }>(res) : {};
      expect(body.message ?? '', `${method} ${url}`).not.toMatch(/^no route/);
    }
  });

  it('has well-formed operations: unique ids, summaries, responses, declared path parameters', () => {
    const ids = new Set<string>();
    for (const { path, method, op } of operations()) {
      const where = `${method} ${path}`;
      expect(op.operationId, where).toMatch(/^[a-zA-Z]+$/);
      expect(ids.has(op.operationId!), `duplicate operationId ${op.operationId}`).toBe(false);
      ids.add(op.operationId!);
      expect(op.summary, where).toBeTruthy();
      expect(op.tags?.length, where).toBeGreaterThan(0);
      expect(Object.keys(op.responses ?? {}).length, where).toBeGreaterThan(0);
      for (const [status, response] of Object.entries(op.responses ?? {})) {
        expect(status, where).toMatch(/^[1-5][0-9][0-9]$/);
        expect(response.description, `${where} ${status}`).toBeTruthy();
      }
      const templated = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]);
      const declared = (op.parameters ?? []).filter((p) => p.in === 'path').map((p) => p.name);
      expect(declared.sort(), where).toEqual(templated.sort());
      for (const p of op.parameters ?? []) if (p.in === 'path') expect(p.required, where).toBe(true);
      if (method === 'post' || method === 'put') expect(op.requestBody?.content['application/json']?.schema, where).toBeDefined();
    }
  });

  it('contains only resolvable references and compilable JSON Schemas', () => {
    const text = JSON.stringify(doc);
    for (const [, ref] of text.matchAll(/"\$ref":"([^"]+)"/g)) {
      expect(ref, ref).toMatch(/^#\/components\/schemas\//);
      expect(doc.components.schemas?.[ref!.split('/').pop()!], ref).toBeDefined();
    }
    for (const { op } of operations()) {
      const schemas = [
        ...Object.values(op.requestBody?.content ?? {}).map((c) => c.schema),
        ...Object.values(op.responses ?? {}).flatMap((r) => Object.values(r.content ?? {}).map((c) => c.schema)),
      ];
      for (const schema of schemas) expect(() => Compile(schema as never)).not.toThrow();
    }
  });

  it('uses the schemas that validate requests', async () => {
    const create = doc.paths['/api/v1/tenants']!.post!.requestBody!.content['application/json']!.schema;
    expect(create.additionalProperties).toBe(false);
    const check = Compile(create as never);
    expect(check.Check({ name: 'ok', spec: { placement: { clusters: ['c1'] } } })).toBe(true);
    expect(check.Check({ name: 'ok', spec: { colour: 'red' } })).toBe(false);
    // The server rejects exactly what the documented schema rejects.
    expect((await h.call(ADMIN, 'POST', '/api/v1/tenants', { name: 'ok', spec: { colour: 'red' } })).statusCode).toBe(400);
    const cluster = doc.paths['/api/v1/clusters']!.post!.requestBody!.content['application/json']!.schema as { required: string[] };
    expect(cluster.required).toEqual(expect.arrayContaining(['name', 'kubeconfig']));
  });

  it('marks the operational endpoints public', () => {
    for (const path of ['/healthz', '/readyz', '/metrics', '/api/v1/auth/providers']) expect(doc.paths[path]!.get!.security).toEqual([]);
    expect(doc.paths['/api/v1/tenants']!.get!.security).toBeUndefined();
  });
});

describe('interactive docs', () => {
  it('serve the Swagger UI page and its assets', async () => {
    const page = await h.app.inject({ method: 'GET', url: '/docs' });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('swagger-ui');
    const asset = await h.app.inject({ method: 'GET', url: '/docs/static/swagger-ui-bundle.js' });
    expect(asset.statusCode).toBe(200);
    const config = await h.app.inject({ method: 'GET', url: '/docs/json' });
    expect(json<Doc>(config).openapi).toBe('3.1.0');
  });
});
