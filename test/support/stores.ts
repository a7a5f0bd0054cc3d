// The two store backends as one list, so each store suite runs unchanged against both
// (describe.each(backends)). Every `fresh()` location is empty and private to the caller.
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { cp, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { afterAll, inject } from 'vitest';
import { Keyring } from '../../src/security/keyring.js';
import type { StoreConfig } from '../../src/store/factory.js';
import { openPglite } from '../../src/store/pglite.js';
import { openPostgres } from '../../src/store/postgres.js';
import type { Database } from '../../src/store/sql.js';
import { createTestDatabase } from './postgres.js';

export interface StoreLocation {
  /** Where the database keeps its files (for the postgres backend: the whole shared server). */
  dataDir: string;
  config(keyring?: Keyring): StoreConfig;
  /** The raw database, to look under the store. Embedded: only while no store has it open. */
  openDatabase(): Promise<Database>;
}

export interface StoreBackend {
  name: 'embedded' | 'postgres';
  fresh(): Promise<StoreLocation>;
}

const tempDirs = new Set<string>();
// Registered while the importing test file is collected, so it runs after that file's tests
// (vitest's workers are killed rather than exiting, so an 'exit' handler would not run).
afterAll(async () => {
  await Promise.all([...tempDirs].map((dir) => rm(dir, { recursive: true, force: true })));
  tempDirs.clear();
});

/** A new directory under the system temp dir, removed after the importing test file. */
export async function tempDir(prefix: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), `kubenova-${prefix}-`));
  tempDirs.add(dir);
  return dir;
}

// initdb of PGlite's WASM server takes ~10 s; a cleanly closed, freshly initialised data
// directory is built once per PGlite version and copied (~1 s) for every fresh store.
let template: Promise<string> | undefined;

function pgliteTemplate(): Promise<string> {
  template ??= (async () => {
    const pkg = join(dirname(createRequire(import.meta.url).resolve('@electric-sql/pglite')), '..', 'package.json');
    const { version } = createRequire(import.meta.url)(pkg) as { version: string };
    const dir = join(tmpdir(), `kubenova-pglite-template-${version}`);
    if (existsSync(dir)) return dir;
    const building = `${dir}.${randomBytes(4).toString('hex')}`;
    const db = await PGlite.create(building);
    await db.close();
    try {
      await rename(building, dir); // atomic: a half-built template is never visible
    } catch {
      await rm(building, { recursive: true, force: true }); // another worker won the race
    }
    return dir;
  })();
  return template;
}

const embedded: StoreBackend = {
  name: 'embedded',
  async fresh() {
    const dataDir = await tempDir('store');
    await cp(await pgliteTemplate(), join(dataDir, 'pglite'), { recursive: true });
    return {
      dataDir,
      config: (keyring) => ({ kind: 'embedded', dataDir, keyring }),
      openDatabase: () => openPglite(join(dataDir, 'pglite')),
    };
  },
};

const postgres: StoreBackend = {
  name: 'postgres',
  async fresh() {
    const url = await createTestDatabase(inject('postgresUrl'));
    return {
      dataDir: inject('postgresDataDir'),
      config: (keyring) => ({ kind: 'postgres', url, keyring: keyring ?? testKeyring() }),
      openDatabase: () => openPostgres(url, { maxConnections: 4 }),
    };
  },
};

export const backends: readonly StoreBackend[] = [embedded, postgres];

/** An in-memory keyring with one fresh key `k1`. */
export function testKeyring(): Keyring {
  return Keyring.fromJson({ active: 'k1', keys: { k1: Keyring.generateKey() } });
}

/** Writes a keyring file (for tests of reload and rotation) and loads it. */
export async function keyringFile(path: string, doc: { active: string; keys: Record<string, string> }): Promise<Keyring> {
  await writeFile(path, JSON.stringify(doc), { mode: 0o600 });
  return Keyring.fromFile(path);
}
