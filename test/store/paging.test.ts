// One loop walks every page of a listing: all items in order, the cursor handed on, and early
// exit stops fetching.
import { describe, expect, it } from 'vitest';
import { allPages } from '../../src/store/paging.js';

const pages: Record<string, { items: number[]; nextCursor?: string }> = {
  start: { items: [1, 2], nextCursor: 'b' },
  b: { items: [3], nextCursor: 'c' },
  c: { items: [4, 5] },
};

describe('allPages', () => {
  it('yields every item of every page, following the cursors', async () => {
    const asked: Array<string | undefined> = [];
    const items: number[] = [];
    for await (const n of allPages((cursor) => Promise.resolve((asked.push(cursor), pages[cursor ?? 'start']!)))) items.push(n);
    expect(items).toEqual([1, 2, 3, 4, 5]);
    expect(asked).toEqual([undefined, 'b', 'c']);
  });

  it('fetches no further page once the caller stops', async () => {
    const asked: Array<string | undefined> = [];
    for await (const n of allPages((cursor) => Promise.resolve((asked.push(cursor), pages[cursor ?? 'start']!)))) if (n === 2) break;
    expect(asked).toEqual([undefined]);
  });
});
