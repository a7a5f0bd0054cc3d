// Turns what a cluster answered (or why it did not answer) into a KubeError: the one place that
// knows HTTP codes, metav1.Status bodies, admission denial messages and socket error codes.
// Pure functions, tested with tables (test/adapters/kube/errors.test.ts).
import { KubeError, type KubeErrorReason } from './types.js';

/** The parts of a `metav1.Status` body KubeNova reads. */
export interface StatusBody {
  kind?: string;
  code?: number;
  reason?: string;
  message?: string;
}

// kube-apiserver, webhook admission (staging/.../admission/plugin/webhook/errors/statuserror.go):
//   admission webhook "<name>" denied the request: <message>   (or "... denied the request without explanation")
const WEBHOOK_DENIAL = /admission webhook "([^"]+)" denied the request(?::\s*([\s\S]*)| without explanation)?/;
// ValidatingAdmissionPolicy (staging/.../admission/plugin/policy/validating/dispatcher.go):
//   ValidatingAdmissionPolicy '<policy>' [with binding '<binding>'] denied request: <message>
const POLICY_DENIAL = /ValidatingAdmissionPolicy '([^']+)'(?: with binding '[^']*')? denied request:\s*([\s\S]*)/;

/** The webhook or policy that refused a write and its own words, from an API server message. */
export function parseAdmissionDenial(message: string): { webhook: string; message: string } | undefined {
  const webhook = WEBHOOK_DENIAL.exec(message);
  if (webhook) return { webhook: webhook[1]!, message: (webhook[2] ?? '').trim() || 'denied without explanation' };
  const policy = POLICY_DENIAL.exec(message);
  if (policy) return { webhook: policy[1]!, message: policy[2]!.trim() };
  return undefined;
}

function asStatus(body: unknown): StatusBody | undefined {
  if (!body || typeof body !== 'object') return undefined;
  const b = body as Record<string, unknown>;
  if (b.kind !== 'Status') return undefined;
  return {
    kind: typeof b.kind === 'string' ? b.kind : undefined,
    code: typeof b.code === 'number' ? b.code : undefined,
    reason: typeof b.reason === 'string' ? b.reason : undefined,
    message: typeof b.message === 'string' ? b.message : undefined,
  };
}

const BY_STATUS: Record<number, KubeErrorReason> = {
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'NotFound',
  409: 'Conflict',
  422: 'Invalid',
};

/**
 * The KubeError for an HTTP error answer. `body` is the parsed JSON (a metav1.Status) or the raw
 * text; `what` names the request (`GET /api/v1/namespaces/x`). Only a Status's message is
 * relayed: anything else a server says (an error page, another service's JSON) is not, so a
 * registration pointed at some other service cannot be used to read what that service answers.
 * Admission denials are recognised by their message whatever the code (Capsule answers 403
 * mostly, 400 and 500 on some paths; ValidatingAdmissionPolicy 422 or 403).
 */
export function errorFromStatus(httpStatus: number, body: unknown, what: string): KubeError {
  const status = asStatus(body);
  const message = status?.message ?? `${what}: HTTP ${httpStatus}${body === undefined ? '' : ' (the answer is not a Kubernetes Status)'}`;
  const admission = parseAdmissionDenial(message);
  if (admission) return new KubeError('AdmissionDenied', message, httpStatus, admission);
  return new KubeError(BY_STATUS[httpStatus] ?? 'Unknown', message, httpStatus);
}

// Node's socket and TLS error codes that mean "no usable connection to the server".
const CONNECTION_CODES: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  EPIPE: 'connection closed',
  ETIMEDOUT: 'connection timed out',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  EHOSTDOWN: 'host down',
  ENOTFOUND: 'host name not found (DNS)',
  EAI_AGAIN: 'DNS lookup failed (temporary)',
  EADDRNOTAVAIL: 'address not available',
  ECONNABORTED: 'connection aborted',
  UND_ERR_SOCKET: 'socket error',
  EPROTO: 'TLS protocol error',
};

/** TLS verification failures: the server answered, but not with a certificate we trust. */
const TLS_CODE = /^(CERT_|UNABLE_TO_|DEPTH_ZERO_|SELF_SIGNED_|ERR_TLS_|ERR_SSL_|HOSTNAME_MISMATCH|ERR_OSSL)/;

/** Whether an error thrown by the HTTP layer means the server could not be reached at all. */
export function isConnectionError(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && (code in CONNECTION_CODES || TLS_CODE.test(code));
}

/** The Unreachable KubeError for a transport failure (socket, DNS, TLS, timeout) talking to `server`. */
export function errorFromTransport(err: unknown, server: string): KubeError {
  const e = err as { code?: unknown } | null;
  const code = typeof e?.code === 'string' ? e.code : undefined;
  let why: string;
  if (code && code in CONNECTION_CODES) why = `${CONNECTION_CODES[code]} (${code})`;
  else if (code && TLS_CODE.test(code)) why = `TLS verification failed (${code}); check the certificate-authority data`;
  else why = code ? `transport error (${code})` : 'transport error';
  return new KubeError('Unreachable', `cannot reach ${server}: ${why}`);
}

export function isKubeError(err: unknown, ...reasons: KubeErrorReason[]): err is KubeError {
  return err instanceof KubeError && (reasons.length === 0 || reasons.includes(err.reason));
}
