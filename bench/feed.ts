// Change-feed benchmark (not a test): two store instances ("replicas") on one PostgreSQL
// database, in this process.
//   (a) latency from a write on replica A to its delivery to a `{ remote: true }` subscriber of
//       replica B, one write at a time (from the call and from the commit, i.e. the write's return);
//   (b) write throughput (object creates, BENCH_CONCURRENCY at a time) with the NOTIFY staged in
//       each write's transaction, and without it (the local feed on the same server).
//
//   npx tsx bench/feed.ts    BENCH_WRITES=500 BENCH_CREATES=2000 BENCH_CONCURRENCY=8 BENCH_ROUNDS=3 by default
//
// The writer's own LISTEN connection hears its notifications too (and skips them): that cost is
// part of the NOTIFY figure, as it is on every replica.
//
// On KUBENOVA_DATABASE_URL's server when set (each run in a database of its own), else on a
// throwaway server from test/support/postgres.ts (fsync and synchronous_commit off).
import { performance } from 'node:perf_hooks';
import { Keyring } from '../src/security/keyring.js';
import { localBroadcasts } from '../src/store/broadcasts.js';
import { createStore, openStoreOn, type OpenedStore } from '../src/store/factory.js';
import { openPostgres } from '../src/store/postgres.js';
import { createTestDatabase, startPostgres } from '../test/support/postgres.js';

const WRITES = Number(process.env.BENCH_WRITES ?? 500);
const CREATES = Number(process.env.BENCH_CREATES ?? 2000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);

const quantile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
const describe = (xs: number[]) => {
  const s = [...xs].sort((x, y) => x - y);
  return `median ${quantile(s, 0.5).toFixed(2)} ms, p99 ${quantile(s, 0.99).toFixed(2)} ms, max ${s.at(-1)!.toFixed(2)} ms`;
};

async function latency(a: OpenedStore, b: OpenedStore): Promise<void> {
  const waiting = new Map<string, () => void>();
  const off = b.objects.onChange((e) => waiting.get(e.name)?.(), { remote: true });
  const fromCall: number[] = [];
  const fromCommit: number[] = [];
  for (let i = 0; i < WRITES; i++) {
    const name = `lat-${i}`;
    const heard = new Promise<number>((resolve) => waiting.set(name, () => resolve(performance.now())));
    const t0 = performance.now();
    await a.objects.create({ kind: 'Tenant', name, spec: {} });
    const committed = performance.now();
    const t1 = await heard;
    waiting.delete(name);
    fromCall.push(t1 - t0);
    fromCommit.push(t1 - committed);
  }
  off();
  console.log(`(a) write on A -> remote subscriber on B, ${WRITES} writes one at a time`);
  console.log(`    from the write call:   ${describe(fromCall)}`);
  console.log(`    from the commit:       ${describe(fromCommit)}`);
}

async function throughput(store: OpenedStore, label: string): Promise<number> {
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < CREATES) {
        const i = next++;
        await store.objects.create({ kind: 'Tenant', name: `tp-${i}`, spec: { owners: [] } });
      }
    }),
  );
  const perSecond = CREATES / ((performance.now() - t0) / 1000);
  console.log(`    ${label.padEnd(30)} ${perSecond.toFixed(0)} creates/s`);
  return perSecond;
}

async function main(): Promise<void> {
  const server = process.env.KUBENOVA_DATABASE_URL ? undefined : await startPostgres();
  const serverUrl = process.env.KUBENOVA_DATABASE_URL ?? server!.url;
  const keyring = Keyring.fromJson({ active: 'k1', keys: { k1: Keyring.generateKey() } });
  try {
    const url = await createTestDatabase(serverUrl);
    const a = await createStore({ kind: 'postgres', url, keyring });
    const b = await createStore({ kind: 'postgres', url, keyring });
    await latency(a, b);
    await a.close();
    await b.close();

    console.log(`(b) ${CREATES} creates, ${CONCURRENCY} at a time, pool of 10; a warm-up round, then ${ROUNDS} of each, alternating`);
    const results: Record<string, number[]> = { notify: [], local: [] };
    for (let round = 0; round <= ROUNDS; round++) {
      for (const mode of ['notify', 'local'] as const) {
        const db = await createTestDatabase(serverUrl);
        const store =
          mode === 'notify' ? await createStore({ kind: 'postgres', url: db, keyring }) : await openStoreOn(await openPostgres(db), keyring, localBroadcasts());
        const perSecond = await throughput(
          store,
          `${round === 0 ? 'warm-up, ' : ''}${mode === 'notify' ? 'NOTIFY in each transaction:' : 'no NOTIFY (local feed):'}`,
        );
        if (round > 0) results[mode]!.push(perSecond);
        await store.close();
      }
    }
    const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]!;
    const [notify, local] = [median(results.notify!), median(results.local!)];
    console.log(
      `    medians: ${notify.toFixed(0)} creates/s with NOTIFY, ${local.toFixed(0)} without: NOTIFY costs ${((1 - notify / local) * 100).toFixed(1)}%`,
    );
  } finally {
    await server?.stop();
  }
}

await main();
