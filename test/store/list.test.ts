import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Labels, Phase } from '../../src/domain/resource.js';
import { MAX_CURSOR_LENGTH } from '../../src/store/cursor.js';
import { createStore, type OpenedStore } from '../../src/store/factory.js';
import { matchesLabelSelector, parseLabelSelector } from '../../src/store/label-selector.js';
import { matchesListFilters } from '../../src/store/list-filters.js';
import type { LabelSelector, ListOptions } from '../../src/store/types.js';
import { backends, testKeyring } from '../support/stores.js';

/** A cursor as `encodeCursor` would make it for App objects, whatever the name. */
const forged = (name: string) => Buffer.from(JSON.stringify({ v: 1, k: 'App', n: name })).toString('base64url');

describe.each(backends)('listing ($name)', (backend) => {
  let store: OpenedStore;
  beforeAll(async () => {
    store = await createStore((await backend.fresh()).config(testKeyring()));
  });
  afterAll(() => store?.close());

  /** Every page of a listing, following nextCursor; `during` runs concurrently with the
   *  fetch of each page after the first. */
  async function allPages(kind: 'App' | 'Cluster' | 'Project' | 'KubeconfigGrant', opts: Omit<ListOptions, 'cursor'>, during?: () => Promise<void>) {
    const names: string[] = [];
    const totals: (number | undefined)[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const [page] = await Promise.all([store.objects.list(kind, { ...opts, cursor }), cursor ? during?.() : undefined]);
      expect(page.items.length).toBeLessThanOrEqual(opts.limit);
      names.push(...page.items.map((o) => o.name));
      totals.push(page.total);
      cursor = page.nextCursor;
      pages++;
    } while (cursor);
    return { names, pages, totals };
  }

  // Kind App holds only this test's objects.
  test('pages through 250 objects by name, no skips or duplicates, while others are inserted', async () => {
    const originals = Array.from({ length: 250 }, (_, i) => `app-${String(i).padStart(3, '0')}`);
    // Inserted in a scrambled order: listing order must not depend on insertion order.
    const scrambled = [...originals].sort((a, b) => (a.split('').reverse().join('') < b.split('').reverse().join('') ? -1 : 1));
    for (let i = 0; i < scrambled.length; i += 25) {
      await Promise.all(scrambled.slice(i, i + 25).map((name) => store.objects.create({ kind: 'App', name, tenant: 't', spec: {} })));
    }
    // While each page is read, insert names before, inside and after the part already read.
    let round = 0;
    const inserted: string[] = [];
    const insertSome = async () => {
      round++;
      const names = [`app-000-r${round}`, `app-124-r${round}`, `app-249-r${round}`, `zzz-r${round}`];
      inserted.push(...names);
      await Promise.all(names.map((name) => store.objects.create({ kind: 'App', name, tenant: 't', spec: {} })));
    };
    const { names, pages } = await allPages('App', { limit: 40 }, insertSome);

    expect(pages).toBeGreaterThanOrEqual(7);
    expect(new Set(names).size, 'no duplicates').toBe(names.length);
    expect([...names].sort(), 'ascending name order').toEqual(names);
    for (const name of originals) expect(names, `${name} was there before listing began`).toContain(name);
    // Names inserted behind the cursor are not seen; names ahead of it are.
    expect(names).toContain('zzz-r1');
    expect(names).not.toContain(`app-000-r${round}`);
    expect(names.filter((n) => !originals.includes(n)).every((n) => inserted.includes(n))).toBe(true);
  });

  test('a page of exactly the remaining objects has no nextCursor', async () => {
    const total = (await allPages('App', { limit: 500 })).names.length;
    const page = await store.objects.list('App', { limit: 500 });
    expect(page.items).toHaveLength(total);
    expect(page.nextCursor).toBeUndefined();
  });

  test.each([
    { limit: 0, reason: 'below 1' },
    { limit: 501, reason: 'above 500' },
    { limit: 2.5, reason: 'not an integer' },
    { limit: Number.NaN, reason: 'not a number' },
  ])('limit $limit is INVALID_ARGUMENT ($reason)', async ({ limit }) => {
    await expect(store.objects.list('App', { limit })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });

  test.each([
    { cursor: 'not a cursor!', reason: 'not base64url' },
    { cursor: Buffer.from('{"v":2,"k":"App","n":"x"}').toString('base64url'), reason: 'unknown cursor version' },
    { cursor: Buffer.from('[1,2]').toString('base64url'), reason: 'not a cursor document' },
    { cursor: '', reason: 'empty' },
    // Forged in the store's own format, with a name the database cannot take or should not get.
    { cursor: forged('a\u0000b'), reason: 'its name holds a NUL (PostgreSQL text cannot)' },
    { cursor: Buffer.from('{"v":1,"k":"App","n":"x\\ud800"}').toString('base64url'), reason: 'its name holds an unpaired surrogate' },
    { cursor: forged('a'.repeat(MAX_CURSOR_LENGTH)), reason: `it is longer than ${MAX_CURSOR_LENGTH} characters` },
  ])('cursor is INVALID_ARGUMENT when $reason', async ({ cursor }) => {
    await expect(store.objects.list('App', { limit: 5, cursor })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      message: expect.stringMatching(/invalid cursor/),
    });
  });

  test('a cursor only continues the kind it was issued for', async () => {
    const page = await store.objects.list('App', { limit: 1 });
    await expect(store.objects.list('Tenant', { limit: 1, cursor: page.nextCursor })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      message: expect.stringMatching(/issued for another kind, not Tenant/),
    });
  });

  describe('label selectors', () => {
    // Kind Cluster holds only these objects.
    const clusters: Record<string, Labels> = {
      c1: { env: 'prod', region: 'eu', tier: 'gold' },
      c2: { env: 'prod', region: 'us' },
      c3: { env: 'dev', region: 'eu', 'kubenova.io/canary': 'true' },
      c4: { env: '' },
      c5: {},
    };
    beforeAll(async () => {
      for (const [name, labels] of Object.entries(clusters)) await store.objects.create({ kind: 'Cluster', name, labels, spec: {} });
    });

    const cases: { selector: string; want: string[]; reason: string }[] = [
      { selector: '', want: ['c1', 'c2', 'c3', 'c4', 'c5'], reason: 'the empty selector selects everything' },
      { selector: 'env=prod', want: ['c1', 'c2'], reason: 'equality' },
      { selector: 'env==prod', want: ['c1', 'c2'], reason: '== is =' },
      { selector: 'env!=prod', want: ['c3', 'c4', 'c5'], reason: '!= also selects objects without the key (c5)' },
      { selector: 'env=', want: ['c4'], reason: 'an empty value matches only the empty value, not a missing key' },
      { selector: 'env in (prod,dev)', want: ['c1', 'c2', 'c3'], reason: 'in: any listed value' },
      { selector: 'env notin (prod)', want: ['c3', 'c4', 'c5'], reason: 'notin also selects objects without the key' },
      { selector: 'tier', want: ['c1'], reason: 'existence' },
      { selector: '!tier', want: ['c2', 'c3', 'c4', 'c5'], reason: 'absence' },
      { selector: 'env=prod,region=eu', want: ['c1'], reason: 'requirements are ANDed' },
      { selector: 'kubenova.io/canary=true', want: ['c3'], reason: 'prefixed keys' },
      { selector: 'region in (eu),!tier', want: ['c3'], reason: 'set and existence requirements combine' },
      { selector: 'env in (staging)', want: [], reason: 'no value matches' },
      { selector: 'env=prod,env!=prod', want: [], reason: 'contradictory requirements select nothing' },
    ];
    test.each(cases)('$selector → $want ($reason)', async ({ selector, want }) => {
      const labelSelector = parseLabelSelector(selector);
      const { names } = await allPages('Cluster', { limit: 2, labelSelector }); // across pages too
      expect(names).toEqual(want);
      // The SQL translation agrees with the in-memory matcher the orchestrator uses.
      const oracle = Object.keys(clusters).filter((n) => matchesLabelSelector(labelSelector, clusters[n]!));
      expect(names).toEqual(oracle);
    });

    test('keys and values are data, never SQL', async () => {
      const hostile = `x' OR 1=1; DROP TABLE objects; --`;
      const selectors: LabelSelector[] = [
        [{ key: hostile, op: 'Exists' }],
        [{ key: 'env', op: 'Equals', value: hostile }],
        [{ key: hostile, op: 'In', values: [hostile, 'prod'] }],
      ];
      for (const labelSelector of selectors) {
        expect((await store.objects.list('Cluster', { limit: 10, labelSelector })).items).toEqual([]);
      }
      expect((await store.objects.list('Cluster', { limit: 10 })).items).toHaveLength(5);
    });
  });

  describe('tenant scoping', () => {
    // Kind Project holds only these objects.
    beforeAll(async () => {
      const projects: [string, string | undefined][] = [
        ['p-a1', 'acme'],
        ['p-a2', 'acme'],
        ['p-b1', 'beta'],
        ['p-c1', 'gamma'],
        ['p-none', undefined],
      ];
      for (const [name, tenant] of projects) {
        await store.objects.create({ kind: 'Project', name, tenant, labels: { tier: name.endsWith('1') ? 'one' : 'other' }, spec: {} });
      }
    });

    const cases: { opts: Partial<ListOptions>; want: string[]; reason: string }[] = [
      { opts: {}, want: ['p-a1', 'p-a2', 'p-b1', 'p-c1', 'p-none'], reason: 'no restriction for platform callers' },
      { opts: { tenant: 'acme' }, want: ['p-a1', 'p-a2'], reason: 'one tenant' },
      { opts: { tenants: ['acme', 'beta'] }, want: ['p-a1', 'p-a2', 'p-b1'], reason: 'a caller with two tenants' },
      { opts: { tenants: [] }, want: [], reason: 'a caller with no tenants sees nothing' },
      { opts: { tenants: ['acme'], tenant: 'beta' }, want: [], reason: 'tenant and tenants both apply' },
      {
        opts: { tenants: ['acme', 'gamma'], labelSelector: parseLabelSelector('tier=one') },
        want: ['p-a1', 'p-c1'],
        reason: 'scoping combines with selectors',
      },
      { opts: { tenant: 'nobody' }, want: [], reason: 'an unknown tenant has no objects' },
      { opts: { namePrefix: 'p-a' }, want: ['p-a1', 'p-a2'], reason: 'names by prefix' },
      { opts: { namePrefix: 'p-' }, want: ['p-a1', 'p-a2', 'p-b1', 'p-c1', 'p-none'], reason: 'a prefix ending in a dash' },
      { opts: { namePrefix: 'p-a1x' }, want: [], reason: 'a prefix no name has' },
      { opts: { namePrefix: 'p-b', tenants: ['acme'] }, want: [], reason: 'a prefix combines with scoping' },
    ];
    test.each(cases)('$reason', async ({ opts, want }) => {
      expect((await allPages('Project', { limit: 2, ...opts })).names).toEqual(want);
    });

    const firsts: { where: { names?: string[]; namePrefix?: string }; want: string | undefined; reason: string }[] = [
      { where: { names: ['p-b1', 'p-a2'] }, want: 'p-a2', reason: 'the first of the names held' },
      { where: { names: ['p-x', 'p-none'] }, want: 'p-none', reason: 'names not held are skipped' },
      { where: { namePrefix: 'p-b' }, want: 'p-b1', reason: 'the first name with the prefix' },
      { where: { names: ['p-c1'], namePrefix: 'p-a' }, want: 'p-a1', reason: 'the first of both, in name order' },
      { where: { names: ['p-a1'], namePrefix: 'p-c' }, want: 'p-a1', reason: 'a name before the prefixed ones' },
      { where: { names: ['p-x'], namePrefix: 'p-y' }, want: undefined, reason: 'neither held' },
      { where: { names: [] }, want: undefined, reason: 'no names, no prefix: nothing asked' },
      { where: { names: ["p-a1' OR TRUE --"], namePrefix: '%' }, want: undefined, reason: 'the text is data, never SQL or a pattern' },
    ];
    test.each(firsts)('firstName: $reason', async ({ where, want }) => {
      expect(await store.objects.firstName('Project', where)).toBe(want);
    });
  });
  describe('phases, a part of the name, and counts', () => {
    // Kind KubeconfigGrant holds only these objects.
    const grants: Record<string, { tenant: string; phase: Phase }> = {
      'g-cache': { tenant: 'beta', phase: 'Pending' },
      'g-db-1': { tenant: 'acme', phase: 'Drifted' },
      'g-db-2': { tenant: 'acme', phase: 'Deployed' },
      'g-web-1': { tenant: 'acme', phase: 'Deployed' },
      'g-web-2': { tenant: 'acme', phase: 'Error' },
    };
    beforeAll(async () => {
      for (const [name, { tenant, phase }] of Object.entries(grants)) {
        await store.objects.create({ kind: 'KubeconfigGrant', name, tenant, spec: {} });
        if (phase !== 'Pending') await store.objects.updateStatus('KubeconfigGrant', name, { phase, conditions: [], observedGeneration: 1 });
      }
    });

    const cases: { opts: Partial<ListOptions>; want: string[]; reason: string }[] = [
      { opts: {}, want: Object.keys(grants), reason: 'no filter' },
      { opts: { phases: ['Error', 'Drifted'] }, want: ['g-db-1', 'g-web-2'], reason: 'any of the phases' },
      { opts: { phases: [] }, want: [], reason: 'no phase selects nothing' },
      { opts: { nameContains: 'web' }, want: ['g-web-1', 'g-web-2'], reason: 'a part of the name' },
      { opts: { nameContains: 'db', phases: ['Deployed'] }, want: ['g-db-2'], reason: 'name and phase combine' },
      { opts: { nameContains: '%' }, want: [], reason: 'the text has no wildcard (% is no LIKE pattern here)' },
      { opts: { nameContains: "g' OR TRUE --" }, want: [], reason: 'the text is data, never SQL' },
      { opts: { tenant: 'acme', phases: ['Deployed'] }, want: ['g-db-2', 'g-web-1'], reason: 'filters combine with the tenant' },
    ];
    test.each(cases)('$reason: counted the same on every page', async ({ opts, want }) => {
      const { names, totals } = await allPages('KubeconfigGrant', { limit: 2, count: true, ...opts });
      expect(names).toEqual(want);
      expect(new Set(totals)).toEqual(new Set([want.length]));
      // The in-memory check (listings made of single reads) agrees with the query.
      const all = await Promise.all(Object.keys(grants).map((n) => store.objects.get('KubeconfigGrant', n)));
      expect(all.filter((o) => (!opts.tenant || o!.tenant === opts.tenant) && matchesListFilters(opts, o!)).map((o) => o!.name)).toEqual(want);
    });

    test('no total unless asked', async () => {
      expect((await store.objects.list('KubeconfigGrant', { limit: 2 })).total).toBeUndefined();
    });
  });
});
