// Is the cluster's capsule-proxy reachable where tenants will be sent? An HTTPS request to its
// URL, verified with the CA registered for it (the system CAs when none was given), counts as
// reachable when the proxy answers at all: without a token it answers 403, which is fine.
import https from 'node:https';

export interface ProxyEndpoint {
  url: string;
  /** Base64 PEM bundle. */
  caData?: string;
}

export function probeCapsuleProxy(
  endpoint: ProxyEndpoint,
  opts: { timeoutMs?: number; signal?: AbortSignal } = {},
): Promise<{ reachable: boolean; message?: string }> {
  const timeoutMs = opts.timeoutMs ?? 5_000;
  return new Promise((resolve) => {
    let url: URL;
    try {
      url = new URL('/version', endpoint.url);
    } catch {
      return resolve({ reachable: false, message: 'the capsule-proxy URL is not a URL' });
    }
    const req = https.get(
      url,
      {
        ca: endpoint.caData ? Buffer.from(endpoint.caData, 'base64') : undefined,
        timeout: timeoutMs,
        signal: opts.signal,
        headers: { 'user-agent': 'kubenova' },
      },
      (res) => {
        res.resume();
        resolve({ reachable: true, message: `answered HTTP ${res.statusCode}` });
      },
    );
    req.on('timeout', () => req.destroy(Object.assign(new Error(`no answer within ${timeoutMs / 1000}s`), { code: 'ETIMEDOUT' })));
    req.on('error', (err: Error & { code?: string }) =>
      resolve({ reachable: false, message: `${endpoint.url}: ${err.message}${err.code && !err.message.includes(err.code) ? ` (${err.code})` : ''}` }),
    );
  });
}
