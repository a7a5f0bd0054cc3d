// Append-only records beside the objects: KubeNova events and the audit log. Both are read in
// id order with keyset cursors (an id, bound to the table), so a reader never misses or repeats
// a row while others append; an SSE stream resumes from the same ids.
import { LocalBroadcast } from './changes.js';
import { isStorableText } from './text.js';
import { Params, toIsoString, type Row, type Sql } from './sql.js';
import {
  StoreError,
  type AuditLog,
  type AuditOutcome,
  type AuditQuery,
  type AuditRecord,
  type Broadcast,
  type EventQuery,
  type EventRecord,
  type EventStore,
  type EventType,
  type NewAuditRecord,
  type NewEvent,
  type Page,
  type SubscribeOptions,
} from './types.js';

const INVALID_CURSOR = 'invalid cursor: pass back the nextCursor of a previous page unchanged';

export function encodeRecordCursor(table: string, id: string): string {
  return Buffer.from(JSON.stringify({ v: 1, t: table, id })).toString('base64url');
}

export function decodeRecordCursor(table: string, cursor: string): string {
  let body: { v?: unknown; t?: unknown; id?: unknown } | undefined;
  try {
    body =
      cursor.length <= 256 && /^[A-Za-z0-9_-]+$/.test(cursor)
        ? (JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { v?: unknown; t?: unknown; id?: unknown })
        : undefined;
  } catch {
    body = undefined;
  }
  if (body?.v !== 1 || body.t !== table || typeof body.id !== 'string' || !/^[0-9]{1,18}$/.test(body.id)) {
    throw new StoreError('INVALID_ARGUMENT', INVALID_CURSOR);
  }
  return body.id;
}

/** Text headed for the database: never a NUL or lone surrogate (they would fail the query). */
const clean = (text: string | undefined): string | null =>
  text === undefined ? null : isStorableText(text) ? text : text.replace(/[\u0000\uD800-\uDFFF]/g, '\uFFFD');

/** One page of `table` in id order, after the filters `where` built on `p`. */
async function pageOf<R extends Row, T>(
  db: Sql,
  table: string,
  p: Params,
  where: string[],
  q: { cursor?: string; limit: number; since?: string },
  map: (row: R) => T & { id: string },
): Promise<Page<T & { id: string }>> {
  if (!Number.isInteger(q.limit) || q.limit < 1 || q.limit > 500)
    throw new StoreError('INVALID_ARGUMENT', `limit must be an integer from 1 to 500, got ${q.limit}`);
  if (q.cursor !== undefined) where.push(`id > ${p.add(decodeRecordCursor(table, q.cursor))}::bigint`);
  if (q.since !== undefined) where.push(`time >= ${p.add(q.since)}::timestamptz`);
  const rows = await db.query<R>(
    `SELECT *, id::text AS id FROM ${table} ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY ${table}.id LIMIT ${q.limit + 1}`,
    p.values,
  );
  const items = rows.slice(0, q.limit).map(map);
  const last = items.at(-1);
  return rows.length > q.limit && last ? { items, nextCursor: encodeRecordCursor(table, last.id) } : { items };
}

const optional = <K extends string>(key: K, value: string | number | null | undefined): Partial<Record<K, string>> =>
  value === null || value === undefined ? {} : ({ [key]: String(value) } as Record<K, string>);

interface EventRow extends Row {
  id: string;
  time: Date;
  type: EventType;
  reason: string;
  message: string;
  kind: string;
  name: string;
  tenant: string | null;
  cluster: string | null;
  correlation_id: string | null;
  client_request_id: string | null;
  actor: string | null;
}

const toEvent = (r: EventRow): EventRecord => ({
  id: r.id,
  time: toIsoString(r.time),
  type: r.type,
  reason: r.reason,
  message: r.message,
  kind: r.kind,
  name: r.name,
  ...optional('tenant', r.tenant),
  ...optional('cluster', r.cluster),
  ...optional('correlationId', r.correlation_id),
  ...optional('clientRequestId', r.client_request_id),
  ...optional('actor', r.actor),
});

export class SqlEventStore implements EventStore {
  constructor(
    private readonly db: Sql,
    private readonly appended: Broadcast<EventRecord> = new LocalBroadcast(),
  ) {}

  async append(e: NewEvent): Promise<EventRecord> {
    // The record and its announcement to the other replicas commit together.
    const [record] = await this.db.transaction((tx) => this.appendIn(tx, [e]));
    this.announce([record!]);
    return record!;
  }

