// HTTP to one kube-apiserver: credentials and TLS from a client-node KubeConfig, one keep-alive
// agent per cluster, a deadline per request, the caller's AbortSignal honoured, error answers
// and transport failures turned into KubeErrors, `Warning` headers collected, and line
// streaming for watches.
//
// Why not client-node's KubernetesObjectApi for the requests themselves (1.4.0): its per-call
// options do not reach the middleware chain (no AbortSignal per request), it turns timestamps
// into Date objects, and it hides the Status body and Warning headers behind a string. The
// KubeConfig does what it is good at: reading the kubeconfig and building the TLS/auth options.
import http from 'node:http';
import https from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';
import { inSpan, SpanKind } from '../../observability/tracing.js';
import { errorFromStatus, errorFromTransport } from './errors.js';
import { KubeError } from './types.js';

export type Query = Record<string, string | number | boolean | undefined>;

export interface RestCall {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Absolute API path (`/apis/apps/v1/namespaces/x/deployments`). */
  path: string;
  query?: Query;
  /** JSON-serialised unless it is a string. */
  body?: unknown;
  contentType?: string;
  /** `Accept` header; JSON by default. */
  accept?: string;
  signal?: AbortSignal;
  /** Deadline for the whole exchange; the client's default when omitted. */
  timeoutMs?: number;
}

export interface RestAnswer<T> {
  status: number;
  body: T;
  /** `Warning` headers (deprecations, Capsule's deprecated-field notices). */
  warnings: string[];
}

export const DEFAULT_TIMEOUT_MS = 30_000;
const USER_AGENT = 'kubenova';

/** The abort reason of a signal, as an Error. */
export function abortError(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  if (reason instanceof Error) return reason;
  const err = new Error(typeof reason === 'string' ? reason : 'aborted');
  err.name = 'AbortError';
  return err;
}

export class KubeRest {
  private constructor(
    readonly server: string,
    private readonly agent: http.Agent,
    private readonly headers: Record<string, string>,
    private readonly defaultTimeoutMs: number,
    /** The KubeNova cluster name, for trace attributes. */
    private readonly cluster: string | undefined,
  ) {}

  /** Reads credentials and TLS settings once: KubeNova only loads static credentials (embedded
   *  certificates or a token; see kubeconfig.ts), so they never need refreshing per request. */
  static async fromKubeConfig(kc: KubeConfig, opts: { timeoutMs?: number; cluster?: string } = {}): Promise<KubeRest> {
    const cluster = kc.getCurrentCluster();
    if (!cluster) throw new KubeError('Unknown', 'the kubeconfig has no current cluster');
    const o: https.RequestOptions & { headers?: Record<string, string> } = {};
    await kc.applyToHTTPSOptions(o);
    const headers: Record<string, string> = { 'user-agent': USER_AGENT };
    for (const [k, v] of Object.entries(o.headers ?? {})) headers[k.toLowerCase()] = String(v);
    if (o.auth) headers.authorization = `Basic ${Buffer.from(o.auth).toString('base64')}`;
    let agent = o.agent as http.Agent;
    if (!cluster.proxyUrl && cluster.server.startsWith('https:')) {
      // client-node's agent has no keep-alive: one TLS handshake per request. Same TLS options.
      agent = new https.Agent({
        ca: o.ca,
        cert: o.cert,
        key: o.key,
        pfx: o.pfx,
        passphrase: o.passphrase,
        rejectUnauthorized: o.rejectUnauthorized,
        servername: o.servername,
        keepAlive: true,
        maxSockets: 32,
      });
    }
    return new KubeRest(cluster.server.replace(/\/+$/, ''), agent, headers, opts.timeoutMs ?? DEFAULT_TIMEOUT_MS, opts.cluster);
  }

  /** The same connection pool and credentials, with extra headers on every request
   *  (`Impersonate-User`). */
  withHeaders(extra: Record<string, string>): KubeRest {
    const lower = Object.fromEntries(Object.entries(extra).map(([k, v]) => [k.toLowerCase(), v]));
    return new KubeRest(this.server, this.agent, { ...this.headers, ...lower }, this.defaultTimeoutMs, this.cluster);
  }

