// Two store instances on one PostgreSQL database stand for two replicas: what one writes reaches
// the other's remote subscribers through LISTEN/NOTIFY, exactly once, and only if it commits.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import { createEventRecorder, type EventRecorder } from '../../src/observability/events.js';
import { createLogger } from '../../src/observability/logger.js';
import { openPgBroadcasts, type StoreBroadcasts } from '../../src/store/broadcasts.js';
import { createStore, type OpenedStore } from '../../src/store/factory.js';
import { MAX_PAYLOAD_BYTES } from '../../src/store/pg-broadcast.js';
import { openPostgres } from '../../src/store/postgres.js';
import type { EventRecord } from '../../src/store/types.js';
import type { Database } from '../../src/store/sql.js';
import type { ChangeEvent } from '../../src/store/types.js';
import { backends, testKeyring } from '../support/stores.js';

const WAIT = { timeout: 30_000, interval: 25 };
const unique = (prefix: string) => `${prefix}-${randomUUID().slice(0, 8)}`;

/** Every message a subscription got, to look at later. */
function collect<T>(subscribe: (l: (m: T) => void) => () => void): T[] & { stop(): void } {
  const seen = [] as unknown as T[] & { stop(): void };
  seen.stop = subscribe((m) => seen.push(m));
  return seen;
}

const named = (events: ChangeEvent[], name: string) => events.filter((e) => e.name === name);

