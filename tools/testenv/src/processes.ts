import { spawn } from 'node:child_process';
import { closeSync, openSync, writeFileSync } from 'node:fs';
import { readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/** What to run for one cluster component. */
export interface ProcessSpec {
  name: string;
  command: string;
  args: readonly string[];
  env?: Readonly<Record<string, string>>;
}

/** A component process started by this Node process. */
export interface RunningProcess {
  name: string;
  pid: number;
  logFile: string;
  /** Settles when the process exits (only observable by the Node process that spawned it). */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Where `startProcess` keeps a component's log, PID and spec. */
export interface ProcessDirs {
  logDir: string;
  pidDir: string;
  specDir: string;
}

/**
 * Starts a component in its own process group, with stdout and stderr appended to
 * `<logDir>/<name>.log`, its spec written to `<specDir>/<name>.json` (so `start` can run it
 * again exactly: same ports, certificates and data dir) and its PID to `<pidDir>/<name>.pid`
 * at once (so `down` can find it even when `up` dies half way). The child is unref'd so a
 * short-lived CLI can exit and leave it running; `stopProcess` ends it later by PID.
 */
export function startProcess(spec: ProcessSpec, dirs: ProcessDirs): RunningProcess {
  const logFile = join(dirs.logDir, `${spec.name}.log`);
  writeFileSync(join(dirs.specDir, `${spec.name}.json`), `${JSON.stringify(spec, null, 2)}\n`);
  const fd = openSync(logFile, 'a');
  try {
    const child = spawn(spec.command, spec.args, {
      detached: true,
      stdio: ['ignore', fd, fd],
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp', ...spec.env },
    });
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
      child.once('exit', (code, signal) => resolve({ code, signal }));
      child.once('error', () => resolve({ code: null, signal: null }));
    });
    child.unref();
    if (child.pid === undefined) throw new Error(`could not start ${spec.name} (${spec.command})`);
    writeFileSync(join(dirs.pidDir, `${spec.name}.pid`), `${child.pid}\n`);
    return { name: spec.name, pid: child.pid, logFile, exited };
  } finally {
    closeSync(fd);
  }
}

/** The spec `startProcess` recorded for a component, or undefined. */
export async function recordedSpec(specDir: string, name: string): Promise<ProcessSpec | undefined> {
  try {
    return JSON.parse(await readFile(join(specDir, `${name}.json`), 'utf8')) as ProcessSpec;
  } catch {
    return undefined;
  }
}

/** Every spec recorded in `specDir`. */
export async function recordedSpecs(specDir: string): Promise<ProcessSpec[]> {
  let files: string[];
  try {
    files = await readdir(specDir);
  } catch {
    return [];
  }
  const specs = await Promise.all(files.filter((f) => f.endsWith('.json')).map((f) => recordedSpec(specDir, f.slice(0, -'.json'.length))));
  return specs.filter((spec): spec is ProcessSpec => spec !== undefined);
}

/** Forgets a stopped component's PID. */
export async function forgetPid(pidDir: string, name: string): Promise<void> {
  await rm(join(pidDir, `${name}.pid`), { force: true });
}

/** PIDs recorded by `startProcess` in `pidDir`, by component name. */
export async function recordedPids(pidDir: string): Promise<Record<string, number>> {
  const pids: Record<string, number> = {};
  let files: string[];
  try {
    files = await readdir(pidDir);
  } catch {
    return pids;
  }
  for (const file of files.filter((f) => f.endsWith('.pid'))) {
    const pid = Number.parseInt(await readFile(join(pidDir, file), 'utf8'), 10);
    if (Number.isInteger(pid) && pid > 1) pids[file.slice(0, -'.pid'.length)] = pid;
  }
  return pids;
}

/** Linux process state from /proc, or undefined when the PID does not exist. */
async function procState(pid: number): Promise<string | undefined> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    // Field 3, after the parenthesised command name (which may itself contain spaces).
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0];
  } catch {
    return undefined;
  }
}

/** Alive = exists and is not a zombie waiting to be reaped. */
export async function isAlive(pid: number): Promise<boolean> {
  const state = await procState(pid);
  return state !== undefined && state !== 'Z' && state !== 'X';
}

/**
 * True when `pid` is alive and its command line mentions `marker` (the cluster directory):
 * guards `down` against signalling an unrelated process that reused a recorded PID.
 */
export async function isOurProcess(pid: number, marker: string): Promise<boolean> {
  if (!(await isAlive(pid))) return false;
  try {
    const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8');
    return cmdline.includes(marker);
  } catch {
    return false;
  }
}

/**
 * Live processes whose executable is one of `commands` and whose command line mentions `marker`
 * (the cluster directory): what of a cluster runs, whether or not a PID file says so.
 */
export async function processesOf(commands: readonly string[], marker: string): Promise<number[]> {
  const found: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    if (pid === process.pid) continue;
    try {
      const argv = (await readFile(`/proc/${pid}/cmdline`, 'utf8')).split('\0');
      if (commands.includes(argv[0] ?? '') && argv.some((arg) => arg.includes(marker)) && (await isAlive(pid))) found.push(pid);
    } catch {
      // exited while we looked
    }
  }
  return found;
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    // Negative PID: the whole process group the component leads (spawned with detached: true).
    process.kill(-pid, signal);
  } catch {
    try {
      process.kill(pid, signal);
    } catch {
      // already gone
    }
  }
}

/** Resident memory of a process in KiB (0 when gone). */
export async function rssKiB(pid: number): Promise<number> {
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    return Number(/^VmRSS:\s+(\d+)/m.exec(status)?.[1] ?? 0);
  } catch {
    return 0;
  }
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves once the process is gone. */
export async function stopProcess(pid: number, graceMs = 5_000): Promise<void> {
  if (!(await isAlive(pid))) return;
  signalGroup(pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if (!(await isAlive(pid))) return;
    await sleep(100);
  }
  signalGroup(pid, 'SIGKILL');
  for (let i = 0; i < 50 && (await isAlive(pid)); i++) await sleep(100);
}

/** Last `lines` lines of a log file, for error messages. */
export async function logTail(logFile: string, lines = 20): Promise<string> {
  try {
    return (await readFile(logFile, 'utf8')).trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}
