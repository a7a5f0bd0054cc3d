// Three KubeNova replicas, real server processes, on one PostgreSQL database: any replica serves
// what another wrote, optimistic concurrency holds across replicas, a SIGKILLed replica leaves
// the others serving and comes back with everything written meanwhile, SIGTERM exits cleanly.
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { apiClient, type ApiResponse } from '../support/api-client.js';
import { createTestDatabase } from '../support/postgres.js';
import { startReplicas, type ReplicaSet } from '../support/replicas.js';

const DEADLINE_MS = 60_000;

let replicas: ReplicaSet;
let call: ReturnType<typeof apiClient>;
const url = (i: number) => replicas.replica(i).url;
const rv = (res: ApiResponse) => BigInt(res.body.resourceVersion as string);

beforeAll(async () => {
  replicas = await startReplicas({ n: 3, databaseUrl: await createTestDatabase(inject('postgresUrl')) });
  call = apiClient(await replicas.token({ roles: ['platform-admin'] }));
}, 300_000);
afterAll(async () => {
  await replicas?.stopAll();
});

/** `path` read through replica 0, every other replica in `through`, and replica 0 again, until
 *  nothing changed it in between (reconcilers write status, which moves resourceVersion): then
 *  every replica must have answered the very same object. */
async function readConsistently(path: string, through: number[]): Promise<ApiResponse> {
  const deadline = Date.now() + DEADLINE_MS;
  for (;;) {
    const first = await call(url(0), 'GET', path);
    const others = [];
    for (const i of through) others.push(await call(url(i), 'GET', path));
    const last = await call(url(0), 'GET', path);
    expect(first.status, JSON.stringify(first.body)).toBe(200);
    if (last.body.resourceVersion === first.body.resourceVersion) {
      for (const res of others) expect(res.body).toEqual(first.body);
      return first;
    }
    if (Date.now() > deadline) throw new Error(`${path} kept changing for ${DEADLINE_MS} ms`);
  }
}

