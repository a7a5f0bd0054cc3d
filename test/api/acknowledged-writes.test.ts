// A write the API acknowledged is audited and has its events even if nothing runs after its
// response (the process dies right then): here the after-response paths (the audit trail's hook,
// the event recorder's appends) never complete, and the records are there all the same. The
// response hook then writes no second record; a refused write is still audited by it.
import { afterAll, beforeAll, expect, test, vi } from 'vitest';
import type { AuditLog, EventStore } from '../../src/store/types.js';
import type { OpenedStore } from '../../src/store/index.js';
import { ADMIN, openTestStore, startHarness, type Harness } from './support/harness.js';

let real: OpenedStore;
let close: () => Promise<void>;
let h: Harness;
const hang = () => new Promise<never>(() => undefined);

beforeAll(async () => {
  ({ store: real, close } = await openTestStore());
  // The same store, but whatever would be appended after a response never is.
  const audit: AuditLog = { append: hang, list: (q) => real.audit.list(q) };
  const events: EventStore = { append: hang, list: (q) => real.events.list(q), onAppend: (l, o) => real.events.onAppend(l, o) };
  h = await startHarness({ store: { ...real, audit, events } });
});
afterAll(async () => {
  await h?.close();
  await close?.();
});

const recordsOf = async (requestId: string) => (await real.audit.list({ limit: 500 })).items.filter((r) => r.requestId === requestId);
const eventsOf = async (correlationId: string) => (await real.events.list({ correlationId, limit: 500 })).items;

test('create, update and delete answered 2xx are audited, with their events, in their own transaction', async () => {
  const writes = [
    { method: 'POST', url: '/api/v1/policysets', body: { name: 'baseline', spec: {} }, status: 201, action: 'create', reason: 'Created' },
    { method: 'PUT', url: '/api/v1/policysets/baseline', body: { spec: { podSecurity: 'restricted' } }, status: 200, action: 'update', reason: 'Updated' },
    { method: 'DELETE', url: '/api/v1/policysets/baseline', status: 204, action: 'delete', reason: 'Deleted' },
  ] as const;
  for (const w of writes) {
    const res = await h.call(ADMIN, w.method, w.url, 'body' in w ? w.body : undefined);
    expect(res.statusCode, res.body).toBe(w.status);
    const requestId = res.headers['x-correlation-id'] as string;
    expect(await recordsOf(requestId)).toMatchObject([
      {
        action: w.action,
        kind: 'PolicySet',
        name: 'baseline',
        status: w.status,
        outcome: 'succeeded',
        actor: 'admin',
        roles: ['platform-admin'],
        clientIp: '127.0.0.1',
      },
    ]);
    expect(await eventsOf(requestId)).toMatchObject([{ reason: w.reason, kind: 'PolicySet', name: 'baseline' }]);
  }
});

test('the response hook writes no second record of a write audited with it, and still audits a refused write', async () => {
  const spy = vi.spyOn(real.audit, 'append');
  try {
    const h2 = await startHarness({ store: real });
    try {
      const first = await h2.call(ADMIN, 'POST', '/api/v1/policysets', { name: 'once', spec: {} });
      expect(first.statusCode).toBe(201);
      const second = await h2.call(ADMIN, 'POST', '/api/v1/policysets', { name: 'once', spec: {} });
      expect(second.statusCode).toBe(409);
      const [once, twice] = [first, second].map((r) => r.headers['x-correlation-id'] as string);
      await vi.waitFor(async () =>
        expect(await recordsOf(twice!)).toMatchObject([{ action: 'create', status: 409, outcome: 'failed', reason: 'ALREADY_EXISTS' }]),
      );
      expect(spy.mock.calls.map(([r]) => r.requestId)).toEqual([twice]);
      expect(await recordsOf(once!)).toHaveLength(1);
    } finally {
      await h2.close();
    }
  } finally {
    spy.mockRestore();
  }
});
