// Tenant usage kept fresh from the cluster watches the tenancy reconcilers already hold: each
// watch event that reports usage (usageReport) is written to the store shortly after (coalesced),
// the metrics follow, and the tenant's warning levels are checked: crossing one sets the tenant's
// QuotaPressure condition and records an event, falling back clears both. Samples of the current
// usage go to the store periodically and older ones are pruned. No cluster is ever listed for it.
import { randomUUID } from 'node:crypto';
import { usageReport, type UsageReport } from '../../adapters/capsule/usage.js';
import type { KubeObject } from '../../adapters/kube/types.js';
import type { Condition, Resource } from '../../domain/resource.js';
import {
  DEFAULT_WARNING_LEVELS,
  describePressure,
  pressureChanges,
  pressureCondition,
  pressures,
  pressuresFromMessage,
  QUOTA_PRESSURE,
  quantityValue,
  onPlacedClusters,
  tenantUsageView,
  usageByCluster,
  type ClusterUsage,
} from '../../domain/usage.js';
import type { EventRecorder } from '../../observability/events.js';
import type { Logger } from '../../observability/logger.js';
import type { Metrics } from '../../observability/metrics.js';
import type { UsageSample } from '../../store/usage.js';
import { StoreError, type Store } from '../../store/types.js';
import { condition } from '../projection/phases.js';

export interface UsageOptions {
  /** How long reports are coalesced before they are written (default 500 ms). */
  flushDelayMs?: number;
  /** How often the current usage is sampled into the store (default 5 min). */
  sampleIntervalMs?: number;
  /** How long samples are kept (default 30 days). */
  retentionMs?: number;
  /** How often the warning levels of tenants under pressure (or whose condition just changed) are
   *  checked again, whatever changed (default 60 s): a condition another status write lost (the
   *  reconciler writing from an older read) is set right again. */
  recheckIntervalMs?: number;
}

export const USAGE_DEFAULTS: Required<UsageOptions> = {
  flushDelayMs: 500,
  sampleIntervalMs: 5 * 60_000,
  retentionMs: 30 * 24 * 3_600_000,
  recheckIntervalMs: 60_000,
};

interface TrackerServices {
  store: Store;
  logger: Logger;
  metrics?: Metrics;
  events?: EventRecorder;
}

const pendingKey = (tenant: string, cluster: string, source: string) => JSON.stringify([tenant, cluster, source]);

export class UsageTracker {
  private readonly opts: Required<UsageOptions>;
  private readonly pending = new Map<string, ClusterUsage | undefined>();
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> = Promise.resolve();
  private readonly intervals: NodeJS.Timeout[] = [];
  /** Metric series set, per tenant: `cluster\0resource`, to remove those that went. */
  private readonly series = new Map<string, Set<string>>();
  private closed = false;
  /** Tenants to check again at the next recheck: under pressure, or whose condition changed
   *  recently (until when). Healthy, unchanged tenants cost nothing between their reports. */
  private readonly attention = new Map<string, number>();

  constructor(
    private readonly services: TrackerServices,
    opts: UsageOptions = {},
  ) {
    this.opts = { ...USAGE_DEFAULTS, ...opts };
    this.intervals.push(setInterval(() => void this.sample(), this.opts.sampleIntervalMs).unref());
    this.intervals.push(setInterval(() => void this.recheckAll(), this.opts.recheckIntervalMs).unref());
  }