describe('change feed across replicas (postgres)', () => {
  let a: OpenedStore;
  let b: OpenedStore;
  /** A third replica's raw pieces, to stage announcements by hand. */
  let rawDb: Database;
  let raw: StoreBroadcasts;
  let aLocal: ReturnType<typeof collect<ChangeEvent>>;
  let aAll: ReturnType<typeof collect<ChangeEvent>>;
  let bLocal: ReturnType<typeof collect<ChangeEvent>>;
  let bAll: ReturnType<typeof collect<ChangeEvent>>;

  beforeAll(async () => {
    const config = (await backends.find((x) => x.name === 'postgres')!.fresh()).config(testKeyring());
    a = await createStore(config);
    b = await createStore({ ...config, keyring: a.keyring });
    if (config.kind !== 'postgres') throw new Error('expected a postgres store');
    rawDb = await openPostgres(config.url, { maxConnections: 2 });
    raw = await openPgBroadcasts(config.url, rawDb);
    aLocal = collect((l) => a.objects.onChange(l));
    aAll = collect((l) => a.objects.onChange(l, { remote: true }));
    bLocal = collect((l) => b.objects.onChange(l));
    bAll = collect((l) => b.objects.onChange(l, { remote: true }));
  });
  afterAll(async () => {
    await raw?.close();
    await rawDb?.close();
    await a?.close();
    await b?.close();
  });

  /** Resolves once every announcement committed so far has been handled by both replicas:
   *  a write of each one, seen remotely by the other (notifications arrive in commit order). */
  async function barrier(): Promise<void> {
    const fromA = unique('barrier-a');
    const fromB = unique('barrier-b');
    await a.objects.create({ kind: 'Tenant', name: fromA, spec: {} });
    await b.objects.create({ kind: 'Tenant', name: fromB, spec: {} });
    await vi.waitFor(() => {
      expect(named(bAll, fromA)).toHaveLength(1);
      expect(named(aAll, fromB)).toHaveLength(1);
    }, WAIT);
  }

  test("a write through one replica reaches the other's remote subscribers only, and the writer's once", async () => {
    const name = unique('t');
    const created = await a.objects.create({ kind: 'Tenant', name, spec: { owners: [] } });
    await vi.waitFor(() => expect(named(bAll, name)).toHaveLength(1), WAIT);
    expect(named(bAll, name)[0]).toMatchObject({ type: 'created', kind: 'Tenant', name, resourceVersion: created.resourceVersion });

    const updated = await b.objects.update('Tenant', name, { spec: { owners: ['x'] } });
    await vi.waitFor(() => expect(named(aAll, name)).toHaveLength(2), WAIT);
    expect(named(aAll, name)[1]).toMatchObject({ type: 'updated', specChanged: true, resourceVersion: updated.resourceVersion });

    await b.objects.delete('Tenant', name);
    await barrier();
    expect(named(aLocal, name).map((e) => e.type)).toEqual(['created']);
    expect(named(aAll, name).map((e) => e.type)).toEqual(['created', 'updated', 'deleted']);
    expect(named(bLocal, name).map((e) => e.type)).toEqual(['updated', 'deleted']);
    expect(named(bAll, name).map((e) => e.type)).toEqual(['created', 'updated', 'deleted']);
  });

  test('a write that does not commit announces nothing', async () => {
    const name = unique('t');
    await a.objects.create({ kind: 'Tenant', name, spec: {} });
    await expect(a.objects.update('Tenant', name, { spec: { x: 1 } }, { expectedVersion: '1' })).rejects.toMatchObject({ code: 'CONFLICT' });
    await expect(a.objects.create({ kind: 'Tenant', name, spec: {} })).rejects.toMatchObject({ code: 'ALREADY_EXISTS' });
    // Staged, then rolled back.
    const ghost: ChangeEvent = { type: 'updated', kind: 'Tenant', name, resourceVersion: '999999' };
    await expect(
      rawDb.transaction(async (tx) => {
        await raw.changes.stage(tx, ghost);
        throw new Error('abort');
      }),
    ).rejects.toThrow('abort');
    await barrier();
    expect(named(bAll, name).map((e) => e.type)).toEqual(['created']);
    expect(named(aAll, name).map((e) => e.type)).toEqual(['created']);
  });

  test('an announcement too large for NOTIFY travels without its transitions', async () => {
    const name = unique('t');
    const transitions = Array.from({ length: 200 }, (_, i) => ({
      cluster: `c${i}`,
      from: 'Applying' as const,
      to: 'Error' as const,
      reason: 'Failed',
      message: 'x'.repeat(100),
    }));
    const big: ChangeEvent = { type: 'updated', kind: 'Tenant', name, resourceVersion: '42', correlationId: 'req-1', transitions };
    expect(Buffer.byteLength(JSON.stringify(big))).toBeGreaterThan(MAX_PAYLOAD_BYTES);
    await rawDb.transaction((tx) => raw.changes.stage(tx, big));
    await vi.waitFor(() => expect(named(bAll, name)).toHaveLength(1), WAIT);
    expect(named(bAll, name)[0]).toEqual({ type: 'updated', kind: 'Tenant', name, resourceVersion: '42', correlationId: 'req-1' });
  });

  describe('recorded events', () => {
    const logger = createLogger({ level: 'silent' });
    let ra: EventRecorder;
    let rb: EventRecorder;
    beforeAll(() => {
      ra = createEventRecorder({ store: a, logger });
      rb = createEventRecorder({ store: b, logger });
    });
    afterAll(() => {
      ra?.close();
      rb?.close();
    });

    test("an event recorded on one replica reaches the other's live subscribers, once on each", async () => {
      const seenA = collect<EventRecord>((l) => ra.subscribe(l));
      const seenB = collect<EventRecord>((l) => rb.subscribe(l));
      const name = unique('t');
      const small = await ra.record({ type: 'Normal', reason: 'Probe', message: 'small', kind: 'Tenant', name });
      // A message no notification can carry: read back by id on the other side.
      const large = await ra.record({ type: 'Warning', reason: 'Probe', message: 'é'.repeat(6000), kind: 'Tenant', name });
      const fromB = await rb.record({ type: 'Normal', reason: 'Probe', message: 'from b', kind: 'Tenant', name });
      await vi.waitFor(() => {
        expect(seenB.filter((e) => e.name === name)).toHaveLength(3);
        expect(seenA.filter((e) => e.name === name)).toHaveLength(3);
      }, WAIT);
      // A replica's own events come at once, the others' when heard (and read, if large):
      // interleaved, each once.
      const byId = (seen: EventRecord[]) => seen.filter((e) => e.name === name).sort((x, y) => Number(BigInt(x.id) - BigInt(y.id)));
      expect(byId(seenB)).toEqual([small, large, fromB]);
      expect(byId(seenA)).toEqual([small, large, fromB]);
      seenA.stop();
      seenB.stop();
    });

    test('each replica records the events of its own writes only', async () => {
      const name = unique('t');
      await a.objects.create({ kind: 'Tenant', name, spec: {} });
      await barrier();
      await ra.flush();
      await rb.flush();
      const page = await a.events.list({ kind: 'Tenant', name, limit: 10 });
      expect(page.items.map((e) => e.reason)).toEqual(['Created']);
    });
  });
});
