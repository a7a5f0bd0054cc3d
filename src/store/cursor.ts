// Opaque list cursors: the last name of a page, bound to the kind it was issued for. Keyset
// pagination on the unique (kind, name) means concurrent inserts never shift later pages.
import type { Kind } from '../domain/resource.js';
import { StoreError } from './types.js';

interface CursorBody {
  v: 1;
  k: Kind;
  n: string;
}

export function encodeCursor(kind: Kind, lastName: string): string {
  const body: CursorBody = { v: 1, k: kind, n: lastName };
  return Buffer.from(JSON.stringify(body)).toString('base64url');
}

/** The name after which the next page starts; INVALID_ARGUMENT for anything not issued by
 *  `encodeCursor` for this kind. */
export function decodeCursor(kind: Kind, cursor: string): string {
  let body: Partial<CursorBody> | undefined;
  try {
    body = /^[A-Za-z0-9_-]+$/.test(cursor) ? JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) : undefined;
  } catch {
    body = undefined;
  }
  if (body?.v !== 1 || typeof body.n !== 'string') {
    throw new StoreError('INVALID_ARGUMENT', 'invalid cursor: pass back the nextCursor of a previous page unchanged');
  }
  if (body.k !== kind) {
    throw new StoreError('INVALID_ARGUMENT', `invalid cursor: it was issued for ${String(body.k)}, not ${kind}`);
  }
  return body.n;
}
