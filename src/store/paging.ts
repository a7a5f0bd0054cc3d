// Walking every page of a cursor-paged listing: one loop for all the callers that need every
// object of a kind (resyncs, triggers, dependents, plans), not one copy each.
import type { Kind, Resource } from '../domain/resource.js';
import type { ListOptions, ObjectStore, Page } from './types.js';

const PAGE_SIZE = 500;

/** Every item of a paged listing, page after page; `fetch` gets the previous page's cursor. */
export async function* allPages<T>(fetch: (cursor: string | undefined) => Promise<Page<T>>): AsyncGenerator<T> {
  let cursor: string | undefined;
  do {
    const page = await fetch(cursor);
    yield* page.items;
    cursor = page.nextCursor;
  } while (cursor !== undefined);
}

/** Every object of `kind` matching `opts`, in name order, read a page at a time. */
export function eachObject<S = Record<string, unknown>>(
  objects: Pick<ObjectStore, 'list'>,
  kind: Kind,
  opts: Omit<ListOptions, 'limit' | 'cursor'> = {},
): AsyncGenerator<Resource<S>> {
  return allPages((cursor) => objects.list<S>(kind, { ...opts, limit: PAGE_SIZE, ...(cursor !== undefined && { cursor }) }));
}

/** Every object of `kind` matching `opts`, as one array. */
export async function listAll<S = Record<string, unknown>>(
  objects: Pick<ObjectStore, 'list'>,
  kind: Kind,
  opts: Omit<ListOptions, 'limit' | 'cursor'> = {},
): Promise<Resource<S>[]> {
  const all: Resource<S>[] = [];
  for await (const obj of eachObject<S>(objects, kind, opts)) all.push(obj);
  return all;
}
