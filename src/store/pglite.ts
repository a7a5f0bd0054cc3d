// Embedded PostgreSQL (PGlite, WASM) persisted in one data directory: the zero-setup default.
import { mkdir } from 'node:fs/promises';
import { PGlite, type Transaction } from '@electric-sql/pglite';
import type { Database, Row, Sql } from './sql.js';

/** Opens (creating on first use) the database in `dataDir`. PGlite is single-session and
 *  serialises every query and transaction itself, so one process owns the directory. */
export async function openPglite(dataDir: string): Promise<Database> {
  await mkdir(dataDir, { recursive: true });
  const db = await PGlite.create(dataDir);
  return {
    query: async <R extends Row>(text: string, params?: readonly unknown[]) =>
      (await db.query<R>(text, params ? [...params] : undefined)).rows,
    exec: async (text) => {
      await db.exec(text);
    },
    transaction: (fn) => db.transaction((tx) => fn(inTransaction(tx))),
    close: () => db.close(),
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
