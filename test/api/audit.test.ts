// The audit log: one record per write and per refused request (401/403, reads included), with
// actor, roles, action, object, outcome, reason code, request id and client address; readable
// by platform admins only, filtered and paged; append-only down to the database; and never a
// secret (a registration's kubeconfig, an issued token) in its rows or in the logs.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createStore } from '../../src/store/index.js';
import type { AuditRecord } from '../../src/store/types.js';
import { kubeconfigB64 } from '../support/kubeconfig.js';
import { backends, testKeyring } from '../support/stores.js';
import { ADMIN, json, startHarness, type Harness } from './support/harness.js';
import { CALLERS, seedWorld, uniq } from './support/world.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
  await seedWorld(h);
});
afterAll(() => h?.close());

type Page = { items: AuditRecord[]; nextCursor?: string };
const audit = async (query: string): Promise<Page> => {
  const res = await h.call(ADMIN, 'GET', `/api/v1/audit?${query}`);
  expect(res.statusCode, res.body).toBe(200);
  return json<Page>(res);
};
/** The record of one request, by the X-Request-Id it was sent with (written right after its response). */
const recordOf = (clientRequestId: string) =>
  vi.waitFor(
    async () => {
      const found = (await audit('limit=500')).items.filter((r) => r.clientRequestId === clientRequestId);
      expect(found).toHaveLength(1);
      return found[0]!;
    },
    { timeout: 10_000, interval: 50 },
  );

describe('records', () => {
  it('an accepted write: who, with which roles, what, on which object, from where', async () => {
    const name = uniq('au');
    const res = await h.call(CALLERS['platform-admin'], 'POST', '/api/v1/tenants', { name, spec: {} }, { 'x-request-id': `au-${name}` });
    expect(res.statusCode).toBe(201);
    expect(await recordOf(`au-${name}`)).toMatchObject({
      // KubeNova's id, the correlation id of the write's events; the client's beside it.
      requestId: res.headers['x-correlation-id'],
      clientRequestId: `au-${name}`,
      actor: 'root',
      roles: ['platform-admin'],
      action: 'create',
      kind: 'Tenant',
      name,
      tenant: name,
      outcome: 'succeeded',
      status: 201,
      clientIp: '127.0.0.1',
    });
  });

  it('a nested create names the new object; a deletion waiting for finalizers is initiated', async () => {
    const project = uniq('acme-p');
    await h.call(CALLERS['tenant-admin'], 'POST', '/api/v1/tenants/acme/projects', { name: project }, { 'x-request-id': `np-${project}` });
    expect(await recordOf(`np-${project}`)).toMatchObject({
      actor: 'alice',
      action: 'create',
      kind: 'Project',
      name: project,
      tenant: 'acme',
      outcome: 'succeeded',
    });
    const del = await h.call(CALLERS['tenant-admin'], 'DELETE', `/api/v1/projects/${project}`, undefined, { 'x-request-id': `del-${project}` });
    expect(del.statusCode).toBe(202);
    expect(await recordOf(`del-${project}`)).toMatchObject({ action: 'delete', kind: 'Project', name: project, outcome: 'initiated', status: 202 });
  });

  it('refused requests, reads included: 401 as anonymous, 403 with the caller, each with its reason code', async () => {
    await h.call(undefined, 'GET', '/api/v1/tenants', undefined, { 'x-request-id': 'denied-anon' });
    expect(await recordOf('denied-anon')).toMatchObject({
      actor: 'anonymous',
      roles: [],
      action: 'list',
      kind: 'Tenant',
      outcome: 'failed',
      status: 401,
      reason: 'UNAUTHENTICATED',
    });
    await h.call('not.a.token', 'POST', '/api/v1/tenants', { name: 'x', spec: {} }, { 'x-request-id': 'denied-bad-token' });
    expect(await recordOf('denied-bad-token')).toMatchObject({ actor: 'anonymous', outcome: 'failed', status: 401, reason: 'UNAUTHENTICATED' });
    await h.call(CALLERS['tenant-dev'], 'POST', '/api/v1/clusters', { name: 'c9', kubeconfig: kubeconfigB64() }, { 'x-request-id': 'denied-dev' });
    expect(await recordOf('denied-dev')).toMatchObject({
      actor: 'dave',
      roles: ['tenant-dev'],
      action: 'create',
      kind: 'Cluster',
      outcome: 'failed',
      status: 403,
      reason: 'FORBIDDEN',
    });
    await h.call(CALLERS['tenant-reader'], 'GET', '/api/v1/clusters', undefined, { 'x-request-id': 'denied-read' });
    expect(await recordOf('denied-read')).toMatchObject({ actor: 'rita', action: 'list', kind: 'Cluster', outcome: 'failed', status: 403 });
  });

  it('failed writes carry their error code; successful reads are not audited', async () => {
    await h.call(ADMIN, 'POST', '/api/v1/tenants', { name: 'acme', spec: {} }, { 'x-request-id': 'dup-acme' });
    expect(await recordOf('dup-acme')).toMatchObject({ action: 'create', name: 'acme', outcome: 'failed', status: 409, reason: 'ALREADY_EXISTS' });
    await h.call(ADMIN, 'GET', '/api/v1/tenants/acme', undefined, { 'x-request-id': 'plain-read' });
    await h.call(ADMIN, 'POST', '/api/v1/tenants', { name: 'acme', spec: {} }, { 'x-request-id': 'after-read' });
    await recordOf('after-read'); // written after the read's would have been
    expect((await audit('limit=500')).items.some((r) => r.clientRequestId === 'plain-read')).toBe(false);
  });
});