  /** A watch event from `cluster` (any kind: those reporting no usage are ignored). */
  observe(cluster: string, type: 'ADDED' | 'MODIFIED' | 'DELETED', obj: KubeObject): void {
    if (this.closed) return;
    const report: UsageReport | undefined = usageReport(obj);
    if (!report) return;
    this.pending.set(pendingKey(report.tenant, cluster, report.source), type === 'DELETED' ? undefined : report.usage);
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      void this.flush();
    }, this.opts.flushDelayMs);
  }

  /** Writes what was reported since the last flush, then checks the tenants concerned. */
  flush(): Promise<void> {
    this.flushing = this.flushing.then(async () => {
      const batch = [...this.pending];
      this.pending.clear();
      const tenants = new Set<string>();
      for (const [key, usage] of batch) {
        const [tenant, cluster, source] = JSON.parse(key) as [string, string, string];
        tenants.add(tenant);
        try {
          await this.services.store.usage.put(tenant, cluster, source, usage);
        } catch (err) {
          this.services.logger.warn({ err, tenant, cluster }, 'storing tenant usage failed');
        }
      }
      for (const tenant of tenants) await this.check(tenant);
    });
    return this.flushing;
  }

  /** Metrics and warning levels of one tenant from the usage stored. */
  async check(tenant: string, correlationId: string = `usage-${randomUUID()}`): Promise<void> {
    try {
      const obj = await this.services.store.objects.get<{ quotaWarnings?: number[] }>('Tenant', tenant);
      const rows = obj ? onPlacedClusters(await this.services.store.usage.current(tenant), obj.status) : [];
      const byCluster = usageByCluster(rows);
      this.updateMetrics(tenant, byCluster);
      if (!obj || obj.deletionTimestamp) return;
      await this.updatePressure(obj, tenantUsageView(byCluster), correlationId);
    } catch (err) {
      this.services.logger.warn({ err, tenant }, 'checking tenant usage failed');
    }
  }

  private updateMetrics(tenant: string, byCluster: Record<string, ClusterUsage>): void {
    const m = this.services.metrics;
    if (!m) return;
    const now = new Set<string>();
    for (const [cluster, u] of Object.entries(byCluster)) {
      for (const [resource, r] of Object.entries(u.resources)) {
        const labels = { tenant, cluster, resource };
        const hard = quantityValue(r.hard);
        const used = quantityValue(r.used);
        if (Number.isFinite(hard)) m.tenantQuotaHard.set(labels, hard);
        if (Number.isFinite(used)) m.tenantQuotaUsed.set(labels, used);
        now.add(`${cluster}\u0000${resource}`);
      }
    }
    for (const gone of this.series.get(tenant) ?? []) {
      if (now.has(gone)) continue;
      const [cluster, resource] = gone.split('\u0000') as [string, string];
      m.tenantQuotaHard.remove({ tenant, cluster, resource });
      m.tenantQuotaUsed.remove({ tenant, cluster, resource });
    }
    if (now.size > 0) this.series.set(tenant, now);
    else this.series.delete(tenant);
  }

  /** Sets or clears QuotaPressure when the levels crossed differ from what the condition says;
   *  an event per level entered or left. Retries a concurrent status write. */
  private async updatePressure(obj: Resource<{ quotaWarnings?: number[] }>, view: ReturnType<typeof tenantUsageView>, correlationId: string): Promise<void> {
    const levels = obj.spec.quotaWarnings ?? DEFAULT_WARNING_LEVELS;
    for (let attempt = 0; attempt < 3; attempt++) {
      const previousCondition = obj.status.conditions.find((c) => c.type === QUOTA_PRESSURE);
      const before = previousCondition?.status === 'True' ? pressuresFromMessage(previousCondition.message) : [];
      const after = pressures(view, levels, before);
      const wanted = pressureCondition(after);
      if (after.length > 0) this.attention.set(obj.name, Number.POSITIVE_INFINITY);
      // The condition changes when a level is entered or left, not with every pod: the message
      // keeps the fraction seen when the levels last changed.
      const { raised, cleared } = pressureChanges(before, after);
      if (previousCondition && previousCondition.status === wanted.status && raised.length === 0 && cleared.length === 0) return;
      // No pressure and never any: nothing to say.
      if (!previousCondition && after.length === 0) return;
      const now = new Date().toISOString();
      const next: Condition = condition(wanted.type, wanted.status, wanted.reason, wanted.message, obj.status.conditions, now);
      const status = { ...obj.status, conditions: [...obj.status.conditions.filter((c) => c.type !== QUOTA_PRESSURE), next] };
      try {
        await this.services.store.objects.updateStatus('Tenant', obj.name, status, { expectedVersion: obj.resourceVersion, correlationId });
      } catch (err) {
        if (err instanceof StoreError && err.code === 'CONFLICT') {
          const fresh = await this.services.store.objects.get<{ quotaWarnings?: number[] }>('Tenant', obj.name);
          if (!fresh || fresh.deletionTimestamp) return;
          obj = fresh;
          continue;
        }
        throw err;
      }
      // Checked again for a while: a reconcile that read the status before this write may undo it.
      if (after.length === 0) this.attention.set(obj.name, Date.now() + 2 * this.opts.recheckIntervalMs);
      for (const p of raised) {
        await this.services.events?.record({
          type: 'Warning',
          reason: 'QuotaPressure',
          message: describePressure(p),
          kind: 'Tenant',
          name: obj.name,
          tenant: obj.name,
          cluster: p.cluster,
          correlationId,
        });
      }
      for (const p of cleared) {
        await this.services.events?.record({
          type: 'Normal',
          reason: 'QuotaPressureCleared',
          message: `${p.resource} on cluster ${p.cluster} fell below its ${Math.round(p.level * 100)} % warning level`,
          kind: 'Tenant',
          name: obj.name,
          tenant: obj.name,
          cluster: p.cluster,
          correlationId,
        });
      }
      return;
    }
  }

  /** Checks the tenants that need attention again (see `attention`). */
  async recheckAll(): Promise<void> {
    if (this.closed) return;
    const now = Date.now();
    for (const [tenant, until] of [...this.attention]) {
      if (until < now) {
        this.attention.delete(tenant);
        continue;
      }
      // Under pressure: dropped here, put back by the check while the pressure lasts.
      if (until === Number.POSITIVE_INFINITY) this.attention.delete(tenant);
      await this.check(tenant);
    }
  }

  /** One sample per tenant, cluster and resource of the current usage; prunes expired ones. */
  async sample(at: Date = new Date()): Promise<void> {
    if (this.closed) return;
    try {
      const rows = await this.services.store.usage.current();
      const samples: UsageSample[] = [];
      for (const r of rows) {
        for (const [resource, u] of Object.entries(r.usage.resources)) {
          const hard = quantityValue(u.hard);
          const used = quantityValue(u.used);
          if (Number.isFinite(hard) && Number.isFinite(used))
            samples.push({ at: at.toISOString(), tenant: r.tenant, cluster: r.cluster, resource, hard, used });
        }
      }
      await this.services.store.usage.addSamples(samples);
      await this.services.store.usage.prune(new Date(at.getTime() - this.opts.retentionMs).toISOString());
    } catch (err) {
      this.services.logger.warn({ err }, 'sampling tenant usage failed');
    }
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    for (const i of this.intervals) clearInterval(i);
  }
}
