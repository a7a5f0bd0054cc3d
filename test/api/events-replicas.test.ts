// Two API replicas on one PostgreSQL database: a `?watch=true` stream on either shows the
// events of writes made through both, each once (recorded by the replica that wrote).
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createStore, type OpenedStore } from '../../src/store/factory.js';
import { backends, testKeyring } from '../support/stores.js';
import { ADMIN, startHarness, type Harness } from './support/harness.js';
import { readEventStream, sseEvents } from './support/sse.js';
import { uniq } from './support/world.js';

const stores: OpenedStore[] = [];
const replicas: Harness[] = [];
beforeAll(async () => {
  const config = (await backends.find((b) => b.name === 'postgres')!.fresh()).config(testKeyring());
  for (let i = 0; i < 2; i++) {
    const store = await createStore({ ...config, ...(stores[0] && { keyring: stores[0].keyring }) });
    stores.push(store);
    const h = await startHarness({ store });
    await h.app.listen({ host: '127.0.0.1', port: 0 });
    replicas.push(h);
  }
});
afterAll(async () => {
  for (const h of replicas) await h.close();
  for (const s of stores) await s.close();
});

it("a replica's event stream shows the events of writes made through the other, once", async () => {
  const [a, b] = replicas as [Harness, Harness];
  const base = `http://127.0.0.1:${(b.app.server.address() as AddressInfo).port}`;
  const viaA = uniq('via-a');
  const viaB = uniq('via-b');
  const seen = (f: string[], name: string) => sseEvents(f).some((d) => d.event.name === name);
  const frames = readEventStream(base, await b.token(ADMIN), 'kind=Tenant', (f) => seen(f, viaA) && seen(f, viaB));
  // The stream is open once its first comment arrived; give it a moment to subscribe.
  await new Promise((r) => setTimeout(r, 300));
  const createdViaA = await a.call(ADMIN, 'POST', '/api/v1/tenants', { name: viaA, spec: {} }, { 'x-request-id': `req-${viaA}` });
  expect(createdViaA.statusCode).toBe(201);
  expect((await b.call(ADMIN, 'POST', '/api/v1/tenants', { name: viaB, spec: {} })).statusCode).toBe(201);
  const got = sseEvents(await frames).map((d) => [d.event.name, d.event.reason, d.event.correlationId ?? '', d.event.clientRequestId ?? '']);
  // B's own events come at once, A's when heard: in either order, each once.
  expect(
    got
      .filter(([name]) => name === viaA || name === viaB)
      .map(([name, reason]) => [name, reason])
      .sort(),
  ).toEqual([
    [viaA, 'Created'],
    [viaB, 'Created'],
  ]);
  expect(got.find(([name]) => name === viaA)?.slice(2)).toEqual([createdViaA.headers['x-correlation-id'], `req-${viaA}`]);
});
