// The revision history of objects (apps): one row per spec an object had, numbered by its
// generation, with who wrote it and why, and what became of it (outcome). Rows are inserted by
// the object writes themselves (objects.ts, same transaction); outcomes are settled afterwards
// from the object's status by whoever watches it (orchestrator/revision-outcomes.ts).
import type { Kind } from '../domain/resource.js';
import { isStorableText } from './text.js';
import { Params, toIsoString, type Row, type Sql } from './sql.js';
import {
  StoreError,
  type ObservedState,
  type Page,
  type Revision,
  type RevisionAuthor,
  type RevisionChange,
  type RevisionOutcome,
  type RevisionStore,
} from './types.js';

export const MAX_REVISION_PAGE = 500;
/** Revision numbers are generations, an `integer` column: nothing past this is one (a query
 *  comparing the column with more fails). */
export const MAX_REVISION_NUMBER = 2_147_483_647;

const COLUMNS = 'kind, name, number, spec, change, actor, role, reason, request_id, outcome, outcome_message, outcome_at, created_at';

interface RevisionRow extends Row {
  kind: string;
  name: string;
  number: number;
  spec: unknown;
  change: RevisionChange;
  actor: string;
  role: string | null;
  reason: string | null;
  request_id: string | null;
  outcome: RevisionOutcome;
  outcome_message: string | null;
  outcome_at: Date | null;
  created_at: Date;
}

function toRevision<S>(row: RevisionRow): Revision<S> {
  const outcome: Revision['outcome'] = { state: row.outcome };
  if (row.outcome_message !== null) outcome.message = row.outcome_message;
  if (row.outcome_at !== null) outcome.at = toIsoString(row.outcome_at);
  return {
    kind: row.kind as Kind,
    name: row.name,
    number: row.number,
    spec: row.spec as S,
    change: row.change,
    actor: row.actor,
    ...(row.role !== null && { role: row.role }),
    ...(row.reason !== null && { reason: row.reason }),
    ...(row.request_id !== null && { requestId: row.request_id }),
    createdAt: toIsoString(row.created_at),
    outcome,
  };
}

/** Inserts the revision `number` of an object inside the transaction `tx` that wrote it. */
export async function recordRevision(
  tx: Sql,
  obj: { kind: Kind; name: string; spec: unknown },
  number: number,
  author: RevisionAuthor,
  requestId: string | undefined,
): Promise<void> {
  const p = new Params();
  await tx.query(
    `INSERT INTO revisions (kind, name, number, spec, change, actor, role, reason, request_id, outcome, created_at)
     VALUES (${p.add(obj.kind)}, ${p.add(obj.name)}, ${p.add(number)}, ${p.json(obj.spec)}, ${p.json(author.change)},
             ${p.add(author.actor)}, ${p.add(author.role ?? null)}, ${p.add(author.reason ?? null)}, ${p.add(requestId ?? null)},
             'pending', now())`,
    p.values,
  );
}

// Cursors: the number a page ended at, bound to the object it was issued for.
interface CursorBody {
  v: 1;
  k: string;
  n: string;
  r: number;
}

function encodeCursor(kind: Kind, name: string, number: number): string {
  const body: CursorBody = { v: 1, k: kind, n: name, r: number };
  return Buffer.from(JSON.stringify(body)).toString('base64url');
}

const INVALID_CURSOR = 'invalid cursor: pass back the nextCursor of a previous page unchanged';

function decodeCursor(kind: Kind, name: string, cursor: string): number {
  let body: Partial<CursorBody> | undefined;
  try {
    const wellFormed = cursor.length <= 512 && /^[A-Za-z0-9_-]+$/.test(cursor);
    body = wellFormed ? (JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as Partial<CursorBody>) : undefined;
  } catch {
    body = undefined;
  }
  if (body?.v !== 1 || typeof body.n !== 'string' || !isStorableText(body.n) || !Number.isInteger(body.r) || body.r! < 1 || body.r! > MAX_REVISION_NUMBER) {
    throw new StoreError('INVALID_ARGUMENT', INVALID_CURSOR);
  }
  if (body.k !== kind || body.n !== name) {
    throw new StoreError('INVALID_ARGUMENT', `invalid cursor: it was issued for the revisions of another object`);
  }
  return body.r!;
}

