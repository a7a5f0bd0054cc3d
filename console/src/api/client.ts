// The typed API client: paths, parameters and bodies from schema.d.ts, which is generated from the
// server's own /openapi.json (`npm run console:api`), so the console cannot drift from the API.
import createClient, { type Middleware } from 'openapi-fetch';
import { session } from '../session';
import type { paths } from './schema';

const bearer: Middleware = {
  onRequest({ request }) {
    const token = session.token();
    if (token) request.headers.set('authorization', `Bearer ${token}`);
    return request;
  },
  onResponse({ response }) {
    // A token that expired or was revoked: back to the sign-in page.
    if (response.status === 401) session.signOut();
    return response;
  },
};

export const api = createClient<paths>({ baseUrl: window.location.origin });
api.use(bearer);

/** The API's error body. */
export interface ApiProblem {
  status: number;
  code: string;
  message: string;
  details?: { field: string; reason: string }[];
}

/** The error of a failed call as the API's `{code, message, details}`, with the HTTP status. */
export function problemOf(error: unknown, response: Response): ApiProblem {
  const body = (error ?? {}) as Partial<ApiProblem>;
  return {
    status: response.status,
    code: body.code ?? `HTTP_${response.status}`,
    message: body.message ?? response.statusText,
    ...(body.details && { details: body.details }),
  };
}

/** Unwraps an openapi-fetch answer: its data, or a thrown ApiProblem. */
export async function ok<T>(call: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T> {
  const { data, error, response } = await call;
  if (!response.ok || data === undefined) throw problemOf(error, response);
  return data;
}

export const isProblem = (e: unknown): e is ApiProblem => typeof e === 'object' && e !== null && 'code' in e && 'status' in e;
