// What ANALYZE keeps statistics on: the columns the store's queries select, join or sort by, and
// not the documents and messages beside them (whose analysis held the embedded store's one
// thread for most of a maintenance run).
import { afterEach, describe, expect, test } from 'vitest';
import { migrate } from '../../src/store/migrations.js';
import type { Database } from '../../src/store/sql.js';
import { backends } from '../support/stores.js';

describe.each(backends)('planner statistics ($name)', (backend) => {
  let db: Database | undefined;
  afterEach(async () => {
    await db?.close();
    db = undefined;
  });

  test('ANALYZE gathers statistics only on the columns queries select by', async () => {
    db = await (await backend.fresh()).openDatabase();
    await migrate(db);
    await db.exec(`
      INSERT INTO objects (kind, name, tenant, labels, spec, status, generation, resource_version, finalizers, created_at, updated_at)
        SELECT 'App', 'a' || g, 't' || (g % 10), jsonb_build_object('group', 'g' || (g % 7)),
               jsonb_build_object('project', 'p' || g, 'image', repeat('x', 100)), '{"phase": "Deployed"}', 1, g, '[]', now(), now()
          FROM generate_series(1, 300) g;
      INSERT INTO events (type, reason, message, kind, name, tenant, cluster, correlation_id)
        SELECT 'Normal', 'Applied', 'applied ' || g, 'App', 'a' || g, 't1', 'c1', 'r' || g FROM generate_series(1, 300) g;
      INSERT INTO audit (actor, roles, action, kind, name, tenant, outcome, status, request_id)
        SELECT 'alice', '["platform-admin"]', 'create', 'App', 'a' || g, 't1', 'succeeded', 201, 'r' || g FROM generate_series(1, 300) g;
      INSERT INTO revisions (kind, name, number, spec, change, actor, outcome, created_at)
        SELECT 'App', 'a' || g, 1, '{}', '{}', 'alice', 'succeeded', now() FROM generate_series(1, 300) g;
      ANALYZE objects; ANALYZE events; ANALYZE audit; ANALYZE revisions;
    `);
    const rows = await db.query<{ tablename: string; attname: string }>(
      `SELECT tablename::text, attname::text FROM pg_stats
        WHERE schemaname = current_schema() AND tablename IN ('objects', 'events', 'audit', 'revisions')
        ORDER BY tablename, attname`,
    );
    const analysed = (table: string) => rows.filter((r) => r.tablename === table).map((r) => r.attname);
    expect(analysed('objects')).toEqual(['kind', 'labels', 'name', 'tenant']);
    expect(analysed('events')).toEqual(['client_request_id', 'correlation_id', 'id', 'kind', 'name', 'tenant', 'time', 'type']);
    expect(analysed('audit')).toEqual(['actor', 'id', 'kind', 'name', 'outcome', 'tenant', 'time']);
    expect(analysed('revisions')).toEqual(['kind', 'name', 'number', 'outcome']);
  });
});
