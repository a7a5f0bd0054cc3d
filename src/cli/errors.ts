// Everything that can end a CLI command early, and the one place that turns it into text on
// stderr and a process exit code. Exit codes: 1 general, 2 usage, 3 not found, 4 auth.

export const EXIT = { ok: 0, general: 1, usage: 2, notFound: 3, auth: 4 } as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** A failure detected by the CLI itself (bad flags, unreadable file, not logged in). */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCode = EXIT.general,
  ) {
    super(message);
  }
}

export function usageError(message: string): CliError {
  return new CliError(message, EXIT.usage);
}

/** The server's error body: `{code, message, details}`, with the HTTP status it came with. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
    readonly requestId?: string,
  ) {
    super(message);
  }

  get exitCode(): ExitCode {
    if (this.status === 401 || this.status === 403) return EXIT.auth;
    if (this.status === 404) return EXIT.notFound;
    return EXIT.general;
  }
}

/** An error already printed (several objects were processed); only its exit code is left. */
export class ReportedError extends Error {
  constructor(readonly original: unknown) {
    super('already reported');
  }
}

/** Renders an error for stderr (without trailing newline) and picks the exit code. */
export function describeError(err: unknown): { text: string; exitCode: ExitCode } {
  if (err instanceof ReportedError) return { text: '', exitCode: describeError(err.original).exitCode };
  if (err instanceof ApiError) {
    const lines = [`Error from server (${err.code}): ${err.message}`];
    const details = formatDetails(err.details);
    if (details) lines.push(details);
    if (err.requestId) lines.push(`  request id: ${err.requestId}`);
    return { text: lines.join('\n'), exitCode: err.exitCode };
  }
  if (err instanceof CliError) return { text: `error: ${err.message}`, exitCode: err.exitCode };
  const message = err instanceof Error ? err.message : String(err);
  return { text: `error: ${message}`, exitCode: EXIT.general };
}

function formatDetails(details: unknown): string | undefined {
  if (details === undefined || details === null) return undefined;
  if (Array.isArray(details)) {
    if (details.length === 0) return undefined;
    return details.map((d) => `  - ${formatDetail(d)}`).join('\n');
  }
  if (typeof details === 'object') {
    const entries = Object.entries(details as Record<string, unknown>);
    if (entries.length === 0) return undefined;
    return entries.map(([k, v]) => `  ${k}: ${formatDetail(v)}`).join('\n');
  }
  // eslint-disable-next-line @typescript-eslint/no-base-to-string -- a primitive here: null, arrays and objects were handled above
  return `  ${String(details)}`;
}

function formatDetail(d: unknown): string {
  if (typeof d === 'string') return d;
  if (d && typeof d === 'object') {
    const o = d as Record<string, unknown>;
    // The API's `{field, reason}`, and other common shapes: `{path|instancePath, message}`.
    const where = o.field ?? o.path ?? o.instancePath;
    const why = o.reason ?? o.message;
    if (typeof why === 'string') return where ? `${typeof where === 'string' ? where : JSON.stringify(where)}: ${why}` : why;
  }
  return JSON.stringify(d);
}
