// Query-string pieces shared by the events and audit endpoints: paging, `since`, and turning
// store errors about cursors into the API's 400.
import { Type } from 'typebox';
import { StoreError } from '../store/types.js';
import { validationFailed } from './errors.js';
import { DEFAULT_PAGE_SIZE } from './schemas/common.js';

export const PagingQuery = {
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: DEFAULT_PAGE_SIZE, description: 'Page size.' })),
  cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 256, description: 'The `nextCursor` of the previous page.' })),
  since: Type.Optional(Type.String({ maxLength: 64, description: 'RFC 3339 time: only records at or after it.' })),
};

/** `since` as an ISO time, or a 400 naming the field. */
export function sinceOf(since: string | undefined): string | undefined {
  if (since === undefined) return undefined;
  const t = Date.parse(since);
  if (Number.isNaN(t)) throw validationFailed([{ field: 'query/since', reason: 'must be an RFC 3339 time, e.g. 2026-01-31T12:00:00Z' }]);
  return new Date(t).toISOString();
}

/** Runs a store read, reporting a bad cursor as the 400 it is. */
export async function readRecords<T>(read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (err) {
    if (err instanceof StoreError && err.code === 'INVALID_ARGUMENT') throw validationFailed([{ field: 'query/cursor', reason: err.message }]);
    throw err;
  }
}