describe('three replicas on one PostgreSQL database', { timeout: 240_000 }, () => {
  test('an object written through one replica is read the same through the others', async () => {
    const created = await call(url(0), 'POST', '/tenants', { name: 'acme', labels: { team: 'shop' }, spec: {} });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    // Right after the write: no replica answers from a state older than it.
    for (const i of [1, 2]) {
      const read = await call(url(i), 'GET', '/tenants/acme');
      expect(read.status).toBe(200);
      expect(rv(read)).toBeGreaterThanOrEqual(rv(created));
    }
    const read = await readConsistently('/tenants/acme', [1, 2]);
    expect(read.body).toMatchObject({ name: 'acme', labels: { team: 'shop' }, generation: 1 });
    const lists = await Promise.all([0, 1, 2].map((i) => call(url(i), 'GET', '/tenants')));
    for (const list of lists) expect((list.body.items as { name: string }[]).map((t) => t.name)).toEqual(['acme']);
  });

  test('a write with a stale If-Match gets 409 whichever replica takes it', async () => {
    const current = await readConsistently('/tenants/acme', [1, 2]);
    const ifMatch = { 'if-match': `"${current.body.resourceVersion as string}"` };
    const updated = await call(url(1), 'PUT', '/tenants/acme', { labels: { team: 'web' }, spec: current.body.spec }, ifMatch);
    expect(updated.status, JSON.stringify(updated.body)).toBe(200);
    const stale = await call(url(2), 'PUT', '/tenants/acme', { labels: { team: 'ops' }, spec: current.body.spec }, ifMatch);
    expect(stale.status, JSON.stringify(stale.body)).toBe(409);
    expect(stale.body.code).toBe('CONFLICT');

    // The same version sent through all three at once: one write wins, never two. (A status
    // write by a reconciler in between can make all three lose: then another round.)
    const deadline = Date.now() + DEADLINE_MS;
    for (let round = 0; ; round++) {
      const base = await call(url(0), 'GET', '/tenants/acme');
      const headers = { 'if-match': `"${base.body.resourceVersion as string}"` };
      const writes = await Promise.all(
        [0, 1, 2].map((i) => call(url(i), 'PUT', '/tenants/acme', { labels: { team: `round-${round}-by-${i}` }, spec: base.body.spec }, headers)),
      );
      const statuses = writes.map((w) => w.status);
      expect(
        statuses.filter((s) => s !== 200 && s !== 409),
        JSON.stringify(writes.map((w) => w.body)),
      ).toEqual([]);
      const winners = writes.filter((w) => w.status === 200);
      expect(winners.length, `statuses ${statuses.join(',')}`).toBeLessThanOrEqual(1);
      if (winners.length === 1) {
        const after = await readConsistently('/tenants/acme', [1, 2]);
        expect(after.body.labels).toEqual(winners[0]!.body.labels);
        break;
      }
      if (Date.now() > deadline) throw new Error('no round had a winner');
    }
  });

  test('a SIGKILLed replica leaves the others serving; restarted, it serves what was written meanwhile', async () => {
    const killed = replicas.replica(1);
    replicas.kill(1, 'SIGKILL');
    expect(await killed.exited).toBeNull();
    await expect(fetch(`${killed.url}/healthz`)).rejects.toThrow();

    const globex = await call(url(2), 'POST', '/tenants', { name: 'globex', spec: {} });
    expect(globex.status, JSON.stringify(globex.body)).toBe(201);
    const project = await call(url(0), 'POST', '/tenants/acme/projects', { name: 'acme-shop' });
    expect(project.status, JSON.stringify(project.body)).toBe(201);

    const restarted = await replicas.restart(1);
    expect(restarted.pid).not.toBe(killed.pid);
    for (const path of ['/tenants/globex', '/projects/acme-shop', '/tenants/acme']) await readConsistently(path, [1, 2]);
    const names = (await call(url(1), 'GET', '/tenants')).body.items as { name: string }[];
    expect(names.map((t) => t.name)).toEqual(['acme', 'globex']);
  });

  test('SIGTERM: every replica exits with code 0 within the grace period', async () => {
    const codes = await replicas.stopAll();
    expect(codes, [0, 1, 2].map((i) => replicas.replica(i).stderr()).join('\n')).toEqual([0, 0, 0]);
    for (let i = 0; i < replicas.size; i++) {
      const lines = replicas.replica(i).logLines();
      // The lines of its last process. (Not their order: pino writes stdout asynchronously and
      // flushes what is left synchronously at exit, so the last lines may come out reordered.)
      const messages = lines.map((l) => l.msg);
      expect(messages.slice(messages.lastIndexOf('KubeNova API listening'))).toContain('stopped');
      expect(lines.filter((l) => l.level === 'error' || l.level === 'fatal')).toEqual([]);
    }
  });

  // Skipped until the shutdown path ends open event streams (GET /events?watch=true): today
  // app.close() waits for them, the grace timer fires after 10 s and the process exits with 1
  // without stopping the reconcilers or closing the store.
  test('SIGTERM with an event stream open: the stream is ended and the replica exits with code 0', async () => {
    const server = await replicas.restart(0);
    const token = await replicas.token({ roles: ['platform-admin'] });
    const stream = await fetch(`${server.url}/api/v1/events?watch=true`, { headers: { authorization: `Bearer ${token}` } });
    expect(stream.status).toBe(200);
    const reader = stream.body!.getReader();
    await reader.read(); // ": stream open"
    server.kill('SIGTERM');
    expect(await server.exited, server.stderr()).toBe(0);
    // The server ended the stream: reading finishes (cleanly or with the connection closed).
    await expect(
      (async () => {
        for (;;) if ((await reader.read()).done) return 'ended';
      })().catch(() => 'ended'),
    ).resolves.toBe('ended');
  });
});
