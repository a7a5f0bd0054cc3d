// A PostgreSQL server through node-postgres' pool: the shared store of several replicas.
// Losing the server is survivable: connection errors surface as StoreUnavailableError, broken
// connections are dropped from the pool, and new ones are made once the server is back. No wait
// is unbounded: for a connection (the pool full, or the server not answering), for a statement
// (a lock held by a stuck peer) or for a transaction left idle, so a replica can never hang on
// its database while its leases run out under it.
import pg from 'pg';
import type { Database, Row, Sql } from './sql.js';
import { isConnectionError, unavailableIfDisconnected } from './unavailable.js';

export interface PostgresOptions {
  /** Pool size; default 10. */
  maxConnections?: number;
  /** Where idle connections lost are reported; default process.emitWarning. */
  warn?: (message: string) => void;
  /** Longest wait for a connection (the pool full, or the server not answering); then 503.
   *  Default 10 s. */
  connectTimeoutMs?: number;
  /** Longest run of one statement, lock waits included (statement_timeout); then 503. Far above
   *  any statement of ours (the longest read 500-row pages), far below "forever". Default 30 s. */
  statementTimeoutMs?: number;
  /** A transaction whose client stopped talking is ended by the server, and its locks freed
   *  (idle_in_transaction_session_timeout). Default 30 s. */
  idleInTransactionTimeoutMs?: number;
}

export async function openPostgres(url: string, opts: PostgresOptions = {}): Promise<Database> {
  const pool = new pg.Pool({
    connectionString: url,
    max: opts.maxConnections ?? 10,
    application_name: 'kubenova',
    keepAlive: true,
    connectionTimeoutMillis: opts.connectTimeoutMs ?? 10_000,
    statement_timeout: opts.statementTimeoutMs ?? 30_000,
    idle_in_transaction_session_timeout: opts.idleInTransactionTimeoutMs ?? 30_000,
  });
  // An idle client losing its connection must not crash the process; the pool replaces it.
  const warn = opts.warn ?? ((m: string) => process.emitWarning(m));
  pool.on('error', (err) => warn(`postgres pool: ${err.message}`));
  // Every pooled client always has an 'error' listener of its own. The pool's come and go: it
  // drops its idle listener when it hands a client to a pool.connect() waiter, which attaches
  // its own only a few microtasks later; a server shutdown's FATAL arriving in the same socket
  // read as the last answer (PostgreSQL restarting) was an unhandled 'error' event there, and so
  // a crash. The error itself still reaches whoever uses the client, as a failed query.
  pool.on('connect', (client) => client.on('error', () => undefined));
  try {
    await pool.query('SELECT 1'); // fail fast on a wrong URL
  } catch (err) {
    await pool.end();
    throw err;
  }
  const translated = async <T>(work: () => Promise<T>): Promise<T> => {
    try {
      return await work();
    } catch (err) {
      throw unavailableIfDisconnected(err);
    }
  };
  return {
    query: <R extends Row>(text: string, params?: readonly unknown[]) =>
      translated(async () => (await pool.query<R>(text, params ? [...params] : undefined)).rows),
    exec: (text) =>
      translated(async () => {
        await pool.query(text);
      }),
    transaction: (fn) => translated(() => inTransaction(pool, fn)),
    close: () => pool.end(),
  };
}

async function inTransaction<T>(pool: pg.Pool, fn: (tx: Sql) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  // A checked-out client has no pool listener: without this one, the server going away between
  // two statements of the transaction would be an unhandled 'error' event, i.e. a crash.
  let lost: Error | undefined;
  const onError = (err: Error) => {
    lost = err;
  };
  client.on('error', onError);
  let broken: Error | undefined;
  try {
    await client.query('BEGIN');
    const result = await fn(onClient(client));
    await client.query('COMMIT');
    return result;
  } catch (err) {
    broken = lost ?? (isConnectionError(err) ? (err as Error) : undefined);
    if (!broken) {
      try {
        await client.query('ROLLBACK');
      } catch (rollbackErr) {
        broken = rollbackErr as Error;
      }
    }
    throw err;
  } finally {
    client.off('error', onError);
    client.release(broken ?? lost); // an unusable connection is dropped rather than reused
  }
}

function onClient(client: pg.PoolClient): Sql {
  const sql: Sql = {
    query: async <R extends Row>(text: string, params?: readonly unknown[]) => (await client.query<R>(text, params ? [...params] : undefined)).rows,
    exec: async (text) => {
      await client.query(text);
    },
    transaction: (fn) => fn(sql),
  };
  return sql;
}
