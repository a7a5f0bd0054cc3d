// Query times: strict RFC 3339, within what both store backends can compare against.
import { describe, expect, test } from 'vitest';
import { parseTimestamp } from '../../src/api/timestamps.js';

describe('parseTimestamp', () => {
  const accepted: { input: string; want: string; reason: string }[] = [
    { input: '2026-01-31T12:00:00Z', want: '2026-01-31T12:00:00.000Z', reason: 'the documented example' },
    { input: '2026-01-31T12:00:00.123456789+05:30', want: '2026-01-31T06:30:00.123Z', reason: 'fractions and offsets, normalised to UTC' },
    { input: '2026-01-31 12:00:00z', want: '2026-01-31T12:00:00.000Z', reason: 'RFC 3339 allows a space and lowercase t/z' },
    { input: '2024-02-29', want: '2024-02-29T00:00:00.000Z', reason: 'a full date is its midnight UTC (a leap day)' },
    { input: '0001-01-01T00:00:00Z', want: '0001-01-01T00:00:00.000Z', reason: 'the earliest accepted instant' },
    { input: '9999-12-31T23:59:59.999999Z', want: '9999-12-31T23:59:59.999Z', reason: 'the latest accepted instant (to the millisecond)' },
  ];
  test.each(accepted)('$input → $want ($reason)', ({ input, want }) => {
    expect(parseTimestamp(input)).toBe(want);
  });

  const refused: { input: string; reason: string }[] = [
    { input: '99999', reason: 'a bare number Date.parse reads as year 99999' },
    { input: '1', reason: 'a bare number Date.parse reads as 2001' },
    { input: '275760-09-13', reason: "JavaScript's last date: no RFC 3339 form, and PostgreSQL refuses its text" },
    { input: '-000001-01-01', reason: 'an expanded negative year' },
    { input: '+010000-01-01', reason: 'an expanded year beyond 9999' },
    { input: '0000-01-01T00:00:00Z', reason: 'year 0 is outside timestamptz input' },
    { input: '0001-01-01T00:30:00+01:00', reason: 'year 1 locally, but year 0 in UTC' },
    { input: '9999-12-31T23:59:59-00:01', reason: 'year 9999 locally, but year 10000 in UTC' },
    { input: '2026-02-31T00:00:00Z', reason: 'a day the month lacks (Date.parse rolls it into March)' },
    { input: '2023-02-29', reason: 'not a leap year' },
    { input: '2026-01-31T24:00:00Z', reason: 'hour 24' },
    { input: '2026-01-31T12:00:60Z', reason: 'a leap second cannot be represented' },
    { input: '2026-01-31T12:00:00', reason: 'a date-time needs its offset' },
    { input: 'yesterday', reason: 'not a time' },
    { input: 'Jan 31 2026', reason: 'another format Date.parse would take' },
  ];
  test.each(refused)('$input → refused ($reason)', ({ input }) => {
    expect(parseTimestamp(input)).toBeUndefined();
  });
});
