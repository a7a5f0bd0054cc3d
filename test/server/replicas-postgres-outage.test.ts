// Two replicas on a PostgreSQL server of their own, taken away and brought back: while it is
// down the replicas stay up and say they are not ready; once it is back they serve again,
// with what was written before, without a restart of their own.
import { afterAll, beforeAll, expect, test } from 'vitest';
import { apiClient } from '../support/api-client.js';
import { createTestDatabase, startPostgres, type PostgresServer } from '../support/postgres.js';
import { startReplicas, type ReplicaSet } from '../support/replicas.js';

const DEADLINE_MS = 60_000;

// Not the global server: this file stops its server, and other files share that one.
let postgres: PostgresServer;
let replicas: ReplicaSet;

beforeAll(async () => {
  postgres = await startPostgres();
  replicas = await startReplicas({ n: 2, databaseUrl: await createTestDatabase(postgres.url) });
}, 300_000);
afterAll(async () => {
  await replicas?.stopAll();
  await postgres?.stop();
});

/** Polls `/readyz` of replica i until it answers `status`. */
async function readiness(i: number, status: number): Promise<void> {
  const deadline = Date.now() + DEADLINE_MS;
  let last: number | string = 'none';
  while (Date.now() < deadline) {
    try {
      last = (await fetch(`${replicas.replica(i).url}/readyz`)).status;
      if (last === status) return;
    } catch (err) {
      last = (err as Error).message;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  const r = replicas.replica(i);
  throw new Error(
    `replica ${i}: /readyz did not answer ${status} within ${DEADLINE_MS} ms (last: ${last}; ${r.running() ? 'running' : 'exited'}):\n${r.stderr()}`,
  );
}

// Skipped until src/store/postgres.ts listens for 'error' on the client it holds for a
// transaction: PostgreSQL's fast shutdown ("terminating connection due to administrator
// command", 57P01) reaches a checked-out client between two statements as an 'error' event
// with no listener, and the replica crashes (the pool's 'error' handler covers idle clients
// only). With a listener there that drops the client on release, this test passes.
test('PostgreSQL stopped and started again: the replicas stay up and serve again', { timeout: 240_000 }, async () => {
  const call = apiClient(await replicas.token({ roles: ['platform-admin'] }));
  const created = await call(replicas.replica(0).url, 'POST', '/tenants', { name: 'acme', spec: {} });
  expect(created.status, JSON.stringify(created.body)).toBe(201);

  await postgres.stopServer();
  for (const i of [0, 1]) await readiness(i, 503);
  for (const i of [0, 1]) {
    expect(replicas.replica(i).running(), replicas.replica(i).stderr()).toBe(true);
    expect((await fetch(`${replicas.replica(i).url}/healthz`)).status).toBe(200);
  }
  const refused = await call(replicas.replica(1).url, 'POST', '/tenants', { name: 'globex', spec: {} });
  expect(refused.status, JSON.stringify(refused.body)).toBeGreaterThanOrEqual(500);

  await postgres.startServer();
  for (const i of [0, 1]) await readiness(i, 200);
  const globex = await call(replicas.replica(1).url, 'POST', '/tenants', { name: 'globex', spec: {} });
  expect(globex.status, JSON.stringify(globex.body)).toBe(201);
  for (const i of [0, 1]) {
    const list = await call(replicas.replica(i).url, 'GET', '/tenants');
    expect((list.body.items as { name: string }[]).map((t) => t.name)).toEqual(['acme', 'globex']);
  }

  // And a restart in one go (stop -m fast, start), as a test of a PostgreSQL restart mid-run does.
  await postgres.restart();
  for (const i of [0, 1]) await readiness(i, 200);
  expect((await call(replicas.replica(0).url, 'GET', '/tenants/globex')).status).toBe(200);

  expect(await replicas.stopAll(), replicas.replica(0).stderr() + replicas.replica(1).stderr()).toEqual([0, 0]);
});