export class SqlRevisionStore implements RevisionStore {
  constructor(private readonly db: Sql) {}

  async list<S>(kind: Kind, name: string, opts: { limit: number; cursor?: string }): Promise<Page<Revision<S>>> {
    const { limit } = opts;
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_REVISION_PAGE) {
      throw new StoreError('INVALID_ARGUMENT', `limit must be an integer from 1 to ${MAX_REVISION_PAGE}, got ${limit}`);
    }
    const p = new Params();
    const where = [`kind = ${p.add(kind)}`, `name = ${p.add(name)}`];
    if (opts.cursor !== undefined) where.push(`number < ${p.add(decodeCursor(kind, name, opts.cursor))}`);
    const rows = await this.db.query<RevisionRow>(
      `SELECT ${COLUMNS} FROM revisions WHERE ${where.join(' AND ')} ORDER BY number DESC LIMIT ${limit + 1}`,
      p.values,
    );
    const items = rows.slice(0, limit).map((r) => toRevision<S>(r));
    const last = items.at(-1);
    return rows.length > limit && last ? { items, nextCursor: encodeCursor(kind, name, last.number) } : { items };
  }

  async get<S>(kind: Kind, name: string, number: number): Promise<Revision<S> | undefined> {
    const rows = await this.db.query<RevisionRow>(`SELECT ${COLUMNS} FROM revisions WHERE kind = $1 AND name = $2 AND number = $3`, [kind, name, number]);
    return rows[0] && toRevision<S>(rows[0]);
  }

  async lastSucceeded<S>(kind: Kind, name: string, below: number, unlike: S): Promise<Revision<S> | undefined> {
    // jsonb equality ignores key order: the same spec written twice compares equal.
    const rows = await this.db.query<RevisionRow>(
      `SELECT ${COLUMNS} FROM revisions
       WHERE kind = $1 AND name = $2 AND number < $3 AND outcome = 'succeeded' AND spec <> $4::jsonb
       ORDER BY number DESC LIMIT 1`,
      [kind, name, below, JSON.stringify(unlike)],
    );
    return rows[0] && toRevision<S>(rows[0]);
  }

  async settle(kind: Kind, name: string, observed: ObservedState): Promise<number> {
    const { generation, observedGeneration, phase } = observed;
    return this.db.transaction(async (tx) => {
      let changed = 0;
      const run = async (sql: string, params: unknown[]) => {
        const rows = await tx.query(`${sql} RETURNING number`, params);
        changed += rows.length;
      };
      // Evidence about the observed generation wins over "superseded": a reconcile that started
      // before a newer write may report the older generation converged after that write.
      if (phase === 'Deployed') {
        await run(
          `UPDATE revisions SET outcome = 'succeeded', outcome_message = NULL, outcome_at = now()
           WHERE kind = $1 AND name = $2 AND number = $3 AND outcome <> 'succeeded'`,
          [kind, name, observedGeneration],
        );
      } else if (phase === 'Error') {
        const message = observed.message ?? null;
        await run(
          `UPDATE revisions SET outcome = 'failed', outcome_message = $4, outcome_at = now()
           WHERE kind = $1 AND name = $2 AND number = $3 AND outcome IN ('pending', 'superseded')`,
          [kind, name, observedGeneration, message],
        );
      }
      await run(
        `UPDATE revisions SET outcome = 'superseded', outcome_at = now()
         WHERE kind = $1 AND name = $2 AND number < $3 AND outcome = 'pending'`,
        [kind, name, generation],
      );
      return changed;
    });
  }
}
