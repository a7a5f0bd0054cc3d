import { readFileSync } from 'node:fs';
import { request } from 'node:https';

export interface TlsFiles {
  caFile: string;
  certFile?: string;
  keyFile?: string;
}

/**
 * A server certificate not to verify: only for health probes of components that serve
 * self-signed certificates (controller-manager, scheduler).
 */
export const UNVERIFIED = { insecure: true } as const;

/**
 * GET over HTTPS verified against our CA (optionally with a client cert); resolves with the
 * status code and body. Used for health probes, where pulling in a Kubernetes client is overkill.
 */
export function httpsGet(url: string, tls: TlsFiles | typeof UNVERIFIED, timeoutMs = 3_000): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: 'GET',
        ...('insecure' in tls
          ? { rejectUnauthorized: false }
          : {
              ca: readFileSync(tls.caFile),
              cert: tls.certFile ? readFileSync(tls.certFile) : undefined,
              key: tls.keyFile ? readFileSync(tls.keyFile) : undefined,
            }),
        timeout: timeoutMs,
        agent: false,
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('timeout', () => req.destroy(new Error(`GET ${url} timed out`)));
    req.on('error', reject);
    req.end();
  });
}
