// Response declarations for the OpenAPI document (and response serialization): the success
// body of a route and the error statuses it can answer with, all in the one error shape.
import { Type, type TSchema } from 'typebox';
import { ErrorBody } from './common.js';

const ERROR_DESCRIPTIONS: Record<number, string> = {
  400: 'VALIDATION_FAILED or MALFORMED_JSON: `details` names each field and why',
  401: 'UNAUTHENTICATED: no bearer token, or an invalid one',
  403: 'FORBIDDEN: the caller may see the object but not do this',
  404: 'NOT_FOUND: does not exist, or belongs to another tenant',
  409: 'ALREADY_EXISTS, CONFLICT (stale If-Match / resourceVersion), HAS_DEPENDENTS; rollback: NO_ROLLBACK_TARGET, ROLLBACK_NO_CHANGE; issue-kubeconfig: PROXY_NOT_CONFIGURED (register a capsule-proxy endpoint for the cluster)',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE: bodies are application/json',
  429: 'TOO_MANY_STREAMS: the caller (or the server) has as many event streams open as allowed; retry after `Retry-After` seconds',
  422: 'UNPROCESSABLE: refers to an object that does not exist or is not allowed there; UNKNOWN_REVISION (rollback); KEYRING_INVALID (key rotation): the keyring file must be fixed',
  501: 'NOT_IMPLEMENTED: the operation arrives in a later release',
  503: 'UNAVAILABLE: the store or the identity provider cannot be reached',
};

export const READ_ERRORS = [400, 401, 403, 404, 503] as const;
export const WRITE_ERRORS = [...READ_ERRORS, 409, 413, 415, 422] as const;

export function responses(success: Record<number, TSchema>, errors: readonly number[]): Record<number, TSchema> {
  const out: Record<number, TSchema> = { ...success };
  for (const status of errors) out[status] = { ...ErrorBody, description: ERROR_DESCRIPTIONS[status] ?? 'Error' };
  return out;
}

export const described = <T extends TSchema>(schema: T, description: string): T => ({ ...schema, description });

export const NoContent = Type.Null({ description: 'Deleted' });
