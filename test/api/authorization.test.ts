// The authorization matrix through HTTP: every endpoint, every role, on objects of the caller's
// own tenant (acme) or platform objects. Isolation from other tenants is in tenant-isolation.test.ts.
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kubeconfigB64 } from '../support/kubeconfig.js';
import { createTokenVerifier, type TokenVerifier } from '../../src/security/auth.js';
import { principalOf } from '../../src/security/identity.js';
import { bindingsFor, type RoleRule } from '../../src/security/role-rules.js';
import { ADMIN, json, startHarness, TEST_SECRET, type Caller, type Harness } from './support/harness.js';
import { adminCreate, appBody, CALLERS, grantBody, seedWorld, uniq, type CallerName } from './support/world.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
  await seedWorld(h);
});
afterAll(() => h?.close());

type Send = (caller: (typeof CALLERS)[CallerName]) => Promise<LightMyRequestResponse>;
/** Prepares what the request acts on (fresh objects for writes), then returns how to send it. */
type Operation = () => Promise<Send>;

const get =
  (url: string): Operation =>
  () =>
    Promise.resolve((c) => h.call(c, 'GET', url));
const post =
  (url: string, body: () => unknown): Operation =>
  () =>
    Promise.resolve((c) => h.call(c, 'POST', url, body()));

/** GET then PUT back with a changed label (what an edit looks like), on an object made by `make`. */
const edit =
  (collection: string, make: () => Promise<string>): Operation =>
  async () => {
    const name = await make();
    const current = json<{ labels: Record<string, string>; spec: unknown }>(await h.call(ADMIN, 'GET', `${collection}/${name}`));
    return (c) => h.call(c, 'PUT', `${collection}/${name}`, { labels: { ...current.labels, edited: 'yes' }, spec: current.spec });
  };
const remove =
  (collection: string, make: () => Promise<string>): Operation =>
  async () => {
    const name = await make();
    return (c) => h.call(c, 'DELETE', `${collection}/${name}`);
  };

const fresh = {
  cluster: async () => (await adminCreate(h, '/api/v1/clusters', { name: uniq('c'), kubeconfig: kubeconfigB64() })).name as string,
  tenant: async () => (await adminCreate(h, '/api/v1/tenants', { name: uniq('t') })).name as string,
  project: async () => (await adminCreate(h, '/api/v1/tenants/acme/projects', { name: uniq('acme-p') })).name as string,
  app: async () => (await adminCreate(h, '/api/v1/apps', appBody(uniq('acme-a'), 'acme-web'))).name as string,
  policySet: async () => (await adminCreate(h, '/api/v1/policysets', { name: uniq('ps'), spec: {} })).name as string,
  grant: async () => (await adminCreate(h, '/api/v1/kubeconfiggrants', grantBody(uniq('acme-g'), 'acme', 'acme-web'))).name as string,
};

