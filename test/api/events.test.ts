// KubeNova events: recorded for accepted writes and for every phase transition (of the object
// and of each cluster entry) with the writer's correlation id; listed with filters, cursor pages
// and tenant visibility; streamed live over SSE with heartbeats and Last-Event-ID resume.
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { ResourceStatus } from '../../src/domain/resource.js';
import type { EventRecord } from '../../src/store/types.js';
import { ADMIN, json, startHarness, type Harness } from './support/harness.js';
import { readEventStream, sseEvents } from './support/sse.js';
import { CALLERS, seedWorld, uniq } from './support/world.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ eventHeartbeatMs: 200 });
  await seedWorld(h);
});
afterAll(() => h?.close());

type Page = { items: EventRecord[]; nextCursor?: string };
const events = async (query: string, caller: object = ADMIN): Promise<Page> => {
  const res = await h.call(caller as typeof ADMIN, 'GET', `/api/v1/events?${query}`);
  expect(res.statusCode, res.body).toBe(200);
  return json<Page>(res);
};
/** Waits until the events of `query` satisfy `check` (recording follows the commit). */
const eventually = (query: string, check: (items: EventRecord[]) => void, caller: object = ADMIN) =>
  vi.waitFor(async () => check((await events(query, caller)).items), { timeout: 10_000, interval: 50 });

const status = (phase: ResourceStatus['phase'], reason: string, message: string, clusters: ResourceStatus['clusters'] = {}): ResourceStatus => ({
  phase,
  conditions: [{ type: 'Ready', status: phase === 'Deployed' ? 'True' : 'False', reason, message, lastTransitionTime: new Date().toISOString() }],
  observedGeneration: 1,
  clusters,
});
const entry = (phase: ResourceStatus['phase'], reason: string, message = '') => ({
  phase,
  observedGeneration: 1,
  conditions: [{ type: 'Ready' as const, status: 'False' as const, reason, message, lastTransitionTime: new Date().toISOString() }],
});

describe('events of writes', () => {
  it("created, updated and deleted, each with the correlation id of its write and the client's request id", async () => {
    const name = uniq('ev');
    const created = await h.call(ADMIN, 'POST', '/api/v1/tenants', { name, spec: {} }, { 'x-request-id': `create-${name}` });
    expect(created.statusCode).toBe(201);
    const updated = await h.call(ADMIN, 'PUT', `/api/v1/tenants/${name}`, { spec: { quotas: { namespaces: 3 } } }, { 'x-request-id': `update-${name}` });
    expect(updated.statusCode).toBe(200);
    // An update that changes nothing is no event.
    await h.call(ADMIN, 'PUT', `/api/v1/tenants/${name}`, { spec: { quotas: { namespaces: 3 } } }, { 'x-request-id': `noop-${name}` });
    // Tenants have a finalizer: deletion starts (202), and ends when the reconciler removes it.
    const deleting = await h.call(ADMIN, 'DELETE', `/api/v1/tenants/${name}`, undefined, { 'x-request-id': `delete-${name}` });
    expect(deleting.statusCode).toBe(202);
    await h.store.objects.update('Tenant', name, { finalizers: [] }, { correlationId: `finalize-${name}` });
    const ids = [created, updated, deleting].map((r) => String(r.headers['x-correlation-id']));
    await eventually(`kind=Tenant&name=${name}`, (items) =>
      expect(items.map((e) => [e.type, e.reason, e.correlationId, e.clientRequestId, e.tenant])).toEqual([
        ['Normal', 'Created', ids[0], `create-${name}`, name],
        ['Normal', 'Updated', ids[1], `update-${name}`, name],
        ['Normal', 'Deleting', ids[2], `delete-${name}`, name],
        ['Normal', 'Deleted', `finalize-${name}`, undefined, name],
      ]),
    );
    const one = await events(`correlationId=${ids[1]}`);
    expect(one.items.map((e) => e.reason)).toEqual(['Updated']);
    expect((await events(`clientRequestId=update-${name}`)).items.map((e) => e.reason)).toEqual(['Updated']);
    expect(one.items[0]).toMatchObject({ kind: 'Tenant', name, message: expect.stringContaining('spec changed') });
    expect(Date.parse(one.items[0]!.time)).toBeGreaterThan(Date.now() - 60_000);
  });

  it('count in kubenova_events_total by kind and type', async () => {
    const count = async () => (await h.metrics.eventsTotal.get()).values.find((v) => v.labels.kind === 'App' && v.labels.type === 'Normal')?.value ?? 0;
    const before = await count();
    const name = uniq('acme-app');
    await h.call(ADMIN, 'POST', '/api/v1/apps', {
      name,
      spec: { project: 'acme-web', components: [{ name: 'w', type: 'webservice', properties: { image: 'nginx:1.27' } }] },
    });
    await vi.waitFor(async () => expect(await count()).toBe(before + 1), { timeout: 10_000 });
  });
});

