// Query-string pieces shared by the events and audit endpoints: paging, `since`, and turning
// store errors about cursors into the API's 400.
import { Type } from 'typebox';
import { StoreError } from '../store/types.js';
import { validationFailed } from './errors.js';
import { DEFAULT_PAGE_SIZE } from './schemas/common.js';
import { parseTimestamp, TIME_REASON } from './timestamps.js';

export const PagingQuery = {
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: DEFAULT_PAGE_SIZE, description: 'Page size.' })),
  cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 256, description: 'The `nextCursor` of the previous page.' })),
  since: Type.Optional(Type.String({ maxLength: 64, description: 'RFC 3339 time: only records at or after it.' })),
};

/** `since` as an ISO time the store takes, or a 400 naming the field (before any stream opens). */
export function sinceOf(since: string | undefined): string | undefined {
  if (since === undefined) return undefined;
  const iso = parseTimestamp(since);
  if (iso === undefined) throw validationFailed([{ field: 'query/since', reason: TIME_REASON }]);
  return iso;
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
