// The one LISTEN connection of a process: a pg.Client of its own (a pooled connection would be
// handed to other work, and LISTEN is per session). When PostgreSQL goes away it reconnects
// with capped exponential back-off, warning (never throwing) meanwhile, and reports a gap once
// it listens again: notifications sent while it was away are lost for good.
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { Listeners } from './changes.js';

export interface PgListenerOptions {
  /** Channels to LISTEN on (lower-case identifiers). */
  channels: readonly string[];
  /** First and largest delay between reconnection attempts; default 100 ms and 5 s. */
  backoff?: { initialMs: number; maxMs: number };
  /** How often an idle connection is checked with a query (a dead peer can stay silent); default 10 s. */
  checkIntervalMs?: number;
  warn?: (message: string) => void;
}

const CHECK_TIMEOUT_MS = 5_000;

export class PgListener {
  /** This process's (this store's) id in the announcements it sends. */
  readonly origin = randomUUID();
  readonly #url: string;
  readonly #opts: Required<PgListenerOptions>;
  readonly #handlers = new Map<string, (payload: string) => void>();
  readonly #gaps = new Listeners<void>();
  #client: pg.Client | undefined;
  #closed = false;
  #retry: { timer: NodeJS.Timeout; wake: () => void } | undefined;
  readonly #check: NodeJS.Timeout;

  private constructor(url: string, opts: PgListenerOptions) {
    for (const c of opts.channels) if (!/^[a-z_][a-z0-9_]*$/.test(c)) throw new Error(`invalid channel name "${c}"`);
    this.#url = url;
    this.#opts = {
      channels: opts.channels,
      backoff: opts.backoff ?? { initialMs: 100, maxMs: 5_000 },
      checkIntervalMs: opts.checkIntervalMs ?? 10_000,
      warn: opts.warn ?? ((m) => process.emitWarning(m)),
    };
    this.#check = setInterval(() => this.#checkConnection(), this.#opts.checkIntervalMs);
    this.#check.unref();
  }

  /** Listening once it resolves; fails (like the pool) when PostgreSQL cannot be reached now. */
  static async open(url: string, opts: PgListenerOptions): Promise<PgListener> {
    const listener = new PgListener(url, opts);
    try {
      await listener.#connect();
    } catch (err) {
      await listener.close();
      throw err;
    }
    return listener;
  }

  /** The one handler of a channel's payloads. */
  onNotification(channel: string, handler: (payload: string) => void): void {
    this.#handlers.set(channel, handler);
  }

  onGap(listener: () => void): () => void {
    return this.#gaps.add(listener);
  }

  get connected(): boolean {
    return this.#client !== undefined;
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearInterval(this.#check);
    if (this.#retry) {
      clearTimeout(this.#retry.timer);
      this.#retry.wake();
    }
    this.#gaps.clear();
    const client = this.#client;
    this.#client = undefined;
    await client?.end().catch(() => {});
  }

  async #connect(): Promise<void> {
    const client = new pg.Client({ connectionString: this.#url, application_name: 'kubenova-listen', keepAlive: true });
    client.on('error', (err) => this.#lost(client, err));
    client.on('end', () => this.#lost(client, new Error('connection ended')));
    client.on('notification', (n) => this.#handlers.get(n.channel)?.(n.payload ?? ''));
    try {
      await client.connect();
      for (const channel of this.#opts.channels) await client.query(`LISTEN ${channel}`);
    } catch (err) {
      await client.end().catch(() => {});
      throw err;
    }
    if (this.#closed) {
      await client.end().catch(() => {});
      return;
    }
    this.#client = client;
  }

  #checkConnection(): void {
    const client = this.#client;
    if (!client) return;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${CHECK_TIMEOUT_MS} ms`)), CHECK_TIMEOUT_MS);
    });
    Promise.race([client.query('SELECT 1'), timeout])
      .catch((err: Error) => this.#lost(client, err))
      .finally(() => clearTimeout(timer));
  }

  #lost(client: pg.Client, err: Error): void {
    if (client !== this.#client || this.#closed) return;
    this.#client = undefined;
    void client.end().catch(() => {});
    this.#opts.warn(`postgres change feed: LISTEN connection lost (${err.message}); reconnecting`);
    void this.#reconnect();
  }

  async #reconnect(): Promise<void> {
    const { initialMs, maxMs } = this.#opts.backoff;
    let delay = initialMs;
    for (let attempt = 1; !this.#closed; attempt++) {
      await new Promise<void>((wake) => {
        // Unref'd: a store left open while PostgreSQL is down must not keep the process alive.
        this.#retry = { timer: setTimeout(wake, delay).unref(), wake };
      });
      this.#retry = undefined;
      if (this.#closed) return;
      try {
        await this.#connect();
        if (this.#closed) return;
        this.#opts.warn(`postgres change feed: listening again after ${attempt} attempt(s)`);
        this.#gaps.emit();
        return;
      } catch (err) {
        // The first failure, then every tenth: enough to see the outage without flooding the log.
        if (attempt % 10 === 1) this.#opts.warn(`postgres change feed: reconnecting failed (${(err as Error).message}); still trying`);
        delay = Math.min(delay * 2, maxMs);
      }
    }
  }
}
