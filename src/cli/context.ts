// What every command gets: where to write, the environment, and a lazily built API client from
// the config file and env overrides. Tests build one with captured output and their own env.
import { ApiClient } from './client.js';
import { configPath, loadConfig, resolveCredentials, type Credentials, type Env } from './config.js';
import { renewExpiredIdToken } from './oidc-session.js';

export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  readStdin(): Promise<string>;
  env: Env;
  fetch: typeof fetch;
  now(): Date;
}

export function processIo(): CliIo {
  return {
    out: (t) => process.stdout.write(t),
    err: (t) => process.stderr.write(t),
    readStdin: async () => {
      const chunks: Buffer[] = [];
      for await (const c of process.stdin) chunks.push(c as Buffer);
      return Buffer.concat(chunks).toString('utf8');
    },
    env: process.env,
    fetch: globalThis.fetch,
    now: () => new Date(),
  };
}

export class CliContext {
  private clientPromise?: Promise<ApiClient>;

  constructor(readonly io: CliIo) {}

  get configPath(): string {
    return configPath(this.io.env);
  }

  /** Prints a line (or block) to stdout; adds the trailing newline when missing. */
  print(text: string): void {
    this.io.out(text.endsWith('\n') ? text : text + '\n');
  }

  warn(text: string): void {
    this.io.err(`warning: ${text}\n`);
  }

  async credentials(): Promise<Credentials> {
    const { config, warning } = await loadConfig(this.configPath);
    if (warning && config.token && !this.io.env.KUBENOVA_TOKEN) this.warn(warning);
    if (!this.io.env.KUBENOVA_TOKEN) await renewExpiredIdToken(this.configPath, config, this.io.now());
    return resolveCredentials(this.io.env, config);
  }

  client(): Promise<ApiClient> {
    this.clientPromise ??= this.credentials().then((c) => new ApiClient(c.server, c.token, this.io.fetch));
    return this.clientPromise;
  }
}
