// Drift: a projected object that differs from what KubeNova applied, found by comparing ONLY the
// fields KubeNova sets (those in its applied configuration, i.e. what server-side apply records
// for the `kubenova` field manager). Fields others add (API-server, CRD and webhook defaults,
// labels Capsule stamps) never count. Pure functions; the I/O is in projection.ts.
import { createHash } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import { FIELD_MANAGER, type KubeObject } from '../../adapters/kube/types.js';

/** One field of one object that differs from the intent. `field` `*`: the object is gone. */
export interface DriftField {
  object: string;
  field: string;
  desired: unknown;
  live: unknown;
}

export const MISSING_FIELD = '*';

type Json = Record<string, unknown>;
type Segment = string | number;

const isMap = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** `spec.rules[0].quota`, `metadata.labels["example.io/key"]`. */
export function formatPath(path: readonly Segment[]): string {
  return path
    .map((s, i) => (typeof s === 'number' ? `[${s}]` : /^[A-Za-z_$][\w$]*$/.test(s) ? `${i === 0 ? '' : '.'}${s}` : `[${JSON.stringify(s)}]`))
    .join('');
}

/** Whether `live` holds everything `want` says: maps may have more keys (defaults), lists must
 *  have as many elements, each holding the wanted one (an extra element in a list is a change). */
function covers(want: unknown, live: unknown): boolean {
  if (isMap(want)) return isMap(live) && Object.entries(want).every(([k, v]) => covers(v, live[k]));
  if (Array.isArray(want)) return Array.isArray(live) && live.length === want.length && want.every((w, i) => covers(w, live[i]));
  return isDeepStrictEqual(want, live);
}

/** The parts of an object KubeNova writes: its labels and annotations, and everything else but
 *  the rest of its metadata (identity, not content) and its status (the cluster's). */
function content(obj: KubeObject): Json {
  const { apiVersion: _a, kind: _k, metadata, status: _s, ...rest } = obj;
  return { metadata: { ...(metadata.labels && { labels: metadata.labels }), ...(metadata.annotations && { annotations: metadata.annotations }) }, ...rest };
}

/** A digest of what drift compares (labels, annotations, everything but the rest of the metadata
 *  and the status): equal digests of one object mean only its status or bookkeeping changed. */
export const contentDigest = (obj: KubeObject): string =>
  createHash('sha256')
    .update(JSON.stringify(content(obj)))
    .digest('hex')
    .slice(0, 16);

const MAX_VALUE_CHARS = 240;

/** A value as shown in a status: long values are cut (the full ones are in the cluster). */
function shown(v: unknown): unknown {
  if (v === undefined) return null;
  const text = JSON.stringify(v);
  return text.length > MAX_VALUE_CHARS ? `${text.slice(0, MAX_VALUE_CHARS)}…` : v;
}

export const describeObject = (o: Pick<KubeObject, 'kind' | 'metadata'>) =>
  `${o.kind} ${o.metadata.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata.name}`;

/**
 * The fields of `desired` that `live` does not hold. With `expected` (the object as the server
 * would store `desired`: a dry-run apply), the wanted values are taken from it, so the server's
 * normalisations (quantities, defaults inside list elements) are not drift, and lists are
 * compared whole (server-side apply replaces atomic lists and keeps others' elements of keyed
 * ones, so an unchanged list is equal in both). Without it the comparison is by `covers`.
 * `live` undefined: the object is gone.
 */
export function ownedDiff(desired: KubeObject, live: KubeObject | undefined, expected?: KubeObject): DriftField[] {
  const object = describeObject(desired);
  if (!live || live.metadata.deletionTimestamp) return [{ object, field: MISSING_FIELD, desired: 'present', live: live ? 'being deleted' : 'absent' }];
  const out: DriftField[] = [];
  const want = expected ? content(expected) : undefined;
  const walk = (shape: unknown, exp: unknown, got: unknown, path: Segment[]) => {
    if (isMap(shape)) {
      if (isMap(exp) || exp === undefined || !expected) {
        for (const [k, v] of Object.entries(shape)) walk(v, isMap(exp) ? exp[k] : undefined, isMap(got) ? got[k] : undefined, [...path, k]);
        return;
      }
    }
    const wanted = expected ? exp : shape;
    const same = expected ? isDeepStrictEqual(exp, got) : covers(shape, got);
    if (!same) out.push({ object, field: formatPath(path), desired: shown(wanted), live: shown(got) });
  };
  walk(content(desired), want, content(live), []);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Who else writes a field: server-side apply's managedFields (fieldsV1: `f:<name>` for map keys,
// `k:{...}`/`v:...`/`i:<n>` for list elements).

/** Field segments as they appear in a DriftField path, parsed back. */
export function parsePath(field: string): Segment[] {
  const out: Segment[] = [];
  const re = /\.?([A-Za-z_$][\w$]*)|\[(\d+)\]|\[("(?:[^"\\]|\\.)*")\]/g;
  for (const m of field.matchAll(re)) {
    if (m[1] !== undefined) out.push(m[1]);
    else if (m[2] !== undefined) out.push(Number(m[2]));
    else out.push(JSON.parse(m[3]!) as string);
  }
  return out;
}

/** How deep `fields` (one manager's fieldsV1) reaches along `path`. List elements match any
 *  element entry (fieldsV1 keys them by value, not by position). */
function depthOwned(fields: unknown, path: readonly Segment[]): number {
  let node = fields;
  let depth = 0;
  for (const seg of path) {
    if (!isMap(node)) break;
    const next =
      typeof seg === 'number' ? Object.entries(node).find(([k]) => k.startsWith('k:') || k.startsWith('v:') || k.startsWith('i:'))?.[1] : node[`f:${seg}`];
    if (next === undefined) break;
    node = next;
    depth++;
  }
  return depth;
}

/**
 * The field manager other than KubeNova that last wrote `field` of `live` (the deepest owner of
 * its path; the newest one on a tie), or, if nobody owns any of it (the field was removed), the
 * newest other writer of the object. Undefined when only KubeNova wrote the object.
 */
export function otherWriter(live: KubeObject | undefined, field: string): { manager: string; operation?: string; time?: string } | undefined {
  const entries = (live?.metadata.managedFields ?? []).filter((m) => m.manager && m.manager !== FIELD_MANAGER);
  if (entries.length === 0) return undefined;
  const path = field === MISSING_FIELD ? [] : parsePath(field);
  const scored = entries.map((m) => ({ m, depth: depthOwned(m.fieldsV1, path), time: m.time ?? '' }));
  scored.sort((a, b) => b.depth - a.depth || b.time.localeCompare(a.time));
  const best = scored[0]!;
  if (best.depth === 0) {
    const newest = [...scored].sort((a, b) => b.time.localeCompare(a.time))[0]!;
    return { manager: newest.m.manager!, ...(newest.m.operation && { operation: newest.m.operation }), ...(newest.m.time && { time: newest.m.time }) };
  }
  return { manager: best.m.manager!, ...(best.m.operation && { operation: best.m.operation }), ...(best.m.time && { time: best.m.time }) };
}
