// Shard leases in the shared database: how replicas divide the reconcile work (the policy lives
// in orchestrator/shards.ts). All times are the database's `now()`, so replicas' clocks never
// have to agree. A lease's token grows with every change of holder: the fencing token.
import { AsyncLocalStorage } from 'node:async_hooks';
import type { Sql } from './sql.js';

/** A shard held by a replica, with the token of this holding. */
export interface HeldShard {
  shard: number;
  token: string;
}

export interface LeaseTickInput {
  replica: string;
  /** The advisory lock id this replica's liveness session holds (see liveness.ts). */
  lockId: number;
  shards: number;
  ttlMs: number;
  /** Shards to hand back now (their reconciles have finished). */
  release: readonly number[];
  /** The shards this replica still holds as its own: only these are renewed under their
   *  token. One it gave up meanwhile (its lease ran out locally, its liveness session dropped)
   *  is taken again only under a new token, so nothing begun under the old one can still write.
   *  Default: every shard the database says it holds. */
  renew?: readonly number[];
}

export interface LeaseTick {
  /** This replica's fair share: ceil(shards / replicas alive). */
  share: number;
  /** Everything this replica holds after the tick (renewed and newly acquired, with its token). */
  held: HeldShard[];
}

// Advisory-lock class of replica liveness locks (the migration lock uses 0x4b4e).
export const LIVENESS_LOCK_CLASS = 0x4b4f;

// Alive: a fresh heartbeat, and the liveness lock held, unless the server itself started less
// than a lease TTL ago ($1 ms): then every session is new and replicas are still taking their
// locks again, so only the heartbeat counts.
const ALIVE = `
  SELECT r.id FROM replicas r
  WHERE r.expires_at > now()
    AND (pg_postmaster_start_time() > now() - $1 * interval '1 millisecond'
         OR EXISTS (SELECT 1 FROM pg_locks l
                    WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 2
                      AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
                      AND l.classid = ${LIVENESS_LOCK_CLASS}::oid AND l.objid = r.lock_id::oid))
  ORDER BY r.id`;

export class SqlShardLeases {
  constructor(private readonly db: Sql) {}

  /** A lock id for a new replica, unique in this database. */
  async newLockId(): Promise<number> {
    const [row] = await this.db.query<{ id: number }>(`SELECT nextval('replica_lock_seq')::int AS id`);
    return row!.id;
  }

  /** One round of the lease protocol, in one transaction: heartbeat, hand back `release`, renew
   *  the rest of what this replica holds, and take free, expired or dead replicas' shards up to
   *  its fair share. Handing back what exceeds the share is the caller's decision (it first lets
   *  the reconciles on those shards finish). */
  tick(input: LeaseTickInput): Promise<LeaseTick> {
    const { replica, lockId, shards, ttlMs, release } = input;
    const renew = input.renew ? [...input.renew] : [...Array(shards).keys()];
    return this.db.transaction(async (tx) => {
      await tx.query(`INSERT INTO shard_leases (shard) SELECT generate_series(0, $1::int - 1) ON CONFLICT DO NOTHING`, [shards]);
      await tx.query(
        `INSERT INTO replicas (id, lock_id, started_at, heartbeat_at, expires_at)
         VALUES ($1, $2, now(), now(), now() + $3 * interval '1 millisecond')
         ON CONFLICT (id) DO UPDATE SET lock_id = $2, heartbeat_at = now(), expires_at = now() + $3 * interval '1 millisecond'`,
        [replica, lockId, ttlMs],
      );
      if (release.length > 0) {
        await tx.query(`UPDATE shard_leases SET holder = NULL, expires_at = '-infinity' WHERE holder = $1 AND shard = ANY($2::int[])`, [replica, [...release]]);
      }
      const alive = (await tx.query<{ id: string }>(ALIVE, [ttlMs])).map((r) => r.id);
      if (!alive.includes(replica)) alive.push(replica); // its liveness session may be reopening
      const share = Math.ceil(shards / alive.length);
      const renewed = await tx.query<{ shard: number; token: string }>(
        `UPDATE shard_leases SET expires_at = now() + $2 * interval '1 millisecond'
         WHERE holder = $1 AND shard < $3 AND shard = ANY($4::int[]) RETURNING shard, token::text AS token`,
        [replica, ttlMs, shards, renew],
      );
      let acquired: HeldShard[] = [];
      if (renewed.length < share) {
        acquired = await tx.query<{ shard: number; token: string }>(
          `UPDATE shard_leases SET holder = $1, token = nextval('lease_token_seq'), acquired_at = now(),
             expires_at = now() + $2 * interval '1 millisecond'
           WHERE shard IN (SELECT shard FROM shard_leases
                           WHERE shard < $3 AND (holder IS NULL OR expires_at <= now() OR NOT holder = ANY($4::text[])
                                                 OR (holder = $1 AND NOT shard = ANY($6::int[])))
                           ORDER BY shard LIMIT $5 FOR UPDATE SKIP LOCKED)
           RETURNING shard, token::text AS token`,
          [replica, ttlMs, shards, alive, share - renewed.length, renew],
        );
      }
      return { share, held: [...renewed, ...acquired].sort((a, b) => a.shard - b.shard) };
    });
  }

  /** Gives back every shard of `replica` and ends its membership (a graceful stop). */
  async release(replica: string): Promise<void> {
    await this.db.transaction(async (tx) => {
      await tx.query(`UPDATE shard_leases SET holder = NULL, expires_at = '-infinity' WHERE holder = $1`, [replica]);
      await tx.query(`DELETE FROM replicas WHERE id = $1`, [replica]);
    });
  }
}

/** The lease a reconcile runs under: its writes are accepted only while it is still held. */
export interface Fence {
  shard: number;
  holder: string;
  token: string;
}

/** A write refused because the writer's lease has passed to another replica (or expired). */
export class FencedError extends Error {
  override readonly name = 'FencedError';
  constructor(readonly fence: Fence) {
    super(`shard ${fence.shard} is no longer held by ${fence.holder} with token ${fence.token}: the write is refused`);
  }
}

const fences = new AsyncLocalStorage<Fence>();

/** Runs `fn` with the object writes it makes fenced by `fence`. */
export const runFenced = <T>(fence: Fence, fn: () => T): T => fences.run(fence, fn);

export const currentFence = (): Fence | undefined => fences.getStore();

/** Inside a write's transaction: throws FencedError unless the current fence still holds. The
 *  share lock keeps the lease from changing hands until the write commits. */
export async function checkFence(tx: Sql, fence: Fence | undefined = currentFence()): Promise<void> {
  if (!fence) return;
  const rows = await tx.query(`SELECT 1 FROM shard_leases WHERE shard = $1 AND holder = $2 AND token = $3::bigint AND expires_at > now() FOR SHARE`, [
    fence.shard,
    fence.holder,
    fence.token,
  ]);
  if (rows.length === 0) throw new FencedError(fence);
}
