// Shard leases on a real PostgreSQL server: replicas divide the shards disjointly and fairly,
// a stopping replica hands its shards over at once, a dead replica's shards (its liveness lock
// gone) are taken before its leases expire, a handed-over shard is released only after its
// reconcile finished, writes under a superseded fencing token are refused, and a replica whose
// liveness session is lost gives up its shards at once.
import pg from 'pg';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createLogger } from '../../src/observability/logger.js';
import { shardOf, startShardLeases, SHARDS, type WorkShare } from '../../src/orchestrator/manager/shards.js';
import { createStore, type OpenedStore } from '../../src/store/index.js';
import { FencedError, runFenced } from '../../src/store/leases.js';
import { backends, testKeyring } from '../support/stores.js';

const logger = createLogger({ level: 'silent' });
const postgres = backends.find((b) => b.name === 'postgres')!;
const FAST = { ttlMs: 3_000, tickMs: 200 };

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
});

async function database(): Promise<(() => Promise<OpenedStore>) & { url: string }> {
  const location = await postgres.fresh();
  const keyring = testKeyring();
  const config = location.config(keyring);
  const open = async () => {
    const store = await createStore(config);
    cleanups.push(() => store.close());
    return store;
  };
  return Object.assign(open, { url: (config as { url: string }).url });
}

/** Ends the liveness sessions on the database at `url` from the server side, as a lost
 *  connection would; returns how many it ended. */
async function endLivenessSessions(url: string): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ ended: boolean }>(
      `SELECT pg_terminate_backend(pid) AS ended FROM pg_stat_activity WHERE application_name = 'kubenova-liveness' AND datname = current_database()`,
    );
    return rows.filter((r) => r.ended).length;
  } finally {
    await client.end();
  }
}

async function replica(open: () => Promise<OpenedStore>, name: string, opts = FAST): Promise<{ store: OpenedStore; share: WorkShare }> {
  const store = await open();
  const share = await startShardLeases({ coordination: store.coordination!, replica: name, logger, ...opts });
  cleanups.push(() => share.stop());
  return { store, share };
}

async function serverUptimeMs(): Promise<number> {
  const db = await (await postgres.fresh()).openDatabase();
  try {
    const [row] = await db.query<{ ms: string }>(`SELECT (extract(epoch FROM now() - pg_postmaster_start_time()) * 1000)::text AS ms`);
    return Number(row!.ms);
  } finally {
    await db.close();
  }
}

/** The shards each share owns now, by probing one key per shard. */
function keyPerShard(): string[] {
  const keys = new Map<number, string>();
  for (let i = 0; keys.size < SHARDS; i++) if (!keys.has(shardOf(`Tenant/t${i}`))) keys.set(shardOf(`Tenant/t${i}`), `Tenant/t${i}`);
  return [...keys].sort(([a], [b]) => a - b).map(([, key]) => key);
}
const KEYS = keyPerShard();
const owned = (share: WorkShare) => KEYS.filter((k) => share.owns(k)).length;

