// How replicas divide the reconcile work: every `Kind/name` key hashes to one of SHARDS shards,
// and a replica reconciles a key only while it holds that shard's lease (store/leases.ts). Each
// replica renews what it holds every tick, takes free, expired or dead replicas' shards up to its
// fair share, and hands back what exceeds it, but only after its reconciles on those shards have
// finished: one object is never reconciled by two replicas at once. A reconcile runs under the
// lease's fencing token, so should its lease be lost anyway (a stall longer than the TTL), its
// writes are refused. The embedded store has one process: it owns everything (WHOLE_SHARE).
import type { Logger } from '../../observability/logger.js';
import type { Metrics } from '../../observability/metrics.js';
import type { Fence, LeaseTick } from '../../store/leases.js';
import type { Coordination } from '../../store/types.js';

export const SHARDS = 32;

/** What a reconcile of one key runs under. */
export interface Claim {
  /** Absent when there is nothing to fence (one process). */
  fence?: Fence;
  /** Aborted when the shard is being handed over or its lease is lost. */
  signal?: AbortSignal;
  /** Must be called once the reconcile has finished. */
  done(): void;
}

export interface WorkShare {
  readonly replica: string;
  /** Whether this replica reconciles `key` now. */
  owns(key: string): boolean;
  /** The claim to reconcile `key` now, or undefined when another replica owns it. */
  claim(key: string): Claim | undefined;
  /** Called after shards were gained: their objects must be queued. */
  onGained(listener: () => void): () => void;
  /** Stops claiming, aborts and waits for the reconciles in flight, then hands everything back. */
  stop(): Promise<void>;
}

export const WHOLE_SHARE: WorkShare = {
  replica: 'single',
  owns: () => true,
  claim: () => ({ done: () => undefined }),
  onGained: () => () => undefined,
  stop: () => Promise.resolve(),
};

/** FNV-1a: a stable, well-spread shard of a key, the same in every replica. */
export function shardOf(key: string, shards = SHARDS): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) % shards;
}

export interface ShardLeaseOptions {
  coordination: Coordination;
  replica: string;
  logger: Logger;
  metrics?: Metrics;
  shards?: number;
  /** Lease lifetime without renewal. Default 8 s. */
  ttlMs?: number;
  /** Renew/rebalance period. Default 2 s. */
  tickMs?: number;
  /** Longest wait for a handed-over shard's reconciles to finish. Default 15 s. */
  drainTimeoutMs?: number;
}

/** A shard this replica holds. */
interface Holding {
  token: string;
  /** Local deadline (performance.now ms): past it, the lease may have passed to another. */
  validUntil: number;
  abort: AbortController;
  inFlight: number;
  /** Being handed back: no new claims; released once inFlight is 0 (or the drain deadline). */
  drainingSince?: number;
}

// A stopping replica waits this long at most for aborted reconciles (the shutdown has a grace).
const STOP_DRAIN_MS = 5_000;
// Margin between our local deadline and the database's, for clock rate differences.
const SAFETY_MS = 500;

