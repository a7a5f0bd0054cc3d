// A tenant-scoped caller never sees, changes or learns about another tenant's objects: they
// answer exactly like objects that do not exist, and lists leave them out.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { json, startHarness, type Harness } from './support/harness.js';
import { appBody, CALLERS, grantBody, seedWorld, uniq } from './support/world.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
  await seedWorld(h);
});
afterAll(() => h?.close());

const SCOPED = ['tenant-admin', 'tenant-dev', 'tenant-reader'] as const;

/** Objects of globex (and a policy set only globex attaches), by collection. */
const OTHER_TENANT_OBJECTS: [string, string][] = [
  ['tenants', 'globex'],
  ['projects', 'globex-web'],
  ['apps', 'globex-shop'],
  ['kubeconfiggrants', 'globex-grant'],
  ['policysets', 'ps-other'],
];

/** The same request about globex's object and about a name that exists nowhere must get the
 *  same answer, apart from the name itself. */
async function sameAsMissing(
  caller: (typeof CALLERS)[(typeof SCOPED)[number]],
  method: 'GET' | 'PUT' | 'DELETE' | 'POST',
  url: (name: string) => string,
  other: string,
  body?: (name: string) => unknown,
) {
  const missing = `missing-${other}`;
  const a = await h.call(caller, method, url(other), body?.(other));
  const b = await h.call(caller, method, url(missing), body?.(missing));
  expect(a.statusCode, a.body).toBe(b.statusCode);
  expect(a.body.replaceAll(other, '<name>')).toBe(b.body.replaceAll(missing, '<name>'));
  return a;
}

describe.each(SCOPED)('%s of acme', (role) => {
  const caller = CALLERS[role];

  it.each(OTHER_TENANT_OBJECTS)("GET another tenant's %s/%s is a 404 like a missing object", async (plural, name) => {
    const res = await sameAsMissing(caller, 'GET', (n) => `/api/v1/${plural}/${n}`, name);
    expect(res.statusCode).toBe(404);
    expect(json(res).code).toBe('NOT_FOUND');
  });

  it.each(OTHER_TENANT_OBJECTS)('lists of %s leave out %s, even when selected by label', async (plural, name) => {
    for (const query of ['', '?labelSelector=kubenova.io%2Fproject%3Dglobex-web', '?limit=1']) {
      const names: string[] = [];
      let url: string | undefined = `/api/v1/${plural}${query}`;
      while (url) {
        const page: { items: { name: string; tenant?: string }[]; nextCursor?: string } = json(await h.call(caller, 'GET', url));
        names.push(...page.items.map((i) => i.name));
        for (const item of page.items) if (item.tenant !== undefined) expect(item.tenant).toBe('acme');
        url = page.nextCursor ? `/api/v1/${plural}?${query.includes('limit') ? 'limit=1&' : ''}cursor=${encodeURIComponent(page.nextCursor)}` : undefined;
      }
      expect(names).not.toContain(name);
    }
  });

  it('nested collections of another tenant are 404', async () => {
    for (const [parent, name, child] of [
      ['tenants', 'globex', 'projects'],
      ['tenants', 'globex', 'apps'],
      ['tenants', 'globex', 'kubeconfiggrants'],
      ['projects', 'globex-web', 'apps'],
      ['projects', 'globex-web', 'kubeconfiggrants'],
    ]) {
      const res = await sameAsMissing(caller, 'GET', (n) => `/api/v1/${parent}/${n}/${child}`, name!);
      expect(res.statusCode).toBe(404);
    }
  });

  it("another tenant's objects cannot be changed, deleted or acted on: 404", async () => {
    const checks: ['PUT' | 'DELETE' | 'POST' | 'GET', (n: string) => string, string, ((n: string) => unknown)?][] = [
      ['PUT', (n) => `/api/v1/tenants/${n}`, 'globex', () => ({ spec: {} })],
      ['DELETE', (n) => `/api/v1/projects/${n}`, 'globex-web'],
      ['PUT', (n) => `/api/v1/apps/${n}`, 'globex-shop', () => appBody('x', 'globex-web')],
      ['DELETE', (n) => `/api/v1/apps/${n}`, 'globex-shop'],
      ['DELETE', (n) => `/api/v1/kubeconfiggrants/${n}`, 'globex-grant'],
      ['POST', (n) => `/api/v1/apps/${n}:rollback`, 'globex-shop', () => ({})],
      ['GET', (n) => `/api/v1/apps/${n}/rollout`, 'globex-shop'],
      ['POST', (n) => `/api/v1/tenants/${n}:issue-kubeconfig`, 'globex', () => ({ cluster: 'c1' })],
      ['POST', (n) => `/api/v1/projects/${n}:issue-kubeconfig`, 'globex-web', () => ({ cluster: 'c1' })],
      ['POST', (n) => `/api/v1/tenants/${n}/projects`, 'globex', () => ({ name: uniq('p') })],
    ];
    for (const [method, url, name, body] of checks) {
      const res = await sameAsMissing(caller, method, url, name, body);
      // A reader may not write at all (403 before any lookup); everyone else gets 404.
      expect([403, 404], `${method} ${url(name)}: ${res.body}`).toContain(res.statusCode);
      if (res.statusCode === 403) expect(json<{ message: string }>(res).message).not.toContain('globex');
    }
  });
});

describe('references into another tenant fail like missing ones', () => {
  const admin = CALLERS['tenant-admin'];
  it.each([
    ["an app in another tenant's project", '/api/v1/apps', (p: string) => appBody(uniq('a'), p), 'globex-web'],
    ['a project in another tenant', '/api/v1/projects', (t: string) => ({ name: uniq('p'), spec: { tenant: t } }), 'globex'],
    ['a grant in another tenant', '/api/v1/kubeconfiggrants', (t: string) => grantBody(uniq('g'), t), 'globex'],
    ["a grant on another tenant's project", '/api/v1/kubeconfiggrants', (p: string) => grantBody(uniq('acme-g'), 'acme', p), 'globex-web'],
  ])('%s → 422', async (_what, url, body, other) => {
    const missing = `missing-${other}`;
    const a = await h.call(admin, 'POST', url, body(other));
    const b = await h.call(admin, 'POST', url, body(missing));
    expect(a.statusCode, a.body).toBe(422);
    expect(b.statusCode).toBe(422);
    expect(json<{ message: string }>(a).message.replace(other, '<x>')).toBe(json<{ message: string }>(b).message.replace(missing, '<x>'));
  });

  it('clusters outside the tenant placement are refused without saying whether they exist', async () => {
    const outside = await h.call(admin, 'POST', '/api/v1/kubeconfiggrants', {
      ...grantBody(uniq('acme-g'), 'acme'),
      spec: { ...grantBody('x', 'acme').spec, cluster: 'c2' },
    });
    const missing = await h.call(admin, 'POST', '/api/v1/kubeconfiggrants', {
      ...grantBody(uniq('acme-g'), 'acme'),
      spec: { ...grantBody('x', 'acme').spec, cluster: 'c9' },
    });
    expect(outside.statusCode).toBe(422);
    expect(json<{ message: string }>(outside).message.replace('c2', 'cX')).toBe(json<{ message: string }>(missing).message.replace('c9', 'cX'));
  });
});