// Expected status per caller, in this order:
//              platform-admin, platform-reader, tenant-admin, tenant-dev, tenant-reader, no-role, anonymous
const ORDER: CallerName[] = ['platform-admin', 'platform-reader', 'tenant-admin', 'tenant-dev', 'tenant-reader', 'no-role', 'anonymous'];
const MATRIX: [string, Operation, number[]][] = [
  ['create cluster', post('/api/v1/clusters', () => ({ name: uniq('c'), kubeconfig: kubeconfigB64() })), [201, 403, 403, 403, 403, 403, 401]],
  ['get cluster', get('/api/v1/clusters/c1'), [200, 200, 403, 403, 403, 403, 401]],
  ['list clusters', get('/api/v1/clusters'), [200, 200, 403, 403, 403, 403, 401]],
  ['update cluster', edit('/api/v1/clusters', fresh.cluster), [200, 403, 403, 403, 403, 403, 401]],
  ['delete cluster', remove('/api/v1/clusters', fresh.cluster), [204, 403, 403, 403, 403, 403, 401]],

  ['create tenant', post('/api/v1/tenants', () => ({ name: uniq('t') })), [201, 403, 403, 403, 403, 403, 401]],
  ['get tenant', get('/api/v1/tenants/acme'), [200, 200, 200, 200, 200, 403, 401]],
  ['list tenants', get('/api/v1/tenants'), [200, 200, 200, 200, 200, 403, 401]],
  ['update tenant (non-platform fields)', edit('/api/v1/tenants', () => Promise.resolve('acme')), [200, 403, 200, 403, 403, 403, 401]],
  ['delete tenant', remove('/api/v1/tenants', fresh.tenant), [202, 403, 403, 403, 403, 403, 401]],
  ['issue tenant kubeconfig', post('/api/v1/tenants/acme:issue-kubeconfig', () => ({ cluster: 'c1' })), [501, 403, 501, 501, 403, 403, 401]],

  ['create project in tenant', post('/api/v1/tenants/acme/projects', () => ({ name: uniq('acme-p') })), [201, 403, 201, 403, 403, 403, 401]],
  ['create project', post('/api/v1/projects', () => ({ name: uniq('acme-p'), spec: { tenant: 'acme' } })), [201, 403, 201, 403, 403, 403, 401]],
  ['get project', get('/api/v1/projects/acme-web'), [200, 200, 200, 200, 200, 403, 401]],
  ['list projects', get('/api/v1/projects'), [200, 200, 200, 200, 200, 403, 401]],
  ["list a tenant's projects", get('/api/v1/tenants/acme/projects'), [200, 200, 200, 200, 200, 403, 401]],
  ['update project', edit('/api/v1/projects', fresh.project), [200, 403, 200, 403, 403, 403, 401]],
  ['delete project', remove('/api/v1/projects', fresh.project), [202, 403, 202, 403, 403, 403, 401]],
  [
    'issue project kubeconfig',
    post('/api/v1/projects/acme-web:issue-kubeconfig', () => ({ cluster: 'c1', role: 'edit' })),
    [501, 403, 501, 501, 403, 403, 401],
  ],

  ['create app', post('/api/v1/apps', () => appBody(uniq('acme-a'), 'acme-web')), [201, 403, 201, 201, 403, 403, 401]],
  ['get app', get('/api/v1/apps/acme-shop'), [200, 200, 200, 200, 200, 403, 401]],
  ['list apps', get('/api/v1/apps'), [200, 200, 200, 200, 200, 403, 401]],
  ["list a project's apps", get('/api/v1/projects/acme-web/apps'), [200, 200, 200, 200, 200, 403, 401]],
  ["list a tenant's apps", get('/api/v1/tenants/acme/apps'), [200, 200, 200, 200, 200, 403, 401]],
  ['update app', edit('/api/v1/apps', fresh.app), [200, 403, 200, 200, 403, 403, 401]],
  ['delete app', remove('/api/v1/apps', fresh.app), [202, 403, 202, 202, 403, 403, 401]],
  ['app rollout', get('/api/v1/apps/acme-shop/rollout'), [200, 200, 200, 200, 200, 403, 401]],
  // Authorized, then 503: these HTTP-only servers have no cluster access.
  ...(['suspend', 'resume', 'terminate'] as const).map((m): [string, Operation, number[]] => [
    `app ${m}`,
    post(`/api/v1/apps/acme-shop:${m}`, () => ({})),
    [503, 403, 503, 503, 403, 403, 401],
  ]),
  // Allowed, then refused for want of an earlier revision (nothing is written).
  ['app rollback', post('/api/v1/apps/acme-shop:rollback', () => ({})), [409, 403, 409, 409, 403, 403, 401]],

  ['create policy set', post('/api/v1/policysets', () => ({ name: uniq('ps'), spec: {} })), [201, 403, 403, 403, 403, 403, 401]],
  ['get attached policy set', get('/api/v1/policysets/ps-acme'), [200, 200, 200, 200, 200, 403, 401]],
  ['list policy sets', get('/api/v1/policysets'), [200, 200, 200, 200, 200, 403, 401]],
  ['update policy set', edit('/api/v1/policysets', fresh.policySet), [200, 403, 403, 403, 403, 403, 401]],
  ['delete policy set', remove('/api/v1/policysets', fresh.policySet), [204, 403, 403, 403, 403, 403, 401]],

  ['create grant', post('/api/v1/kubeconfiggrants', () => grantBody(uniq('acme-g'), 'acme', 'acme-web')), [201, 403, 201, 403, 403, 403, 401]],
  ['get grant', get('/api/v1/kubeconfiggrants/acme-grant'), [200, 200, 200, 200, 200, 403, 401]],
  ['list grants', get('/api/v1/kubeconfiggrants'), [200, 200, 200, 200, 200, 403, 401]],
  ["list a tenant's grants", get('/api/v1/tenants/acme/kubeconfiggrants'), [200, 200, 200, 200, 200, 403, 401]],
  ["list a project's grants", get('/api/v1/projects/acme-web/kubeconfiggrants'), [200, 200, 200, 200, 200, 403, 401]],
  ['rotate keys', post('/api/v1/admin/keys:rotate', () => ({})), [200, 403, 403, 403, 403, 403, 401]],

  ['update grant (labels)', edit('/api/v1/kubeconfiggrants', fresh.grant), [200, 403, 200, 403, 403, 403, 401]],
  // A grant has a finalizer: DELETE marks it (202) and its reconciler revokes it on the cluster.
  ['delete grant', remove('/api/v1/kubeconfiggrants', fresh.grant), [202, 403, 202, 403, 403, 403, 401]],

  ['create role rule', post('/api/v1/rolerules', () => ({ name: uniq('r'), spec: { group: 'g', role: 'read-only' } })), [201, 403, 403, 403, 403, 403, 401]],
  ['list role rules', get('/api/v1/rolerules'), [200, 200, 403, 403, 403, 403, 401]],
  [
    'create tenant API token',
    post('/api/v1/apitokens', () => ({ name: uniq('k'), role: 'read-only', tenant: 'acme', ttlSeconds: 600 })),
    [201, 403, 201, 403, 403, 403, 401],
  ],
  [
    'create project API token',
    post('/api/v1/apitokens', () => ({ name: uniq('k'), role: 'tenant-dev', tenant: 'acme', project: 'acme-web', ttlSeconds: 600 })),
    [201, 403, 201, 403, 403, 403, 401],
  ],
  ['list API tokens', get('/api/v1/apitokens'), [200, 200, 200, 403, 403, 403, 401]],
  ['whoami', get('/api/v1/whoami'), [200, 200, 200, 200, 200, 200, 401]],
];

