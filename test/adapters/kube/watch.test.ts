import { describe, expect, it } from 'vitest';
import { backoffDelay } from '../../../src/adapters/kube/watch.js';

describe('watch back-off', () => {
  const t = { minBackoffMs: 500, maxBackoffMs: 30_000 };
  it.each([
    { attempt: 1, low: 250, high: 500 },
    { attempt: 2, low: 500, high: 1_000 },
    { attempt: 4, low: 2_000, high: 4_000 },
    { attempt: 7, low: 15_000, high: 30_000 },
    { attempt: 50, low: 15_000, high: 30_000 },
  ])('attempt $attempt waits between $low and $high ms (equal jitter, capped)', ({ attempt, low, high }) => {
    expect(backoffDelay(attempt, t, () => 0)).toBe(low);
    expect(backoffDelay(attempt, t, () => 1)).toBe(high);
  });
});
