// How a replica's shards move on, with real server processes on one PostgreSQL database: on
// SIGTERM they are handed over, on SIGKILL taken over as soon as its liveness lock is gone, and
// from a hung (SIGSTOPped) replica taken once its leases expire; continued, the hung replica
// finds them gone and takes its fair share again. Prints each hand-over time.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { createTestDatabase } from '../support/postgres.js';
import { startReplicas, type ReplicaSet } from '../support/replicas.js';

const report = (line: string) => process.stderr.write(`[takeover.test] ${line}\n`);
let replicas: ReplicaSet;
let db: pg.Client;

/** Live leases per holder, from the database. */
async function holdings(): Promise<Record<string, number>> {
  const { rows } = await db.query<{ holder: string; n: number }>(
    `SELECT holder, count(*)::int AS n FROM shard_leases WHERE holder IS NOT NULL AND expires_at > now() GROUP BY holder`,
  );
  return Object.fromEntries(rows.map((r) => [r.holder, r.n]));
}

/** Waits until replica `i` holds nothing and the others hold all 32; returns how long that took. */
async function movedAwayFrom(i: number, since: number): Promise<number> {
  await vi.waitFor(
    async () => {
      const h = await holdings();
      expect(h[replicas.id(i)] ?? 0).toBe(0);
      expect(Object.values(h).reduce((a, b) => a + b, 0)).toBe(32);
    },
    { timeout: 60_000, interval: 20 },
  );
  return Date.now() - since;
}

const divided = () =>
  vi.waitFor(
    async () => {
      const h = await holdings();
      for (let i = 0; i < replicas.size; i++) expect(h[replicas.id(i)] ?? 0).toBeGreaterThanOrEqual(10);
    },
    { timeout: 60_000, interval: 100 },
  );

beforeAll(async () => {
  const url = await createTestDatabase(inject('postgresUrl'));
  replicas = await startReplicas({ n: 3, databaseUrl: url });
  db = new pg.Client({ connectionString: url });
  await db.connect();
  await divided();
}, 300_000);
afterAll(async () => {
  await db?.end();
  await replicas?.stopAll();
});

describe('a replica leaving', { timeout: 180_000 }, () => {
  it('SIGTERM: its shards are handed over and it exits 0', async () => {
    const t0 = Date.now();
    const exited = replicas.replica(2).stop();
    const ms = await movedAwayFrom(2, t0);
    expect(await exited).toBe(0);
    report(`SIGTERM → all its shards held by the others: ${ms} ms`);
    await replicas.restart(2);
    await divided();
  });

  it('SIGKILL: its shards are taken over without waiting for its leases to expire', async () => {
    replicas.kill(1, 'SIGKILL');
    await replicas.replica(1).exited;
    const t0 = Date.now();
    const ms = await movedAwayFrom(1, t0);
    report(`SIGKILL → all its shards held by the others: ${ms} ms (lease TTL 8000 ms)`);
    await replicas.restart(1);
    await divided();
  });

  it('SIGSTOP: a hung replica loses its shards when its leases expire, and rejoins when continued', async () => {
    replicas.kill(0, 'SIGSTOP');
    const t0 = Date.now();
    const ms = await movedAwayFrom(0, t0);
    report(`SIGSTOP → all its shards held by the others: ${ms} ms (lease TTL 8000 ms)`);
    replicas.kill(0, 'SIGCONT');
    await divided();
    // It learnt it had lost them: the next holders' tokens are in force, not its old ones.
    const lines = replicas.replica(0).logLines();
    expect(lines.some((l) => typeof l.msg === 'string' && /shard \d+ (taken over by another replica|lease expired before renewal)/.test(l.msg))).toBe(true);
  });
});
