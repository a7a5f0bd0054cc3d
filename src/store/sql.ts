// The one seam between the store and a database driver: PGlite and node-postgres both implement
// `Database`, and every repository is written once against `Sql` (PostgreSQL dialect, $n params).

export type Row = Record<string, unknown>;

export interface Sql {
  /** One statement with $1..$n parameters. */
  query<R extends Row = Row>(text: string, params?: readonly unknown[]): Promise<R[]>;
  /** Several statements, no parameters (migrations). */
  exec(text: string): Promise<void>;
  /** Runs `fn` in a transaction: committed if it resolves, rolled back if it throws. Inside a
   *  transaction, `transaction` joins the outer one. */
  transaction<T>(fn: (tx: Sql) => Promise<T>): Promise<T>;
}

export interface Database extends Sql {
  close(): Promise<void>;
}

/** Collects parameter values and hands out their placeholders, so SQL fragments can be built
 *  from user input without ever splicing the input itself into the text. */
export class Params {
  readonly values: unknown[] = [];

  add(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }

  /** jsonb parameters travel as JSON text: both drivers then agree on the encoding. */
  json(value: unknown): string {
    return `${this.add(JSON.stringify(value))}::jsonb`;
  }
}

/** The SQLSTATE of a database error (both drivers expose it as `code`). */
export function sqlState(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

export const SQLSTATE_FOREIGN_KEY_VIOLATION = '23503';

/** bytea arrives as Buffer (pg) or Uint8Array (PGlite). */
export function toBuffer(value: unknown): Buffer {
  if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  throw new TypeError(`expected bytea, got ${typeof value}`);
}

/** timestamptz arrives as Date from both drivers. */
export function toIsoString(value: unknown): string {
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'string') return new Date(value).toISOString();
  throw new TypeError(`expected timestamptz, got ${typeof value}`);
}
