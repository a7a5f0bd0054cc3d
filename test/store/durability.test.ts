import { afterEach, describe, expect, test } from 'vitest';
import { createStore, openStoreOn } from '../../src/store/factory.js';
import { migrate, MIGRATIONS } from '../../src/store/migrations.js';
import type { Database, Sql } from '../../src/store/sql.js';
import { backends, testKeyring } from '../support/stores.js';

describe.each(backends)('durability and migrations ($name)', (backend) => {
  const open: { close(): Promise<void> }[] = [];
  const track = <T extends { close(): Promise<void> }>(x: T): T => (open.push(x), x);
  afterEach(async () => {
    await Promise.all(open.splice(0).map((x) => x.close()));
  });

  test('objects and secrets survive closing and reopening the store', async () => {
    const loc = await backend.fresh();
    const keyring = testKeyring();
    const first = await createStore(loc.config(keyring));
    const created = await first.objects.create({ kind: 'Cluster', name: 'east', labels: { region: 'eu' }, spec: { endpoint: 'https://e' } });
    const marked = await first.objects.create({ kind: 'Cluster', name: 'west', spec: {}, finalizers: ['kubenova.io/cleanup'] });
    await first.objects.delete('Cluster', 'west');
    await first.secrets.put({ kind: 'Cluster', name: 'east', field: 'kubeconfig' }, Buffer.from('apiVersion: v1'));
    await first.close();
    await first.close(); // closing twice is harmless

    const second = track(await createStore(loc.config(keyring)));
    expect(await second.objects.get('Cluster', 'east')).toEqual(created);
    expect((await second.objects.get('Cluster', 'west'))?.deletionTimestamp).toBeDefined();
    expect((await second.secrets.get({ kind: 'Cluster', name: 'east', field: 'kubeconfig' }))?.toString()).toBe('apiVersion: v1');
    // The resourceVersion sequence carries on after the restart.
    const updated = await second.objects.update('Cluster', 'east', { labels: {} });
    expect(BigInt(updated.resourceVersion) > BigInt(marked.resourceVersion)).toBe(true);
    await second.ping();
  });

  test('migrations apply once, in order, and are idempotent', async () => {
    const loc = await backend.fresh();
    const db = track(await loc.openDatabase());
    expect(await migrate(db)).toEqual(MIGRATIONS.map((m) => m.version));
    expect(await migrate(db)).toEqual([]);
    const rows = await db.query<{ version: number; name: string }>('SELECT version, name FROM schema_migrations ORDER BY version');
    expect(rows).toEqual(MIGRATIONS.map(({ version, name }) => ({ version, name })));
  });

  test('replicas starting together apply each migration exactly once', async () => {
    const loc = await backend.fresh();
    // Embedded: one database, two concurrent migrate calls. Postgres: two connection pools,
    // as two replicas would have.
    const dbs: Database[] =
      backend.name === 'postgres' ? [track(await loc.openDatabase()), track(await loc.openDatabase())] : [track(await loc.openDatabase())];
    const runs = await Promise.all([0, 1, 2, 3].map((i) => migrate(dbs[i % dbs.length]!)));
    expect(runs.flat().sort()).toEqual(MIGRATIONS.map((m) => m.version));
    const rows = await dbs[0]!.query('SELECT version FROM schema_migrations');
    expect(rows).toHaveLength(MIGRATIONS.length);
  });

  test('a failing migration leaves nothing behind', async () => {
    const loc = await backend.fresh();
    const db = track(await loc.openDatabase());
    const broken = [...MIGRATIONS, { version: 99, name: 'broken', sql: 'CREATE TABLE half_done (a int); SELECT no_such_function();' }];
    await expect(migrate(db, broken)).rejects.toThrow(/no_such_function/);
    expect(await db.query(`SELECT to_regclass('objects') AS t, to_regclass('half_done') AS h`)).toEqual([{ t: null, h: null }]);
    expect(await migrate(db)).toEqual(MIGRATIONS.map((m) => m.version));
  });

  test('a database migrated by a newer KubeNova is refused', async () => {
    const loc = await backend.fresh();
    const db = track(await loc.openDatabase());
    await migrate(db, [...MIGRATIONS, { version: 1000, name: 'from-the-future', sql: 'SELECT 1' }]);
    await expect(openStoreOn(db, testKeyring())).rejects.toThrow(/schema is at version 1000, newer than this KubeNova/);
  });
});

test('migration versions must increase, checked before the database is touched', async () => {
  const untouchable: Sql = {
    query: () => Promise.reject(new Error('touched')),
    exec: () => Promise.reject(new Error('touched')),
    transaction: () => Promise.reject(new Error('touched')),
  };
  await expect(migrate(untouchable, [MIGRATIONS[1]!, MIGRATIONS[0]!])).rejects.toThrow(/increasing positive integers/);
});
