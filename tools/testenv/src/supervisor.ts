import type { ClusterLayout } from './layout.js';
import { processDirs } from './layout.js';
import type { ProcessSpec, RunningProcess } from './processes.js';
import { logTail, startProcess } from './processes.js';

/**
 * Starts the processes of one `up` and watches them while `up` runs: a component exiting early
 * (or the caller's AbortSignal) rejects `aborted` (with the component's log tail), which every
 * wait of `up` races against, so a crash fails `up` at once instead of after a timeout.
 */
export class Supervisor {
  readonly started: RunningProcess[] = [];
  readonly aborted: Promise<never>;
  private rejectAborted: (err: Error) => void = () => {};
  private released = false;

  constructor(
    private readonly layout: ClusterLayout,
    private readonly signal?: AbortSignal,
  ) {
    this.aborted = new Promise<never>((_, reject) => (this.rejectAborted = reject));
    this.aborted.catch(() => {}); // observed through the waits; never an unhandled rejection
    signal?.addEventListener('abort', () => this.rejectAborted(new Error('up was interrupted')), { once: true });
  }

  start(spec: ProcessSpec): RunningProcess {
    // Once interrupted, nothing new may start: teardown must see every PID there will be.
    if (this.signal?.aborted) throw new Error(`up was interrupted before starting ${spec.name}`);
    const proc = startProcess(spec, processDirs(this.layout));
    this.started.push(proc);
    void proc.exited.then(async ({ code, signal }) => {
      if (this.released) return;
      const tail = await logTail(proc.logFile);
      this.rejectAborted(new Error(`${proc.name} exited (code ${code}, signal ${signal}) during up; ${proc.logFile}:\n${tail}`));
    });
    return proc;
  }

  /** `up` is over (done or failed): exits from now on are not its business. */
  release(): void {
    this.released = true;
  }

  pids(): Record<string, number> {
    return Object.fromEntries(this.started.map((p) => [p.name, p.pid]));
  }
}
