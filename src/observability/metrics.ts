// Prometheus metrics. Each server gets its own registry (tests build many servers); the names
// are the seed's and stay stable: dashboards and alerts depend on them.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

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
  /** Keys waiting in a controller's work queue. */
  queueDepth: Gauge<'kind'>;
  /** Reconciles running now. */
  activeWorkers: Gauge<'kind'>;
  /** Reconciles that failed and were queued again with back-off. */
  retriesTotal: Counter<'kind'>;
  /** Projected objects changed by someone else and re-applied (see countDriftRepair). */
  driftRepairsTotal: Counter<'kind' | 'adapter'>;
  /** Work shards whose lease this replica holds (orchestrator/shards.ts). */
  shardsOwned: Gauge;
  /** Reconciles stopped because their shard's lease was lost or handed over (a fenced write
   *  refused, or aborted in flight). */
  reconcilesFencedTotal: Counter<'kind'>;
  /** A tenant's quota on one cluster, per resource (orchestrator/usage-tracker.ts). Bounded by
   *  tenants × their clusters × quota'd resources (at most 5: namespaces, pods, requests.cpu,
   *  requests.memory, requests.storage); series of a tenant leaving a cluster are removed. */
  tenantQuotaHard: Gauge<'tenant' | 'cluster' | 'resource'>;
  /** What the tenant uses of that quota, as the cluster reports it. */
  tenantQuotaUsed: Gauge<'tenant' | 'cluster' | 'resource'>;
}

/** One drift repair of a projected object of `kind` through `adapter` (no-op without metrics). */
export function countDriftRepair(metrics: Metrics | undefined, labels: { kind: string; adapter: string }): void {
  metrics?.driftRepairsTotal.inc(labels);
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
    queueDepth: new Gauge({
      name: 'kubenova_workqueue_depth',
      help: 'Keys waiting in the work queue, by object kind.',
      labelNames: ['kind'],
      registers: [registry],
    }),
    activeWorkers: new Gauge({
      name: 'kubenova_active_workers',
      help: 'Reconciles in progress, by object kind.',
      labelNames: ['kind'],
      registers: [registry],
    }),
    retriesTotal: new Counter({
      name: 'kubenova_workqueue_retries_total',
      help: 'Reconciles queued again with back-off after a failure, by object kind.',
      labelNames: ['kind'],
      registers: [registry],
    }),
    driftRepairsTotal: new Counter({
      name: 'kubenova_drift_repairs_total',
      help: 'Projected objects found changed by another writer and re-applied, by object kind and adapter.',
      labelNames: ['kind', 'adapter'],
      registers: [registry],
    }),
    shardsOwned: new Gauge({
      name: 'kubenova_shards_owned',
      help: 'Work shards whose lease this replica holds.',
      registers: [registry],
    }),
    reconcilesFencedTotal: new Counter({
      name: 'kubenova_reconciles_fenced_total',
      help: "Reconciles stopped because their shard's lease was lost or handed over, by object kind.",
      labelNames: ['kind'],
      registers: [registry],
    }),
    tenantQuotaHard: new Gauge({
      name: 'kubenova_tenant_quota_hard',
      help: "A tenant's quota on a cluster, by tenant, cluster and resource (cpu in cores, memory and storage in bytes).",
      labelNames: ['tenant', 'cluster', 'resource'],
      registers: [registry],
    }),
    tenantQuotaUsed: new Gauge({
      name: 'kubenova_tenant_quota_used',
      help: 'What a tenant uses of its quota on a cluster, as the cluster reports it, by tenant, cluster and resource.',
      labelNames: ['tenant', 'cluster', 'resource'],
      registers: [registry],
    }),
  };
}