// The same matrix with rights from role rules instead of token claims: each test caller is a
// person of issuer "corp" in one group, and rules map groups to roles (plus decoys that must
// not widen anything in acme).
const GROUP_OF: Record<string, string> = {
  root: 'platform',
  admin: 'platform',
  auditor: 'auditors',
  alice: 'acme-admins',
  dave: 'acme-devs',
  rita: 'acme-readers',
  nobody: 'nobody',
};
const RULES: RoleRule[] = [
  { name: 'platform', spec: { issuer: 'corp', group: 'platform', role: 'platform-admin' } },
  { name: 'auditors', spec: { issuer: 'corp', group: 'auditors', role: 'read-only' } },
  { name: 'acme-admins', spec: { issuer: 'corp', group: 'acme-admins', role: 'tenant-admin', tenant: 'acme' } },
  { name: 'acme-devs', spec: { issuer: 'corp', group: 'acme-devs', role: 'tenant-dev', tenant: 'acme' } },
  { name: 'acme-readers', spec: { issuer: 'corp', group: 'acme-readers', role: 'read-only', tenant: 'acme' } },
  { name: 'decoy-other-issuer', spec: { issuer: 'elsewhere', group: 'acme-devs', role: 'tenant-admin', tenant: 'acme' } },
  { name: 'decoy-other-tenant', spec: { issuer: 'corp', group: 'acme-readers', role: 'read-only', tenant: 'globex' } },
];
function ruleVerifier(): TokenVerifier {
  const claims = createTokenVerifier({ hs256Secret: TEST_SECRET });
  return {
    async verify(token) {
      const { subject } = await claims.verify(token);
      const identity = { issuer: 'corp', subject, username: subject, groups: [GROUP_OF[subject] ?? 'none'] };
      return principalOf(identity, bindingsFor(RULES, identity));
    },
  };
}

