// Embedded PostgreSQL (PGlite, WASM) persisted in one data directory: the zero-setup default.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { PGlite, type Transaction } from '@electric-sql/pglite';
import { tightenTree } from './data-dir-access.js';
import { lockDataDir } from './data-dir-lock.js';
import type { Database, Row, Sql } from './sql.js';

/** PGlite's own start parameters, with a smaller buffer pool: PostgreSQL touches all of its
 *  shared_buffers at start, 128 MB by default (RSS 301 MiB right after opening a database here,
 *  155 MiB with 16 MB). 32 MB holds 10,000 objects with their events several times over; what
 *  misses it is one read from the data directory's files (the OS caches them). */
export const PGLITE_START_PARAMS: readonly string[] = [...PGlite.defaultStartParams, '-c', 'shared_buffers=32MB'];

/** How often the tables are checked for growth (PGlite runs no autovacuum). */
const MAINTENANCE_INTERVAL_MS = 60_000;
/** The tables that grow with use: objects (and their dead versions), their records. */
const MAINTAINED_TABLES = ['objects', 'events', 'audit', 'revisions', 'secrets'];

export interface PgliteOptions {
  /** Create a new database in a short-lived child process, not in this one: creating one runs
   *  initdb and a second PostgreSQL instance in WebAssembly, whose memory (some 200 MiB of RSS)
   *  this process would keep after they are gone. For servers; tests open many small stores and
   *  skip the extra process. */
  initialiseApart?: boolean;
}

/** Opens (creating on first use) the database in `dataDir`. PGlite is single-session and
 *  serialises every query and transaction itself, so one instance owns the directory: a second
 *  open, from any process, fails with DataDirInUseError until the first is closed. */
export async function openPglite(dataDir: string, opts: PgliteOptions = {}): Promise<Database> {
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const lock = await lockDataDir(dataDir);
  let db: PGlite | undefined;
  try {
    if (opts.initialiseApart && !existsSync(join(dataDir, 'PG_VERSION'))) await initialiseApart(dataDir);
    db = await PGlite.create(dataDir, { startParams: [...PGLITE_START_PARAMS] });
    // PGlite writes a new database's files 0666 (and its relation cache files 0644), whatever
    // the umask: private again now, and after closing.
    await tightenTree(dataDir);
  } catch (err) {
    await db?.close();
    await lock.release();
    throw err;
  }
  const opened = db;
  const maintenance = maintain(opened);
  return {
    query: async <R extends Row>(text: string, params?: readonly unknown[]) => (await opened.query<R>(text, params ? [...params] : undefined)).rows,
    exec: async (text) => {
      await opened.exec(text);
    },
    transaction: (fn) => opened.transaction((tx) => fn(inTransaction(tx))),
    close: async () => {
      try {
        await maintenance.stop();
        await opened.close();
        await tightenTree(dataDir);
      } finally {
        await lock.release();
      }
    },
  };
}

function inTransaction(tx: Transaction): Sql {
  const sql: Sql = {
    query: async <R extends Row>(text: string, params?: readonly unknown[]) => (await tx.query<R>(text, params ? [...params] : undefined)).rows,
    exec: async (text) => {
      await tx.exec(text);
    },
    transaction: (fn) => fn(sql),
  };
  return sql;
}

/** Runs PGlite once in a child process on `dataDir`, which creates the database there. */
async function initialiseApart(dataDir: string): Promise<void> {
  const entry = pathToFileURL(createRequire(import.meta.url).resolve('@electric-sql/pglite')).href;
  const script = [
    `const { PGlite } = await import(${JSON.stringify(entry)});`,
    'const db = await PGlite.create(process.argv[1], { startParams: JSON.parse(process.argv[2]) });',
    'await db.close();',
  ].join('\n');
  await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script, dataDir, JSON.stringify(PGLITE_START_PARAMS)]);
}

/**
 * What autovacuum does on a server, which PGlite (one process, no background workers) never
 * does: without it the planner has no statistics (a list by label selector scanned every object
 * of its kind instead of using the labels' GIN index: 72 ms over 10,000 apps here) and dead
 * row versions are never reclaimed. Every minute, each growing table that has grown by a fifth
 * since it was last vacuumed (or never was) is vacuumed and analysed; once right after opening.
 * Each run queues like any query; stop() waits for a run in progress.
 */
function maintain(db: PGlite): { stop(): Promise<void> } {
  let running: Promise<void> | undefined;
  let stopped = false;
  const run = () => {
    if (running || stopped) return;
    running = (async () => {
      const { rows } = await db.query<{ relname: string }>(
        `SELECT relname FROM pg_class
          WHERE relkind = 'r' AND relnamespace = 'public'::regnamespace AND relname = ANY($1)
            AND pg_relation_size(oid) / current_setting('block_size')::int > relpages * 1.2 + 8`,
        [MAINTAINED_TABLES],
      );
      for (const { relname } of rows) {
        if (stopped) break;
        await db.exec(`VACUUM (ANALYZE) ${relname}`);
      }
    })()
      // Maintenance is best effort: a failed run is retried at the next interval.
      .catch(() => undefined)
      .finally(() => {
        running = undefined;
      });
  };
  const timer = setInterval(run, MAINTENANCE_INTERVAL_MS).unref();
  run();
  return {
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}
