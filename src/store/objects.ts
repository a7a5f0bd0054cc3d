// The object repository: KubeNova's intents, one row per (kind, name), with Kubernetes-style
// generation, resourceVersion, optimistic concurrency and finalizers.
import { initialStatus, type Kind, type Labels, type Resource, type ResourceStatus } from '../domain/resource.js';
import { phaseTransitions } from '../domain/phase-transitions.js';
import { secretRefsOf, withSecretRefs } from '../domain/secret-refs.js';
import { currentLogContext } from '../observability/context.js';
import { currentTraceparent } from '../observability/tracing.js';
import type { KeySource } from '../security/keyring.js';
import { jsonEqual } from '../domain/canonical-json.js';
import type { ChangeFeed } from './changes.js';
import {
  type SubscribeOptions,
  type EventRecord,
  StoreError,
  type ChangeEvent,
  type ListOptions,
  type NewResource,
  type ObjectStore,
  type Page,
  type ResourcePatch,
  type SecretValues,
  type WriteContext,
} from './types.js';
import { decodeCursor, encodeCursor } from './cursor.js';
import { checkFence } from './leases.js';
import { listFiltersSql } from './list-filters.js';
import { eventsOfChange } from './object-events.js';
import type { SqlAuditLog, SqlEventStore } from './records.js';
import { recordRevision } from './revisions.js';
import { planSecretValues, SqlSecretStore, type SecretValuesPlan } from './secrets.js';
import { Params, toIsoString, type Row, type Sql } from './sql.js';

export const MAX_PAGE_SIZE = 500;

const COLUMNS = `kind, name, tenant, labels, spec, status, generation, resource_version::text AS resource_version,
  finalizers, deletion_timestamp, created_at, updated_at`;

interface ObjectRow extends Row {
  kind: string;
  name: string;
  tenant: string | null;
  labels: Labels;
  spec: unknown;
  status: ResourceStatus;
  generation: number;
  resource_version: string;
  finalizers: string[];
  deletion_timestamp: Date | null;
  created_at: Date;
  updated_at: Date;
}

function toResource<S>(row: ObjectRow): Resource<S> {
  const r: Resource<S> = {
    kind: row.kind as Kind,
    name: row.name,
    labels: row.labels,
    spec: row.spec as S,
    status: row.status,
    generation: row.generation,
    resourceVersion: row.resource_version,
    createdAt: toIsoString(row.created_at),
    updatedAt: toIsoString(row.updated_at),
    finalizers: row.finalizers,
  };
  if (row.tenant !== null) r.tenant = row.tenant;
  if (row.deletion_timestamp !== null) r.deletionTimestamp = toIsoString(row.deletion_timestamp);
  return r;
}

/** The state a write wants an object to have; `mutate` works out what actually changes. */
interface Desired<S> {
  labels: Labels;
  spec: S;
  status: ResourceStatus;
  finalizers: string[];
  deleting: boolean;
}

const displayName = (kind: Kind, name: string) => `${kind} "${name}"`;

/** The conditions of a listing but its cursor: kind, tenants and filters. */
function selection(kind: Kind, opts: ListOptions, p: Params): string[] {
  const where = [`kind = ${p.add(kind)}`];
  if (opts.tenant !== undefined) where.push(`tenant = ${p.add(opts.tenant)}`);
  if (opts.tenants !== undefined) {
    where.push(opts.tenants.length === 0 ? 'FALSE' : `tenant IN (${opts.tenants.map((t) => p.add(t)).join(', ')})`);
  }
  if (opts.namePrefix !== undefined) where.push(namePrefixSql(opts.namePrefix, p));
  return [...where, ...listFiltersSql(opts, p)];
}

export class SqlObjectStore implements ObjectStore {
  constructor(
    private readonly db: Sql,
    private readonly feed: ChangeFeed,
    /** The keyring of secret values written with objects. */
    private readonly keys: KeySource,
    /** Where each change's events and its request's audit record go, in its transaction. */
    private readonly records: { events: SqlEventStore; audit: SqlAuditLog },
    /** Objects read by name, kept in memory: only for a database this store alone writes. */
    private readonly cache?: ObjectCache,
  ) {}