describe('events of phase transitions', () => {
  it('one per change of the object phase and of each cluster entry, with the condition and the correlation id', async () => {
    const name = uniq('ph');
    await h.call(ADMIN, 'POST', '/api/v1/tenants', { name, spec: {} });
    const write = (s: ResourceStatus, id: string) => h.store.objects.updateStatus('Tenant', name, s, { correlationId: id });
    await write(status('Applying', 'Applying', 'applying', { c1: entry('Applying', 'Applying'), c2: entry('Applying', 'Applying') }), 'rec-1');
    await write(status('Applying', 'Applying', 'c2: Applying', { c1: entry('Deployed', 'Deployed'), c2: entry('Applying', 'Applying') }), 'rec-2');
    // Written again unchanged: no transition, no event.
    await write(status('Applying', 'Applying', 'c2: Applying (again)', { c1: entry('Deployed', 'Deployed'), c2: entry('Applying', 'Applying') }), 'rec-2b');
    await write(
      status('Error', 'Unreachable', 'c2: Error (cannot reach the cluster)', {
        c1: entry('Deployed', 'Deployed'),
        c2: entry('Error', 'Unreachable', 'cannot reach the cluster'),
      }),
      'rec-3',
    );
    await write(status('Drifted', 'Drifted', 'c2 changed by someone else', { c1: entry('Deployed', 'Deployed'), c2: entry('Drifted', 'Drifted') }), 'rec-4');
    await write(status('Deployed', 'Deployed', 'deployed on 2 clusters', { c1: entry('Deployed', 'Deployed'), c2: entry('Deployed', 'Deployed') }), 'rec-5');
    await eventually(`kind=Tenant&name=${name}`, (items) =>
      expect(items.filter((e) => e.reason !== 'Created').map((e) => [e.type, e.reason, e.cluster ?? '-', e.correlationId])).toEqual([
        ['Normal', 'Applying', '-', 'rec-1'],
        ['Normal', 'Applying', 'c1', 'rec-1'],
        ['Normal', 'Applying', 'c2', 'rec-1'],
        ['Normal', 'Deployed', 'c1', 'rec-2'],
        ['Warning', 'Error', '-', 'rec-3'],
        ['Warning', 'Error', 'c2', 'rec-3'],
        ['Warning', 'Drifted', '-', 'rec-4'],
        ['Warning', 'Drifted', 'c2', 'rec-4'],
        ['Normal', 'Deployed', '-', 'rec-5'],
        ['Normal', 'Deployed', 'c2', 'rec-5'],
      ]),
    );
    const errors = await events(`kind=Tenant&name=${name}&type=Warning&correlationId=rec-3`);
    expect(errors.items.map((e) => e.message)).toEqual([
      'Applying → Error: Unreachable (c2: Error (cannot reach the cluster))',
      'Applying → Error on cluster c2: Unreachable (cannot reach the cluster)',
    ]);
  });
});

