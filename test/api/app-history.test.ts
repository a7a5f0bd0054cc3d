// KubeNova's own deploy history of apps and rollback from it, at the API on the real store.
// What the App reconciler would report is written as status through the store (phase and
// observedGeneration, the generic fields every projection reconciler writes); the outcomes are
// settled by the RevisionOutcomes loop, which runs on store changes, not on HTTP requests.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createLogger } from '../../src/observability/logger.js';
import { startRevisionOutcomes, type RevisionOutcomes } from '../../src/orchestrator/reconcilers/revision-outcomes.js';
import type { Phase } from '../../src/domain/resource.js';
import { ADMIN, json, startHarness, type Caller, type Harness } from './support/harness.js';
import { appBody, CALLERS, seedWorld, uniq } from './support/world.js';

let h: Harness;
let outcomes: RevisionOutcomes;
beforeAll(async () => {
  h = await startHarness();
  await seedWorld(h);
  outcomes = startRevisionOutcomes({ store: h.store, logger: createLogger({ level: 'silent' }), kinds: ['App'] });
});
afterAll(async () => {
  await outcomes?.stop();
  await h?.close();
});

const DEV = CALLERS['tenant-dev'];
type Rec = Record<string, unknown> & { generation?: number; resourceVersion?: string };
type RevisionView = {
  revision: number;
  spec: { components: { properties: { image: string } }[] };
  change: { type: string; from?: number; to?: number };
  actor: string;
  role?: string;
  reason?: string;
  requestId?: string;
  outcome: { state: string; message?: string };
};

const withImage = (name: string, image: string) => {
  const body = appBody(name, 'acme-web');
  body.spec.components[0]!.properties.image = image;
  return body;
};

/** The correlation id (KubeNova's request id) of each app's create. */
const createdBy = new Map<string, string>();

async function createApp(image = 'nginx:1.27', caller: Caller = DEV, reason?: string): Promise<string> {
  const name = uniq('acme-app');
  const res = await h.call(caller, 'POST', '/api/v1/apps', { ...withImage(name, image), ...(reason && { reason }) }, { 'x-request-id': `req-create-${name}` });
  expect(res.statusCode, res.body).toBe(201);
  createdBy.set(name, String(res.headers['x-correlation-id']));
  return name;
}

async function setImage(name: string, image: string, caller: Caller = DEV, reason?: string): Promise<Rec> {
  const res = await h.call(caller, 'PUT', `/api/v1/apps/${name}`, { ...withImage(name, image), ...(reason && { reason }) });
  expect(res.statusCode, res.body).toBe(200);
  return json(res);
}

/** What the App reconciler writes when a generation converges (or fails). */
async function report(name: string, phase: Phase, message = 'ok'): Promise<void> {
  const app = await h.store.objects.get('App', name);
  const conditions = [
    { type: 'Ready', status: phase === 'Deployed' ? 'True' : 'False', reason: phase, message, lastTransitionTime: new Date().toISOString() },
  ] as const;
  await h.store.objects.updateStatus('App', name, { phase, observedGeneration: app!.generation, conditions: [...conditions], clusters: {} });
}

async function revisions(name: string, caller: Caller = DEV, query = ''): Promise<RevisionView[]> {
  const res = await h.call(caller, 'GET', `/api/v1/apps/${name}/revisions${query}`);
  expect(res.statusCode, res.body).toBe(200);
  return json<{ items: RevisionView[] }>(res).items;
}

async function outcomeOf(name: string, revision: number): Promise<string> {
  return json<RevisionView>(await h.call(DEV, 'GET', `/api/v1/apps/${name}/revisions/${revision}`)).outcome.state;
}

const waitForOutcome = (name: string, revision: number, state: string) =>
  vi.waitFor(async () => expect(await outcomeOf(name, revision)).toBe(state), { timeout: 10_000, interval: 50 });

const rollback = (name: string, body: Record<string, unknown> = {}, caller: Caller = DEV, headers: Record<string, string> = {}) =>
  h.call(caller, 'POST', `/api/v1/apps/${name}:rollback`, body, headers);

