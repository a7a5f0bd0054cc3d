// Printers: human tables (default), `-o json`, `-o yaml` and `-o name`. Pure functions from
// objects to text; the commands decide where the text goes.
import YAML from 'yaml';
import { usageError } from './errors.js';
import type { ApiObject, KindDescriptor } from './kinds.js';

export const OUTPUT_FORMATS = ['table', 'json', 'yaml', 'name'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

export function parseOutputFormat(input: string | undefined): OutputFormat {
  if (input === undefined || input === '' || input === 'wide') return 'table';
  const f = input.toLowerCase();
  if ((OUTPUT_FORMATS as readonly string[]).includes(f)) return f as OutputFormat;
  throw usageError(`unknown output format "${input}"; use one of: json, yaml, name (default: table)`);
}

const NONE = '<none>';

/** kubectl-style age: 42s, 5m, 3h, 2d, 1y (two units while short: 2m30s, 3h10m, 5d4h). */
export function formatAge(from: string | undefined, now: Date): string {
  if (!from) return NONE;
  const t = Date.parse(from);
  if (Number.isNaN(t)) return NONE;
  let s = Math.max(0, Math.floor((now.getTime() - t) / 1000));
  if (s < 120) return `${s}s`;
  const m = Math.floor(s / 60);
  s %= 60;
  if (m < 10) return s ? `${m}m${s}s` : `${m}m`;
  if (m < 180) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 8) return m % 60 ? `${h}h${m % 60}m` : `${h}h`;
  if (h < 48) return `${h}h`;
  const d = Math.floor(h / 24);
  if (d < 8) return h % 24 ? `${d}d${h % 24}h` : `${d}d`;
  if (d < 365 * 2) return `${d}d`;
  return `${Math.floor(d / 365)}y`;
}

/** Time until `to`, for expiries: `in 59m`, or `expired 3m ago`. */
export function formatExpiry(to: Date, now: Date): string {
  if (to.getTime() <= now.getTime()) return `expired ${formatAge(to.toISOString(), now)} ago`;
  return `in ${formatAge(now.toISOString(), to)}`;
}

/** Left-aligned columns separated by three spaces, like kubectl. */
export function renderTable(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join('   ')
      .trimEnd();
  return [line(headers), ...rows.map(line)].join('\n') + '\n';
}

function generationCell(o: ApiObject): string {
  const g = o.generation;
  const og = o.status?.observedGeneration;
  if (g === undefined) return NONE;
  return `${g}/${og ?? 0}`;
}

function phaseCell(o: ApiObject): string {
  const phase = o.status?.phase ?? NONE;
  return o.deletionTimestamp ? `${phase} (Terminating)` : phase;
}

export function objectTable(d: KindDescriptor, objs: readonly ApiObject[], now: Date): string {
  const headers = ['NAME'];
  if (d.tenantScoped) headers.push('TENANT');
  headers.push('PHASE', ...d.columns.map((c) => c.header), 'GEN/OBSERVED', 'AGE');
  const rows = objs.map((o) => {
    const row = [o.name];
    if (d.tenantScoped) row.push(o.tenant ?? NONE);
    row.push(phaseCell(o), ...d.columns.map((c) => c.value(o) ?? NONE), generationCell(o), formatAge(o.createdAt, now));
    return row;
  });
  return renderTable(headers, rows);
}

// Field names whose string values are credentials. The API should never return them; this is
// the CLI's own guarantee that it never prints one.
const SECRET_KEYS = new Set(['kubeconfig', 'token', 'password', 'client-key-data', 'clientkeydata', 'privatekey', 'secret']);

export function redactSecrets<T>(value: T): T {
  if (Array.isArray(value)) return (value as unknown[]).map((v) => redactSecrets(v)) as T;
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      out[k] = typeof v === 'string' && SECRET_KEYS.has(k.toLowerCase()) ? '<redacted>' : redactSecrets(v);
    }
    return out as T;
  }
  return value;
}

/** JSON or YAML of any value (credentials redacted). */
export function formatData(value: unknown, format: 'json' | 'yaml'): string {
  const safe = redactSecrets(value);
  return format === 'json' ? JSON.stringify(safe, null, 2) + '\n' : YAML.stringify(safe);
}

export function objectRef(d: KindDescriptor, name: string): string {
  return `${d.singular}/${name}`;
}

/** One object (`get kind name`) or a list (`get kind`), in the chosen format. */
export function formatObjects(d: KindDescriptor, objs: readonly ApiObject[], format: OutputFormat, opts: { single: boolean; now: Date }): string {
  switch (format) {
    case 'json':
    case 'yaml':
      return formatData(opts.single ? objs[0] : { items: objs }, format);
    case 'name':
      return objs.map((o) => objectRef(d, o.name) + '\n').join('');
    case 'table':
      return objectTable(d, objs, opts.now);
  }
}
