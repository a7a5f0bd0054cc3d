// Reading `GET /api/v1/events?watch=true` over a real socket (Server-Sent Events).
import { expect } from 'vitest';
import type { EventRecord } from '../../../src/store/types.js';

/** Reads SSE frames of `base`'s event stream until `until` says enough (or 15 s passed), then
 *  closes it. */
export async function readEventStream(
  base: string,
  token: string,
  query: string,
  until: (frames: string[]) => boolean,
  headers: Record<string, string> = {},
): Promise<string[]> {
  const abort = new AbortController();
  const res = await fetch(`${base}/api/v1/events?watch=true&${query}`, {
    headers: { authorization: `Bearer ${token}`, ...headers },
    signal: abort.signal,
  });
  const frames: string[] = [];
  const deadline = setTimeout(() => abort.abort(), 15_000);
  try {
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '';
    while (!until(frames)) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += value;
      const parts = buffer.split('\n\n');
      buffer = parts.pop()!;
      frames.push(...parts);
    }
  } finally {
    clearTimeout(deadline);
    abort.abort();
  }
  return frames;
}

/** The events in SSE frames, with their ids. */
export const sseEvents = (frames: string[]) =>
  frames.filter((f) => f.includes('data: ')).map((f) => ({ id: /^id: (\d+)$/m.exec(f)![1]!, event: JSON.parse(/^data: (.*)$/m.exec(f)![1]!) as EventRecord }));
