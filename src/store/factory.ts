// Opening a store: pick the database, resolve the keyring, migrate, assemble the repositories.
import { join } from 'node:path';
import { Keyring, KEYRING_FILE_ENV } from '../security/keyring.js';
import { localBroadcasts, openPgBroadcasts, type StoreBroadcasts } from './broadcasts.js';
import { securePrivateDir } from './data-dir-access.js';
import { rotateKeys } from './key-rotation.js';
import { SqlShardLeases } from './leases.js';
import { holdLivenessLock } from './liveness.js';
import { migrate } from './migrations.js';
import { ObjectCache, SqlObjectStore } from './objects.js';
import { openPglite } from './pglite.js';
import { openPostgres } from './postgres.js';
import { SqlAuditLog, SqlEventStore } from './records.js';
import { SqlRevisionStore } from './revisions.js';
import { SqlSecretStore } from './secrets.js';
import type { Database } from './sql.js';
import type { Coordination, Store } from './types.js';
import { SqlUsageStore } from './usage.js';

export type StoreConfig =
  /** PGlite in `<dataDir>/pglite`; without a keyring (given, or KUBENOVA_KEYRING_FILE), one is
   *  created in `<dataDir>/keyring.json`. The directory is made private (data-dir-access.ts). */
  | {
      kind: 'embedded';
      dataDir: string;
      keyring?: Keyring;
      /** A new database is created in a child process (servers: see PgliteOptions). */
      initialiseApart?: boolean;
    }
  /** A PostgreSQL server; the keyring must be given or named by KUBENOVA_KEYRING_FILE. */
  | {
      kind: 'postgres';
      url: string;
      keyring?: Keyring;
      /** The pool's size; the change feed's LISTEN connection comes on top. */
      maxConnections?: number;
      /** Where connection trouble is reported (PostgreSQL down, reconnecting, back); default
       *  process.emitWarning. */
      warn?: (message: string) => void;
    };

/** A store, with the keyring its secrets use. */
export interface OpenedStore extends Store {
  readonly keyring: Keyring;
}

/** Objects the embedded store keeps in memory (~2 KiB each as a JavaScript object). */
const EMBEDDED_CACHED_OBJECTS = 10_000;

export async function createStore(config: StoreConfig): Promise<OpenedStore> {
  // Before anything is written there: the keyring, the database.
  if (config.kind === 'embedded') await securePrivateDir(config.dataDir);
  const keyring = config.keyring ?? (await Keyring.fromEnv()) ?? (await defaultKeyring(config));
  const db =
    config.kind === 'embedded'
      ? await openPglite(join(config.dataDir, 'pglite'), { initialiseApart: config.initialiseApart })
      : await openPostgres(config.url, { maxConnections: config.maxConnections, warn: config.warn });
  // Replicas coordinate only on a server; the embedded store belongs to one process.
  const coordination: Coordination | undefined =
    config.kind === 'postgres'
      ? { leases: new SqlShardLeases(db), holdLiveness: (lockId, onError) => holdLivenessLock({ url: config.url, lockId, onError }) }
      : undefined;
  let broadcasts: StoreBroadcasts | undefined;
  try {
    broadcasts = config.kind === 'embedded' ? localBroadcasts() : await openPgBroadcasts(config.url, db, config.warn && { warn: config.warn });
    // Only this process writes an embedded store: objects read by name can be kept in memory.
    return await openStoreOn(db, keyring, broadcasts, coordination, config.kind === 'embedded' ? { cachedObjects: EMBEDDED_CACHED_OBJECTS } : {});
  } catch (err) {
    await broadcasts?.close();
    await db.close();
    throw err;
  }
}

async function defaultKeyring(config: StoreConfig): Promise<Keyring> {
  if (config.kind === 'embedded') return Keyring.loadOrCreate(join(config.dataDir, 'keyring.json'));
  throw new Error(`the postgres store needs a keyring: set ${KEYRING_FILE_ENV} to a keyring file`);
}

/** Migrates `db` and builds the store on it; closing the store closes `db` and `broadcasts`. */
export async function openStoreOn(
  db: Database,
  keyring: Keyring,
  broadcasts: StoreBroadcasts = localBroadcasts(),
  coordination?: Coordination,
  opts: { cachedObjects?: number } = {},
): Promise<OpenedStore> {
  await migrate(db);
  let closing: Promise<void> | undefined;
  const secrets = new SqlSecretStore(db, keyring);
  const events = new SqlEventStore(db, broadcasts.events);
  const audit = new SqlAuditLog(db);
  return {
    objects: new SqlObjectStore(db, broadcasts.changes, keyring, { events, audit }, opts.cachedObjects ? new ObjectCache(opts.cachedObjects) : undefined),
    revisions: new SqlRevisionStore(db),
    secrets,
    events,
    audit,
    usage: new SqlUsageStore(db),
    keyring,
    rotateKeys: () => rotateKeys(keyring, secrets),
    ping: async () => {
      await db.query('SELECT 1');
    },
    ...(coordination && { coordination }),
    close: () => {
      closing ??= (async () => {
        await broadcasts.close();
        await db.close();
      })();
      return closing;
    },
  };
}
