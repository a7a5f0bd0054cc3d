// Secret values (kubeconfigs, tokens) under envelope encryption. Rows hold only ciphertext and a
// wrapped data key; the keyring never touches the database.
import type { Kind } from '../domain/resource.js';
import { open, rewrap, seal } from '../security/envelope.js';
import { KeyringError, type KeySource } from '../security/keyring.js';
import { secretDigest } from '../security/secret-digest.js';
import { Params, sqlState, SQLSTATE_FOREIGN_KEY_VIOLATION, toBuffer, toIsoString, type Row, type Sql } from './sql.js';
import { StoreError, type SecretRef, type SecretStore, type SecretValues } from './types.js';

interface SecretRow extends Row {
  kind: string;
  name: string;
  field: string;
  key_id: string;
  wrapped_key: Uint8Array;
  iv: Uint8Array;
  tag: Uint8Array;
  ciphertext: Uint8Array;
}

/** The secret's address, bound into both encryption layers: a row copied onto another
 *  (kind, name, field) no longer decrypts. */
function refAad(ref: SecretRef): Buffer {
  return Buffer.from(JSON.stringify([ref.kind, ref.name, ref.field]));
}

const displayName = (ref: SecretRef) => `${ref.kind} "${ref.name}" field "${ref.field}"`;

/** Runs a crypto step, naming the secret in any error (the error keeps its class and code). */
function about<T>(ref: SecretRef, step: () => T): T {
  try {
    return step();
  } catch (err) {
    if (err instanceof Error) err.message = `secret of ${displayName(ref)}: ${err.message}`;
    throw err;
  }
}

/** What writing an object's secret values changes (see `planSecretValues`). */
export interface SecretValuesPlan {
  /** The object's refs after the write, for its spec. */
  refs: Record<string, string>;
  /** New values, by ref. */
  put: [ref: string, value: Buffer][];
  /** Refs of the values they replace. */
  remove: string[];
}

interface Owner {
  kind: Kind;
  name: string;
}

/** A value's ref is `<field>/<keyId>/<keyed digest of the value>`: content-addressed, so an
 *  equal value has the ref it already has, and a ref says nothing to whoever lacks the key. */
function valueRef(owner: Owner, field: string, value: Buffer, keys: KeySource, keyId = keys.activeKeyId): string {
  return `${field}/${keyId}/${secretDigest(value, refAad({ ...owner, field }), keys, keyId)}`;
}

/** Whether `ref` is the ref of `value` (under the key it names, if the keyring still has it). */
function isRefOf(ref: string, owner: Owner, field: string, value: Buffer, keys: KeySource): boolean {
  const keyId = ref.split('/').at(-2) ?? '';
  try {
    return ref === valueRef(owner, field, value, keys, keyId);
  } catch (err) {
    if (err instanceof KeyringError && err.code === 'UNKNOWN_KEY') return false; // retired key, or an older ref format
    throw err;
  }
}

/** Pure: the refs an object has after writing `values` over its `current` refs, and the
 *  secret-store rows to write and drop. A value equal to the current one changes nothing. */
export function planSecretValues(owner: Owner, current: Readonly<Record<string, string>>, values: SecretValues, keys: KeySource): SecretValuesPlan {
  const plan: SecretValuesPlan = { refs: { ...current }, put: [], remove: [] };
  for (const [field, value] of Object.entries(values)) {
    const old = current[field];
    if (old !== undefined && isRefOf(old, owner, field, value, keys)) continue;
    const ref = valueRef(owner, field, value, keys);
    plan.refs[field] = ref;
    plan.put.push([ref, value]);
    if (old !== undefined) plan.remove.push(old);
  }
  return plan;
}

export class SqlSecretStore implements SecretStore {
  constructor(
    private readonly db: Sql,
    private readonly keys: KeySource,
    /** Rows re-wrapped per transaction by `rewrapAll`. */
    private readonly rewrapBatch = 100,
  ) {}

