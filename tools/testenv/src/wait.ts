import { setTimeout as sleep } from 'node:timers/promises';

export interface WaitOptions {
  timeoutMs: number;
  intervalMs?: number;
  /** Rejects early (e.g. when a component process exits) instead of waiting out the timeout. */
  abort?: Promise<never>;
}

/**
 * Polls `check` until it returns a value other than undefined/false. Errors thrown by `check`
 * count as "not yet"; the last one is reported on timeout.
 */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined | false>, opts: WaitOptions): Promise<T> {
  const deadline = Date.now() + opts.timeoutMs;
  let lastError: unknown;
  let aborted = false;
  const poll = async (): Promise<T> => {
    while (!aborted) {
      try {
        const result = await check();
        if (result !== undefined && result !== false) return result;
      } catch (err) {
        lastError = err;
      }
      if (Date.now() >= deadline) {
        const detail = lastError instanceof Error ? `: ${lastError.message}` : '';
        throw new Error(`timed out after ${opts.timeoutMs} ms waiting for ${what}${detail}`);
      }
      await sleep(opts.intervalMs ?? 250);
    }
    throw new Error(`stopped waiting for ${what}`);
  };
  if (!opts.abort) return poll();
  try {
    return await Promise.race([poll(), opts.abort]);
  } finally {
    aborted = true;
  }
}
