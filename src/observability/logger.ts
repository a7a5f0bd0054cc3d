// The process logger: pino JSON lines carrying the log context (request_id, tenant, cluster,
// adapter) and never a secret: credentials are redacted wherever they could appear.
import { pino, stdSerializers, stdTimeFunctions, type DestinationStream, type Logger } from 'pino';
import { currentLogContext } from './context.js';

export type { Logger } from 'pino';

/** Paths censored in every log line. Request bodies and headers are never logged whole; these
 *  catch a credential passed along by mistake. */
export const REDACTED_PATHS = [
  'authorization',
  'headers.authorization',
  'req.headers.authorization',
  'request.headers.authorization',
  'token',
  '*.token',
  'kubeconfig',
  '*.kubeconfig',
  '*.*.kubeconfig',
  'secret',
  '*.secret',
  'password',
  '*.password',
];

export interface LoggerOptions {
  level?: string;
  /** Where lines go; stdout by default (tests pass a capturing stream). */
  destination?: DestinationStream;
}

export function createLogger(opts: LoggerOptions = {}): Logger {
  return pino(
    {
      level: opts.level ?? 'info',
      base: { service: 'kubenova' },
      timestamp: stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths: REDACTED_PATHS, censor: '[REDACTED]' },
      serializers: { err: stdSerializers.err },
      mixin() {
        const ctx = currentLogContext();
        if (!ctx) return {};
        return { request_id: ctx.requestId, client_request_id: ctx.clientRequestId, tenant: ctx.tenant, cluster: ctx.cluster, adapter: ctx.adapter };
      },
    },
    opts.destination,
  );
}
