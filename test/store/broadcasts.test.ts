// What a change announcement keeps when it is too large for one PostgreSQL NOTIFY: enough to
// re-read the object, and which phases changed (triggers wake on those), or, when even that is
// too large, an announcement every receiver takes for a full change.
import { describe, expect, test } from 'vitest';
import { essentialChange } from '../../src/store/broadcasts.js';
import { MAX_PAYLOAD_BYTES } from '../../src/store/pg-broadcast.js';
import type { ChangeEvent } from '../../src/store/types.js';

const transitions = (clusters: number, messageLength: number) =>
  Array.from({ length: clusters }, (_, i) => ({
    cluster: `c${i}`,
    from: 'Applying' as const,
    to: 'Error' as const,
    reason: 'Failed',
    message: 'x'.repeat(messageLength),
  }));

/** What every announcement keeps: enough to re-read the object, and whose write it was. */
const ESSENTIAL = { type: 'updated', kind: 'Tenant', name: 'acme', tenant: 'acme', resourceVersion: '42', correlationId: 'req-1' } as const;
const event = (more: Partial<ChangeEvent>): ChangeEvent => ({ ...ESSENTIAL, actor: 'user:alice', ...more });

describe('essentialChange', () => {
  test('keeps which phases changed, without their messages, and that only the status did', () => {
    const big = event({ statusOnly: true, transitions: transitions(3, 4_000) });
    expect(Buffer.byteLength(JSON.stringify(big))).toBeGreaterThan(MAX_PAYLOAD_BYTES);
    const kept = essentialChange(big);
    expect(kept).toEqual({ ...ESSENTIAL, statusOnly: true, transitions: transitions(3, 0) });
    expect(Buffer.byteLength(JSON.stringify(kept))).toBeLessThan(MAX_PAYLOAD_BYTES);
  });

  test('with phases changed on too many clusters to list, it is no longer marked status-only', () => {
    const kept = essentialChange(event({ statusOnly: true, transitions: transitions(500, 10) }));
    expect(kept).toEqual(ESSENTIAL);
  });

  test('a status-only change without phase changes stays status-only', () => {
    expect(essentialChange(event({ statusOnly: true }))).toMatchObject({ statusOnly: true });
    expect(essentialChange(event({ statusOnly: true }))).not.toHaveProperty('transitions');
  });
});
