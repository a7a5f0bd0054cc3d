// A replica's liveness on a PostgreSQL server: one dedicated session holding the advisory lock
// `(LIVENESS_LOCK_CLASS, lockId)`. When the process dies, even by SIGKILL, the server ends the
// session and drops the lock at once, so the others can take its shards without waiting for its
// leases to expire. A dropped session is opened again with back-off.
import pg from 'pg';
import { LIVENESS_LOCK_CLASS } from './leases.js';

export interface LivenessLock {
  /** True while the lock is held by a live session. */
  readonly held: boolean;
  /** Resolves once the lock is held for the first time. */
  readonly ready: Promise<void>;
  close(): Promise<void>;
}

export interface LivenessOptions {
  url: string;
  lockId: number;
  /** Told about a lost session (it is reopened): from then until it is held again, the other
   *  replicas take this one for dead. */
  onError?: (err: Error) => void;
}

// Well under a lease TTL: after a server restart, the lock is back before the grace ends.
const MAX_BACKOFF_MS = 2_000;

export function holdLivenessLock(opts: LivenessOptions): LivenessLock {
  let client: pg.Client | undefined;
  let held = false;
  let closed = false;
  let backoff = 100;
  let timer: NodeJS.Timeout | undefined;
  let resolveReady!: () => void;
  const ready = new Promise<void>((resolve) => (resolveReady = resolve));

  const connect = async (): Promise<void> => {
    if (closed) return;
    const c = new pg.Client({ connectionString: opts.url, application_name: 'kubenova-liveness', keepAlive: true });
    c.on('error', (err) => lost(c, err));
    c.on('end', () => lost(c, new Error('liveness session ended')));
    client = c;
    try {
      await c.connect();
      await c.query('SELECT pg_advisory_lock($1, $2)', [LIVENESS_LOCK_CLASS, opts.lockId]);
      if (closed || client !== c) return void c.end().catch(() => undefined);
      held = true;
      backoff = 100;
      resolveReady();
    } catch (err) {
      lost(c, err as Error);
    }
  };

  const lost = (c: pg.Client, err: Error) => {
    if (client !== c) return; // an older session's late news
    held = false;
    client = undefined;
    void c.end().catch(() => undefined);
    if (closed) return;
    opts.onError?.(err);
    timer = setTimeout(() => void connect(), backoff);
    backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
  };

  void connect();
  return {
    get held() {
      return held;
    },
    ready,
    async close() {
      closed = true;
      held = false;
      clearTimeout(timer);
      const c = client;
      client = undefined;
      await c?.end().catch(() => undefined);
    },
  };
}
