// OpenTelemetry traces. Code everywhere uses the API (@opentelemetry/api): without a registered
// provider every span is a no-op costing next to nothing. `startTracing` registers the SDK with
// an OTLP/HTTP exporter only when the standard environment asks for one (an OTLP endpoint is
// set, OTEL_TRACES_EXPORTER is not `none`, OTEL_SDK_DISABLED is not `true`); the exporter reads
// the other OTEL_EXPORTER_OTLP_* variables itself. Tests register an in-memory exporter instead.
//
// A reconcile continues the trace of the write that caused it: the store puts the writer's
// traceparent on its change event, the work queue keeps it with the key (latest write wins),
// and the reconcile span is a child of that span (plus a link, which survives trace sampling
// decisions of backends that cut long traces).
import {
  context,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  TraceFlags,
  type Attributes,
  type Context,
  type Link,
  type Span,
  type Tracer,
} from '@opentelemetry/api';

export { SpanKind, SpanStatusCode, context, trace, type Span };

export function tracer(): Tracer {
  return trace.getTracer('kubenova');
}

/** The W3C traceparent of the active span, if there is a recording one. */
export function currentTraceparent(): string | undefined {
  const span = trace.getActiveSpan();
  const sc = span?.spanContext();
  if (!sc || !span!.isRecording() || !trace.isSpanContextValid(sc)) return undefined;
  return `00-${sc.traceId}-${sc.spanId}-0${(sc.traceFlags & TraceFlags.SAMPLED).toString(16)}`;
}

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

/** A remote parent context from a traceparent (ours, from a change event), or undefined. */
export function contextOf(traceparent: string | undefined): Context | undefined {
  const m = traceparent === undefined ? null : TRACEPARENT.exec(traceparent);
  if (!m) return undefined;
  const sc = { traceId: m[1]!, spanId: m[2]!, traceFlags: parseInt(m[3]!, 16), isRemote: true };
  return trace.isSpanContextValid(sc) ? trace.setSpanContext(ROOT_CONTEXT, sc) : undefined;
}

/** Runs `fn` in a new span (child of `parent`, else of the active context); the span ends when
 *  `fn` settles, with an error status if it throws. */
export async function inSpan<T>(
  name: string,
  opts: { kind?: SpanKind; attributes?: Attributes; parent?: Context; links?: Link[] },
  fn: (span: Span) => Promise<T>,
): Promise<T> {
  const parent = opts.parent ?? context.active();
  const span = tracer().startSpan(name, { kind: opts.kind ?? SpanKind.INTERNAL, attributes: opts.attributes, links: opts.links }, parent);
  try {
    return await context.with(trace.setSpan(parent, span), () => fn(span));
  } catch (err) {
    span.recordException(err as Error);
    span.setStatus({ code: SpanStatusCode.ERROR, message: (err as Error)?.message });
    throw err;
  } finally {
    span.end();
  }
}

/** Whether the environment asks for an exporter (see the head of this file). */
export function tracingRequested(env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.OTEL_SDK_DISABLED?.toLowerCase() === 'true') return false;
  const exporters = (env.OTEL_TRACES_EXPORTER ?? 'otlp').split(',').map((s) => s.trim().toLowerCase());
  if (!exporters.includes('otlp')) return false;
  return Boolean(env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT || env.OTEL_EXPORTER_OTLP_ENDPOINT);
}

/** Registers the SDK with an OTLP exporter when requested; returns its shutdown (flushes), or
 *  undefined when tracing stays off. Loaded lazily: without tracing the SDK is never imported. */
export async function startTracing(env: NodeJS.ProcessEnv = process.env): Promise<(() => Promise<void>) | undefined> {
  if (!tracingRequested(env)) return undefined;
  const [{ NodeTracerProvider, BatchSpanProcessor }, { OTLPTraceExporter }, { resourceFromAttributes }] = await Promise.all([
    import('@opentelemetry/sdk-trace-node'),
    import('@opentelemetry/exporter-trace-otlp-http'),
    import('@opentelemetry/resources'),
  ]);
  const provider = new NodeTracerProvider({
    // OTEL_SERVICE_NAME / OTEL_RESOURCE_ATTRIBUTES still apply (the SDK merges its env detector).
    resource: resourceFromAttributes({ 'service.name': env.OTEL_SERVICE_NAME ?? 'kubenova' }),
    spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter())],
  });
  provider.register();
  return () => provider.shutdown();
}