describe.each([
  ['from token claims', false],
  ['from role rules', true],
])('authorization matrix, rights %s', (_how, byRules) => {
  let claims: Harness;
  beforeAll(async () => {
    if (!byRules) return;
    claims = h;
    h = await startHarness({ store: claims.store, verifier: ruleVerifier() });
  });
  afterAll(async () => {
    if (!byRules) return;
    await h.close();
    h = claims;
  });

  const cases = MATRIX.flatMap(([op, operation, statuses]) => ORDER.map((caller, i) => ({ op, operation, caller, status: statuses[i]! })));
  it.each(cases)('$op as $caller → $status', async ({ operation, caller, status }) => {
    const send = await operation();
    const res = await send(CALLERS[caller]);
    expect(res.statusCode, res.body).toBe(status);
    if (status >= 400) {
      const body = json(res);
      expect(body).toMatchObject({ code: expect.any(String), message: expect.any(String), details: expect.any(Array) });
      if (status === 401) expect(res.headers['www-authenticate']).toMatch(/^Bearer realm="kubenova"/);
    }
  });
});

describe('rules beyond the table', () => {
  it('tenant admins cannot change platform-managed tenant fields', async () => {
    const current = json<{ spec: Record<string, unknown> }>(await h.call(ADMIN, 'GET', '/api/v1/tenants/acme'));
    for (const change of [
      { quotas: { cpu: '1000' } },
      { policySets: [] },
      { placement: { clusters: ['c2'] } },
      { namespaceOptions: { forbiddenLabels: ['team'] } },
    ]) {
      const res = await h.call(CALLERS['tenant-admin'], 'PUT', '/api/v1/tenants/acme', { spec: { ...current.spec, ...change } });
      expect(res.statusCode, JSON.stringify(change)).toBe(403);
      expect(json(res).code).toBe('FORBIDDEN');
    }
    const owners = await h.call(CALLERS['tenant-admin'], 'PUT', '/api/v1/tenants/acme', {
      spec: { ...current.spec, owners: [{ kind: 'Group', name: 'acme-admins' }] },
    });
    expect(owners.statusCode, owners.body).toBe(200);
  });

  it('tenant developers issue kubeconfigs for themselves, with role view or edit only', async () => {
    const dev = CALLERS['tenant-dev'];
    for (const [body, status] of [
      [{ cluster: 'c1' }, 501],
      [{ cluster: 'c1', role: 'edit' }, 501],
      [{ cluster: 'c1', role: 'admin' }, 403],
      [{ cluster: 'c1', verbs: ['get', 'list'] }, 403],
      [{ cluster: 'c1', subject: 'dave' }, 501],
      [{ cluster: 'c1', subject: 'someone-else' }, 403],
    ] as const) {
      const res = await h.call(dev, 'POST', '/api/v1/projects/acme-web:issue-kubeconfig', body);
      expect(res.statusCode, `${JSON.stringify(body)}: ${res.body}`).toBe(status);
    }
  });

  it('tenant admins may grant admin and custom verbs, to others too', async () => {
    const res = await h.call(CALLERS['tenant-admin'], 'POST', '/api/v1/kubeconfiggrants', {
      name: uniq('acme-g'),
      spec: { tenant: 'acme', cluster: 'c1', subject: 'ci-bot', ttlSeconds: 600, verbs: ['get', 'list', 'watch'] },
    });
    expect(res.statusCode, res.body).toBe(201);
  });

  it('a token with several roles gets the union of their permissions', async () => {
    const both = { roles: ['tenant-dev', 'read-only'] as const, tenants: ['acme'] };
    const res = await h.call({ roles: [...both.roles], tenants: both.tenants }, 'POST', '/api/v1/apps', appBody(uniq('acme-a'), 'acme-web'));
    expect(res.statusCode).toBe(201);
    const cluster = await h.call({ roles: [...both.roles], tenants: both.tenants }, 'GET', '/api/v1/clusters');
    expect(cluster.statusCode).toBe(403);
  });

  it('a read-only token with an empty tenants claim sees nothing, without the claim everything', async () => {
    const scoped = json<{ items: unknown[] }>(await h.call({ roles: ['read-only'], tenants: [] }, 'GET', '/api/v1/tenants'));
    expect(scoped.items).toEqual([]);
    const platform = json<{ items: { name: string }[] }>(await h.call({ roles: ['read-only'] }, 'GET', '/api/v1/tenants'));
    expect(platform.items.map((t) => t.name)).toEqual(expect.arrayContaining(['acme', 'globex']));
  });
});