  /** Appends `events` in the caller's transaction `tx`, announced to the other replicas iff it
   *  commits; after the commit, the caller hands the records to `announce`. */
  async appendIn(tx: Sql, events: readonly NewEvent[]): Promise<EventRecord[]> {
    const records: EventRecord[] = [];
    for (const e of events) {
      const [row] = await tx.query<EventRow>(
        `INSERT INTO events (type, reason, message, kind, name, tenant, cluster, correlation_id, client_request_id, actor)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING *, id::text AS id`,
        [
          e.type,
          clean(e.reason),
          clean(e.message),
          clean(e.kind),
          clean(e.name),
          clean(e.tenant),
          clean(e.cluster),
          clean(e.correlationId),
          clean(e.clientRequestId),
          clean(e.actor),
        ],
      );
      const appended = toEvent(row!);
      await this.appended.stage(tx, appended);
      records.push(appended);
    }
    return records;
  }

  /** To this process's listeners, once committed. */
  announce(records: readonly EventRecord[]): void {
    for (const r of records) this.appended.publish(r);
  }

  async get(id: string): Promise<EventRecord | undefined> {
    const [row] = await this.db.query<EventRow>('SELECT *, id::text AS id FROM events WHERE id = $1::bigint', [id]);
    return row && toEvent(row);
  }

  onAppend(listener: (e: EventRecord) => void, opts?: SubscribeOptions): () => void {
    return this.appended.subscribe(listener, opts);
  }

  list(q: EventQuery): Promise<Page<EventRecord>> {
    const p = new Params();
    const where: string[] = [];
    if (q.kind !== undefined) where.push(`kind = ${p.add(q.kind)}`);
    if (q.name !== undefined) where.push(`name = ${p.add(q.name)}`);
    if (q.tenant !== undefined) where.push(`tenant = ${p.add(q.tenant)}`);
    if (q.tenants !== undefined) where.push(q.tenants.length === 0 ? 'FALSE' : `tenant IN (${q.tenants.map((t) => p.add(t)).join(', ')})`);
    if (q.correlationId !== undefined) where.push(`correlation_id = ${p.add(q.correlationId)}`);
    if (q.clientRequestId !== undefined) where.push(`client_request_id = ${p.add(q.clientRequestId)}`);
    if (q.type !== undefined) where.push(`type = ${p.add(q.type)}`);
    if (q.afterId !== undefined) where.push(`id > ${p.add(q.afterId)}::bigint`);
    return pageOf(this.db, 'events', p, where, q, toEvent);
  }
}

interface AuditRow extends Row {
  id: string;
  time: Date;
  actor: string;
  roles: string[];
  action: string;
  kind: string | null;
  name: string | null;
  tenant: string | null;
  outcome: AuditOutcome;
  status: number;
  reason: string | null;
  request_id: string;
  client_request_id: string | null;
  client_ip: string | null;
}

const toAudit = (r: AuditRow): AuditRecord => ({
  id: r.id,
  time: toIsoString(r.time),
  actor: r.actor,
  roles: r.roles,
  action: r.action,
  ...optional('kind', r.kind),
  ...optional('name', r.name),
  ...optional('tenant', r.tenant),
  outcome: r.outcome,
  status: r.status,
  ...optional('reason', r.reason),
  requestId: r.request_id,
  ...optional('clientRequestId', r.client_request_id),
  ...optional('clientIp', r.client_ip),
});

export class SqlAuditLog implements AuditLog {
  constructor(private readonly db: Sql) {}

  append(r: NewAuditRecord): Promise<AuditRecord> {
    return this.appendIn(this.db, r);
  }

  /** Appends `r` in the caller's transaction `sql` (a write and its audit record commit together). */
  async appendIn(sql: Sql, r: NewAuditRecord): Promise<AuditRecord> {
    const p = new Params();
    const [row] = await sql.query<AuditRow>(
      `INSERT INTO audit (actor, roles, action, kind, name, tenant, outcome, status, reason, request_id, client_request_id, client_ip)
       VALUES (${p.add(clean(r.actor))}, ${p.json(r.roles.map((x) => clean(x)))}, ${p.add(clean(r.action))}, ${p.add(clean(r.kind))},
               ${p.add(clean(r.name))}, ${p.add(clean(r.tenant))}, ${p.add(r.outcome)}, ${p.add(r.status)}, ${p.add(clean(r.reason))},
               ${p.add(clean(r.requestId))}, ${p.add(clean(r.clientRequestId))}, ${p.add(clean(r.clientIp))})
       RETURNING *, id::text AS id`,
      p.values,
    );
    return toAudit(row!);
  }

  list(q: AuditQuery): Promise<Page<AuditRecord>> {
    const p = new Params();
    const where: string[] = [];
    if (q.actor !== undefined) where.push(`actor = ${p.add(q.actor)}`);
    if (q.kind !== undefined) where.push(`kind = ${p.add(q.kind)}`);
    if (q.name !== undefined) where.push(`name = ${p.add(q.name)}`);
    if (q.tenant !== undefined) where.push(`tenant = ${p.add(q.tenant)}`);
    if (q.outcome !== undefined) where.push(`outcome = ${p.add(q.outcome)}`);
    return pageOf(this.db, 'audit', p, where, q, toAudit);
  }
}
