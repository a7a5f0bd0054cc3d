// Several KubeNova replicas as real server processes sharing one PostgreSQL database, configured
// as an operator would run them: one keyring file, one HS256 secret, each its own port and
// replica id (KUBENOVA_REPLICA_ID=replica-<i>), each its own JSON log file.
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Role } from '../../src/domain/roles.js';
import { mintToken } from '../../src/security/auth-token.js';
import { Keyring } from '../../src/security/keyring.js';
import { startServer, type RunningServer } from './server-process.js';
import { tempDir } from './stores.js';

// Three tsx processes starting at once on two busy cores take a while.
const STARTUP_TIMEOUT_MS = 180_000;

export interface ReplicaSetOptions {
  n: number;
  /** The database all replicas share. */
  databaseUrl: string;
  /** More KUBENOVA_* variables, for every replica. */
  extraEnv?: Record<string, string>;
  /** KUBENOVA_LOG_LEVEL (default info). */
  logLevel?: string;
}

export interface ReplicaSet {
  readonly size: number;
  /** The directory with the keyring and the replicas' log files (removed after the test file). */
  readonly dir: string;
  /** The current process of replica i (after restart(i), the new one). */
  replica(i: number): RunningServer;
  /** Its id, KUBENOVA_REPLICA_ID. */
  id(i: number): string;
  /** Where replica i's processes append their log lines. */
  logFile(i: number): string;
  kill(i: number, signal: NodeJS.Signals): void;
  /** A new process for replica i: same id, same environment; a running one is SIGTERMed and
   *  waited for first. */
  restart(i: number): Promise<RunningServer>;
  /** SIGTERM to every running replica; their exit codes, by index. */
  stopAll(): Promise<(number | null)[]>;
  /** A token every replica accepts. */
  token(caller: { roles: Role[]; tenants?: string[]; subject?: string; ttlSeconds?: number }): Promise<string>;
}

export async function startReplicas(opts: ReplicaSetOptions): Promise<ReplicaSet> {
  const dir = await tempDir('replicas');
  const keyringFile = join(dir, 'keyring.json');
  await writeFile(keyringFile, JSON.stringify({ active: 'k1', keys: { k1: Keyring.generateKey() } }), { mode: 0o600 });
  const jwtSecret = randomBytes(32).toString('hex');
  const ids = Array.from({ length: opts.n }, (_, i) => `replica-${i}`);
  const envOf = (i: number): Record<string, string> => ({
    KUBENOVA_DATABASE_URL: opts.databaseUrl,
    KUBENOVA_KEYRING_FILE: keyringFile,
    KUBENOVA_JWT_SECRET: jwtSecret,
    KUBENOVA_HOST: '127.0.0.1',
    KUBENOVA_PORT: '0', // the kernel's pick: no race for a free port
    KUBENOVA_LOG_LEVEL: opts.logLevel ?? 'info',
    KUBENOVA_REPLICA_ID: ids[i]!,
    ...opts.extraEnv,
  });
  const logFile = (i: number) => join(dir, `${ids[i]}.log`);
  const launch = (i: number) => startServer({ env: envOf(i), logFile: logFile(i), startupTimeoutMs: STARTUP_TIMEOUT_MS });

  const starts = await Promise.allSettled(ids.map((_, i) => launch(i)));
  const failed = starts.find((s) => s.status === 'rejected');
  if (failed) {
    for (const s of starts) if (s.status === 'fulfilled') s.value.kill('SIGKILL');
    throw failed.reason;
  }
  const processes = starts.map((s) => (s as PromiseFulfilledResult<RunningServer>).value);
  const at = (i: number) => {
    const p = processes[i];
    if (!p) throw new Error(`no replica ${i}: there are ${processes.length}`);
    return p;
  };
  const secret = new TextEncoder().encode(jwtSecret);

  return {
    size: opts.n,
    dir,
    replica: at,
    id: (i) => (at(i), ids[i]!),
    logFile,
    kill: (i, signal) => at(i).kill(signal),
    restart: async (i) => {
      await at(i).stop();
      processes[i] = await launch(i);
      return processes[i];
    },
    stopAll: () => Promise.all(processes.map((p) => p.stop())),
    token: ({ roles, tenants, subject = 'admin', ttlSeconds = 3600 }) => mintToken(secret, { subject, roles, tenants, ttlSeconds }),
  };
}