// Rights held in ONE project (acme-web of acme), from role rules: a group of project admins, a
// user rule for a developer, a group of readers. Every endpoint of the matrix, with what each may
// do there; objects of acme's other projects must stay out of reach.
const PROJECT_CALLERS: Record<'project-admin' | 'project-dev' | 'project-reader', Caller> = {
  'project-admin': { roles: [], subject: 'pam' },
  'project-dev': { roles: [], subject: 'pat' },
  'project-reader': { roles: [], subject: 'pia' },
};
const PROJECT_RULES: RoleRule[] = [
  { name: 'platform', spec: { issuer: 'corp', group: 'platform', role: 'platform-admin' } },
  { name: 'web-admins', spec: { issuer: 'corp', group: 'web-admins', role: 'tenant-admin', tenant: 'acme', project: 'acme-web' } },
  { name: 'pat-dev', spec: { issuer: 'corp', user: 'pat', role: 'tenant-dev', tenant: 'acme', project: 'acme-web' } },
  { name: 'web-readers', spec: { issuer: 'corp', group: 'web-readers', role: 'read-only', tenant: 'acme', project: 'acme-web' } },
  // Decoys: the project named under another tenant, and another issuer's rule, reach nothing.
  { name: 'decoy-wrong-tenant', spec: { issuer: 'corp', group: 'misnamed', role: 'tenant-admin', tenant: 'globex', project: 'acme-web' } },
  { name: 'decoy-other-issuer', spec: { issuer: 'elsewhere', user: 'pat', role: 'tenant-admin', tenant: 'acme' } },
];
const PROJECT_GROUPS: Record<string, string> = { admin: 'platform', pam: 'web-admins', pat: 'developers', pia: 'web-readers', dan: 'misnamed' };
function projectRuleVerifier(): TokenVerifier {
  const claims = createTokenVerifier({ hs256Secret: TEST_SECRET });
  return {
    async verify(token) {
      const { subject } = await claims.verify(token);
      const identity = { issuer: 'corp', subject, username: subject, groups: [PROJECT_GROUPS[subject] ?? 'none'] };
      return principalOf(identity, bindingsFor(PROJECT_RULES, identity));
    },
  };
}

