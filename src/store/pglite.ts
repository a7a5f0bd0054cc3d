// Embedded PostgreSQL (PGlite, WASM) persisted in one data directory: the zero-setup default.
import { mkdir } from 'node:fs/promises';
import { PGlite, type Transaction } from '@electric-sql/pglite';
import { tightenTree } from './data-dir-access.js';
import { lockDataDir } from './data-dir-lock.js';
import type { Database, Row, Sql } from './sql.js';

/** Opens (creating on first use) the database in `dataDir`. PGlite is single-session and
 *  serialises every query and transaction itself, so one instance owns the directory: a second
 *  open, from any process, fails with DataDirInUseError until the first is closed. */
export async function openPglite(dataDir: string): Promise<Database> {
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const lock = await lockDataDir(dataDir);
  let db: PGlite | undefined;
  try {
    db = await PGlite.create(dataDir);
    // PGlite writes a new database's files 0666 (and its relation cache files 0644), whatever
    // the umask: private again now, and after closing.
    await tightenTree(dataDir);
  } catch (err) {
    await db?.close();
    await lock.release();
    throw err;
  }
  const opened = db;
  return {
    query: async <R extends Row>(text: string, params?: readonly unknown[]) => (await opened.query<R>(text, params ? [...params] : undefined)).rows,
    exec: async (text) => {
      await opened.exec(text);
    },
    transaction: (fn) => opened.transaction((tx) => fn(inTransaction(tx))),
    close: async () => {
      try {
        await opened.close();
        await tightenTree(dataDir);
      } finally {
        await lock.release();
      }
    },
  };
}

function inTransaction(tx: Transaction): Sql {
  const sql: Sql = {
    query: async <R extends Row>(text: string, params?: readonly unknown[]) => (await tx.query<R>(text, params ? [...params] : undefined)).rows,
    exec: async (text) => {
      await tx.exec(text);
    },
    transaction: (fn) => fn(sql),
  };
  return sql;
}
