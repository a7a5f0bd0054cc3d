// A PostgreSQL server through node-postgres' pool: the shared store of several replicas.
import pg from 'pg';
import type { Database, Row, Sql } from './sql.js';

export interface PostgresOptions {
  /** Pool size; default 10. */
  maxConnections?: number;
}

export async function openPostgres(url: string, opts: PostgresOptions = {}): Promise<Database> {
  const pool = new pg.Pool({
    connectionString: url,
    max: opts.maxConnections ?? 10,
    application_name: 'kubenova',
  });
  // An idle client losing its connection must not crash the process; the pool replaces it.
  pool.on('error', (err) => process.emitWarning(`postgres pool: ${err.message}`));
  try {
    await pool.query('SELECT 1'); // fail fast on a wrong URL
  } catch (err) {
    await pool.end();
    throw err;
  }
  return {
    query: async <R extends Row>(text: string, params?: readonly unknown[]) =>
      (await pool.query<R>(text, params ? [...params] : undefined)).rows,
    exec: async (text) => {
      await pool.query(text);
    },
    transaction: async (fn) => {
      const client = await pool.connect();
      let broken: Error | undefined;
      try {
        await client.query('BEGIN');
        const result = await fn(onClient(client));
        await client.query('COMMIT');
        return result;
      } catch (err) {
        try {
          await client.query('ROLLBACK');
        } catch (rollbackErr) {
          broken = rollbackErr as Error; // connection unusable: drop it rather than reuse it
        }
        throw err;
      } finally {
        client.release(broken);
      }
    },
    close: () => pool.end(),
  };
}

function onClient(client: pg.PoolClient): Sql {
  const sql: Sql = {
    query: async <R extends Row>(text: string, params?: readonly unknown[]) =>
      (await client.query<R>(text, params ? [...params] : undefined)).rows,
    exec: async (text) => {
      await client.query(text);
    },
    transaction: (fn) => fn(sql),
  };
  return sql;
}
