// Traces and correlation: a server span per API request; the reconcile a write causes runs in
// the same trace (child of, and linked to, the request's span) and in a log context carrying the
// write's request id, tenant and adapter; reconcile failures become Warning events with it.
import { Writable } from 'node:stream';
import { SpanKind } from '@opentelemetry/api';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createEventRecorder, type EventRecorder } from '../../src/observability/events.js';
import { createMetrics, type Metrics } from '../../src/observability/metrics.js';
import { createLogger } from '../../src/observability/logger.js';
import { tracingRequested } from '../../src/observability/tracing.js';
import type { ReconcileRequest } from '../../src/orchestrator/manager/controller.js';
import { startRuntime, type Runtime } from '../../src/orchestrator/manager/manager.js';
import { inMemorySpans, parentOf, spansOfTrace } from '../support/tracing.js';
import { ADMIN, json, openTestStore, startHarness, type Harness } from './support/harness.js';
import { uniq } from './support/world.js';

const exporter = inMemorySpans();
let h: Harness;
let runtime: Runtime;
const runtimeLogs: string[] = [];
const failing = new Set<string>();
let events: EventRecorder;
let runtimeMetrics: Metrics;

beforeAll(async () => {
  const { store } = await openTestStore();
  const logger = createLogger({
    level: 'debug',
    destination: new Writable({
      write(chunk, _e, cb) {
        runtimeLogs.push(String(chunk));
        cb();
      },
    }),
  });
  const metrics = (runtimeMetrics = createMetrics({ processMetrics: false }));
  // One recorder for the server and the runtime, as main.ts has it.
  events = createEventRecorder({ store, logger, metrics });
  h = await startHarness({ store, events });
  runtime = startRuntime({
    store: h.store,
    logger,
    metrics,
    events,
    reconcilers: [
      {
        kind: 'Tenant',
        adapter: 'capsule',
        backoff: { baseDelayMs: 60_000, maxDelayMs: 60_000 },
        reconciler: {
          async reconcile(req: ReconcileRequest) {
            const name = req.key.slice('Tenant/'.length);
            if (failing.has(name)) return { type: 'retry', error: new Error(`cluster c1 unreachable for ${name}`) };
            const obj = await h.store.objects.get('Tenant', name);
            if (obj && obj.status.phase !== 'Deployed') await h.store.objects.updateStatus('Tenant', name, { ...obj.status, phase: 'Deployed' });
            return { type: 'done' };
          },
        },
      },
    ],
  });
});
afterAll(async () => {
  await runtime?.stop();
  events?.close();
  await h?.close();
  await h?.store.close();
});

describe('tracing', () => {
  it('is off unless an OTLP endpoint is configured', () => {
    expect(tracingRequested({})).toBe(false);
    expect(tracingRequested({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318' })).toBe(true);
    expect(tracingRequested({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://127.0.0.1:4318/v1/traces' })).toBe(true);
    expect(tracingRequested({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://x', OTEL_TRACES_EXPORTER: 'none' })).toBe(false);
    expect(tracingRequested({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://x', OTEL_SDK_DISABLED: 'true' })).toBe(false);
  });

  it('a POST /api/v1/tenants trace holds the server span and the reconcile it caused', async () => {
    const name = uniq('tr');
    const res = await h.call(ADMIN, 'POST', '/api/v1/tenants', { name, spec: {} }, { 'x-request-id': `trace-${name}` });
    expect(res.statusCode).toBe(201);
    const correlationId = String(res.headers['x-correlation-id']);
    const server = await vi.waitFor(() => {
      const s = exporter.getFinishedSpans().find((x) => x.attributes['kubenova.request_id'] === correlationId);
      expect(s).toBeDefined();
      return s!;
    });
    expect(server.kind).toBe(SpanKind.SERVER);
    expect(server.name).toBe('POST /api/v1/tenants');
    expect(server.attributes).toMatchObject({
      'http.request.method': 'POST',
      'http.route': '/api/v1/tenants',
      'http.response.status_code': 201,
      'kubenova.client_request_id': `trace-${name}`,
    });
    const traceId = server.spanContext().traceId;
    const reconcile = await vi.waitFor(() => {
      const s = spansOfTrace(traceId).find((x) => x.name === 'reconcile Tenant' && parentOf(x) === server.spanContext().spanId);
      expect(s).toBeDefined();
      return s!;
    });
    expect(reconcile.attributes).toMatchObject({ 'kubenova.key': `Tenant/${name}`, 'kubenova.correlation_id': correlationId, 'kubenova.result': 'done' });
    expect(reconcile.links.map((l) => l.context.spanId)).toEqual([server.spanContext().spanId]);
    // The reconcile's own status write woke it once more: still the same trace, its child.
    await vi.waitFor(() => expect(spansOfTrace(traceId).filter((x) => x.name === 'reconcile Tenant').length).toBeGreaterThanOrEqual(2));
    const second = spansOfTrace(traceId).filter((x) => x.name === 'reconcile Tenant')[1]!;
    expect(parentOf(second)).toBe(reconcile.spanContext().spanId);
    // The Deployed transition it wrote is an event with the original correlation id.
    await vi.waitFor(async () => {
      const page = json<{ items: Array<{ reason: string; correlationId?: string }> }>(await h.call(ADMIN, 'GET', `/api/v1/events?kind=Tenant&name=${name}`));
      expect(page.items.map((e) => [e.reason, e.correlationId])).toEqual([
        ['Created', correlationId],
        ['Deployed', correlationId],
      ]);
    });
  });

  it('reconcile log lines and failure events carry the request id, tenant and adapter', async () => {
    const name = uniq('fail');
    failing.add(name);
    const res = await h.call(ADMIN, 'POST', '/api/v1/tenants', { name, spec: {} }, { 'x-request-id': `fail-${name}` });
    const correlationId = String(res.headers['x-correlation-id']);
    const line = await vi.waitFor(() => {
      const found = runtimeLogs.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => String(l.msg).includes(`Tenant/${name}`));
      expect(found).toBeDefined();
      return found!;
    });
    expect(line).toMatchObject({ request_id: correlationId, tenant: name, adapter: 'capsule', level: 'warn' });
    await vi.waitFor(async () => {
      const page = json<{ items: Array<Record<string, unknown>> }>(await h.call(ADMIN, 'GET', `/api/v1/events?type=Warning&name=${name}`));
      expect(page.items).toEqual([
        expect.objectContaining({ reason: 'ReconcileFailed', kind: 'Tenant', tenant: name, correlationId, message: `cluster c1 unreachable for ${name}` }),
      ]);
    });
    const metrics = await runtimeMetrics.registry.metrics();
    expect(metrics).toMatch(/kubenova_reconcile_seconds_count\{kind="Tenant",adapter="capsule",result="retry"\} [1-9]/);
    expect(metrics).toMatch(/kubenova_workqueue_retries_total\{kind="Tenant"\} [1-9]/);
    expect(metrics).toMatch(/kubenova_active_workers\{kind="Tenant"\} \d/);
    expect(metrics).toMatch(/kubenova_workqueue_depth\{kind="Tenant"\} \d/);
  });
});
