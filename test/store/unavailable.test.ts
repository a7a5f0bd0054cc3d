// Which database errors mean "PostgreSQL is not reachable now" (503, retry) rather than a
// statement failing (a bug, a conflict): a table of what node-postgres and the server report.
import { describe, expect, test } from 'vitest';
import { StoreError } from '../../src/store/types.js';
import { isConnectionError, StoreUnavailableError, unavailableIfDisconnected } from '../../src/store/unavailable.js';

const withCode = (code: string, message = 'x') => Object.assign(new Error(message), { code });

// `unavailable` (503, retry later) defaults to `connection`: a statement timeout is the one
// error that is unavailability without a broken connection.
const cases: { reason: string; err: unknown; connection: boolean; unavailable?: boolean }[] = [
  { reason: 'connection failure (class 08)', err: withCode('08006'), connection: true },
  { reason: 'cannot establish a connection', err: withCode('08001'), connection: true },
  { reason: 'fast shutdown terminates the session', err: withCode('57P01', 'terminating connection due to administrator command'), connection: true },
  { reason: 'a crashed backend', err: withCode('57P02'), connection: true },
  { reason: 'starting up or shutting down', err: withCode('57P03', 'the database system is shutting down'), connection: true },
  { reason: 'no connection slot left', err: withCode('53300', 'sorry, too many clients already'), connection: true },
  { reason: 'server not listening', err: withCode('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:5432'), connection: true },
  { reason: 'peer reset', err: withCode('ECONNRESET'), connection: true },
  { reason: 'several addresses refused', err: new AggregateError([withCode('ECONNREFUSED')]), connection: true },
  { reason: 'socket ended under a query', err: new Error('Connection terminated unexpectedly'), connection: true },
  { reason: 'connect timeout', err: new Error('Connection terminated due to connection timeout'), connection: true },
  { reason: 'no pooled connection in time', err: new Error('timeout exceeded when trying to connect'), connection: true },
  {
    reason: 'a transaction left idle, ended by the server',
    err: withCode('25P03', 'terminating connection due to idle-in-transaction timeout'),
    connection: true,
  },
  { reason: 'a client already broken', err: new Error('Client has encountered a connection error and is not queryable'), connection: true },
  { reason: 'already translated', err: new StoreUnavailableError(new Error('x')), connection: true },
  { reason: 'unique violation', err: withCode('23505'), connection: false },
  { reason: 'serialization failure (retry the transaction, not the connection)', err: withCode('40001'), connection: false },
  {
    reason: 'statement_timeout (the database too busy)',
    err: withCode('57014', 'canceling statement due to statement timeout'),
    connection: false,
    unavailable: true,
  },
  { reason: 'a syntax error', err: withCode('42601', 'syntax error at or near "x"'), connection: false },
  { reason: "the store's own errors", err: new StoreError('NOT_FOUND', 'x'), connection: false },
  { reason: 'not an error at all', err: undefined, connection: false },
];

describe('isConnectionError', () => {
  test.each(cases)('$reason', ({ err, connection, unavailable = connection }) => {
    expect(isConnectionError(err)).toBe(connection);
    const translated = unavailableIfDisconnected(err);
    if (unavailable) expect(translated).toBeInstanceOf(StoreUnavailableError);
    else expect(translated).toBe(err);
  });
});
