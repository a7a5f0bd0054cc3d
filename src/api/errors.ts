// The API's one error model, `{code, message, details}`: every stable code with its HTTP status,
// and the one function that turns anything thrown (Fastify, validation, store, auth) into it.
import { DomainError, type DomainFailure } from '../domain/errors.js';
import { StoreError } from '../store/types.js';
import { StoreUnavailableError } from '../store/unavailable.js';
import { AuthenticationError, SigningKeysUnavailableError } from '../security/auth.js';
import { PATTERN_REASONS } from '../domain/schema.js';

export const ERROR_STATUS = {
  VALIDATION_FAILED: 400,
  MALFORMED_JSON: 400,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  ALREADY_EXISTS: 409,
  /** The object changed since the version the client sent (If-Match / resourceVersion). */
  CONFLICT: 409,
  /** Deleting an object that others still depend on (a tenant with projects, ...). */
  HAS_DEPENDENTS: 409,
  /** Rollback without a revision: no earlier revision succeeded with a spec other than the current one. */
  NO_ROLLBACK_TARGET: 409,
  /** Rollback to a revision whose spec is the current spec: nothing would change. */
  ROLLBACK_NO_CHANGE: 409,
  /** The request (headers and body) did not arrive in full within the server's request timeout. */
  REQUEST_TIMEOUT: 408,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  /** Well-formed, but refers to something that does not exist or is not allowed there. */
  UNPROCESSABLE: 422,
  /** Rollback to a revision the object's history does not have. */
  UNKNOWN_REVISION: 422,
  /** Cluster registration: the kubeconfig's API server cannot be reached. */
  CLUSTER_UNREACHABLE: 422,
  /** Cluster registration: the kubeconfig's credentials are rejected or may not set KubeNova up. */
  CLUSTER_UNAUTHORIZED: 422,
  /** Cluster registration: the cluster answered, but setting up KubeNova's agent failed. */
  CLUSTER_SETUP_FAILED: 422,
  /** issue-kubeconfig: the grant's cluster has no capsule-proxy endpoint registered; kubeconfigs
   *  are only issued for capsule-proxy, never for the API server. */
  PROXY_NOT_CONFIGURED: 409,
  /** A quota update would set hard below what a cluster reports used (platform admins may force it). */
  QUOTA_BELOW_USED: 409,
  /** A new project would exceed its tenant's namespace quota on a cluster (from the counts held). */
  NAMESPACE_QUOTA_EXCEEDED: 422,
  /** Key rotation: the keyring file is unusable as it is; the keys in force stay. */
  KEYRING_INVALID: 422,
  /** Request headers over Node's size limit. */
  HEADERS_TOO_LARGE: 431,
  /** Too many open event streams, of this subject or in all: retry after `Retry-After` seconds. */
  TOO_MANY_STREAMS: 429,
  INTERNAL: 500,
  NOT_IMPLEMENTED: 501,
  UNAVAILABLE: 503,
  /** The store's database (PostgreSQL) cannot be reached right now: retry later. */
  STORE_UNAVAILABLE: 503,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

/** One problem with one input: `field` says where (`body/spec/owners/0/kind`, `query/limit`,
 *  `path/name`, `header/if-match`), `reason` says why. Never contains the offending value.
 *  Messages and reasons may name an object by a name that passed the DNS-label pattern (it
 *  cannot carry markup or control text); any other client text is never quoted back. */
export interface ErrorDetail {
  field: string;
  reason: string;
}

export interface ErrorBody {
  code: ErrorCode;
  message: string;
  details: ErrorDetail[];
}

export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: ErrorDetail[] = [],
    /** Sent as `Retry-After` (a 429). */
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
  }

  get status(): number {
    return ERROR_STATUS[this.code];
  }

  toBody(): ErrorBody {
    return { code: this.code, message: this.message, details: this.details };
  }
}

export const validationFailed = (details: ErrorDetail[], message = 'request is invalid'): ApiError => new ApiError('VALIDATION_FAILED', message, details);

export const notFound = (kind: string, name: string): ApiError => new ApiError('NOT_FOUND', `${kind} "${name}" not found`);

/** Fastify's own errors, by code; their messages are replaced so that no input is echoed. */
const FASTIFY_ERRORS: Record<string, [ErrorCode, string]> = {
  FST_ERR_CTP_INVALID_JSON_BODY: ['MALFORMED_JSON', 'request body is not valid JSON'],
  FST_ERR_CTP_EMPTY_JSON_BODY: ['MALFORMED_JSON', 'request body is empty but its content type is application/json'],
  FST_ERR_CTP_INVALID_MEDIA_TYPE: ['UNSUPPORTED_MEDIA_TYPE', 'request body must be application/json'],
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: ['VALIDATION_FAILED', 'content-length does not match the body'],
  FST_ERR_CTP_BODY_TOO_LARGE: ['PAYLOAD_TOO_LARGE', 'request body is too large'],
  FST_ERR_BAD_URL: ['VALIDATION_FAILED', 'the URL is not valid (bad percent-encoding)'],
  FST_ERR_NOT_FOUND: ['NOT_FOUND', 'no such route'],
};

/** Fastify's names for request parts, as they appear in `details[].field`. */
const PARTS: Record<string, string> = { body: 'body', querystring: 'query', params: 'path', headers: 'header' };

