// Request ids. The correlation id of a request is always KubeNova's own (a UUID): it reaches
// the store, events, reconciles and the audit log, so a client must not be able to choose it
// (and make its work look like, or collide with, another request's). A client's X-Request-Id
// is kept beside it as the client request id, only when short and of safe characters (it ends
// up in logs, audit records and a response header); otherwise it is dropped.
import { randomUUID } from 'node:crypto';

export const REQUEST_ID_HEADER = 'x-request-id';
/** Always KubeNova's id of the request: what `?correlationId=` of the events API takes. */
export const CORRELATION_ID_HEADER = 'x-correlation-id';
const CLIENT_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export const newCorrelationId = (): string => randomUUID();

/** The client's X-Request-Id when acceptable, else undefined. */
export function acceptClientRequestId(inbound: string | string[] | undefined): string | undefined {
  return typeof inbound === 'string' && CLIENT_REQUEST_ID.test(inbound) ? inbound : undefined;
}

/** The id headers of every answer: X-Correlation-Id is KubeNova's id; X-Request-Id echoes the
 *  client's when it sent an acceptable one, else repeats KubeNova's. */
export function requestIdHeaders(correlationId: string, inbound: string | string[] | undefined): Record<string, string> {
  return { [CORRELATION_ID_HEADER]: correlationId, [REQUEST_ID_HEADER]: acceptClientRequestId(inbound) ?? correlationId };
}