describe('GET /api/v1/audit', () => {
  it.each(['platform-reader', 'tenant-admin', 'tenant-dev', 'anonymous'] as const)('is refused to %s', async (who) => {
    const res = await h.call(CALLERS[who], 'GET', '/api/v1/audit');
    expect(res.statusCode).toBe(who === 'anonymous' ? 401 : 403);
  });

  it('filters by actor, object and outcome, and pages with a cursor', async () => {
    await recordOf('denied-dev').catch(() => undefined);
    const failedOfDave = await audit('actor=dave&outcome=failed');
    expect(failedOfDave.items.length).toBeGreaterThan(0);
    expect(failedOfDave.items.every((r) => r.actor === 'dave' && r.outcome === 'failed')).toBe(true);
    const acme = await audit('kind=Tenant&name=acme');
    expect(acme.items.every((r) => r.kind === 'Tenant' && r.name === 'acme')).toBe(true);
    const all = (await audit('limit=500')).items;
    const paged: AuditRecord[] = [];
    let cursor: string | undefined;
    do {
      const page = await audit(`limit=3${cursor ? `&cursor=${cursor}` : ''}`);
      paged.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor);
    // Reading the log is not audited, so both walks see the same records.
    expect(paged.map((r) => r.id)).toEqual(all.map((r) => r.id));
    expect((await audit(`since=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}`)).items).toEqual([]);
    expect((await h.call(ADMIN, 'GET', '/api/v1/audit?outcome=maybe')).statusCode).toBe(400);
  });

  it.each(['99999', '275760-09-13', '-000001-01-01', '%2B010000-01-01'])('refuses since=%s, a time the store cannot hold, with a 400', async (since) => {
    const res = await h.call(ADMIN, 'GET', `/api/v1/audit?since=${since}`);
    expect(res.statusCode).toBe(400);
    expect(json<{ code: string; details: { field: string }[] }>(res)).toMatchObject({ code: 'VALIDATION_FAILED', details: [{ field: 'query/since' }] });
    expect(res.body).not.toContain(decodeURIComponent(since));
  });
});

describe('secrets', () => {
  it("a registration's kubeconfig and tokens appear neither in audit rows nor in logs", async () => {
    const token = `cluster-admin-token-${uniq('t')}`;
    const kubeconfig = kubeconfigB64({ token });
    const name = uniq('c');
    const res = await h.call(ADMIN, 'POST', '/api/v1/clusters', { name, kubeconfig, labels: { region: 'eu' } }, { 'x-request-id': `reg-${name}` });
    expect(res.statusCode).toBe(201);
    expect(await recordOf(`reg-${name}`)).toMatchObject({ action: 'create', kind: 'Cluster', name, outcome: 'succeeded' });
    const issued = await h.call(ADMIN, 'POST', '/api/v1/tenants/acme:issue-kubeconfig', {}, { 'x-request-id': `issue-${name}` });
    const record = await recordOf(`issue-${name}`);
    expect(record).toMatchObject({ action: 'issue-kubeconfig', kind: 'Tenant', name: 'acme', status: issued.statusCode });
    const everything = JSON.stringify((await audit('limit=500')).items);
    const bearer = (await h.token(ADMIN)).split('.')[2]!;
    for (const secret of [token, kubeconfig, kubeconfig.slice(0, 40), bearer]) {
      expect(everything).not.toContain(secret);
      expect(h.logs.join('\n')).not.toContain(secret);
    }
  });
});

describe.each(backends)('append-only in the database ($name)', (backend) => {
  it('refuses UPDATE and DELETE of audit records, whoever connects', async () => {
    const location = await backend.fresh();
    const store = await createStore(location.config(testKeyring()));
    await store.audit.append({ actor: 'a', roles: [], action: 'create', outcome: 'succeeded', status: 201, requestId: 'r1' });
    if (backend.name === 'embedded') await store.close(); // one session at a time
    const db = await location.openDatabase();
    try {
      await expect(db.query("UPDATE audit SET actor = 'someone-else'")).rejects.toThrow(/append-only/);
      await expect(db.query('DELETE FROM audit')).rejects.toThrow(/append-only/);
      expect(await db.query('SELECT actor FROM audit')).toEqual([{ actor: 'a' }]);
    } finally {
      await db.close();
      if (backend.name === 'postgres') await store.close();
    }
  });
});