describe('shard leases', () => {
  it('divides every shard among three replicas, each shard to exactly one, ~a third each', async () => {
    const open = await database();
    const rs = await Promise.all(['a', 'b', 'c'].map((n) => replica(open, n)));
    await vi.waitFor(
      () => {
        for (const key of KEYS) expect(rs.filter((r) => r.share.owns(key))).toHaveLength(1);
        for (const r of rs) expect(owned(r.share)).toBeGreaterThanOrEqual(Math.floor(SHARDS / 3));
      },
      { timeout: 20_000, interval: 100 },
    );
  });

  it('a stopping replica hands its shards over at once', async () => {
    const open = await database();
    const slow = { ttlMs: 60_000, tickMs: 200 }; // expiry alone would take a minute
    const [a, b] = await Promise.all([replica(open, 'a', slow), replica(open, 'b', slow)]);
    await vi.waitFor(() => expect([owned(a.share) + owned(b.share), owned(b.share) > 0]).toEqual([SHARDS, true]), { timeout: 20_000, interval: 100 });
    await b.share.stop();
    await vi.waitFor(() => expect(owned(a.share)).toBe(SHARDS), { timeout: 5_000, interval: 50 });
  });

  it("takes a dead replica's shards (its liveness lock gone) long before its leases expire", async () => {
    const open = await database();
    const store = await open();
    const leases = store.coordination!.leases;
    // Within a TTL of the server's start a missing lock means nothing yet (sessions reconnecting).
    const up = await serverUptimeMs();
    if (up < 20_000) await new Promise((r) => setTimeout(r, 20_000 - up));
    // A ghost: every shard under 20 s leases, registered with a lock no session holds,
    // as a killed process leaves them.
    const ghost = await leases.tick({ replica: 'ghost', lockId: await leases.newLockId(), shards: SHARDS, ttlMs: 20_000, release: [] });
    expect(ghost.held).toHaveLength(SHARDS);
    const a = await replica(open, 'a', { ttlMs: 20_000, tickMs: 200 });
    await vi.waitFor(() => expect(owned(a.share)).toBe(SHARDS), { timeout: 5_000, interval: 50 });
  });

  it('gives up every shard the moment its liveness session is lost, and takes them again once it is back, under new tokens', async () => {
    const open = await database();
    const slow = { ttlMs: 60_000, tickMs: 200 }; // expiry alone would take a minute
    const a = await replica(open, 'a', slow);
    await a.store.objects.create({ kind: 'Tenant', name: 't3', tenant: 't3', spec: {} });
    const key = 'Tenant/t3';
    await vi.waitFor(() => expect(owned(a.share)).toBe(SHARDS), { timeout: 10_000, interval: 50 });
    const claim = a.share.claim(key)!;
    // The others count a replica without its lock as dead and take its shards at their next
    // tick: it must not go on reconciling them.
    expect(await endLivenessSessions(open.url)).toBe(1);
    await vi.waitFor(() => expect(owned(a.share)).toBe(0), { timeout: 5_000, interval: 20 });
    expect(claim.signal?.aborted).toBe(true);
    claim.done();
    await vi.waitFor(() => expect(owned(a.share)).toBe(SHARDS), { timeout: 10_000, interval: 50 });
    // Whatever was begun under the old holding cannot write any more: its token is gone.
    const again = a.share.claim(key)!;
    again.done();
    expect(again.fence!.token).not.toBe(claim.fence!.token);
    const stale = runFenced(claim.fence!, () =>
      a.store.objects.updateStatus('Tenant', 't3', { phase: 'Error', conditions: [], observedGeneration: 1, message: 'stale' }),
    );
    await expect(stale).rejects.toBeInstanceOf(FencedError);
  });

  it('releases a handed-over shard only after the reconcile on it finished', async () => {
    const open = await database();
    const a = await replica(open, 'a');
    await vi.waitFor(() => expect(owned(a.share)).toBe(SHARDS), { timeout: 10_000, interval: 50 });
    const key = KEYS[25]!;
    const claim = a.share.claim(key)!;
    expect(claim.fence?.shard).toBe(25);

    const b = await replica(open, 'b');
    // a must hand over half, shard 25 among them (it keeps the lowest shards)...
    await vi.waitFor(() => expect(claim.signal?.aborted).toBe(true), { timeout: 10_000, interval: 50 });
    await new Promise((r) => setTimeout(r, 1_000));
    // ...but b gets it only once the reconcile is done.
    expect(b.share.owns(key)).toBe(false);
    claim.done();
    await vi.waitFor(() => expect(b.share.owns(key)).toBe(true), { timeout: 10_000, interval: 50 });
  });

  it('refuses an object write under a fencing token that is no longer current', async () => {
    const open = await database();
    const a = await replica(open, 'a', { ttlMs: 1_500, tickMs: 100 });
    await a.store.objects.create({ kind: 'Tenant', name: 't', tenant: 't', spec: {} });
    await vi.waitFor(() => expect(a.share.owns('Tenant/t')).toBe(true), { timeout: 10_000, interval: 50 });
    const claim = a.share.claim('Tenant/t')!;
    const write = (status: string) =>
      runFenced(claim.fence!, () => a.store.objects.updateStatus('Tenant', 't', { phase: 'Applying', conditions: [], observedGeneration: 1, message: status }));
    await expect(write('current token')).resolves.toMatchObject({ name: 't' });

    // a's lease ends (as it would after a stall); b takes the shard under a new token.
    claim.done();
    await a.share.stop();
    const b = await replica(open, 'b', { ttlMs: 1_500, tickMs: 100 });
    await vi.waitFor(() => expect(b.share.owns('Tenant/t')).toBe(true), { timeout: 10_000, interval: 50 });
    expect(b.share.claim('Tenant/t')!.fence!.token).not.toBe(claim.fence!.token);
    await expect(write('stale token')).rejects.toBeInstanceOf(FencedError);
    expect((await a.store.objects.get('Tenant', 't'))?.status).toMatchObject({ message: 'current token' });
  });
});