describe('listing', () => {
  it('pages with a cursor, in the order recorded', async () => {
    const all: EventRecord[] = [];
    let cursor: string | undefined;
    do {
      const page = await events(`kind=Tenant&limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      expect(page.items.length).toBeLessThanOrEqual(2);
      all.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor);
    const ids = all.map((e) => BigInt(e.id));
    expect(ids.length).toBeGreaterThan(3);
    expect([...ids].sort((a, b) => (a < b ? -1 : 1))).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
    expect(all.map((e) => e.id)).toEqual((await events('kind=Tenant&limit=500')).items.map((e) => e.id));
  });

  it('filters by time', async () => {
    const later = new Date(Date.now() + 3_600_000).toISOString();
    expect((await events(`since=${encodeURIComponent(later)}`)).items).toEqual([]);
    expect((await events('since=2000-01-01T00:00:00Z&limit=1')).items).toHaveLength(1);
  });

  it.each([
    ['since=yesterday', 'query/since'],
    ['since=99999', 'query/since'],
    ['since=275760-09-13', 'query/since'],
    ['since=-000001-01-01', 'query/since'],
    ['since=%2B010000-01-01', 'query/since'],
    ['cursor=not-a-cursor', 'query/cursor'],
    ['kind=Pod', 'query/kind'],
    ['type=Info', 'query/type'],
    ['limit=0', 'query/limit'],
  ])('refuses %s with 400 naming the field', async (query, field) => {
    const res = await h.call(ADMIN, 'GET', `/api/v1/events?${query}`);
    expect(res.statusCode).toBe(400);
    expect(json<{ details: { field: string }[] }>(res).details.map((d) => d.field)).toContain(field);
  });

  it('shows tenant users only their tenants’ events, platform roles all', async () => {
    await eventually('', () => undefined);
    const tenantsOf = async (caller: object) => new Set((await events('limit=500', caller)).items.map((e) => e.tenant ?? '(platform)'));
    expect(await tenantsOf(CALLERS['tenant-dev'])).toEqual(new Set(['acme']));
    expect(await tenantsOf(CALLERS['tenant-reader'])).toEqual(new Set(['acme']));
    const all = await tenantsOf(CALLERS['platform-reader']);
    expect(all).toContain('globex');
    expect(all).toContain('(platform)'); // clusters, policy sets
    // Asking for another tenant's events explicitly gives nothing, not an error.
    expect((await events('tenant=globex', CALLERS['tenant-admin'])).items).toEqual([]);
    expect((await h.call(undefined, 'GET', '/api/v1/events')).statusCode).toBe(401);
    expect((await h.call(CALLERS['no-role'], 'GET', '/api/v1/events')).statusCode).toBe(403);
  });
});

describe('the live stream (SSE)', () => {
  it.each(['99999', '275760-09-13', '-000001-01-01', '%2B010000-01-01'])(
    'refuses since=%s with the 400 before any stream byte (it never opens and then stays silent)',
    async (since) => {
      const res = await h.call(ADMIN, 'GET', `/api/v1/events?watch=true&since=${since}`);
      expect(res.statusCode).toBe(400);
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      const body = json<{ code: string; message: string; details: { field: string; reason: string }[] }>(res);
      expect(body.code).toBe('VALIDATION_FAILED');
      expect(body.details).toEqual([
        { field: 'query/since', reason: expect.stringContaining('RFC 3339 time from 0001-01-01T00:00:00Z to 9999-12-31T23:59:59Z') },
      ]);
      expect(res.body).not.toContain(decodeURIComponent(since));
    },
  );

  let base: string;
  beforeAll(async () => {
    await h.app.listen({ host: '127.0.0.1', port: 0 });
    base = `http://127.0.0.1:${(h.app.server.address() as AddressInfo).port}`;
  });

  const readStream = async (query: string, caller: object, until: (frames: string[]) => boolean, headers: Record<string, string> = {}) =>
    readEventStream(base, await h.token(caller as typeof ADMIN), query, until, headers);
  const dataOf = sseEvents;

  it('streams new events matching the filters, with heartbeats', async () => {
    const name = uniq('live');
    const frames = readStream(`kind=Tenant&name=${name}`, ADMIN, (f) => dataOf(f).length >= 2 && f.includes(': heartbeat'));
    // The stream is open once its first comment arrived; give it a moment to subscribe.
    await new Promise((r) => setTimeout(r, 300));
    await h.call(ADMIN, 'POST', '/api/v1/tenants', { name: uniq('other'), spec: {} });
    const created = await h.call(ADMIN, 'POST', '/api/v1/tenants', { name, spec: {} }, { 'x-request-id': `live-${name}` });
    await h.call(ADMIN, 'PUT', `/api/v1/tenants/${name}`, { spec: { quotas: { namespaces: 1 } } });
    const got = await frames;
    expect(dataOf(got).map((d) => [d.event.name, d.event.reason])).toEqual([
      [name, 'Created'],
      [name, 'Updated'],
    ]);
    expect(dataOf(got)[0]!.event).toMatchObject({ correlationId: created.headers['x-correlation-id'], clientRequestId: `live-${name}` });
    expect(got).toContain(': heartbeat');
  });

  it('resumes after Last-Event-ID with what was missed, and keeps a tenant user to their tenant', async () => {
    const page = await events('tenant=acme&limit=500');
    expect(page.items.length).toBeGreaterThan(2);
    const resumeAfter = page.items.at(-3)!.id;
    const missed = page.items.slice(-2).map((e) => e.id);
    const frames = await readStream('', CALLERS['tenant-admin'], (f) => dataOf(f).length >= 2, { 'last-event-id': resumeAfter });
    expect(
      dataOf(frames)
        .map((d) => d.id)
        .slice(0, 2),
    ).toEqual(missed);
    expect(dataOf(frames).every((d) => d.event.tenant === 'acme')).toBe(true);
  });

  it('refuses a malformed Last-Event-ID', async () => {
    const res = await h.call(ADMIN, 'GET', '/api/v1/events?watch=true', undefined, { 'last-event-id': 'abc' });
    expect(res.statusCode).toBe(400);
  });
});
