// A small HTTP client for the KubeNova REST API (`/api/v1`, JSON, bearer JWT) on global fetch.
// Non-2xx answers become ApiError with the server's `{code, message, details}`.
import { ApiError, CliError } from './errors.js';

export interface ApiResponse<T = unknown> {
  status: number;
  headers: Headers;
  body: T;
}

export interface RequestOptions {
  query?: Record<string, string | number | undefined>;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface Page<T> {
  items: T[];
  nextCursor?: string;
}

export const API_PREFIX = '/api/v1';

export class ApiClient {
  constructor(
    readonly server: string,
    private readonly token: string,
    private readonly fetchImpl: typeof fetch = fetch,
    private readonly userAgent = 'kubenova-cli',
  ) {}

  /** `path` is relative to `/api/v1` and must already be escaped (see `kinds.ts`). */
  async request<T = unknown>(method: string, path: string, opts: RequestOptions = {}): Promise<ApiResponse<T>> {
    const url = new URL(`${this.server}${API_PREFIX}${path}`);
    for (const [k, v] of Object.entries(opts.query ?? {})) {
      if (v !== undefined) url.searchParams.set(k, String(v));
    }
    const headers: Record<string, string> = {
      accept: 'application/json',
      authorization: `Bearer ${this.token}`,
      'user-agent': this.userAgent,
      ...opts.headers,
    };
    let body: string | undefined;
    if (opts.body !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(opts.body);
    }
    let res: Response;
    try {
      res = await this.fetchImpl(url, { method, headers, body });
    } catch (err) {
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      const why = cause?.code ?? cause?.message ?? (err as Error).message;
      throw new CliError(`cannot reach ${this.server}: ${why}`);
    }
    const text = await res.text();
    let parsed: unknown = undefined;
    if (text.length > 0) {
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = text;
      }
    }
    if (!res.ok) throw toApiError(res, parsed);
    return { status: res.status, headers: res.headers, body: parsed as T };
  }

  get<T = unknown>(path: string, query?: RequestOptions['query']): Promise<ApiResponse<T>> {
    return this.request<T>('GET', path, { query });
  }

  /** Lists one page of `limit`, or, without `limit`, every page (following `nextCursor`, pages
   *  of `pageSize`, default: the server's). */
  async list<T>(path: string, opts: { limit?: number; pageSize?: number; cursor?: string; labelSelector?: string }): Promise<Page<T>> {
    const items: T[] = [];
    let cursor = opts.cursor;
    const seen = new Set<string>();
    for (;;) {
      const { body } = await this.get<Page<T>>(path, {
        limit: opts.limit ?? opts.pageSize,
        cursor,
        labelSelector: opts.labelSelector,
      });
      if (!body || !Array.isArray(body.items)) throw new CliError(`unexpected list response from ${path}`);
      items.push(...body.items);
      if (opts.limit !== undefined) return { items, nextCursor: body.nextCursor };
      if (!body.nextCursor) return { items };
      if (seen.has(body.nextCursor)) throw new CliError(`server repeated cursor while listing ${path}`);
      seen.add(body.nextCursor);
      cursor = body.nextCursor;
    }
  }
}

function toApiError(res: Response, body: unknown): ApiError {
  // The server's own id of the request (what its log lines carry); older servers send only X-Request-Id.
  const requestId = res.headers.get('x-correlation-id') ?? res.headers.get('x-request-id') ?? undefined;
  if (body && typeof body === 'object' && typeof (body as { message?: unknown }).message === 'string') {
    const b = body as { code?: unknown; message: string; details?: unknown };
    const code = typeof b.code === 'string' ? b.code : `HTTP_${res.status}`;
    return new ApiError(res.status, code, b.message, b.details, requestId);
  }
  const message = typeof body === 'string' && body.length > 0 && body.length < 500 ? body : res.statusText || 'request failed';
  return new ApiError(res.status, `HTTP_${res.status}`, message, undefined, requestId);
}