  /** One request; the parsed JSON answer (or text), or a KubeError. A client span each. */
  request<T = unknown>(call: RestCall): Promise<RestAnswer<T>> {
    const attributes = {
      'http.request.method': call.method,
      'url.path': call.path,
      'server.address': this.server,
      'kubenova.kube.resource': resourceOf(call.path),
      ...(this.cluster !== undefined && { 'kubenova.cluster': this.cluster }),
    };
    return inSpan(`kube ${call.method} ${resourceOf(call.path)}`, { kind: SpanKind.CLIENT, attributes }, async (span) => {
      try {
        const answer = await this.send<T>(call);
        span.setAttribute('http.response.status_code', answer.status);
        return answer;
      } catch (err) {
        if (err instanceof KubeError && err.status !== undefined) span.setAttribute('http.response.status_code', err.status);
        throw err;
      }
    });
  }

  private async send<T>(call: RestCall): Promise<RestAnswer<T>> {
    const res = await this.open(call);
    const text = await readAll(res.response)
      .catch((err: unknown) => {
        throw res.error() ?? err;
      })
      .finally(() => res.finish());
    const body = parseBody(text, res.response.headers['content-type']);
    const status = res.response.statusCode ?? 0;
    if (status < 200 || status > 299) throw errorFromStatus(status, body, `${call.method} ${call.path}`);
    return { status, body: body as T, warnings: warningsOf(res.response) };
  }

  /** A streaming GET (watch): calls `onLine` for each line until the server ends the stream
   *  (resolves) or the connection fails, the deadline passes or the caller aborts (rejects).
   *  `call.timeoutMs` caps the whole stream. */
  async stream(call: RestCall, onLine: (line: string) => void): Promise<void> {
    const res = await this.open(call);
    try {
      const status = res.response.statusCode ?? 0;
      if (status < 200 || status > 299) {
        const text = await readAll(res.response);
        throw errorFromStatus(status, parseBody(text, res.response.headers['content-type']), `${call.method} ${call.path}`);
      }
      await new Promise<void>((resolve, reject) => {
        let rest = '';
        res.response.setEncoding('utf8');
        res.response.on('data', (chunk: string) => {
          const parts = (rest + chunk).split('\n');
          rest = parts.pop() ?? '';
          for (const line of parts) if (line.trim() !== '') onLine(line);
        });
        res.response.on('end', () => {
          if (rest.trim() !== '') onLine(rest);
          resolve();
        });
        res.response.on('error', (err) => reject(res.error() ?? errorFromTransport(err, this.server)));
        res.response.on('close', () => {
          if (!res.response.complete) reject(res.error() ?? new KubeError('Unreachable', `${this.server}: the watch connection closed`));
        });
        res.failed.catch(reject);
      });
    } finally {
      res.finish();
    }
  }

  /** Closes idle keep-alive connections; in-flight requests fail. */
  close(): void {
    this.agent.destroy();
  }

