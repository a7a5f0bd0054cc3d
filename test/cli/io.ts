// A CliIo that captures stdout/stderr, for running CLI commands in-process.
import type { CliIo } from '../../src/cli/context.js';
import { run } from '../../src/cli/program.js';

export interface CapturedRun {
  code: number;
  stdout: string;
  stderr: string;
}

export function captureIo(env: Record<string, string | undefined>, opts: { stdin?: string; now?: Date } = {}) {
  let stdout = '';
  let stderr = '';
  const io: CliIo = {
    out: (t) => void (stdout += t),
    err: (t) => void (stderr += t),
    readStdin: () => Promise.resolve(opts.stdin ?? ''),
    env,
    fetch: globalThis.fetch,
    now: () => opts.now ?? new Date(),
  };
  return {
    io,
    get stdout() {
      return stdout;
    },
    get stderr() {
      return stderr;
    },
  };
}

/** Runs `kubenova <argv>` in-process with the given env. */
export async function kubenova(env: Record<string, string | undefined>, argv: string[], opts: { stdin?: string; now?: Date } = {}): Promise<CapturedRun> {
  const cap = captureIo(env, opts);
  const code = await run(argv, cap.io);
  return { code, stdout: cap.stdout, stderr: cap.stderr };
}

/** An unsigned JWT-shaped token with these claims (the CLI only decodes, never verifies). */
export function fakeJwt(claims: Record<string, unknown>): string {
  const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
  return `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64(claims)}.c2lnbmF0dXJl`;
}
