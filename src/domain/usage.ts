// Tenant usage against quotas, whatever reports it: per-cluster hard and used of each quota'd
// resource (ResourceQuota names: `namespaces`, `pods`, `requests.cpu`, ...), the fractions, the
// tenant's totals, warning levels crossed (with hysteresis) and showback prices. Pure: no I/O.

/** One resource on one cluster: the quantities as the cluster wrote them and their values. */
export interface ResourceUsage {
  /** Kubernetes quantity strings, as reported (`4`, `500m`, `8Gi`). */
  hard: string;
  used: string;
}

/** What one cluster reports for one tenant: resource name → usage; per namespace, what is used. */
export interface ClusterUsage {
  resources: Record<string, ResourceUsage>;
  /** Used per namespace (project) of the tenant, for the resources of `resources`. */
  namespaces?: Record<string, Record<string, string>>;
}

/** A resource's figures in an answer: quantities, numeric values and the fraction used. */
export interface UsageFigure {
  hard: string;
  used: string;
  hardValue: number;
  usedValue: number;
  /** used / hard; 1 when hard is 0 and something is used, 0 when nothing is. */
  fraction: number;
}

/** A tenant's quota fields and the ResourceQuota resource each limits on every cluster. */
export const QUOTA_RESOURCES = {
  namespaces: 'namespaces',
  pods: 'pods',
  cpu: 'requests.cpu',
  memory: 'requests.memory',
  storage: 'requests.storage',
} as const;

/** Default warning levels of a tenant (its spec's `quotaWarnings` overrides them). */
export const DEFAULT_WARNING_LEVELS: readonly number[] = [0.8, 0.95];

/** A level stays crossed until the fraction falls this far below it, so usage hovering at the
 *  level does not flap the condition (and write an event) on every pod. */
export const HYSTERESIS = 0.05;

/** The condition a tenant's status carries while some resource is at or above a warning level. */
export const QUOTA_PRESSURE = 'QuotaPressure';

