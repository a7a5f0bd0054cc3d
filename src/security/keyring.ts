// Key-encryption keys: several readable by id, exactly one active for new writes. Loaded from a
// JSON file `{ "active": "k2", "keys": { "k1": "<base64 32 bytes>", "k2": "..." } }` and
// reloadable, so a key can be added, activated and finally retired without a restart.
import { randomBytes } from 'node:crypto';
import { mkdir, open, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { inspect } from 'node:util';
import { isPrivateMode, NOT_PRIVATE } from './private-file.js';

export const KEYRING_FILE_ENV = 'KUBENOVA_KEYRING_FILE';
export const KEY_BYTES = 32;

export class KeyringError extends Error {
  override readonly name = 'KeyringError';
  constructor(
    /** INVALID: the keyring source is malformed; UNKNOWN_KEY: a key id it does not hold;
     *  NO_SOURCE: reload() on a keyring not read from a file. */
    readonly code: 'INVALID' | 'UNKNOWN_KEY' | 'NO_SOURCE',
    message: string,
    /** The same without the file's path or the system's words: what an API answer may say. */
    readonly detail: string = message,
  ) {
    super(message);
  }
}

/** What envelope encryption needs from a keyring. */
export interface KeySource {
  readonly activeKeyId: string;
  /** The key with this id; throws KeyringError UNKNOWN_KEY if absent. */
  key(id: string): Buffer;
}

interface KeyringData {
  active: string;
  keys: ReadonlyMap<string, Buffer>;
}

// Ids end up in AAD with NUL separators and in error messages: keep them plain.
const KEY_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

function parseKeyring(json: unknown, source: string): KeyringData {
  const fail = (detail: string): never => {
    throw new KeyringError('INVALID', `keyring ${source}: ${detail}`, detail);
  };
  if (json === null || typeof json !== 'object' || Array.isArray(json)) {
    return fail('expected an object { "active": "<id>", "keys": { "<id>": "<base64 key>" } }');
  }
  const { active, keys } = json as { active?: unknown; keys?: unknown };
  if (keys === null || typeof keys !== 'object' || Array.isArray(keys) || Object.keys(keys).length === 0) {
    return fail('"keys" must be a non-empty object of id → base64 key');
  }
  const parsed = new Map<string, Buffer>();
  for (const [id, value] of Object.entries(keys)) {
    if (!KEY_ID.test(id)) fail(`key id ${JSON.stringify(id)} must be 1-64 characters of [A-Za-z0-9._-]`);
    if (typeof value !== 'string' || !BASE64.test(value)) fail(`key "${id}" must be a base64 string`);
    const key = Buffer.from(value as string, 'base64');
    if (key.length !== KEY_BYTES) fail(`key "${id}" must be ${KEY_BYTES} bytes, got ${key.length}`);
    parsed.set(id, key);
  }
  if (typeof active !== 'string') return fail('"active" must name the key id used for new writes');
  if (!parsed.has(active)) {
    return fail(`active key "${active}" is not among the keys (${[...parsed.keys()].join(', ')})`);
  }
  return { active, keys: parsed };
}

async function readKeyringFile(path: string): Promise<KeyringData> {
  let text: string;
  let mode: number;
  try {
    // The mode of the very file read (no swap between a stat and the read).
    const file = await open(path, 'r');
    try {
      mode = (await file.stat()).mode;
      text = await file.readFile('utf8');
    } finally {
      await file.close();
    }
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    throw new KeyringError(
      'INVALID',
      `keyring ${path}: cannot read: ${(err as Error).message}`,
      `cannot be read${typeof code === 'string' ? ` (${code})` : ''}`,
    );
  }
  if (!isPrivateMode(mode)) throw new KeyringError('INVALID', `keyring ${path} ${NOT_PRIVATE}`, NOT_PRIVATE);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    // Only the position: V8's message quotes the text around it, which here is key material.
    const at = /at position (\d+)/.exec((err as Error).message)?.[1];
    const detail = `not JSON (syntax error${at === undefined ? '' : ` at position ${at}`})`;
    throw new KeyringError('INVALID', `keyring ${path}: ${detail}`, detail);
  }
  return parseKeyring(json, path);
}

export class Keyring implements KeySource {
  #data: KeyringData;

  private constructor(
    data: KeyringData,
    /** The file it was read from, re-read by `reload()`. */
    readonly path?: string,
  ) {
    this.#data = data;
  }

  /** A keyring from an already-parsed document (not reloadable). */
  static fromJson(json: unknown): Keyring {
    return new Keyring(parseKeyring(json, '(inline)'));
  }

  static async fromFile(path: string): Promise<Keyring> {
    return new Keyring(await readKeyringFile(path), path);
  }

  /** The keyring named by KUBENOVA_KEYRING_FILE, or undefined when it is not set. */
  static async fromEnv(env: NodeJS.ProcessEnv = process.env): Promise<Keyring | undefined> {
    const path = env[KEYRING_FILE_ENV];
    return path ? Keyring.fromFile(path) : undefined;
  }

  /** Reads the keyring at `path`, first creating it (one fresh key, mode 0600, in a directory
   *  made 0700) if absent: the embedded default, which must work with no configuration. */
  static async loadOrCreate(path: string): Promise<Keyring> {
    const doc = { active: 'k1', keys: { k1: Keyring.generateKey() } };
    await mkdir(dirname(path), { recursive: true, mode: 0o700 });
    try {
      // 'wx': never overwrite a keyring, even if another process created it a moment ago.
      await writeFile(path, `${JSON.stringify(doc, null, 2)}\n`, { flag: 'wx', mode: 0o600 });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    return Keyring.fromFile(path);
  }

  /** A new random key, base64, for a keyring file. */
  static generateKey(): string {
    return randomBytes(KEY_BYTES).toString('base64');
  }

  get activeKeyId(): string {
    return this.#data.active;
  }

  ids(): string[] {
    return [...this.#data.keys.keys()];
  }

  key(id: string): Buffer {
    const key = this.#data.keys.get(id);
    if (!key) {
      throw new KeyringError('UNKNOWN_KEY', `key "${id}" is not in the keyring (it holds ${this.ids().join(', ')})`);
    }
    return key;
  }

  /** Re-reads the file; `accept` may veto the new key ids (by throwing) before they take effect.
   *  On any error the current keys stay in force and the error is thrown. */
  async reload(accept?: (ids: readonly string[]) => void | Promise<void>): Promise<void> {
    if (!this.path) throw new KeyringError('NO_SOURCE', 'this keyring was not read from a file; nothing to reload');
    const data = await readKeyringFile(this.path);
    await accept?.([...data.keys.keys()]);
    this.#data = data;
  }

  // Never let key material reach logs.
  toJSON(): { active: string; ids: string[] } {
    return { active: this.activeKeyId, ids: this.ids() };
  }

  [inspect.custom](): string {
    return `Keyring(active=${this.activeKeyId}, ids=${this.ids().join(',')})`;
  }
}