  private urlOf(call: RestCall): URL {
    const url = new URL(this.server + call.path);
    for (const [k, v] of Object.entries(call.query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
    return url;
  }

  /** Sends the request and resolves once response headers arrived. `failed` rejects when the
   *  deadline passes or the caller aborts later on (while the body is being read). */
  private open(call: RestCall): Promise<{
    response: http.IncomingMessage;
    failed: Promise<never>;
    error(): Error | undefined;
    finish(): void;
  }> {
    const url = this.urlOf(call);
    const timeoutMs = call.timeoutMs ?? this.defaultTimeoutMs;
    const payload = call.body === undefined ? undefined : typeof call.body === 'string' ? call.body : JSON.stringify(call.body);
    const headers: Record<string, string> = { ...this.headers, accept: call.accept ?? 'application/json' };
    if (payload !== undefined) {
      headers['content-type'] = call.contentType ?? 'application/json';
      headers['content-length'] = String(Buffer.byteLength(payload));
    }
    const signal = call.signal;
    if (signal?.aborted) return Promise.reject(abortError(signal));

    return new Promise((resolve, reject) => {
      let failure: Error | undefined;
      let rejectFailed: (err: Error) => void = () => {};
      const failed = new Promise<never>((_, rej) => (rejectFailed = rej));
      failed.catch(() => {});
      let settled = false;
      const onAbort = () => fail(abortError(signal!));
      const finish = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
      };
      // Node refuses some requests before any I/O (an unsupported protocol, a header value with
      // a newline): that is an error of this call, answered now, with no timer left behind.
      let req: http.ClientRequest;
      try {
        const transport = url.protocol === 'http:' ? http : https;
        req = transport.request(url, { method: call.method, agent: this.agent, headers }, (response) => {
          if (settled) return void response.resume();
          settled = true;
          resolve({ response, failed, error: () => failure, finish });
        });
      } catch (err) {
        reject(new KubeError('Unknown', `cannot send ${call.method} ${call.path}: ${requestRefusal(err)}`));
        return;
      }
      function fail(err: Error) {
        if (failure) return;
        failure = err;
        rejectFailed(err);
        if (!settled) {
          settled = true;
          reject(err);
        }
        req.destroy();
      }
      const timer = setTimeout(
        () =>
          fail(new KubeError('Unreachable', `cannot reach ${this.server}: no answer within ${Math.round(timeoutMs / 1000)}s (${call.method} ${call.path})`)),
        timeoutMs,
      );
      timer.unref?.();
      req.on('error', (err) => {
        finish();
        fail(failure ?? errorFromTransport(err, this.server));
      });
      signal?.addEventListener('abort', onAbort, { once: true });
      req.end(payload);
    });
  }
}

/** Why Node refused to start a request, in KubeNova's words (never the offending value). */
function requestRefusal(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  if (code === 'ERR_INVALID_PROTOCOL') return 'the server URL has a protocol other than https';
  if (code === 'ERR_INVALID_CHAR' || code === 'ERR_INVALID_HTTP_TOKEN') return 'a credential or header holds characters not allowed in HTTP headers';
  if (code === 'ERR_UNESCAPED_CHARACTERS') return 'the request path holds characters not allowed in a URL';
  return 'the request could not be formed';
}

/** The resource a path names, without object names (bounded span names):
 *  `/apis/capsule.clastix.io/v1beta2/tenants/acme` → `capsule.clastix.io/v1beta2 tenants`. */
export function resourceOf(path: string): string {
  const parts = path.split('?', 1)[0]!.split('/').filter(Boolean);
  const [root, ...rest] = parts;
  const groupVersion = root === 'api' ? rest.splice(0, 1) : root === 'apis' ? [rest.splice(0, 2).join('/')] : [];
  if (rest[0] === 'namespaces' && rest.length > 2) rest.splice(0, 2);
  return [...groupVersion, rest[0] ?? ''].join(' ').trim() || path;
}

function readAll(res: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    res.on('data', (c: Buffer) => chunks.push(c));
    res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    res.on('error', reject);
    res.on('close', () => {
      if (!res.complete) reject(new KubeError('Unreachable', 'connection closed before the answer was complete'));
    });
  });
}

function parseBody(text: string, contentType: string | undefined): unknown {
  if (text === '') return undefined;
  if (contentType?.includes('json') || /^\s*[{[]/.test(text)) {
    try {
      return JSON.parse(text);
    } catch {
      return text;
    }
  }
  return text;
}

function warningsOf(res: http.IncomingMessage): string[] {
  // Node joins repeated Warning headers into one string.
  const raw = res.headers.warning;
  const all = raw === undefined ? [] : [raw];
  // RFC 7234 form: `299 - "text"`.
  return all.map((w) => /^\d{3} \S+ "(.*)"$/.exec(w)?.[1] ?? w);
}
