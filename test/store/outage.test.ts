// PostgreSQL going away and coming back, on a server of this file's own (the shared one serves
// the other files): requests answer 503 STORE_UNAVAILABLE meanwhile and are served again after,
// by the same process; the change feed reports the gap and carries the other replicas'
// writes again; a transaction whose connection dies fails cleanly.
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import { createEventRecorder } from '../../src/observability/events.js';
import { createLogger } from '../../src/observability/logger.js';
import type { EventRecord } from '../../src/store/types.js';
import { createStore, type OpenedStore } from '../../src/store/factory.js';
import { openPostgres } from '../../src/store/postgres.js';
import type { Database } from '../../src/store/sql.js';
import type { ChangeEvent } from '../../src/store/types.js';
import { StoreUnavailableError } from '../../src/store/unavailable.js';
import { ADMIN, json, startHarness, type Harness } from '../api/support/harness.js';
import { createTestDatabase, startPostgres, type PostgresServer } from '../support/postgres.js';
import { testKeyring } from '../support/stores.js';

const WAIT = { timeout: 60_000, interval: 50 };
const unique = (prefix: string) => `${prefix}-${randomUUID().slice(0, 8)}`;

describe('PostgreSQL outages', () => {
  let server: PostgresServer;
  let url: string;
  let a: OpenedStore;
  let b: OpenedStore;
  let h: Harness;
  const gaps = { a: 0, b: 0 };
  const heardByB: ChangeEvent[] = [];

  beforeAll(async () => {
    server = await startPostgres();
    url = await createTestDatabase(server.url);
    const keyring = testKeyring();
    a = await createStore({ kind: 'postgres', url, keyring, maxConnections: 4 });
    b = await createStore({ kind: 'postgres', url, keyring, maxConnections: 4 });
    a.objects.onFeedGap(() => gaps.a++);
    b.objects.onFeedGap(() => gaps.b++);
    b.objects.onChange((e) => heardByB.push(e), { remote: true });
    h = await startHarness({ store: a });
  });
  afterAll(async () => {
    await h?.close();
    await a?.close();
    await b?.close();
    await server?.stop();
  });

  /** A write through A reaches B's remote subscriber (B must be listening: after its gap). */
  async function heardAfterWrite(): Promise<void> {
    const name = unique('t');
    await a.objects.create({ kind: 'Tenant', name, spec: {} });
    await vi.waitFor(() => expect(heardByB.some((e) => e.name === name)).toBe(true), WAIT);
  }

  test('while the server is down the API answers 503 STORE_UNAVAILABLE, and serves again once it is back', async () => {
    await heardAfterWrite();
    expect((await h.call(ADMIN, 'GET', '/api/v1/tenants')).statusCode).toBe(200);
    const gapsBefore = { ...gaps };

    await server.stopServer();
    for (const res of [
      await h.call(ADMIN, 'GET', '/api/v1/tenants'),
      await h.call(ADMIN, 'POST', '/api/v1/tenants', { name: unique('t'), spec: {} }),
      await h.app.inject({ method: 'GET', url: '/readyz' }),
    ]) {
      expect(res.statusCode, res.body).toBe(503);
      expect(json(res)).toMatchObject({ code: 'STORE_UNAVAILABLE', message: expect.stringMatching(/retry later|not reachable/) });
    }
    await expect(b.objects.get('Tenant', 'x')).rejects.toBeInstanceOf(StoreUnavailableError);

    await server.startServer();
    await vi.waitFor(() => {
      expect(gaps.a).toBe(gapsBefore.a + 1);
      expect(gaps.b).toBe(gapsBefore.b + 1);
    }, WAIT);
    await heardAfterWrite();
    expect((await h.call(ADMIN, 'GET', '/api/v1/tenants')).statusCode).toBe(200);
    expect((await h.app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200);
  });

  test('after a restart (pg_ctl restart -m fast) the feed reports the gap and carries writes again', async () => {
    const before = gaps.b;
    await server.restart();
    await vi.waitFor(() => expect(gaps.b).toBe(before + 1), WAIT);
    // The pool's connections died with the server: the next queries get fresh ones.
    await heardAfterWrite();
  });

  test('a transaction whose connection dies fails with StoreUnavailableError, without crashing; its connection is dropped', async () => {
    const db: Database = await openPostgres(url, { maxConnections: 1 });
    try {
      let inside!: () => void;
      const entered = new Promise<void>((resolve) => (inside = resolve));
      let proceed!: () => void;
      const gate = new Promise<void>((resolve) => (proceed = resolve));
      const tx = db.transaction(async (sql) => {
        await sql.query('SELECT 1');
        inside();
        await gate; // the server goes away here, between two statements
        await sql.query('SELECT 2');
      });
      const outcome = tx.then(
        () => undefined,
        (err: unknown) => err,
      );
      await entered;
      const gapsBefore = gaps.b;
      await server.stopServer();
      proceed();
      expect(await outcome).toBeInstanceOf(StoreUnavailableError);
      await server.startServer();
      // The pool's only connection was the broken one: this works only if it was dropped.
      await vi.waitFor(async () => expect(await db.query<{ n: number }>('SELECT 3 AS n')).toEqual([{ n: 3 }]), WAIT);
      // The feed is back too, for the next test.
      await vi.waitFor(() => expect(gaps.b).toBe(gapsBefore + 1), WAIT);
      await heardAfterWrite();
    } finally {
      await db.close();
    }
  });

  test('events recorded while a replica was not listening reach its live subscribers once it listens again', async () => {
    const logger = createLogger({ level: 'silent' });
    const ra = createEventRecorder({ store: a, logger });
    const rb = createEventRecorder({ store: b, logger });
    const seen: EventRecord[] = [];
    rb.subscribe((e) => seen.push(e));
    const admin = new pg.Client({ connectionString: server.url });
    await admin.connect();
    const database = new URL(url).pathname.slice(1);
    try {
      await heardAfterWrite(); // B listens
      const name = unique('t');
      const before = await ra.record({ type: 'Normal', reason: 'Probe', message: 'before', kind: 'Tenant', name });
      await vi.waitFor(() => expect(seen.map((e) => e.id)).toContain(before!.id), WAIT);
      const gapsBefore = gaps.b;

      // The LISTEN connections die and cannot come back; A's pooled connections live on.
      await admin.query(`ALTER DATABASE ${database} ALLOW_CONNECTIONS false`);
      const listeners = `SELECT pid FROM pg_stat_activity WHERE datname = $1 AND application_name = 'kubenova-listen'`;
      await admin.query(`SELECT pg_terminate_backend(pid) FROM (${listeners}) l`, [database]);
      await vi.waitFor(async () => expect((await admin.query(listeners, [database])).rows).toEqual([]), WAIT);
      const missed = await ra.record({ type: 'Normal', reason: 'Probe', message: 'while B was deaf', kind: 'Tenant', name });
      expect(missed).toBeDefined();

      await admin.query(`ALTER DATABASE ${database} ALLOW_CONNECTIONS true`);
      await vi.waitFor(() => {
        expect(gaps.b).toBe(gapsBefore + 1);
        expect(seen.filter((e) => e.id === missed!.id)).toEqual([missed]);
      }, WAIT);
    } finally {
      await admin.query(`ALTER DATABASE ${database} ALLOW_CONNECTIONS true`);
      await admin.end();
      ra.close();
      rb.close();
    }
  });
});