// Expected status per operation: project-admin, project-dev, project-reader. Updating or deleting
// a fresh project (not acme-web) is out of reach: 404 where the verb is allowed at all.
const IN_PROJECT: Record<string, [number, number, number]> = {
  'create cluster': [403, 403, 403],
  'get cluster': [403, 403, 403],
  'list clusters': [403, 403, 403],
  'update cluster': [403, 403, 403],
  'delete cluster': [403, 403, 403],
  'create tenant': [403, 403, 403],
  'get tenant': [200, 200, 200],
  'list tenants': [200, 200, 200],
  'update tenant (non-platform fields)': [403, 403, 403],
  'delete tenant': [403, 403, 403],
  'issue tenant kubeconfig': [403, 403, 403],
  'create project in tenant': [403, 403, 403],
  'create project': [403, 403, 403],
  'get project': [200, 200, 200],
  'list projects': [200, 200, 200],
  "list a tenant's projects": [200, 200, 200],
  'update project': [404, 403, 403],
  'delete project': [403, 403, 403],
  'issue project kubeconfig': [501, 501, 403],
  'create app': [201, 201, 403],
  'get app': [200, 200, 200],
  'list apps': [200, 200, 200],
  "list a project's apps": [200, 200, 200],
  "list a tenant's apps": [200, 200, 200],
  'update app': [200, 200, 403],
  'delete app': [202, 202, 403],
  'app rollout': [200, 200, 200],
  'app suspend': [503, 503, 403],
  'app resume': [503, 503, 403],
  'app terminate': [503, 503, 403],
  'app rollback': [409, 409, 403],
  'create policy set': [403, 403, 403],
  'get attached policy set': [403, 403, 403],
  'list policy sets': [403, 403, 403],
  'update policy set': [403, 403, 403],
  'delete policy set': [403, 403, 403],
  'create grant': [201, 403, 403],
  'get grant': [200, 200, 200],
  'list grants': [200, 200, 200],
  "list a tenant's grants": [200, 200, 200],
  "list a project's grants": [200, 200, 200],
  'rotate keys': [403, 403, 403],
  'update grant (labels)': [200, 403, 403],
  'delete grant': [202, 403, 403],
  'create role rule': [403, 403, 403],
  'list role rules': [403, 403, 403],
  'create tenant API token': [403, 403, 403],
  'create project API token': [201, 403, 403],
  'list API tokens': [200, 403, 403],
  whoami: [200, 200, 200],
};

