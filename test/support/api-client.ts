// Calls to a running server's API over HTTP (test/api uses in-process injection instead).

export interface ApiResponse {
  status: number;
  headers: Headers;
  /** The JSON body; {} when there is none. */
  body: Record<string, unknown>;
}

/** `call(baseUrl, method, '/tenants', body?, headers?)` against `<baseUrl>/api/v1`, with `token`. */
export function apiClient(token: string) {
  return async (base: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<ApiResponse> => {
    const res = await fetch(`${base}/api/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body !== undefined && { 'content-type': 'application/json' }), ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, headers: res.headers, body: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>) };
  };
}
