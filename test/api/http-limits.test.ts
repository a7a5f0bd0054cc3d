// Request timeouts and event stream limits over real sockets: a request that never arrives in
// full is closed within the configured timeout (an event stream is not), and each subject gets
// only so many open streams, the server only so many in all.
import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createTokenVerifier } from '../../src/security/auth.js';
import { ADMIN, startHarness, TEST_SECRET, type Harness } from './support/harness.js';

const TIMEOUT_MS = 1_000;

let h: Harness;
let port: number;
let base: string;
beforeAll(async () => {
  h = await startHarness({
    eventHeartbeatMs: 200,
    limits: { requestTimeoutMs: TIMEOUT_MS, headersTimeoutMs: TIMEOUT_MS, maxEventStreamsPerSubject: 2, maxEventStreams: 3 },
  });
  await h.app.listen({ host: '127.0.0.1', port: 0 });
  port = (h.app.server.address() as AddressInfo).port;
  base = `http://127.0.0.1:${port}`;
});
afterAll(() => h?.close());

/** Sends `head` on a raw socket and never more; resolves with what came back and when the
 *  server closed the connection (or `undefined` after 5 s: still open). */
function sendAndStall(head: string): Promise<{ answer: string; closedAfterMs: number | undefined }> {
  return new Promise((resolve) => {
    const started = Date.now();
    const socket = connect(port, '127.0.0.1', () => socket.write(head));
    let answer = '';
    socket.on('data', (d) => (answer += String(d)));
    socket.on('error', () => undefined);
    const deadline = setTimeout(() => {
      socket.destroy();
      resolve({ answer, closedAfterMs: undefined });
    }, 5_000);
    socket.on('close', () => {
      clearTimeout(deadline);
      resolve({ answer, closedAfterMs: Date.now() - started });
    });
  });
}

describe('request timeouts', () => {
  it('a body that never finishes is answered 408 REQUEST_TIMEOUT and closed within the timeout', async () => {
    const token = await h.token(ADMIN);
    const { answer, closedAfterMs } = await sendAndStall(
      `POST /api/v1/tenants HTTP/1.1\r\nHost: kubenova\r\nAuthorization: Bearer ${token}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"name":`,
    );
    expect(closedAfterMs).toBeDefined();
    expect(closedAfterMs!).toBeGreaterThanOrEqual(TIMEOUT_MS - 100);
    expect(closedAfterMs!).toBeLessThan(TIMEOUT_MS * 2.5);
    expect(answer).toMatch(/^HTTP\/1\.1 408 /);
    expect(JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4))).toEqual({ code: 'REQUEST_TIMEOUT', message: expect.any(String), details: [] });
  });

  it('headers that never finish are closed within the timeout', async () => {
    const { closedAfterMs } = await sendAndStall('GET /healthz HTTP/1.1\r\nHost: kubenova\r\nX-Slow: ');
    expect(closedAfterMs).toBeDefined();
    expect(closedAfterMs!).toBeLessThan(TIMEOUT_MS * 2.5);
  });

  it('an event stream outlives the request timeout', async () => {
    const abort = new AbortController();
    const res = await fetch(`${base}/api/v1/events?watch=true`, {
      headers: { authorization: `Bearer ${await h.token({ roles: ['platform-admin'], subject: 'long-reader' })}` },
      signal: abort.signal,
    });
    expect(res.status).toBe(200);
    const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
    const started = Date.now();
    let text = '';
    try {
      // Heartbeats keep arriving well past the timeout: the stream was not cut.
      while (Date.now() - started < TIMEOUT_MS * 2) {
        const { value, done } = await reader.read();
        expect(done).toBe(false);
        text += value;
      }
      expect(text.split(': heartbeat').length - 1).toBeGreaterThanOrEqual(5);
    } finally {
      abort.abort();
    }
  });
});

describe('event stream limits', () => {
  /** Opens a stream as `subject`; an open one has sent its first comment. */
  const open = async (subject: string) => {
    const abort = new AbortController();
    const token = await h.token({ roles: ['read-only'], subject });
    const res = await fetch(`${base}/api/v1/events?watch=true`, { headers: { authorization: `Bearer ${token}` }, signal: abort.signal });
    if (res.status === 200) await res.body!.getReader().read();
    return { res, close: () => abort.abort() };
  };

  it('the third stream of one subject is 429 TOO_MANY_STREAMS with Retry-After; another subject still gets one; past the total, 429 for all', async () => {
    const a1 = await open('alice');
    const a2 = await open('alice');
    expect([a1.res.status, a2.res.status]).toEqual([200, 200]);
    const a3 = await open('alice');
    expect(a3.res.status).toBe(429);
    expect(a3.res.headers.get('retry-after')).toMatch(/^[1-9][0-9]*$/);
    expect(await a3.res.json()).toEqual({ code: 'TOO_MANY_STREAMS', message: expect.stringContaining('you have as many event streams open'), details: [] });

    const b1 = await open('bob');
    expect(b1.res.status).toBe(200);
    // Three open in all: the server's limit, whoever asks.
    const c1 = await open('carol');
    expect(c1.res.status).toBe(429);
    expect(await c1.res.json()).toMatchObject({ code: 'TOO_MANY_STREAMS', message: expect.stringContaining('the server has') });

    // Closing a stream frees its slot (once the server saw the connection end).
    a1.close();
    await vi.waitFor(
      async () => {
        const again = await open('alice');
        again.close();
        expect(again.res.status).toBe(200);
      },
      { timeout: 5_000, interval: 100 },
    );
    for (const s of [a2, b1]) s.close();
    await vi.waitFor(
      async () => {
        const c2 = await open('carol');
        c2.close();
        expect(c2.res.status).toBe(200);
      },
      { timeout: 5_000, interval: 100 },
    );
  });
});

describe('a client gone before its stream opened', () => {
  let slow: Harness;
  let slowBase: string;
  beforeAll(async () => {
    // Authentication takes a while: long enough for the client to give up during it.
    const verifier = createTokenVerifier({ hs256Secret: TEST_SECRET });
    slow = await startHarness({
      verifier: { verify: async (token) => (await new Promise((r) => setTimeout(r, 300)), verifier.verify(token)) },
      limits: { maxEventStreamsPerSubject: 1 },
    });
    await slow.app.listen({ host: '127.0.0.1', port: 0 });
    slowBase = `http://127.0.0.1:${(slow.app.server.address() as AddressInfo).port}`;
  });
  afterAll(() => slow?.close());

  it('leaves no slot taken', async () => {
    const token = await slow.token({ roles: ['read-only'], subject: 'quitter' });
    const abort = new AbortController();
    const gone = fetch(`${slowBase}/api/v1/events?watch=true`, { headers: { authorization: `Bearer ${token}` }, signal: abort.signal }).catch(() => undefined);
    setTimeout(() => abort.abort(), 50);
    await gone;
    await new Promise((r) => setTimeout(r, 500)); // the handler ran, after the client left
    const again = new AbortController();
    const res = await fetch(`${slowBase}/api/v1/events?watch=true`, { headers: { authorization: `Bearer ${token}` }, signal: again.signal });
    again.abort();
    expect(res.status).toBe(200);
  });
});
