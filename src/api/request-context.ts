// Per-request plumbing: the request ids (KubeNova's correlation id and the client's own, both
// echoed), the log context every log line of the request carries, the duration metric and one
// access-log line per request.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { runWithLogContext, type LogContext } from '../observability/context.js';
import type { Metrics } from '../observability/metrics.js';
import { acceptClientRequestId, REQUEST_ID_HEADER, requestIdHeaders } from '../observability/request-id.js';
import { context as otelContext, SpanKind, SpanStatusCode, trace, tracer, type Span } from '../observability/tracing.js';

const spans = new WeakMap<FastifyRequest, Span>();

export function registerRequestContext(app: FastifyInstance, metrics: Metrics): void {
  app.addHook('onRequest', (req, reply, done) => {
    const context: LogContext = { requestId: req.id };
    const clientRequestId = acceptClientRequestId(req.headers[REQUEST_ID_HEADER]);
    if (clientRequestId !== undefined) context.clientRequestId = clientRequestId;
    req.logContext = context;
    reply.headers(requestIdHeaders(req.id, req.headers[REQUEST_ID_HEADER]));
    // A server span per request (a no-op without a tracer provider); the store puts its
    // traceparent on change events, so the reconciles a write causes join its trace.
    const route = req.routeOptions.url ?? 'unmatched';
    const span = tracer().startSpan(`${req.method} ${route}`, {
      kind: SpanKind.SERVER,
      attributes: {
        'http.request.method': req.method,
        'http.route': route,
        'url.path': req.url.split('?', 1)[0],
        'client.address': req.ip,
        'kubenova.request_id': req.id,
        ...(clientRequestId !== undefined && { 'kubenova.client_request_id': clientRequestId }),
      },
    });
    spans.set(req, span);
    // Everything after this hook (other hooks, the handler, the store) runs in the context.
    otelContext.with(trace.setSpan(otelContext.active(), span), () => runWithLogContext(context, done));
  });

  app.addHook('onResponse', (req, reply, done) => {
    const route = req.routeOptions.url ?? 'unmatched';
    const seconds = reply.elapsedTime / 1000;
    const span = spans.get(req);
    if (span) {
      span.setAttribute('http.response.status_code', reply.statusCode);
      if (req.logContext?.tenant) span.setAttribute('kubenova.tenant', req.logContext.tenant);
      if (reply.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      span.end();
    }
    metrics.apiRequestSeconds.observe({ method: req.method, route, status_code: String(reply.statusCode) }, seconds);
    runWithLogContext(req.logContext ?? { requestId: req.id }, () => {
      // The path without the query: queries carry cursors and selectors, not worth a log line.
      req.log.info(
        {
          method: req.method,
          path: req.url.split('?', 1)[0],
          route,
          status: reply.statusCode,
          duration_ms: Math.round(reply.elapsedTime * 10) / 10,
          subject: req.caller?.principal.subject,
        },
        'request completed',
      );
    });
    done();
  });
}
