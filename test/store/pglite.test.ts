// The embedded store's PGlite configuration: its start parameters, a database created in a
// child process, and the maintenance autovacuum would do on a server.
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { openPglite } from '../../src/store/pglite.js';
import { backends } from '../support/stores.js';

const freshDir = async () => join((await backends.find((b) => b.name === 'embedded')!.fresh()).dataDir, 'pglite');

describe('the embedded database', () => {
  test('runs with a 32 MB buffer pool', async () => {
    const db = await openPglite(await freshDir());
    try {
      expect(await db.query(`SELECT current_setting('shared_buffers') AS sb`)).toEqual([{ sb: '32MB' }]);
    } finally {
      await db.close();
    }
  });

  test('created in a child process, then opened here, keeps what is written to it', async () => {
    const dir = await freshDir();
    const first = await openPglite(dir, { initialiseApart: true });
    await first.exec('CREATE TABLE kept (v text); INSERT INTO kept VALUES ($$one$$);');
    await first.close();
    // An existing database is opened as it is, with or without the option.
    const again = await openPglite(dir, { initialiseApart: true });
    try {
      expect(await again.query('SELECT v FROM kept')).toEqual([{ v: 'one' }]);
      expect(await again.query(`SELECT current_setting('shared_buffers') AS sb`)).toEqual([{ sb: '32MB' }]);
    } finally {
      await again.close();
    }
  });

  test('vacuums and analyses a grown table when opened (the planner gets statistics)', async () => {
    const dir = await freshDir();
    const first = await openPglite(dir);
    await first.exec(`CREATE TABLE objects (n int, pad text); INSERT INTO objects SELECT g, repeat('x', 200) FROM generate_series(1, 2000) g;`);
    await first.close();
    const again = await openPglite(dir);
    try {
      const analysed = async () => (await again.query<{ n: number }>(`SELECT reltuples::int AS n FROM pg_class WHERE relname = 'objects'`))[0]!.n;
      await expect.poll(analysed, { timeout: 20_000 }).toBe(2000);
    } finally {
      await again.close();
    }
  });
});