  async put(ref: SecretRef, plaintext: Buffer): Promise<void> {
    const e = seal(plaintext, refAad(ref), this.keys);
    const p = new Params();
    try {
      await this.db.query(
        `INSERT INTO secrets (kind, name, field, key_id, wrapped_key, iv, tag, ciphertext, updated_at)
         VALUES (${[ref.kind, ref.name, ref.field, e.keyId, e.wrappedKey, e.iv, e.tag, e.ciphertext].map((v) => p.add(v)).join(', ')}, now())
         ON CONFLICT (kind, name, field) DO UPDATE SET key_id = excluded.key_id, wrapped_key = excluded.wrapped_key,
           iv = excluded.iv, tag = excluded.tag, ciphertext = excluded.ciphertext, updated_at = excluded.updated_at`,
        p.values,
      );
    } catch (err) {
      if (sqlState(err) === SQLSTATE_FOREIGN_KEY_VIOLATION) {
        throw new StoreError('NOT_FOUND', `${ref.kind} "${ref.name}" not found; a secret belongs to an existing object`);
      }
      throw err;
    }
  }

  async get(ref: SecretRef): Promise<Buffer | undefined> {
    const [row] = await this.db.query<SecretRow>('SELECT key_id, wrapped_key, iv, tag, ciphertext FROM secrets WHERE kind = $1 AND name = $2 AND field = $3', [
      ref.kind,
      ref.name,
      ref.field,
    ]);
    if (!row) return undefined;
    const envelope = {
      keyId: row.key_id,
      wrappedKey: toBuffer(row.wrapped_key),
      iv: toBuffer(row.iv),
      tag: toBuffer(row.tag),
      ciphertext: toBuffer(row.ciphertext),
    };
    return about(ref, () => open(envelope, refAad(ref), this.keys));
  }

  async describe(ref: SecretRef): Promise<{ keyId: string; updatedAt: string } | undefined> {
    const [row] = await this.db.query<{ key_id: string; updated_at: Date }>(
      'SELECT key_id, updated_at FROM secrets WHERE kind = $1 AND name = $2 AND field = $3',
      [ref.kind, ref.name, ref.field],
    );
    return row && { keyId: row.key_id, updatedAt: toIsoString(row.updated_at) };
  }

  async remove(ref: SecretRef): Promise<void> {
    await this.db.query('DELETE FROM secrets WHERE kind = $1 AND name = $2 AND field = $3', [ref.kind, ref.name, ref.field]);
  }

  /** Carries out a plan for an object that exists (in the caller's transaction, so the object
   *  and its values change together). */
  async apply(owner: Owner, plan: SecretValuesPlan): Promise<void> {
    for (const [ref, value] of plan.put) await this.put({ ...owner, field: ref }, value);
    for (const ref of plan.remove) await this.remove({ ...owner, field: ref });
  }

  async keyIdsInUse(): Promise<string[]> {
    const rows = await this.db.query<{ key_id: string }>('SELECT DISTINCT key_id FROM secrets ORDER BY key_id');
    return rows.map((r) => r.key_id);
  }

  /** Batch by batch, each in its own short transaction: readers keep working throughout, since
   *  a row is readable under its old key until the moment it is re-wrapped. Rows locked by a
   *  concurrent `put` are skipped; that write already uses the active key. */
  async rewrapAll(): Promise<number> {
    let total = 0;
    for (;;) {
      const done = await this.db.transaction(async (tx) => {
        const active = this.keys.activeKeyId;
        const rows = await tx.query<SecretRow>(
          `SELECT kind, name, field, key_id, wrapped_key FROM secrets WHERE key_id <> $1
           ORDER BY kind, name, field LIMIT $2 FOR UPDATE SKIP LOCKED`,
          [active, this.rewrapBatch],
        );
        for (const row of rows) {
          const ref = { kind: row.kind, name: row.name, field: row.field } as SecretRef;
          const w = about(ref, () => rewrap({ keyId: row.key_id, wrappedKey: toBuffer(row.wrapped_key) }, refAad(ref), this.keys));
          await tx.query('UPDATE secrets SET key_id = $1, wrapped_key = $2 WHERE kind = $3 AND name = $4 AND field = $5', [
            w.keyId,
            w.wrappedKey,
            ref.kind,
            ref.name,
            ref.field,
          ]);
        }
        return rows.length;
      });
      total += done;
      if (done < this.rewrapBatch) return total;
    }
  }
}
