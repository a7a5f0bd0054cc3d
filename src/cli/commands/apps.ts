// Delivery custom methods: `rollout <app>` (GET /apps/{name}/rollout) and
// `rollback <app>` (POST /apps/{name}:rollback).
import type { CliContext } from '../context.js';
import { descriptorFor, methodPath, objectPath } from '../kinds.js';
import { formatAge, formatData, parseOutputFormat, renderTable } from '../output.js';

const apps = descriptorFor('App');

export async function rollout(ctx: CliContext, name: string, opts: { output?: string }): Promise<void> {
  const format = parseOutputFormat(opts.output);
  const client = await ctx.client();
  const { body } = await client.get<Record<string, unknown>>(`${objectPath(apps, name)}/rollout`);
  if (format === 'json' || format === 'yaml') {
    ctx.io.out(formatData(body, format));
    return;
  }
  if (format === 'name') {
    ctx.print(`app/${name}`);
    return;
  }
  ctx.io.out(formatRollout(name, body ?? {}, ctx.io.now()));
}

type Rec = Record<string, unknown>;

const scalar = (v: unknown): string | undefined => (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? String(v) : undefined);

function pick(o: Rec, ...keys: string[]): string | undefined {
  for (const k of keys) {
    const v = scalar(o[k]);
    if (v !== undefined) return v;
  }
  return undefined;
}

/** A human summary of a rollout: its scalar fields, then a table of revisions if present. */
export function formatRollout(name: string, body: Rec, now: Date): string {
  const lines = [`App: ${name}`];
  for (const [k, v] of Object.entries(body)) {
    const s = scalar(v);
    if (s !== undefined && k !== 'name') lines.push(`${k.charAt(0).toUpperCase()}${k.slice(1)}: ${s}`);
  }
  const revisions = Array.isArray(body.revisions) ? (body.revisions as unknown[]).filter((r): r is Rec => !!r && typeof r === 'object') : [];
  let out = lines.join('\n') + '\n';
  if (revisions.length > 0) {
    const current = pick(body, 'currentRevision', 'revision');
    const rows = revisions.map((r) => {
      const rev = pick(r, 'revision', 'name', 'id') ?? '?';
      return [
        rev === current || r.current === true ? `* ${rev}` : `  ${rev}`,
        pick(r, 'phase', 'status', 'state') ?? '<none>',
        pick(r, 'generation', 'appGeneration') ?? '<none>',
        formatAge(pick(r, 'createdAt', 'created', 'time'), now),
        pick(r, 'reason', 'message', 'note') ?? '',
      ];
    });
    out += '\n' + renderTable(['  REVISION', 'PHASE', 'GENERATION', 'AGE', 'REASON'], rows);
  }
  return out;
}

export interface RollbackOptions {
  revision?: string;
  reason?: string;
  output?: string;
}

export async function rollback(ctx: CliContext, name: string, opts: RollbackOptions): Promise<void> {
  const format = opts.output === undefined ? undefined : parseOutputFormat(opts.output);
  const client = await ctx.client();
  const body: Record<string, unknown> = {};
  if (opts.revision !== undefined) body.revision = opts.revision;
  if (opts.reason !== undefined) body.reason = opts.reason;
  const { body: result } = await client.request<Rec>('POST', methodPath(apps, name, 'rollback'), { body });
  if (format === 'json' || format === 'yaml') {
    ctx.io.out(formatData(result, format));
    return;
  }
  const target = (result && (pick(result, 'revision', 'targetRevision', 'toRevision') ?? pick((result.status as Rec) ?? {}, 'revision'))) ?? opts.revision;
  ctx.print(`app/${name} rolled back${target ? ` to revision ${target}` : ' to the previous revision'}`);
}
