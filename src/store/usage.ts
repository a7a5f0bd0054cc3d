// Tenant usage in the store: the figures each cluster last reported per tenant (so every replica
// and every API request reads them without asking a cluster), and samples over time for trends,
// kept for a bounded retention.
import type { ClusterUsage } from '../domain/usage.js';
import { toIsoString, type Sql } from './sql.js';

/** One row of current usage: what `source` on `cluster` reported for `tenant`. */
export interface UsageRow {
  tenant: string;
  cluster: string;
  source: string;
  usage: ClusterUsage;
  updatedAt: string;
}

export interface UsageSample {
  at: string;
  tenant: string;
  cluster: string;
  resource: string;
  hard: number;
  used: number;
}

export interface UsageStore {
  /** Replaces what `source` reports for the tenant on the cluster; `undefined` removes it. */
  put(tenant: string, cluster: string, source: string, usage: ClusterUsage | undefined): Promise<void>;
  /** Current rows of one tenant, or of all tenants when `tenant` is undefined. */
  current(tenant?: string): Promise<UsageRow[]>;
  addSamples(samples: readonly UsageSample[]): Promise<void>;
  /** Samples of a tenant at or after `since`, oldest first, at most `limit`. */
  history(tenant: string, since: string, limit: number): Promise<UsageSample[]>;
  /** Deletes samples older than `before`; returns how many. */
  prune(before: string): Promise<number>;
}

export class SqlUsageStore implements UsageStore {
  constructor(private readonly db: Sql) {}

  async put(tenant: string, cluster: string, source: string, usage: ClusterUsage | undefined): Promise<void> {
    if (!usage) {
      await this.db.query('DELETE FROM usage_current WHERE tenant = $1 AND cluster = $2 AND source = $3', [tenant, cluster, source]);
      return;
    }
    await this.db.query(
      `INSERT INTO usage_current (tenant, cluster, source, usage, updated_at) VALUES ($1, $2, $3, $4::jsonb, now())
       ON CONFLICT (tenant, cluster, source) DO UPDATE SET usage = EXCLUDED.usage, updated_at = EXCLUDED.updated_at`,
      [tenant, cluster, source, JSON.stringify(usage)],
    );
  }

  async current(tenant?: string): Promise<UsageRow[]> {
    const rows = await this.db.query<{ tenant: string; cluster: string; source: string; usage: ClusterUsage; updated_at: unknown }>(
      tenant === undefined
        ? 'SELECT * FROM usage_current ORDER BY tenant, cluster, source'
        : 'SELECT * FROM usage_current WHERE tenant = $1 ORDER BY cluster, source',
      tenant === undefined ? [] : [tenant],
    );
    return rows.map((r) => ({ tenant: r.tenant, cluster: r.cluster, source: r.source, usage: r.usage, updatedAt: toIsoString(r.updated_at) }));
  }

  async addSamples(samples: readonly UsageSample[]): Promise<void> {
    if (samples.length === 0) return;
    await this.db.query(
      `INSERT INTO usage_samples (at, tenant, cluster, resource, hard, used)
       SELECT * FROM unnest($1::timestamptz[], $2::text[], $3::text[], $4::text[], $5::float8[], $6::float8[])`,
      [
        samples.map((s) => s.at),
        samples.map((s) => s.tenant),
        samples.map((s) => s.cluster),
        samples.map((s) => s.resource),
        samples.map((s) => s.hard),
        samples.map((s) => s.used),
      ],
    );
  }

  async history(tenant: string, since: string, limit: number): Promise<UsageSample[]> {
    const rows = await this.db.query<{ at: unknown; tenant: string; cluster: string; resource: string; hard: number; used: number }>(
      'SELECT * FROM usage_samples WHERE tenant = $1 AND at >= $2 ORDER BY at, cluster, resource LIMIT $3',
      [tenant, since, limit],
    );
    return rows.map((r) => ({ at: toIsoString(r.at), tenant: r.tenant, cluster: r.cluster, resource: r.resource, hard: Number(r.hard), used: Number(r.used) }));
  }

  async prune(before: string): Promise<number> {
    const [row] = await this.db.query<{ n: number }>('WITH d AS (DELETE FROM usage_samples WHERE at < $1 RETURNING 1) SELECT count(*)::int AS n FROM d', [
      before,
    ]);
    return Number(row?.n ?? 0);
  }
}