  async create<S>(obj: NewResource<S>, ctx: WriteContext = {}): Promise<Resource<S>> {
    const plan = planSecretValues(obj, {}, obj.secrets ?? {}, this.keys);
    const insert = async (sql: Sql) => {
      const p = new Params();
      const [row] = await sql.query<ObjectRow>(
        `INSERT INTO objects (kind, name, tenant, labels, spec, status, generation, resource_version, finalizers,
                              created_at, updated_at)
         VALUES (${p.add(obj.kind)}, ${p.add(obj.name)}, ${p.add(obj.tenant ?? null)}, ${p.json(obj.labels ?? {})},
                 ${p.json(withSecretRefs(obj.spec, plan.refs))}, ${p.json(initialStatus())}, 1, nextval('resource_version_seq'),
                 ${p.json(obj.finalizers ?? [])}, now(), now())
         ON CONFLICT (kind, name) DO NOTHING
         RETURNING ${COLUMNS}`,
        p.values,
      );
      if (!row) throw new StoreError('ALREADY_EXISTS', `${displayName(obj.kind, obj.name)} already exists`);
      await this.secretsIn(sql).apply(obj, plan);
      if (ctx.revision) await recordRevision(sql, { kind: obj.kind, name: obj.name, spec: row.spec }, 1, ctx.revision, ctx.correlationId);
      const created = toResource<S>(row);
      const event = changeEvent('created', created, ctx);
      const events = await this.recordIn(sql, event, ctx, false);
      return { created, event, events };
    };
    // The object, its secret values, its first revision, its events, the audit record of the
    // request and its announcement commit together, or not at all.
    const { created, event, events } = await this.db.transaction(insert);
    this.cache?.forget(obj.kind, obj.name);
    this.announce(event, events);
    return created;
  }

  async get<S>(kind: Kind, name: string): Promise<Resource<S> | undefined> {
    const cached = this.cache?.get<S>(kind, name);
    if (cached) return cached;
    const read = this.cache?.reading();
    const rows = await this.db.query<ObjectRow>(`SELECT ${COLUMNS} FROM objects WHERE kind = $1 AND name = $2`, [kind, name]);
    const found = rows[0] && toResource<S>(rows[0]);
    if (found && read) this.cache!.keep(found, read);
    return found;
  }