const SUFFIX: Record<string, number> = {
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  '': 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};
const QUANTITY = /^([+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E)?$/;

/**
 * A Kubernetes quantity as a number (`500m` → 0.5, `1Gi` → 1073741824). Written here rather than
 * taken from @kubernetes/client-node, whose `quantityToScalar` throws on decimals with a suffix
 * (`1.5Gi`) and returns bigints; usage figures need plain numbers. NaN for anything else.
 */
export function quantityValue(q: string): number {
  const m = QUANTITY.exec(q.trim());
  if (!m) return Number.NaN;
  return Number(m[1]) * SUFFIX[m[2] ?? '']!;
}

export function fractionOf(hard: number, used: number): number {
  if (!(hard > 0)) return used > 0 ? 1 : 0;
  return used / hard;
}

export function figure(u: ResourceUsage): UsageFigure {
  const hardValue = quantityValue(u.hard);
  const usedValue = quantityValue(u.used);
  return { hard: u.hard, used: u.used, hardValue, usedValue, fraction: round(fractionOf(hardValue, usedValue)) };
}

const round = (n: number) => Math.round(n * 1e6) / 1e6;

/** A value written back as a quantity: plain decimal, at most 3 decimals (milli precision). */
export function formatQuantity(value: number): string {
  return String(Math.round(value * 1000) / 1000);
}

/** Merges what several sources report for one tenant into one ClusterUsage per cluster. */
export function usageByCluster(rows: readonly { cluster: string; usage: ClusterUsage }[]): Record<string, ClusterUsage> {
  const out: Record<string, ClusterUsage> = {};
  for (const r of rows) {
    const u = (out[r.cluster] ??= { resources: {}, namespaces: {} });
    Object.assign(u.resources, r.usage.resources);
    for (const [ns, used] of Object.entries(r.usage.namespaces ?? {})) u.namespaces![ns] = { ...u.namespaces![ns], ...used };
  }
  return out;
}

/** Rows of the clusters a tenant is on now (its status names them): reports a cluster made
 *  before it was unregistered or left the tenant's placement are not shown. */
export function onPlacedClusters<R extends { cluster: string }>(rows: readonly R[], placed: { clusters?: Record<string, unknown> }): R[] {
  const clusters = placed.clusters ?? {};
  return rows.filter((r) => Object.hasOwn(clusters, r.cluster));
}

export interface TenantUsageView {
  clusters: Record<string, Record<string, UsageFigure>>;
  /** Per resource, the sums over the clusters (hard and used summed separately). */
  total: Record<string, UsageFigure>;
}

/** A tenant's figures per cluster and its totals over the clusters. */
export function tenantUsageView(byCluster: Record<string, ClusterUsage>): TenantUsageView {
  const clusters: TenantUsageView['clusters'] = {};
  const sums = new Map<string, { hard: number; used: number }>();
  for (const cluster of Object.keys(byCluster).sort()) {
    const figures: Record<string, UsageFigure> = {};
    for (const [resource, u] of Object.entries(byCluster[cluster]!.resources).sort(([a], [b]) => a.localeCompare(b))) {
      const f = figure(u);
      figures[resource] = f;
      const s = sums.get(resource) ?? { hard: 0, used: 0 };
      if (Number.isFinite(f.hardValue)) s.hard += f.hardValue;
      if (Number.isFinite(f.usedValue)) s.used += f.usedValue;
      sums.set(resource, s);
    }
    clusters[cluster] = figures;
  }
  const total: Record<string, UsageFigure> = {};
  for (const [resource, s] of [...sums].sort(([a], [b]) => a.localeCompare(b))) {
    total[resource] = {
      hard: formatQuantity(s.hard),
      used: formatQuantity(s.used),
      hardValue: s.hard,
      usedValue: s.used,
      fraction: round(fractionOf(s.hard, s.used)),
    };
  }
  return { clusters, total };
}

/** What one namespace (project) uses on each cluster, as figures against nothing (no own hard). */
export function namespaceUsageView(
  byCluster: Record<string, ClusterUsage>,
  namespace: string,
): Record<string, Record<string, { used: string; usedValue: number }>> {
  const out: Record<string, Record<string, { used: string; usedValue: number }>> = {};
  for (const cluster of Object.keys(byCluster).sort()) {
    const used = byCluster[cluster]!.namespaces?.[namespace];
    if (!used) continue;
    out[cluster] = Object.fromEntries(Object.entries(used).map(([r, q]) => [r, { used: q, usedValue: quantityValue(q) }]));
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Warning levels

/** A warning level crossed by one resource on one cluster. */
export interface Pressure {
  cluster: string;
  resource: string;
  /** The highest level crossed. */
  level: number;
  fraction: number;
}

const pressureKey = (p: { cluster: string; resource: string }) => `${p.cluster}\u0000${p.resource}`;

/** Problems of a list of warning levels (empty when valid): each in (0, 1], strictly increasing. */
export function warningLevelProblems(levels: readonly number[]): string[] {
  const problems: string[] = [];
  levels.forEach((l, i) => {
    if (!(l > 0 && l <= 1)) problems.push(`level ${i} must be a fraction above 0 and at most 1 (0.8 is 80 %)`);
    else if (i > 0 && !(l > levels[i - 1]!)) problems.push(`level ${i} must be above level ${i - 1} (levels are listed in increasing order)`);
  });
  return problems;
}

/**
 * The levels crossed now, given those crossed before: a level is entered when the fraction reaches
 * it and left only when the fraction falls below it by HYSTERESIS. One entry per cluster and
 * resource, with the highest level that holds; sorted by cluster, then resource.
 */
export function pressures(view: TenantUsageView, levels: readonly number[], previous: readonly Pressure[]): Pressure[] {
  const before = new Map(previous.map((p) => [pressureKey(p), p.level]));
  const out: Pressure[] = [];
  for (const [cluster, figures] of Object.entries(view.clusters)) {
    for (const [resource, f] of Object.entries(figures)) {
      if (!(f.hardValue >= 0) || !Number.isFinite(f.usedValue)) continue;
      const was = before.get(pressureKey({ cluster, resource }));
      const held = [...levels].reverse().find((l) => f.fraction >= l || (was !== undefined && l <= was && f.fraction >= l - HYSTERESIS));
      if (held !== undefined) out.push({ cluster, resource, level: held, fraction: f.fraction });
    }
  }
  return out.sort((a, b) => a.cluster.localeCompare(b.cluster) || a.resource.localeCompare(b.resource));
}

/** Levels entered or left between two evaluations: what deserves an event. */
export function pressureChanges(before: readonly Pressure[], after: readonly Pressure[]): { raised: Pressure[]; cleared: Pressure[] } {
  const was = new Map(before.map((p) => [pressureKey(p), p]));
  const now = new Map(after.map((p) => [pressureKey(p), p]));
  return {
    raised: after.filter((p) => (was.get(pressureKey(p))?.level ?? -1) < p.level),
    cleared: before.filter((p) => !now.has(pressureKey(p)) || now.get(pressureKey(p))!.level < p.level),
  };
}

const percent = (f: number) => `${Math.round(f * 1000) / 10} %`;

export function describePressure(p: Pressure): string {
  return `${p.resource} on cluster ${p.cluster} at ${percent(p.fraction)} of its quota (warning level ${percent(p.level)})`;
}

/** The QuotaPressure condition for the pressures that hold (status, reason, message). */
export function pressureCondition(current: readonly Pressure[]): { type: string; status: 'True' | 'False'; reason: string; message: string } {
  if (current.length === 0) return { type: QUOTA_PRESSURE, status: 'False', reason: 'BelowWarningLevels', message: 'every quota is below its warning levels' };
  return { type: QUOTA_PRESSURE, status: 'True', reason: 'WarningLevelReached', message: current.map(describePressure).join('; ') };
}

/** The pressures a QuotaPressure condition message names (so they survive a restart). */
export function pressuresFromMessage(message: string | undefined): Pressure[] {
  if (!message) return [];
  const out: Pressure[] = [];
  for (const m of message.matchAll(/(\S+) on cluster (\S+) at ([\d.]+) % of its quota \(warning level ([\d.]+) %\)/g)) {
    out.push({ resource: m[1]!, cluster: m[2]!, fraction: Number(m[3]) / 100, level: Number(m[4]) / 100 });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Showback

/** Unit prices per hour: per cpu core requested, per GiB of memory requested, per GiB of storage
 *  requested. */
export interface UnitPrices {
  cpu: number;
  memoryGiB: number;
  storageGiB: number;
}

export interface PriceTable {
  default: UnitPrices;
  clusters?: Record<string, Partial<UnitPrices>>;
}

export const ZERO_PRICES: PriceTable = { default: { cpu: 0, memoryGiB: 0, storageGiB: 0 } };

export function pricesFor(table: PriceTable, cluster: string): UnitPrices {
  return { ...table.default, ...table.clusters?.[cluster] };
}

/** One tenant's showback line on one cluster: what it requests now and what that costs per hour. */
export interface ShowbackLine {
  tenant: string;
  cluster: string;
  cpuCores: number;
  memoryGiB: number;
  storageGiB: number;
  costPerHour: number;
}

const GiB = 2 ** 30;
const usedOf = (u: ClusterUsage, resource: string) => {
  const q = u.resources[resource]?.used;
  const v = q === undefined ? 0 : quantityValue(q);
  return Number.isFinite(v) ? v : 0;
};
const money = (n: number) => Math.round(n * 1e6) / 1e6;

/** Showback per tenant and cluster, priced by the cluster's unit prices (requests, not limits). */
export function showbackLine(tenant: string, cluster: string, usage: ClusterUsage, prices: UnitPrices): ShowbackLine {
  const cpuCores = usedOf(usage, 'requests.cpu');
  const memoryGiB = usedOf(usage, 'requests.memory') / GiB;
  const storageGiB = usedOf(usage, 'requests.storage') / GiB;
  return {
    tenant,
    cluster,
    cpuCores: money(cpuCores),
    memoryGiB: money(memoryGiB),
    storageGiB: money(storageGiB),
    costPerHour: money(cpuCores * prices.cpu + memoryGiB * prices.memoryGiB + storageGiB * prices.storageGiB),
  };
}

export interface ShowbackGroup {
  tenant: string;
  cpuCores: number;
  memoryGiB: number;
  storageGiB: number;
  costPerHour: number;
  clusters: ShowbackLine[];
}

/** Lines grouped by tenant, with sums; sorted by tenant. */
export function showbackByTenant(lines: readonly ShowbackLine[]): ShowbackGroup[] {
  const groups = new Map<string, ShowbackGroup>();
  for (const l of [...lines].sort((a, b) => a.tenant.localeCompare(b.tenant) || a.cluster.localeCompare(b.cluster))) {
    const g = groups.get(l.tenant) ?? { tenant: l.tenant, cpuCores: 0, memoryGiB: 0, storageGiB: 0, costPerHour: 0, clusters: [] };
    g.cpuCores = money(g.cpuCores + l.cpuCores);
    g.memoryGiB = money(g.memoryGiB + l.memoryGiB);
    g.storageGiB = money(g.storageGiB + l.storageGiB);
    g.costPerHour = money(g.costPerHour + l.costPerHour);
    g.clusters.push(l);
    groups.set(l.tenant, g);
  }
  return [...groups.values()];
}

const CSV_COLUMNS = ['tenant', 'cluster', 'cpuCores', 'memoryGiB', 'storageGiB', 'costPerHour'] as const;

/** Showback lines as CSV (RFC 4180), one line per tenant and cluster. Names are DNS labels, so no
 *  field ever needs quoting; numbers are plain decimals. */
export function showbackCsv(lines: readonly ShowbackLine[]): string {
  const rows = [CSV_COLUMNS.join(',')];
  for (const l of lines) rows.push(CSV_COLUMNS.map((c) => String(l[c])).join(','));
  return `${rows.join('\r\n')}\r\n`;
}