const STORE_ERRORS: Record<StoreError['code'], ErrorCode> = {
  ALREADY_EXISTS: 'ALREADY_EXISTS',
  NOT_FOUND: 'NOT_FOUND',
  CONFLICT: 'CONFLICT',
  INVALID_ARGUMENT: 'VALIDATION_FAILED',
};

/** A schema-validation error as TypeBox reports it (ajv's shape). */
export interface SchemaError {
  keyword: string;
  instancePath: string;
  params: Record<string, unknown>;
  message?: string;
}

const MAX_DETAILS = 50;

/** Schema errors as details: one per field and reason, unknown and missing fields named.
 *  `part` is where the input came from (body, query, path, header). */
export function detailsFromSchemaErrors(errors: readonly SchemaError[], part: string): ErrorDetail[] {
  const seen = new Set<string>();
  const details: ErrorDetail[] = [];
  const add = (pointer: string, reason: string) => {
    // Keys in the pointer (unknown fields, map keys) come from the client: each one is shown
    // only if plain, and the whole is bounded.
    const safe = safePointer(pointer);
    const field = `${part}${safe.length > 256 ? `${safe.slice(0, 256)}…` : safe}`;
    const key = `${field}\0${reason}`;
    if (seen.has(key) || details.length >= MAX_DETAILS) return;
    seen.add(key);
    details.push({ field, reason });
  };
  for (const e of errors) {
    const names = (k: string) => (Array.isArray(e.params[k]) ? (e.params[k] as unknown[]).map(String) : []);
    switch (e.keyword) {
      case 'additionalProperties':
        for (const n of names('additionalProperties')) add(`${e.instancePath}/${escapeToken(n)}`, 'unknown field');
        break;
      case 'required':
        for (const n of names('requiredProperties')) add(`${e.instancePath}/${escapeToken(n)}`, 'is required');
        break;
      case 'boolean':
      case 'propertyNames':
        // Summaries of errors reported one by one as well: "schema is false" at each unknown
        // field, and the failing pattern of each bad key.
        break;
      case 'pattern':
        add(e.instancePath, PATTERN_REASONS.get(String(e.params.pattern)) ?? e.message ?? 'fails its pattern');
        break;
      default:
        add(e.instancePath, e.message ?? `fails ${e.keyword}`);
    }
  }
  return details;
}

/** Keys shown as they are in a detail's `field`: names a schema or Kubernetes would accept
 *  (label keys with their `/` prefix included). Any other key is the client's free text and
 *  shows as `*`: a field is echoed to the client, so it never carries markup or control text. */
const PLAIN_KEY = /^[A-Za-z0-9._:@$/-]{1,64}$/;

const escapeToken = (key: string): string => key.replace(/~/g, '~0').replace(/\//g, '~1');

/** A client-given key as a JSON-pointer token: itself if plain, else `*`. */
export const pointerToken = (key: string): string => (PLAIN_KEY.test(key) ? escapeToken(key) : '*');

/** A JSON pointer with every token passed through pointerToken. */
function safePointer(pointer: string): string {
  if (pointer === '') return '';
  return pointer
    .split('/')
    .slice(1)
    .map((t) => `/${pointerToken(t.replace(/~1/g, '/').replace(/~0/g, '~'))}`)
    .join('');
}

/** Anything thrown while serving a request, as an ApiError. Unknown errors become INTERNAL with
 *  a generic message: their text may carry internals and is only logged. */
/** The HTTP face of the engine's domain failures. */
const DOMAIN_ERRORS: Record<DomainFailure, ErrorCode> = {
  unprocessable: 'UNPROCESSABLE',
  'proxy-not-configured': 'PROXY_NOT_CONFIGURED',
  'cluster-unavailable': 'UNAVAILABLE',
};

export function toApiError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  if (err instanceof DomainError) return new ApiError(DOMAIN_ERRORS[err.failure], err.message);
  if (err instanceof StoreError) return new ApiError(STORE_ERRORS[err.code], err.message);
  if (err instanceof StoreUnavailableError) return new ApiError('STORE_UNAVAILABLE', err.message);
  if (err instanceof AuthenticationError) {
    return new ApiError('UNAUTHENTICATED', err.message, [{ field: 'header/authorization', reason: err.reason }]);
  }
  if (err instanceof SigningKeysUnavailableError) {
    return new ApiError('UNAVAILABLE', 'token signing keys cannot be fetched; retry later');
  }
  const schemaErrors = (err as { validation?: unknown } | null)?.validation;
  if (Array.isArray(schemaErrors)) {
    const part = String((err as { validationContext?: string }).validationContext ?? 'body');
    return validationFailed(detailsFromSchemaErrors(schemaErrors as SchemaError[], PARTS[part] ?? part));
  }
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && Object.hasOwn(FASTIFY_ERRORS, code)) {
    const [apiCode, message] = FASTIFY_ERRORS[code]!;
    return new ApiError(apiCode, message);
  }
  const status = (err as { statusCode?: unknown } | null)?.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    // Some other client error from Fastify or a plugin: keep it a client error.
    return new ApiError('VALIDATION_FAILED', 'request is invalid');
  }
  return new ApiError('INTERNAL', 'internal error; the request id identifies it in the server log');
}
