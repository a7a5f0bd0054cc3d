// PostgreSQL going away (stopped, restarting, crashed, unreachable) is not a bug of the request
// that met it: such errors become StoreUnavailableError, which the API answers with 503
// STORE_UNAVAILABLE, and the pool replaces the broken connections once the server is back.
import { sqlState } from './sql.js';

/** The store's database cannot be reached right now; retrying later may succeed. An interrupted
 *  COMMIT leaves the write's outcome unknown: read before writing again. */
export class StoreUnavailableError extends Error {
  override readonly name = 'StoreUnavailableError';
  constructor(cause: unknown) {
    super('the store (PostgreSQL) is not reachable; retry later', { cause });
  }
}

// 57P01 admin_shutdown, 57P02 crash_shutdown, 57P03 cannot_connect_now (starting up or shutting
// down), 53300 too_many_connections, 25P03 idle_in_transaction_session_timeout (the server ended
// the session).
const UNAVAILABLE_STATES = new Set(['57P01', '57P02', '57P03', '53300', '25P03']);
// query_canceled, here always our statement_timeout: the connection is fine, the database busy.
const STATEMENT_TIMEOUT = '57014';
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);
// node-postgres reports a lost connection with plain Errors, by message only.
// pg-pool says "timeout exceeded when trying to connect" when no connection came in time.
const LOST_CONNECTION =
  /^(Connection terminated|Client has encountered a connection error and is not queryable|Client was closed and is not queryable|timeout exceeded when trying to connect)/;

/** Whether `err` says the database connection failed or was lost (not that a statement was wrong). */
export function isConnectionError(err: unknown): boolean {
  if (err instanceof StoreUnavailableError) return true;
  const state = sqlState(err);
  if (state !== undefined && (state.startsWith('08') || UNAVAILABLE_STATES.has(state) || NETWORK_CODES.has(state))) return true;
  if (err instanceof AggregateError) return err.errors.some(isConnectionError); // connecting to several addresses
  return err instanceof Error && LOST_CONNECTION.test(err.message);
}

/** `err` as StoreUnavailableError when it is a connection error or a statement timeout, else
 *  unchanged. */
export function unavailableIfDisconnected(err: unknown): unknown {
  const unavailable = isConnectionError(err) || sqlState(err) === STATEMENT_TIMEOUT;
  return unavailable && !(err instanceof StoreUnavailableError) ? new StoreUnavailableError(err) : err;
}