  async list<S>(kind: Kind, opts: ListOptions): Promise<Page<Resource<S>>> {
    const { limit } = opts;
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE_SIZE) {
      throw new StoreError('INVALID_ARGUMENT', `limit must be an integer from 1 to ${MAX_PAGE_SIZE}, got ${limit}`);
    }
    const p = new Params();
    const where = selection(kind, opts, p);
    if (opts.cursor !== undefined) where.push(`name > ${p.add(decodeCursor(kind, opts.cursor))}`);
    // One row more than the page tells whether another page follows.
    const rows = await this.db.query<ObjectRow>(`SELECT ${COLUMNS} FROM objects WHERE ${where.join(' AND ')} ORDER BY name LIMIT ${limit + 1}`, p.values);
    const items = rows.slice(0, limit).map((r) => toResource<S>(r));
    const last = items.at(-1);
    const page: Page<Resource<S>> = rows.length > limit && last ? { items, nextCursor: encodeCursor(kind, last.name) } : { items };
    if (opts.count) page.total = await this.count(kind, opts);
    return page;
  }

  async firstName(kind: Kind, where: { names?: readonly string[]; namePrefix?: string }): Promise<string | undefined> {
    const p = new Params();
    // One branch per condition, each its own range of the primary key, so that neither walks
    // the kind's names in order.
    const branches: string[] = [];
    if (where.names !== undefined && where.names.length > 0) branches.push(`name = ANY(${p.add(where.names)}::text[])`);
    if (where.namePrefix !== undefined) branches.push(namePrefixSql(where.namePrefix, p));
    if (branches.length === 0) return undefined;
    const k = p.add(kind);
    const first = branches.map((b) => `SELECT name FROM objects WHERE kind = ${k} AND ${b} ORDER BY name LIMIT 1`);
    const rows = await this.db.query<{ name: string }>(
      first.length === 1 ? first[0]! : `${first.map((q) => `(${q})`).join(' UNION ALL ')} ORDER BY name LIMIT 1`,
      p.values,
    );
    return rows[0]?.name;
  }

  /** How many objects the options select over all pages (the cursor aside). */
  private async count(kind: Kind, opts: ListOptions): Promise<number> {
    const p = new Params();
    const [row] = await this.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM objects WHERE ${selection(kind, opts, p).join(' AND ')}`, p.values);
    return row!.n;
  }

  async update<S>(kind: Kind, name: string, patch: ResourcePatch<S>, ctx: WriteContext = {}): Promise<Resource<S>> {
    const { object } = await this.mutate<S>(kind, name, ctx, patch.secrets, (cur) => {
      if (cur.deletionTimestamp && patch.finalizers?.some((f) => !cur.finalizers.includes(f))) {
        throw new StoreError('INVALID_ARGUMENT', `${displayName(kind, name)} is being deleted; no finalizers can be added`);
      }
      return {
        labels: patch.labels ?? cur.labels,
        spec: patch.spec ?? cur.spec,
        status: cur.status,
        finalizers: patch.finalizers ?? cur.finalizers,
        deleting: cur.deletionTimestamp !== undefined,
      };
    });
    return object;
  }

  async updateStatus<S>(kind: Kind, name: string, status: ResourceStatus, ctx: WriteContext = {}): Promise<Resource<S>> {
    const { object } = await this.mutate<S>(kind, name, ctx, undefined, (cur) => ({
      ...cur,
      status,
      deleting: cur.deletionTimestamp !== undefined,
    }));
    return object;
  }

  async delete<S>(kind: Kind, name: string, ctx: WriteContext = {}): Promise<Resource<S> | undefined> {
    const { object, removed } = await this.mutate<S>(kind, name, ctx, undefined, (cur) => ({ ...cur, deleting: true }));
    return removed ? undefined : object;
  }

  onChange(listener: (e: ChangeEvent) => void, opts?: SubscribeOptions): () => void {
    return this.feed.subscribe(listener, opts);
  }

  onFeedGap(listener: () => void): () => void {
    return this.feed.onGap(listener);
  }

  private secretsIn(sql: Sql): SqlSecretStore {
    return new SqlSecretStore(sql, this.keys);
  }

  /** In the write's transaction, after its last change: the request's audit record, then the
   *  change's events and its announcement (`change` undefined: the write changed nothing). */
  private async recordIn(tx: Sql, change: ChangeEvent | undefined, ctx: WriteContext, removed: boolean): Promise<EventRecord[]> {
    if (ctx.audit) await this.records.audit.appendIn(tx, ctx.audit({ removed }));
    if (!change) return [];
    const events = await this.records.events.appendIn(tx, eventsOfChange(change));
    await this.feed.stage(tx, change);
    return events;
  }

  /** After the commit: to this process's listeners, the change before its events. */
  private announce(change: ChangeEvent | undefined, events: readonly EventRecord[]): void {
    if (change) this.feed.publish(change);
    this.records.events.announce(events);
  }

  /** Every change to an existing object: lock the row, check the expected version, compute the
   *  desired state (with the refs of its secret values), then write only what differs: nothing,
   *  an update with its new secret values, or the removal of an object marked for deletion
   *  without finalizers left. The change event is staged in the transaction (other replicas hear
   *  of it iff it commits), with the events it stands for and the request's audit record, and
   *  published to this process's listeners after the commit. */
  private async mutate<S>(
    kind: Kind,
    name: string,
    ctx: WriteContext,
    secrets: SecretValues | undefined,
    desire: (current: Resource<S>) => Desired<S>,
  ): Promise<{ object: Resource<S>; removed: boolean }> {
    // Forgotten whether the transaction commits or not (a failed one changed nothing: the next
    // read just goes to the database).
    const outcome = await this.db
      .transaction(async (tx) => {
        // A reconcile whose shard lease has moved on must not write (see store/leases.ts).
        await checkFence(tx);
        const rows = await tx.query<ObjectRow>(`SELECT ${COLUMNS} FROM objects WHERE kind = $1 AND name = $2 FOR UPDATE`, [kind, name]);
        if (!rows[0]) throw new StoreError('NOT_FOUND', `${displayName(kind, name)} not found`);
        const cur = toResource<S>(rows[0]);
        if (ctx.expectedVersion !== undefined && ctx.expectedVersion !== cur.resourceVersion) {
          throw new StoreError('CONFLICT', `${displayName(kind, name)} was modified: resourceVersion is ${cur.resourceVersion}, not ${ctx.expectedVersion}`);
        }
        const next = desire(cur);
        const plan: SecretValuesPlan | undefined = secrets && planSecretValues(cur, secretRefsOf(cur.spec), secrets, this.keys);
        next.spec = withSecretRefs(next.spec, plan?.refs ?? secretRefsOf(cur.spec));
        const specChanged = !jsonEqual(cur.spec, next.spec);
        const generation = cur.generation + (specChanged ? 1 : 0);

        if (next.deleting && next.finalizers.length === 0) {
          const [row] = await tx.query<{ rv: string }>(
            `DELETE FROM objects WHERE kind = $1 AND name = $2 RETURNING nextval('resource_version_seq')::text AS rv`,
            [kind, name],
          );
          const final: Resource<S> = {
            ...cur,
            labels: next.labels,
            spec: next.spec,
            status: next.status,
            finalizers: [],
            generation,
            resourceVersion: row!.rv,
            deletionTimestamp: cur.deletionTimestamp ?? new Date().toISOString(),
          };
          const deleted = changeEvent('deleted', final, ctx);
          const events = await this.recordIn(tx, deleted, ctx, true);
          return { object: final, removed: true, event: deleted, events };
        }

        const changed =
          specChanged ||
          (next.deleting && cur.deletionTimestamp === undefined) ||
          !jsonEqual(cur.labels, next.labels) ||
          !jsonEqual(cur.status, next.status) ||
          !jsonEqual(cur.finalizers, next.finalizers);
        if (!changed) return { object: cur, removed: false, event: undefined, events: await this.recordIn(tx, undefined, ctx, false) };

        const p = new Params();
        const [row] = await tx.query<ObjectRow>(
          `UPDATE objects SET labels = ${p.json(next.labels)}, spec = ${p.json(next.spec)}, status = ${p.json(next.status)},
           finalizers = ${p.json(next.finalizers)}, generation = ${p.add(generation)},
           deletion_timestamp = CASE WHEN ${p.add(next.deleting)} THEN coalesce(deletion_timestamp, now()) END,
           resource_version = nextval('resource_version_seq'), updated_at = now()
         WHERE kind = ${p.add(kind)} AND name = ${p.add(name)}
         RETURNING ${COLUMNS}`,
          p.values,
        );
        if (plan) await this.secretsIn(tx).apply(cur, plan);
        if (specChanged && ctx.revision) await recordRevision(tx, { kind, name, spec: next.spec }, generation, ctx.revision, ctx.correlationId);
        const updated = toResource<S>(row!);
        const event = changeEvent('updated', updated, ctx);
        if (specChanged) event.specChanged = true;
        if (next.deleting && cur.deletionTimestamp === undefined) event.deletionStarted = true;
        else if (!specChanged && jsonEqual(cur.labels, next.labels) && jsonEqual(cur.finalizers, next.finalizers)) event.statusOnly = true;
        const transitions = phaseTransitions(cur.status, updated.status);
        if (transitions.length > 0) event.transitions = transitions;
        const events = await this.recordIn(tx, event, ctx, false);
        return { object: updated, removed: false, event, events };
      })
      .finally(() => this.cache?.forget(kind, name));
    this.announce(outcome.event, outcome.events);
    return outcome;
  }
}

/**
 * Objects read by name, for a database only this process writes (the embedded store: its data
 * directory is locked to one process, and every write of an object goes through SqlObjectStore).
 * A write forgets its object once its transaction is over, before the writer or any listener
 * hears of it. A read from the database is kept only if no write ended while it was under way:
 * it may have read the version before that write. Callers get copies (they may change what they
 * get). At most `max` objects, the least recently read dropped first.
 */
export class ObjectCache {
  private readonly objects = new Map<string, Resource<unknown>>();
  /** Writes ended so far. */
  private writes = 0;

  constructor(private readonly max: number) {}

  get<S>(kind: Kind, name: string): Resource<S> | undefined {
    const key = `${kind}/${name}`;
    const obj = this.objects.get(key);
    if (!obj) return undefined;
    this.objects.delete(key);
    this.objects.set(key, obj);
    return structuredClone(obj) as Resource<S>;
  }

  /** A token for a read from the database starting now. */
  reading(): { writes: number } {
    return { writes: this.writes };
  }

  /** Keeps a copy of `obj`, read since `read`, unless a write ended in between. */
  keep(obj: Resource<unknown>, read: { writes: number }): void {
    if (read.writes !== this.writes) return;
    this.objects.set(`${obj.kind}/${obj.name}`, structuredClone(obj));
    if (this.objects.size > this.max) this.objects.delete(this.objects.keys().next().value!);
  }

  forget(kind: Kind, name: string): void {
    this.writes++;
    this.objects.delete(`${kind}/${name}`);
  }
}

/** Names starting with `prefix`. Names sort bytewise (COLLATE "C"), so those names are one range
 *  of the primary key: bounded on both sides where the last character is ASCII. */
function namePrefixSql(prefix: string, p: Params): string {
  const last = prefix.charCodeAt(prefix.length - 1);
  const range = [`name >= ${p.add(prefix)}`];
  if (last < 0x7f) range.push(`name < ${p.add(prefix.slice(0, -1) + String.fromCharCode(last + 1))}`);
  return `(${range.join(' AND ')} AND starts_with(name, ${p.add(prefix)}))`;
}

function changeEvent(type: ChangeEvent['type'], obj: Resource<unknown>, ctx: WriteContext): ChangeEvent {
  const e: ChangeEvent = { type, kind: obj.kind, name: obj.name, resourceVersion: obj.resourceVersion };
  if (obj.tenant !== undefined) e.tenant = obj.tenant;
  const log = currentLogContext();
  const correlationId = ctx.correlationId ?? log?.requestId;
  if (correlationId !== undefined) e.correlationId = correlationId;
  // Only beside the request's own correlation id: a write under another id is not that request's.
  if (log?.clientRequestId !== undefined && correlationId === log.requestId) e.clientRequestId = log.clientRequestId;
  if (log?.actor !== undefined && correlationId === log.requestId) e.actor = log.actor;
  const traceparent = currentTraceparent();
  if (traceparent !== undefined) e.traceparent = traceparent;
  return e;
}