export async function startShardLeases(opts: ShardLeaseOptions): Promise<WorkShare> {
  const { coordination, replica, logger, metrics } = opts;
  const shards = opts.shards ?? SHARDS;
  const ttlMs = opts.ttlMs ?? 8_000;
  const tickMs = opts.tickMs ?? 2_000;
  const drainTimeoutMs = opts.drainTimeoutMs ?? 15_000;
  const log = logger.child({ replica });
  const lockId = await coordination.leases.newLockId();
  const held = new Map<number, Holding>();
  const gained = new Set<() => void>();
  let stopping = false;

  const lose = (shard: number, why: string) => {
    const h = held.get(shard);
    if (!h) return;
    held.delete(shard);
    h.abort.abort(new Error(`shard ${shard} ${why}`));
    log.info({ shard, fence: h.token }, `shard ${shard} ${why}`);
  };

  const loseAll = (why: string) => {
    for (const shard of [...held.keys()]) lose(shard, why);
    metrics?.shardsOwned.set(0);
  };

  // A lease is given up locally the moment its deadline passes, not at the next tick: the others
  // may take it SAFETY_MS after that deadline.
  let expiryTimer: NodeJS.Timeout | undefined;
  const expire = () => {
    const now = performance.now();
    for (const [shard, h] of held) if (h.validUntil <= now) lose(shard, 'lease expired before renewal');
    metrics?.shardsOwned.set(held.size);
    clearTimeout(expiryTimer);
    if (held.size === 0 || stopping) return;
    const next = Math.min(...[...held.values()].map((h) => h.validUntil));
    expiryTimer = setTimeout(expire, Math.max(0, next - now));
    expiryTimer.unref();
  };

  // Without its liveness session this replica counts as dead to the others, who take its shards
  // at their next tick: it gives them all up at once, and takes none until the session is back.
  const liveness = coordination.holdLiveness(lockId, (err) => {
    log.warn({ err }, 'liveness session lost: shards given up, reopening');
    loseAll('given up: liveness session lost');
  });

  /** The holding `shard` may be claimed under now: held, not being handed back, not expired. */
  const claimable = (shard: number): Holding | undefined => {
    const h = held.get(shard);
    return h && h.drainingSince === undefined && h.validUntil > performance.now() ? h : undefined;
  };

  /** Shards drained and ready to be handed back in the next tick. */
  const drained = () =>
    [...held]
      .filter(([, h]) => h.drainingSince !== undefined && (h.inFlight === 0 || performance.now() - h.drainingSince > drainTimeoutMs))
      .map(([shard]) => shard);

  /** `renewed`: the shards the tick was asked to renew (those held when it started). */
  const apply = (started: number, renewed: ReadonlySet<number>, released: readonly number[], result: LeaseTick) => {
    const validUntil = started + ttlMs - SAFETY_MS;
    const now = new Set(result.held.map((h) => h.shard));
    for (const shard of released) held.delete(shard);
    for (const shard of [...held.keys()]) if (!now.has(shard)) lose(shard, 'taken over by another replica');
    let fresh = 0;
    for (const { shard, token } of result.held) {
      const h = held.get(shard);
      if (renewed.has(shard)) {
        // Renewed under its old token; one given up while the tick ran stays given up (the
        // next tick takes it again under a new token).
        if (h?.token === token) h.validUntil = validUntil;
        continue;
      }
      if (h) lose(shard, 'held again under a new token');
      held.set(shard, { token, validUntil, abort: new AbortController(), inFlight: 0 });
      fresh++;
    }
    // Hand back what exceeds the share: stop claiming now, release once drained.
    const keeping = [...held].filter(([, h]) => h.drainingSince === undefined);
    for (const [shard, h] of keeping.slice(result.share)) {
      h.drainingSince = performance.now();
      h.abort.abort(new Error(`shard ${shard} handed over`));
    }
    expire();
    if (fresh > 0) {
      log.info({ shards: result.held.map((h) => h.shard), acquired: fresh }, `holding ${held.size} of ${shards} shards`);
      for (const listener of gained) listener();
    }
  };

  const renewAndRebalance = async () => {
    const started = performance.now();
    try {
      if (!liveness.held) return loseAll('given up: liveness session lost');
      const release = drained();
      const renew = [...held.keys()].filter((shard) => !release.includes(shard));
      const result = await coordination.leases.tick({ replica, lockId, shards, ttlMs, release, renew });
      if (!liveness.held) return loseAll('given up: liveness session lost'); // while the tick ran
      apply(started, new Set(renew), release, result);
    } catch (err) {
      log.warn({ err }, 'lease renewal failed');
      expire();
    }
  };
  // One tick at a time. (Cleared in a .finally, which runs after the assignment even when the
  // tick returns without awaiting anything.)
  let ticking: Promise<void> | undefined;
  const tick = () => (ticking ??= renewAndRebalance().finally(() => (ticking = undefined)));

  const timer = setInterval(() => void tick(), tickMs);
  // The first tick waits for the liveness lock (a moment), or it would take shards the others
  // see held by a dead replica and take back.
  await Promise.race([liveness.ready, new Promise((resolve) => setTimeout(resolve, ttlMs).unref())]);
  await tick();

  return {
    replica,
    owns: (key) => claimable(shardOf(key, shards)) !== undefined,
    claim(key) {
      if (stopping) return undefined;
      const shard = shardOf(key, shards);
      const h = claimable(shard);
      if (!h) return undefined;
      h.inFlight++;
      let finished = false;
      return {
        fence: { shard, holder: replica, token: h.token },
        signal: h.abort.signal,
        done: () => {
          if (!finished) h.inFlight--;
          finished = true;
        },
      };
    },
    onGained(listener) {
      gained.add(listener);
      return () => gained.delete(listener);
    },
    async stop() {
      stopping = true;
      clearInterval(timer);
      clearTimeout(expiryTimer);
      for (const [shard, h] of held) h.abort.abort(new Error(`shard ${shard} handed over: replica stopping`));
      const deadline = performance.now() + Math.min(drainTimeoutMs, STOP_DRAIN_MS);
      while ([...held.values()].some((h) => h.inFlight > 0) && performance.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      await ticking;
      try {
        await coordination.leases.release(replica);
        log.info({ shards: [...held.keys()] }, 'shards handed back');
      } catch (err) {
        log.warn({ err }, 'handing shards back failed: they pass on when their leases expire');
      }
      held.clear();
      metrics?.shardsOwned.set(0);
      await liveness.close();
    },
  };
}
