// How long a request may take to arrive and how many event streams may be open: without them a
// request whose body never finishes held its connection for good, and one client could open
// streams without end. The timeouts bound the request only (Node checks them until the request
// is received in full): an event stream's response runs as long as its client stays.

export interface HttpLimits {
  /** The whole request, headers and body, must arrive within this; else 408 REQUEST_TIMEOUT. */
  requestTimeoutMs: number;
  /** The request headers must arrive within this (at most requestTimeoutMs). */
  headersTimeoutMs: number;
  /** Open event streams (`GET /events?watch=true`) on this replica; past it, 429. */
  maxEventStreams: number;
  /** Open event streams of one token subject on this replica; past it, 429. */
  maxEventStreamsPerSubject: number;
}

export const DEFAULT_HTTP_LIMITS: HttpLimits = {
  // A 1 MiB body (the largest accepted) arrives in 30 s even at some 35 kB/s.
  requestTimeoutMs: 30_000,
  headersTimeoutMs: 10_000,
  maxEventStreams: 1_000,
  maxEventStreamsPerSubject: 10,
};

/** How often Node looks for requests past their timeouts: a fraction of the shortest, so one is
 *  closed at most a quarter late (Node's own default is every 30 s). */
export function timeoutCheckIntervalMs(limits: Pick<HttpLimits, 'requestTimeoutMs' | 'headersTimeoutMs'>): number {
  return Math.max(50, Math.min(30_000, Math.floor(Math.min(limits.requestTimeoutMs, limits.headersTimeoutMs) / 4)));
}
