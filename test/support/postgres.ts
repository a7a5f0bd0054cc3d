// A throwaway PostgreSQL server for tests: Debian's server binaries, run on a free loopback
// port from a temp directory (trust auth, sockets in the directory, no fsync). As root, the
// server runs as the `postgres` OS user, since initdb refuses to run as root.
import { execFile, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { chown, mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

export interface PostgresServer {
  /** Superuser URL of the `postgres` database. */
  url: string;
  dataDir: string;
  stop(): Promise<void>;
  /** Outages: stops the server (fast shutdown: sessions are terminated) and starts it again on
   *  the same port and data directory. Only on a server of one's own, never the shared one. */
  halt(): Promise<void>;
  resume(): Promise<void>;
  /** `pg_ctl restart -m fast`. */
  restart(): Promise<void>;
}

/** The newest server installed by Debian's packages (/usr/lib/postgresql/<major>/bin). */
function serverBinDir(): string {
  const root = '/usr/lib/postgresql';
  const majors = existsSync(root)
    ? readdirSync(root)
        .filter((v) => existsSync(join(root, v, 'bin', 'initdb')))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  if (!majors[0]) throw new Error(`no PostgreSQL server under ${root}: install Debian's "postgresql" package`);
  return join(root, majors[0], 'bin');
}

interface OsUser {
  uid: number;
  gid: number;
  name: string;
}

function postgresOsUser(): OsUser | undefined {
  if (process.getuid?.() !== 0) return undefined;
  try {
    const [uid, gid] = ['-u', '-g'].map((flag) => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim()));
    return { uid: uid!, gid: gid!, name: 'postgres' };
  } catch {
    throw new Error('running as root, but there is no "postgres" OS user to run the server as');
  }
}

function command(bin: string, args: string[], user: OsUser | undefined): [string, string[]] {
  return user ? ['setpriv', [`--reuid=${user.uid}`, `--regid=${user.gid}`, '--init-groups', '--', bin, ...args]] : [bin, args];
}

function run(bin: string, args: string[], user: OsUser | undefined, cwd: string): Promise<void> {
  const [file, argv] = command(bin, args, user);
  return new Promise((resolve, reject) => {
    execFile(file, argv, { cwd }, (err, stdout, stderr) =>
      err ? reject(new Error(`${bin} ${args.join(' ')} failed: ${err.message}\n${stdout}${stderr}`)) : resolve(),
    );
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export async function startPostgres(): Promise<PostgresServer> {
  const bin = serverBinDir();
  const user = postgresOsUser();
  const base = await mkdtemp(join(tmpdir(), 'kubenova-pg-'));
  if (user) await chown(base, user.uid, user.gid);
  const dataDir = join(base, 'data');
  const pgCtl = join(bin, 'pg_ctl');
  await run(join(bin, 'initdb'), ['-D', dataDir, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--locale=C', '--no-sync'], user, base);

  // The port may be taken between probing and binding: retry with another.
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const options = [
      '-c listen_addresses=127.0.0.1',
      `-c port=${port}`,
      `-c unix_socket_directories=${base}`,
      '-c fsync=off',
      '-c synchronous_commit=off',
      '-c full_page_writes=off',
      '-c max_connections=200',
    ].join(' ');
    const log = join(base, 'postgres.log');
    try {
      await run(pgCtl, ['start', '-D', dataDir, '-l', log, '-w', '-t', '60', '-o', options], user, base);
    } catch (err) {
      if (attempt < 3) continue;
      throw err;
    }
    // Should the test process die without stop(), don't leave a server behind.
    const killOnExit = () => {
      const [file, argv] = command(pgCtl, ['stop', '-D', dataDir, '-m', 'immediate'], user);
      try {
        execFileSync(file, argv, { stdio: 'ignore' });
      } catch {
        // already stopped
      }
    };
    process.once('exit', killOnExit);
    return {
      url: `postgres://postgres@127.0.0.1:${port}/postgres`,
      dataDir,
      stop: async () => {
        process.off('exit', killOnExit);
        await run(pgCtl, ['stop', '-D', dataDir, '-m', 'fast', '-w'], user, base);
        await rm(base, { recursive: true, force: true });
      },
      halt: () => run(pgCtl, ['stop', '-D', dataDir, '-m', 'fast', '-w'], user, base),
      resume: () => run(pgCtl, ['start', '-D', dataDir, '-l', log, '-w', '-t', '60', '-o', options], user, base),
      restart: () => run(pgCtl, ['restart', '-D', dataDir, '-m', 'fast', '-l', log, '-w', '-t', '60', '-o', options], user, base),
    };
  }
}

/** A new, empty database on the server of `serverUrl`; returns its URL. Each test file
 *  creates its own, so files running in parallel never see each other's rows. */
export async function createTestDatabase(serverUrl: string): Promise<string> {
  const name = `kubenova_test_${randomBytes(6).toString('hex')}`;
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE ${name}`);
  } finally {
    await client.end();
  }
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.toString();
}
