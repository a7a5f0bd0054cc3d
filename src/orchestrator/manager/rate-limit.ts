// How long a key waits before it is worked on again: the larger of a per-key exponential
// back-off (failures of that key) and a global token bucket (all keys), like client-go's
// default controller rate limiter. Time is injected so tests are exact.

export interface BackoffOptions {
  baseDelayMs: number;
  maxDelayMs: number;
}

export class PerKeyBackoff {
  private readonly failures = new Map<string, number>();
  constructor(private readonly opts: BackoffOptions) {}

  /** Records one more failure of `key` and returns its delay: base * 2^(failures-1), capped. */
  next(key: string): number {
    const n = (this.failures.get(key) ?? 0) + 1;
    this.failures.set(key, n);
    return Math.min(this.opts.maxDelayMs, this.opts.baseDelayMs * 2 ** Math.min(n - 1, 52));
  }

  failuresOf(key: string): number {
    return this.failures.get(key) ?? 0;
  }

  forget(key: string): void {
    this.failures.delete(key);
  }
}

export interface TokenBucketOptions {
  perSecond: number;
  burst: number;
}

export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    private readonly opts: TokenBucketOptions,
    private readonly now: () => number = Date.now,
  ) {
    this.tokens = opts.burst;
    this.last = now();
  }

  /** Takes one token and returns how long the caller must wait for it (0 if one was free). */
  reserve(): number {
    const t = this.now();
    this.tokens = Math.min(this.opts.burst, this.tokens + ((t - this.last) / 1000) * this.opts.perSecond);
    this.last = t;
    this.tokens -= 1;
    return this.tokens >= 0 ? 0 : Math.ceil((-this.tokens / this.opts.perSecond) * 1000);
  }
}