describe('history recording', () => {
  it('records the creation and every spec change with who, which role, why and the request id', async () => {
    const name = await createApp('nginx:1.27', DEV, 'first deploy');
    await setImage(name, 'nginx:1.28', CALLERS['tenant-admin'], 'new minor');
    const items = await revisions(name);
    expect(items.map((r) => r.revision)).toEqual([2, 1]);
    expect(items[1]).toMatchObject({ change: { type: 'created' }, actor: 'dave', role: 'tenant-dev', reason: 'first deploy', requestId: createdBy.get(name) });
    expect(items[1]!.spec.components[0]!.properties.image).toBe('nginx:1.27');
    expect(items[0]).toMatchObject({ change: { type: 'updated' }, actor: 'alice', role: 'tenant-admin', reason: 'new minor' });
    expect(items[0]!.spec.components[0]!.properties.image).toBe('nginx:1.28');
    expect(items[0]!.requestId).toMatch(/.+/);
  });

  it('a write that changes no spec (labels only, or the same spec) records nothing', async () => {
    const name = await createApp();
    const body = withImage(name, 'nginx:1.27');
    expect((await h.call(DEV, 'PUT', `/api/v1/apps/${name}`, { ...body, labels: { team: 'a' } })).statusCode).toBe(200);
    expect((await h.call(DEV, 'PUT', `/api/v1/apps/${name}`, body)).statusCode).toBe(200);
    expect((await revisions(name)).map((r) => r.revision)).toEqual([1]);
  });

  it('pages newest first with a cursor bound to its app', async () => {
    const name = await createApp('img:1');
    for (const tag of ['2', '3', '4']) await setImage(name, `img:${tag}`);
    const seen: number[] = [];
    let cursor: string | undefined;
    do {
      const res = await h.call(DEV, 'GET', `/api/v1/apps/${name}/revisions?limit=3${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      const page = json<{ items: RevisionView[]; nextCursor?: string }>(res);
      seen.push(...page.items.map((r) => r.revision));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toEqual([4, 3, 2, 1]);

    const first = json<{ nextCursor: string }>(await h.call(DEV, 'GET', `/api/v1/apps/${name}/revisions?limit=1`));
    const other = await createApp();
    const misuse = await h.call(DEV, 'GET', `/api/v1/apps/${other}/revisions?cursor=${encodeURIComponent(first.nextCursor)}`);
    expect(misuse.statusCode).toBe(400);
    expect(json(misuse)).toMatchObject({ code: 'VALIDATION_FAILED', details: [{ field: 'query/cursor' }] });
    expect((await h.call(DEV, 'GET', `/api/v1/apps/${name}/revisions?cursor=bogus!`)).statusCode).toBe(400);
    // A forged cursor past what a revision number (a PostgreSQL integer) can be is a 400, not a failed query.
    const forged = (r: number) => Buffer.from(JSON.stringify({ v: 1, k: 'App', n: name, r })).toString('base64url');
    for (const r of [2 ** 31, 2 ** 53, 1e300]) {
      const res = await h.call(DEV, 'GET', `/api/v1/apps/${name}/revisions?cursor=${forged(r)}`);
      expect(res.statusCode, `${r}: ${res.body}`).toBe(400);
      expect(json(res)).toMatchObject({ code: 'VALIDATION_FAILED', details: [{ field: 'query/cursor' }] });
    }
  });

  it('one revision by number; an unknown number is 404, a non-number 400', async () => {
    const name = await createApp();
    expect(json<RevisionView>(await h.call(DEV, 'GET', `/api/v1/apps/${name}/revisions/1`)).revision).toBe(1);
    const missing = await h.call(DEV, 'GET', `/api/v1/apps/${name}/revisions/7`);
    expect(missing.statusCode).toBe(404);
    expect(json(missing).code).toBe('NOT_FOUND');
    expect((await h.call(DEV, 'GET', `/api/v1/apps/${name}/revisions/first`)).statusCode).toBe(400);
    expect((await h.call(DEV, 'GET', `/api/v1/apps/${name}/revisions/0`)).statusCode).toBe(400);
  });

  it("is visible exactly as the app: another tenant's app is a 404 like a missing one; readers may read", async () => {
    for (const url of ['/api/v1/apps/globex-shop/revisions', '/api/v1/apps/globex-shop/revisions/1']) {
      const other = await h.call(DEV, 'GET', url);
      const missing = await h.call(DEV, 'GET', url.replace('globex-shop', 'nowhere-shop'));
      expect(other.statusCode).toBe(404);
      expect(other.body.replaceAll('globex-shop', 'X')).toBe(missing.body.replaceAll('nowhere-shop', 'X'));
    }
    expect((await revisions('globex-shop', ADMIN)).map((r) => r.revision)).toEqual([1]);
    expect((await revisions('acme-shop', CALLERS['tenant-reader'])).length).toBe(1);
    expect((await h.call(undefined, 'GET', '/api/v1/apps/acme-shop/revisions')).statusCode).toBe(401);
    expect((await h.call(CALLERS['no-role'], 'GET', '/api/v1/apps/acme-shop/revisions')).statusCode).toBe(403);
  });

  it('goes with the app when it is deleted', async () => {
    const name = await createApp();
    await setImage(name, 'nginx:2');
    // DELETE marks the app (202); its reconciler removes the finalizer once the clusters are
    // clean. No reconciler runs here, so that last step is done by hand.
    expect((await h.call(DEV, 'DELETE', `/api/v1/apps/${name}`)).statusCode).toBe(202);
    expect((await h.store.revisions.list('App', name, { limit: 10 })).items).toHaveLength(2);
    await h.store.objects.update('App', name, { finalizers: [] });
    expect((await h.store.revisions.list('App', name, { limit: 10 })).items).toEqual([]);
    expect((await h.call(DEV, 'POST', '/api/v1/apps', withImage(name, 'nginx:3'))).statusCode).toBe(201);
    expect((await revisions(name)).map((r) => [r.revision, r.change.type])).toEqual([[1, 'created']]);
  });
});

describe('outcomes, settled from status without any request', () => {
  it('succeeded at Deployed with observedGeneration = revision; failed at Error with the reason; superseded when a newer came first', async () => {
    const name = await createApp('img:1');
    expect(await outcomeOf(name, 1)).toBe('pending');
    await report(name, 'Deployed');
    await waitForOutcome(name, 1, 'succeeded');

    await setImage(name, 'img:2');
    await report(name, 'Error', 'web: ImagePullBackOff');
    await waitForOutcome(name, 2, 'failed');
    expect(json<RevisionView>(await h.call(DEV, 'GET', `/api/v1/apps/${name}/revisions/2`)).outcome.message).toBe('web: ImagePullBackOff');

    await setImage(name, 'img:3');
    await setImage(name, 'img:4');
    await waitForOutcome(name, 3, 'superseded');
    expect(await outcomeOf(name, 4)).toBe('pending');
    // A failed revision that converges after all (a retry while it is current) succeeded.
    await report(name, 'Error', 'not yet');
    await waitForOutcome(name, 4, 'failed');
    await report(name, 'Deployed');
    await waitForOutcome(name, 4, 'succeeded');
    // Earlier outcomes stay as they were.
    expect([await outcomeOf(name, 1), await outcomeOf(name, 2), await outcomeOf(name, 3)]).toEqual(['succeeded', 'failed', 'superseded']);
  });

  it('settling is idempotent: the same status settles nothing twice', async () => {
    const name = await createApp();
    await report(name, 'Deployed');
    await waitForOutcome(name, 1, 'succeeded');
    const app = (await h.store.objects.get('App', name))!;
    const observed = { generation: app.generation, observedGeneration: 1, phase: 'Deployed' as const };
    expect(await h.store.revisions.settle('App', name, observed)).toBe(0);
  });

  it('a status that only lags (Applying at an older generation) settles nothing', async () => {
    const name = await createApp();
    await h.store.objects.updateStatus('App', name, { phase: 'Applying', observedGeneration: 0, conditions: [] });
    expect(await h.store.revisions.settle('App', name, { generation: 1, observedGeneration: 0, phase: 'Applying' })).toBe(0);
    expect(await outcomeOf(name, 1)).toBe('pending');
  });
});

describe('rollback', () => {
  /** An app with revisions 1 (img:1, succeeded), 2 (img:2, succeeded), 3 (img:3, failed). */
  async function appWithHistory(): Promise<string> {
    const name = await createApp('img:1');
    await report(name, 'Deployed');
    await waitForOutcome(name, 1, 'succeeded');
    await setImage(name, 'img:2');
    await report(name, 'Deployed');
    await waitForOutcome(name, 2, 'succeeded');
    await setImage(name, 'img:3');
    await report(name, 'Error', 'health check failing');
    await waitForOutcome(name, 3, 'failed');
    return name;
  }

  it('by default restores the newest earlier revision that succeeded, as a new revision recording who, why, from and to', async () => {
    const name = await appWithHistory();
    const res = await rollback(name, { reason: 'img:3 fails its health check' }, DEV, { 'x-request-id': `req-rollback-${name}` });
    expect(res.statusCode, res.body).toBe(200);
    const body = json<{ fromRevision: number; toRevision: number; revision: RevisionView; app: Rec & { spec: RevisionView['spec'] } }>(res);
    expect(body).toMatchObject({ fromRevision: 3, toRevision: 2, app: { generation: 4 } });
    expect(body.app.spec.components[0]!.properties.image).toBe('img:2');
    expect(body.revision).toMatchObject({
      revision: 4,
      change: { type: 'rolled-back', from: 3, to: 2 },
      actor: 'dave',
      role: 'tenant-dev',
      reason: 'img:3 fails its health check',
      requestId: res.headers['x-correlation-id'],
      outcome: { state: 'pending' },
    });
    const stored = (await h.store.objects.get<{ components: { properties: { image: string } }[] }>('App', name))!;
    expect(stored.generation).toBe(4);
    expect(stored.spec.components[0]!.properties.image).toBe('img:2');
    expect((await revisions(name)).map((r) => [r.revision, r.change.type])).toEqual([
      [4, 'rolled-back'],
      [3, 'updated'],
      [2, 'updated'],
      [1, 'created'],
    ]);
    // The rollback converges like any change.
    await report(name, 'Deployed');
    await waitForOutcome(name, 4, 'succeeded');
  });

  it('skips earlier successes whose spec is the current one, and defaults the reason', async () => {
    const name = await appWithHistory();
    // Back to img:2 by hand: revision 4 equals revision 2.
    await setImage(name, 'img:2');
    await report(name, 'Deployed');
    await waitForOutcome(name, 4, 'succeeded');
    const res = await rollback(name, {}, CALLERS['tenant-admin']);
    expect(res.statusCode, res.body).toBe(200);
    expect(json(res)).toMatchObject({ fromRevision: 4, toRevision: 1, revision: { reason: 'rollback to revision 1', role: 'tenant-admin', actor: 'alice' } });
  });

  it('an explicit revision (number, or its digits as text) may be any earlier one, even a failed one', async () => {
    const name = await appWithHistory();
    const res = await rollback(name, { revision: '1' });
    expect(res.statusCode, res.body).toBe(200);
    expect(json(res)).toMatchObject({ fromRevision: 3, toRevision: 1 });
    const again = await rollback(name, { revision: 3, reason: 'retry the failed one' });
    expect(again.statusCode, again.body).toBe(200);
    expect(json(again)).toMatchObject({ fromRevision: 4, toRevision: 3, revision: { revision: 5, change: { type: 'rolled-back', from: 4, to: 3 } } });
  });

  it('nothing to roll back to is a 409 NO_ROLLBACK_TARGET', async () => {
    const fresh = await createApp();
    const res = await rollback(fresh);
    expect(res.statusCode).toBe(409);
    expect(json(res).code).toBe('NO_ROLLBACK_TARGET');
    // Earlier revisions that never succeeded are no default target either.
    await setImage(fresh, 'nginx:2');
    expect(json(await rollback(fresh)).code).toBe('NO_ROLLBACK_TARGET');
    expect((await revisions(fresh)).length).toBe(2);
  });

  it('an unknown revision is a 422 UNKNOWN_REVISION naming the field; a malformed one a 400', async () => {
    const name = await appWithHistory();
    const res = await rollback(name, { revision: 42 });
    expect(res.statusCode).toBe(422);
    expect(json(res)).toMatchObject({ code: 'UNKNOWN_REVISION', details: [{ field: 'body/revision' }] });
    // '2147483648' and beyond: more than a revision number (a PostgreSQL integer) can be.
    for (const revision of ['web-v1', 0, -1, '01', 1.5, '2147483648', '9999999999', 2 ** 31]) {
      const bad = await rollback(name, { revision });
      expect(bad.statusCode, `${JSON.stringify(revision)}: ${bad.body}`).toBe(400);
      expect(json(bad).code).toBe('VALIDATION_FAILED');
    }
    expect((await rollback(name, { revision: 1, extra: true })).statusCode).toBe(400);
    expect((await h.store.objects.get('App', name))!.generation).toBe(3);
  });

  it('a revision with the current spec (the current one included) is a 409 ROLLBACK_NO_CHANGE', async () => {
    const name = await appWithHistory();
    for (const revision of [3]) {
      const res = await rollback(name, { revision });
      expect(res.statusCode).toBe(409);
      expect(json(res).code).toBe('ROLLBACK_NO_CHANGE');
    }
    await setImage(name, 'img:1');
    expect(json(await rollback(name, { revision: 1 })).code).toBe('ROLLBACK_NO_CHANGE');
    expect((await revisions(name)).length).toBe(4);
  });

  it('honours If-Match like an update', async () => {
    const name = await appWithHistory();
    const current = json<Rec>(await h.call(DEV, 'GET', `/api/v1/apps/${name}`));
    const stale = await rollback(name, {}, DEV, { 'if-match': '"1"' });
    expect(stale.statusCode).toBe(409);
    expect(json(stale).code).toBe('CONFLICT');
    expect((await h.call(DEV, 'POST', `/api/v1/apps/${name}:rollback`, {}, { 'if-match': 'W/"x"' })).statusCode).toBe(400);
    const ok = await rollback(name, {}, DEV, { 'if-match': `"${current.resourceVersion}"` });
    expect(ok.statusCode, ok.body).toBe(200);
  });

  it('is for tenant admins, tenant devs and platform admins: readers get 403, other tenants 404', async () => {
    const name = await appWithHistory();
    for (const reader of [CALLERS['tenant-reader'], CALLERS['platform-reader']]) {
      const res = await rollback(name, {}, reader);
      expect(res.statusCode).toBe(403);
      expect(json(res).code).toBe('FORBIDDEN');
    }
    const other = await rollback(name, {}, { roles: ['tenant-admin'], tenants: ['globex'], subject: 'gus' });
    expect(other.statusCode).toBe(404);
    expect((await h.store.objects.get('App', name))!.generation).toBe(3);
    const admin = await rollback(name, { reason: 'platform on call' }, CALLERS['platform-admin']);
    expect(admin.statusCode, admin.body).toBe(200);
    expect(json(admin)).toMatchObject({ revision: { actor: 'root', role: 'platform-admin' } });
  });

  it('a restored spec must still be admissible: a cluster no longer in the placement is a 422, nothing written', async () => {
    const name = uniq('acme-placed');
    const body = withImage(name, 'img:1');
    expect((await h.call(DEV, 'POST', '/api/v1/apps', { ...body, spec: { ...body.spec, clusters: ['c1'] } })).statusCode).toBe(201);
    await report(name, 'Deployed');
    await waitForOutcome(name, 1, 'succeeded');
    await setImage(name, 'img:2');
    // The tenant's placement no longer reaches c1.
    const acme = json<Rec & { spec: Record<string, unknown> }>(await h.call(ADMIN, 'GET', '/api/v1/tenants/acme'));
    const moved = await h.call(ADMIN, 'PUT', '/api/v1/tenants/acme', { spec: { ...acme.spec, placement: { clusters: ['c2'] } } });
    expect(moved.statusCode, moved.body).toBe(200);
    try {
      const res = await rollback(name);
      expect(res.statusCode, res.body).toBe(422);
      expect((await h.store.objects.get('App', name))!.generation).toBe(2);
    } finally {
      expect((await h.call(ADMIN, 'PUT', '/api/v1/tenants/acme', { spec: acme.spec })).statusCode).toBe(200);
    }
  });
});