describe('authorization matrix, rights in one project (role rules)', () => {
  let claims: Harness;
  beforeAll(async () => {
    claims = h;
    h = await startHarness({ store: claims.store, verifier: projectRuleVerifier() });
    // Another project of acme, with an app and a grant: never reached from acme-web's rights.
    await adminCreate(h, '/api/v1/tenants/acme/projects', { name: 'acme-back' });
    await adminCreate(h, '/api/v1/apps', appBody('acme-back-api', 'acme-back'));
    await adminCreate(h, '/api/v1/kubeconfiggrants', grantBody('acme-back-grant', 'acme', 'acme-back'));
  });
  afterAll(async () => {
    await h.close();
    h = claims;
  });

  it('has an expectation for every operation of the matrix', () => {
    expect(Object.keys(IN_PROJECT).sort()).toEqual(MATRIX.map(([op]) => op).sort());
  });

  const names = Object.keys(PROJECT_CALLERS) as (keyof typeof PROJECT_CALLERS)[];
  const cases = MATRIX.flatMap(([op, operation]) => names.map((caller, i) => ({ op, operation, caller, status: IN_PROJECT[op]?.[i] ?? 0 })));
  it.each(cases)('$op as $caller → $status', async ({ operation, caller, status }) => {
    const send = await operation();
    const res = await send(PROJECT_CALLERS[caller] as (typeof CALLERS)[CallerName]);
    expect(res.statusCode, res.body).toBe(status);
    if (status >= 400) expect(json(res)).toMatchObject({ code: expect.any(String), message: expect.any(String) });
  });

  it.each(names)('%s sees only its project: lists hold acme-web objects, acme-back ones are 404', async (name) => {
    const caller = PROJECT_CALLERS[name];
    const listed = async (url: string) => json<{ items: { name: string }[] }>(await h.call(caller, 'GET', url)).items.map((i) => i.name);
    expect(await listed('/api/v1/projects')).toEqual(['acme-web']);
    expect(await listed('/api/v1/tenants/acme/projects')).toEqual(['acme-web']);
    expect(await listed('/api/v1/tenants')).toEqual(['acme']);
    const apps = await listed('/api/v1/apps');
    expect(apps).toContain('acme-shop');
    expect(apps.filter((a) => a.startsWith('acme-back') || a.startsWith('globex'))).toEqual([]);
    // Counted as listed: only what the caller reaches.
    expect(json<{ total: number }>(await h.call(caller, 'GET', '/api/v1/apps?limit=1&count=true')).total).toBe(apps.length);
    const grants = await listed('/api/v1/tenants/acme/kubeconfiggrants');
    expect(grants).toContain('acme-grant');
    expect(grants).not.toContain('acme-back-grant');
    for (const url of [
      '/api/v1/projects/acme-back',
      '/api/v1/apps/acme-back-api',
      '/api/v1/kubeconfiggrants/acme-back-grant',
      '/api/v1/tenants/globex',
      '/api/v1/projects/acme-back/apps',
    ]) {
      const res = await h.call(caller, 'GET', url);
      expect(res.statusCode, url).toBe(404);
    }
  });

  it('a project admin creates apps, grants and tokens only in its project', async () => {
    const pam = PROJECT_CALLERS['project-admin'];
    // The other project is not found as this caller sees it.
    const app = await h.call(pam, 'POST', '/api/v1/apps', appBody(uniq('acme-a'), 'acme-back'));
    expect(app.statusCode, app.body).toBe(422);
    const grant = await h.call(pam, 'POST', '/api/v1/kubeconfiggrants', grantBody(uniq('acme-g'), 'acme', 'acme-back'));
    expect([403, 404, 422]).toContain(grant.statusCode);
    const tenantGrant = await h.call(pam, 'POST', '/api/v1/kubeconfiggrants', grantBody(uniq('acme-g'), 'acme'));
    expect(tenantGrant.statusCode, tenantGrant.body).toBe(403);
    const token = await h.call(pam, 'POST', '/api/v1/apitokens', {
      name: uniq('k'),
      role: 'tenant-dev',
      tenant: 'acme',
      project: 'acme-back',
      ttlSeconds: 600,
    });
    expect(token.statusCode, token.body).toBe(403);
    const tenantIssue = await h.call(pam, 'POST', '/api/v1/tenants/acme:issue-kubeconfig', { cluster: 'c1', namespaces: ['acme-web'] });
    expect(tenantIssue.statusCode).toBe(403);
  });

  it('a rule naming a project under the wrong tenant reaches nothing, not even that tenant', async () => {
    const dan = { roles: [], subject: 'dan' };
    for (const url of [
      '/api/v1/tenants/globex',
      '/api/v1/tenants/acme',
      '/api/v1/projects/acme-web',
      '/api/v1/apps/acme-shop',
      '/api/v1/kubeconfiggrants/acme-grant',
    ]) {
      expect((await h.call(dan, 'GET', url)).statusCode, url).toBe(404);
    }
    for (const url of ['/api/v1/tenants', '/api/v1/projects', '/api/v1/apps', '/api/v1/kubeconfiggrants']) {
      expect(json<{ items: unknown[]; total: number }>(await h.call(dan, 'GET', `${url}?count=true`)), url).toEqual({ items: [], total: 0 });
    }
  });

  it('whoami names the project of each right', async () => {
    const res = json<{ rights: unknown[] }>(await h.call(PROJECT_CALLERS['project-dev'], 'GET', '/api/v1/whoami'));
    expect(res.rights).toEqual([{ role: 'tenant-dev', tenant: 'acme', project: 'acme-web', source: 'rule/pat-dev' }]);
  });
});
