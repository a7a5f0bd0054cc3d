// `kubenova usage tenant <name>`: a tenant's quotas per cluster and in total, as a table with a
// bar per row (or the API's answer as JSON/YAML).
import type { UsageFigure } from '../../domain/usage.js';
import type { CliContext } from '../context.js';
import { formatData, parseOutputFormat, renderTable } from '../output.js';

interface TenantUsage {
  tenant: string;
  clusters: Record<string, Record<string, UsageFigure>>;
  total: Record<string, UsageFigure>;
  quotaPressure?: string;
}

const BAR_WIDTH = 20;

/** `fraction` as a bar of BAR_WIDTH cells (`█` used, `·` free) and a percentage; past 100 % the
 *  bar is full and the percentage says how far. */
export function usageBar(fraction: number): string {
  const f = Number.isFinite(fraction) ? Math.max(0, fraction) : 0;
  const filled = Math.min(BAR_WIDTH, Math.round(f * BAR_WIDTH));
  return `${'█'.repeat(filled)}${'·'.repeat(BAR_WIDTH - filled)} ${Math.round(f * 100)}%`;
}

export function usageTable(u: TenantUsage): string {
  const rows: string[][] = [];
  const add = (cluster: string, figures: Record<string, UsageFigure>) => {
    for (const [resource, f] of Object.entries(figures)) rows.push([cluster, resource, f.used, f.hard, usageBar(f.fraction)]);
  };
  for (const [cluster, figures] of Object.entries(u.clusters)) add(cluster, figures);
  if (Object.keys(u.clusters).length > 1) add('(total)', u.total);
  const table = rows.length > 0 ? renderTable(['CLUSTER', 'RESOURCE', 'USED', 'HARD', 'USAGE'], rows) : `No usage reported for tenant ${u.tenant} yet.\n`;
  return u.quotaPressure ? `${table}QuotaPressure: ${u.quotaPressure}\n` : table;
}

export async function tenantUsage(ctx: CliContext, name: string, opts: { output?: string }): Promise<void> {
  const format = opts.output === undefined ? 'table' : parseOutputFormat(opts.output);
  const client = await ctx.client();
  const { body } = await client.get<TenantUsage>(`/tenants/${encodeURIComponent(name)}/usage`);
  if (format === 'json' || format === 'yaml') {
    ctx.io.out(formatData(body, format));
    return;
  }
  ctx.io.out(usageTable(body));
}
