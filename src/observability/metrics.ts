// Prometheus metrics. Each server gets its own registry (tests build many servers); the names
// are the seed's and stay stable: dashboards and alerts depend on them.
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface Metrics {
  registry: Registry;
  /** Every API request, by route template (never the raw URL: bounded cardinality). */
  apiRequestSeconds: Histogram<'method' | 'route' | 'status_code'>;
  /** One reconcile of one object (orchestrator). */
  reconcileSeconds: Histogram<'kind' | 'adapter' | 'result'>;
  /** KubeNova events emitted, by object kind and event type (Normal/Warning). */
  eventsTotal: Counter<'kind' | 'type'>;
  /** Failed adapter calls, by adapter and operation (observe/apply/delete). */
  adapterErrorsTotal: Counter<'adapter' | 'operation'>;
  /** Projected objects put back after someone else changed or deleted them. */
  driftRepairsTotal: Counter<'kind' | 'adapter'>;
}

export function createMetrics(opts: { processMetrics?: boolean } = {}): Metrics {
  const registry = new Registry();
  if (opts.processMetrics ?? true) collectDefaultMetrics({ register: registry, prefix: 'kubenova_' });
  return {
    registry,
    apiRequestSeconds: new Histogram({
      name: 'kubenova_api_request_duration_seconds',
      help: 'API request duration in seconds, by method, route template and status code.',
      labelNames: ['method', 'route', 'status_code'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    reconcileSeconds: new Histogram({
      name: 'kubenova_reconcile_seconds',
      help: 'Duration of one reconcile in seconds, by object kind, adapter and result.',
      labelNames: ['kind', 'adapter', 'result'],
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers: [registry],
    }),
    eventsTotal: new Counter({
      name: 'kubenova_events_total',
      help: 'KubeNova events emitted, by object kind and event type.',
      labelNames: ['kind', 'type'],
      registers: [registry],
    }),
    adapterErrorsTotal: new Counter({
      name: 'kubenova_adapter_errors_total',
      help: 'Failed adapter operations, by adapter and operation.',
      labelNames: ['adapter', 'operation'],
      registers: [registry],
    }),
    driftRepairsTotal: new Counter({
      name: 'kubenova_drift_repairs_total',
      help: 'Projected objects repaired after drift, by intent kind and adapter.',
      labelNames: ['kind', 'adapter'],
      registers: [registry],
    }),
  };
}
