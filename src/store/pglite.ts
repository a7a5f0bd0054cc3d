// Embedded PostgreSQL (PGlite, WASM) persisted in one data directory: the zero-setup default.
import { mkdir } from 'node:fs/promises';
import { PGlite, type Transaction } from '@electric-sql/pglite';
import { lockDataDir } from './data-dir-lock.js';
import type { Database, Row, Sql } from './sql.js';

/** Opens (creating on first use) the database in `dataDir`. PGlite is single-session and
 *  serialises every query and transaction itself, so one instance owns the directory: a second
 *  open, from any process, fails with DataDirInUseError until the first is closed. */
export async function openPglite(dataDir: string): Promise<Database> {
  await mkdir(dataDir, { recursive: true });
  const lock = await lockDataDir(dataDir);
  let db: PGlite;
  try {
    db = await PGlite.create(dataDir);
  } catch (err) {
    await lock.release();
    throw err;
  }
  return {
    query: async <R extends Row>(text: string, params?: readonly unknown[]) =>
      (await db.query<R>(text, params ? [...params] : undefined)).rows,
    exec: async (text) => {
      await db.exec(text);
    },
    transaction: (fn) => db.transaction((tx) => fn(inTransaction(tx))),
    close: async () => {
      try {
        await db.close();
      } finally {
        await lock.release();
      }
    },
  };
}

function inTransaction(tx: Transaction): Sql {
  const sql: Sql = {
    query: async <R extends Row>(text: string, params?: readonly unknown[]) =>
      (await tx.query<R>(text, params ? [...params] : undefined)).rows,
    exec: async (text) => {
      await tx.exec(text);
    },
    transaction: (fn) => fn(sql),
  };
  return sql;
}
