// Opaque list cursors: the last name of a page, bound to the kind it was issued for. Keyset
// pagination on the unique (kind, name) means concurrent inserts never shift later pages.
import type { Kind } from '../domain/resource.js';
import { isStorableText } from './text.js';
import { StoreError } from './types.js';

/** Room for a name of some 700 bytes, far beyond any KubeNova allows (63), and no more. */
export const MAX_CURSOR_LENGTH = 1024;

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
 *  `encodeCursor` for this kind. The name is checked here, whoever called: a forged cursor must
 *  not reach the database with text it cannot take (a NUL fails the query). */
export function decodeCursor(kind: Kind, cursor: string): string {
  let body: Partial<CursorBody> | undefined;
  try {
    const wellFormed = cursor.length <= MAX_CURSOR_LENGTH && /^[A-Za-z0-9_-]+$/.test(cursor);
    body = wellFormed ? (JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as Partial<CursorBody>) : undefined;
  } catch {
    body = undefined;
  }
  if (body?.v !== 1 || typeof body.n !== 'string' || !isStorableText(body.n)) {
    throw new StoreError('INVALID_ARGUMENT', 'invalid cursor: pass back the nextCursor of a previous page unchanged');
  }
  if (body.k !== kind) {
    // The kind it names is the client's text: not quoted back.
    throw new StoreError('INVALID_ARGUMENT', `invalid cursor: it was issued for another kind, not ${kind}`);
  }
  return body.n;
}
