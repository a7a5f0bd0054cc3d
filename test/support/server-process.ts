// The real server (src/main.ts) as a child process, as an operator runs it: `node --import tsx
// src/main.ts` with only the KUBENOVA_* variables a test gives. Its JSON log lines (stdout) can
// go to a file the test parses afterwards; stderr is kept for the "listening on" line and errors.
// Every process started here is SIGKILLed after the importing test file, or when the test
// process exits, should a test leave one behind.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterAll } from 'vitest';

const REPO_ROOT = resolve(import.meta.dirname, '../..');
const DEFAULT_STARTUP_TIMEOUT_MS = 60_000;

export interface ServerProcessOptions {
  /** The server's KUBENOVA_* variables: the only ones it sees (the rest of process.env is passed
   *  on without its KUBENOVA_* entries). */
  env: Record<string, string>;
  /** Appends stdout (the JSON log lines) to this file; without it stdout is discarded. */
  logFile?: string;
}

/** One parsed log line (pino: level label, time, msg, and the line's fields). */
export interface LogLine {
  level: string;
  msg?: string;
  [field: string]: unknown;
}

export interface ServerProcess {
  readonly pid: number;
  /** Everything it wrote to stderr so far. */
  stderr(): string;
  /** The JSON lines of the log file so far, every process that appended to it included; a
   *  line still being written is left out. Throws without a log file. */
  logLines(): LogLine[];
  /** Resolves once it has exited: its exit code, null when a signal ended it. */
  readonly exited: Promise<number | null>;
  /** Whether it has not exited yet. */
  running(): boolean;
  /** Sends a signal (no-op once exited): SIGKILL, SIGTERM, SIGSTOP, SIGCONT... */
  kill(signal: NodeJS.Signals): void;
  /** SIGTERM (and SIGCONT, should it be stopped), then its exit code. */
  stop(): Promise<number | null>;
}

export interface RunningServer extends ServerProcess {
  /** The address it printed, e.g. http://127.0.0.1:41234. */
  readonly url: string;
}

const started = new Set<ChildProcess>();
const isRunning = (child: ChildProcess) => child.exitCode === null && child.signalCode === null;
function killAll(): void {
  // Only the processes this module started, by pid, and only those still running.
  for (const child of started) if (isRunning(child)) child.kill('SIGKILL');
  started.clear();
}
// Registered while the importing test file is collected, so it runs after that file's tests;
// the 'exit' handler covers a test process that ends otherwise.
afterAll(killAll);
process.once('exit', killAll);

/** Starts the process without waiting for it to listen (e.g. to watch it refuse to start). */
export function launchServer(opts: ServerProcessOptions): ServerProcess {
  return spawnServer(opts).server;
}

function spawnServer(opts: ServerProcessOptions): { server: ServerProcess; child: ChildProcess } {
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('KUBENOVA_')));
  // The child writes its logs straight into the file: nothing is lost if this process is busy.
  const logFd = opts.logFile === undefined ? undefined : openSync(opts.logFile, 'a');
  let child: ChildProcess;
  try {
    child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      cwd: REPO_ROOT,
      env: { ...inherited, ...opts.env },
      stdio: ['ignore', logFd ?? 'ignore', 'pipe'],
    });
  } finally {
    if (logFd !== undefined) closeSync(logFd);
  }
  started.add(child);
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const server: ServerProcess = {
    pid: child.pid!,
    stderr: () => stderr,
    logLines: () => readLogLines(opts.logFile),
    exited,
    running: () => isRunning(child),
    kill: (signal) => {
      if (isRunning(child)) child.kill(signal);
    },
    stop: () => {
      if (isRunning(child)) {
        child.kill('SIGTERM');
        child.kill('SIGCONT'); // a SIGSTOPped process handles the SIGTERM once continued
      }
      return exited;
    },
  };
  return { server, child };
}

/** Starts the process and waits until it prints the address it listens on. */
export async function startServer(opts: ServerProcessOptions & { startupTimeoutMs?: number }): Promise<RunningServer> {
  const { server, child } = spawnServer(opts);
  const timeoutMs = opts.startupTimeoutMs ?? DEFAULT_STARTUP_TIMEOUT_MS;
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      server.kill('SIGKILL');
      reject(new Error(`no address within ${timeoutMs} ms:\n${server.stderr()}`));
    }, timeoutMs);
    const check = () => {
      const found = /KubeNova API listening on (http:\/\/\S+)/.exec(server.stderr())?.[1];
      if (found) {
        clearTimeout(timer);
        child.stderr!.off('data', check);
        resolve(found);
      }
    };
    child.stderr!.on('data', check);
    void server.exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`exited with ${code} before listening:\n${server.stderr()}`));
    });
  });
  return { ...server, url };
}

function readLogLines(file: string | undefined): LogLine[] {
  if (file === undefined) throw new Error('this server process was started without a log file');
  if (!existsSync(file)) return [];
  const text = readFileSync(file, 'utf8');
  // Only complete lines: the last one may be half written.
  return text
    .slice(0, text.lastIndexOf('\n') + 1)
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as LogLine);
}
