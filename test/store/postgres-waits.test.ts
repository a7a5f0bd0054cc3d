// No wait on PostgreSQL is unbounded (a replica stuck on its database would hold its claims
// while its leases run out): a statement behind another session's lock, a query with every
// pooled connection taken, and a transaction left idle all end, as StoreUnavailableError (503,
// retry later), leaving the data as it was and the store usable.
import pg from 'pg';
import { afterEach, describe, expect, test } from 'vitest';
import { openPostgres, type PostgresOptions } from '../../src/store/postgres.js';
import type { Database } from '../../src/store/sql.js';
import { StoreUnavailableError } from '../../src/store/unavailable.js';
import { backends } from '../support/stores.js';

const postgres = backends.find((b) => b.name === 'postgres')!;
const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
});

/** A fresh database with one row (1, 'a') in table t, and its URL. */
async function seeded(): Promise<string> {
  const { url } = (await postgres.fresh()).config() as { url: string };
  const client = await session(url);
  await client.query(`CREATE TABLE t (id int PRIMARY KEY, v text); INSERT INTO t VALUES (1, 'a')`);
  return url;
}

async function session(url: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  cleanups.push(() => client.end());
  return client;
}

async function open(url: string, opts: PostgresOptions): Promise<Database> {
  const db = await openPostgres(url, opts);
  cleanups.push(() => db.close());
  return db;
}

const valueOf = async (db: Database) => (await db.query<{ v: string }>('SELECT v FROM t WHERE id = 1'))[0]?.v;

describe('waits on PostgreSQL', () => {
  test("a write behind another session's row lock fails at statement_timeout, leaving the row as it was", async () => {
    const url = await seeded();
    const db = await open(url, { statementTimeoutMs: 300 });
    const holder = await session(url);
    await holder.query('BEGIN');
    await holder.query('SELECT * FROM t WHERE id = 1 FOR UPDATE');

    await expect(db.transaction((tx) => tx.query(`UPDATE t SET v = 'b' WHERE id = 1`))).rejects.toBeInstanceOf(StoreUnavailableError);
    await holder.query('ROLLBACK');
    expect(await valueOf(db)).toBe('a');
  });

  test('with every pooled connection taken, a query fails at the connect timeout; the pool serves again once one is back', async () => {
    const url = await seeded();
    const db = await open(url, { maxConnections: 1, connectTimeoutMs: 300 });
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const holding = db.transaction(async (tx) => {
      await tx.query('SELECT 1');
      await gate;
    });

    await expect(db.query('SELECT 1')).rejects.toBeInstanceOf(StoreUnavailableError);
    release();
    await holding;
    expect(await valueOf(db)).toBe('a');
  });

  test('a transaction left idle is ended by the server, and the lock it held is free again', async () => {
    const url = await seeded();
    const db = await open(url, { idleInTransactionTimeoutMs: 300 });
    let locked!: () => void;
    const lockTaken = new Promise<void>((resolve) => (locked = resolve));
    const stalled = db.transaction(async (tx) => {
      await tx.query('SELECT * FROM t WHERE id = 1 FOR UPDATE');
      locked();
      await new Promise((resolve) => setTimeout(resolve, 1_500)); // a client that stopped talking
      await tx.query(`UPDATE t SET v = 'stale' WHERE id = 1`);
    });
    stalled.catch(() => undefined);
    await lockTaken;

    // Another session gets the row lock without waiting for the stalled client to wake up.
    const other = await session(url);
    await other.query(`SET lock_timeout = '5s'`);
    await other.query('BEGIN');
    await expect(other.query('SELECT * FROM t WHERE id = 1 FOR UPDATE')).resolves.toMatchObject({ rowCount: 1 });
    await other.query('ROLLBACK');

    await expect(stalled).rejects.toBeInstanceOf(StoreUnavailableError);
    expect(await valueOf(db)).toBe('a');
  });
});
