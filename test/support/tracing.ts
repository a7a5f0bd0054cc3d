// An in-memory span exporter registered as the process's tracer provider (once per test file:
// vitest isolates files), so tests can read the spans KubeNova made.
import { InMemorySpanExporter, NodeTracerProvider, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-node';

let exporter: InMemorySpanExporter | undefined;

export function inMemorySpans(): InMemorySpanExporter {
  if (!exporter) {
    exporter = new InMemorySpanExporter();
    new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }).register();
  }
  return exporter;
}

/** The finished spans of one trace. */
export const spansOfTrace = (traceId: string): ReadableSpan[] =>
  inMemorySpans()
    .getFinishedSpans()
    .filter((s) => s.spanContext().traceId === traceId);

export const parentOf = (span: ReadableSpan): string | undefined => span.parentSpanContext?.spanId;
