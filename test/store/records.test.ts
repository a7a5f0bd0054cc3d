// Events and audit records on both backends: the whole range of times the API accepts for
// `since` is one both can compare against, and a client's request id is kept beside the
// correlation id.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { EARLIEST, LATEST, parseTimestamp } from '../../src/api/timestamps.js';
import { createStore, type OpenedStore } from '../../src/store/factory.js';
import { backends, testKeyring } from '../support/stores.js';

describe.each(backends)('records ($name)', (backend) => {
  let store: OpenedStore;
  beforeAll(async () => {
    store = await createStore((await backend.fresh()).config(testKeyring()));
    await store.events.append({
      type: 'Normal',
      reason: 'Created',
      message: 'm',
      kind: 'Tenant',
      name: 'acme',
      correlationId: 'c-1',
      clientRequestId: 'client:1',
    });
    await store.audit.append({ actor: 'a', roles: [], action: 'create', outcome: 'succeeded', status: 201, requestId: 'c-1', clientRequestId: 'client:1' });
  });
  afterAll(() => store?.close());

  test.each([
    { since: EARLIEST, found: 1, reason: 'the earliest accepted time: every record is after it' },
    { since: LATEST, found: 0, reason: 'the latest accepted time: none is' },
  ])('since $since is a query the store answers ($reason)', async ({ since, found }) => {
    const iso = parseTimestamp(since)!;
    expect((await store.events.list({ limit: 10, since: iso })).items).toHaveLength(found);
    expect((await store.audit.list({ limit: 10, since: iso })).items).toHaveLength(found);
  });

  test("a client's request id is stored beside the correlation id", async () => {
    expect((await store.events.list({ limit: 10, clientRequestId: 'client:1' })).items).toEqual([
      expect.objectContaining({ correlationId: 'c-1', clientRequestId: 'client:1' }),
    ]);
    expect((await store.audit.list({ limit: 10 })).items).toEqual([expect.objectContaining({ requestId: 'c-1', clientRequestId: 'client:1' })]);
  });
});
