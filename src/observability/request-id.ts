// Request ids: an inbound X-Request-Id is trusted only when it is short and of safe characters
// (it ends up in logs and response headers); otherwise a fresh one is made.
import { randomUUID } from 'node:crypto';

export const REQUEST_ID_HEADER = 'x-request-id';
const SAFE_REQUEST_ID = /^[A-Za-z0-9._-]{1,128}$/;

export function acceptRequestId(inbound: string | string[] | undefined): string {
  return typeof inbound === 'string' && SAFE_REQUEST_ID.test(inbound) ? inbound : randomUUID();
}
