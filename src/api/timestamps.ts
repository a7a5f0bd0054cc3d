// Times given in a query (`since`): RFC 3339 only, and only within what both store backends can
// compare against. PostgreSQL's timestamptz spans 4713 BC to 294276 AD, but a time outside
// years 0001-9999 has no RFC 3339 form (and JavaScript's expanded ISO years, `+010000-…`,
// `-000001-…`, are text PostgreSQL refuses): such a query failed in the database, a 500.
// Date.parse alone is no check: it takes `99999`, `1` or `2026-02-31` (as March 3rd).

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?([Zz]|[+-](\d{2}):(\d{2})))?$/;

/** The earliest and latest instants accepted (UTC), as the accepted range is documented. */
export const EARLIEST = '0001-01-01T00:00:00Z';
export const LATEST = '9999-12-31T23:59:59.999Z';
const MIN_MS = Date.parse(EARLIEST);
const MAX_MS = Date.parse(LATEST);

/** The reason a time parameter is refused (it never quotes the value). */
export const TIME_REASON = `must be an RFC 3339 time from ${EARLIEST} to 9999-12-31T23:59:59Z, e.g. 2026-01-31T12:00:00Z (a date alone means its midnight UTC)`;

const daysIn = (year: number, month: number): number => new Date(Date.UTC(year, month, 0)).getUTCDate();

/** `text` as a UTC ISO string the store takes, or undefined when it is not an RFC 3339 time (a
 *  full date-time, or a full date meaning its midnight UTC) within years 0001-9999 once in UTC. */
export function parseTimestamp(text: string): string | undefined {
  const m = RFC3339.exec(text);
  if (!m) return undefined;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (month < 1 || month > 12 || day < 1 || day > daysIn(year, month)) return undefined;
  if (m[4] !== undefined && (Number(m[4]) > 23 || Number(m[5]) > 59 || Number(m[6]) > 59)) return undefined;
  if (m[9] !== undefined && (Number(m[9]) > 23 || Number(m[10]) > 59)) return undefined;
  // Date.parse reads every form the pattern lets through (a space or lowercase t/z normalised).
  const iso = m[4] === undefined ? `${m[1]}-${m[2]}-${m[3]}T00:00:00Z` : text.replace(/^(.{10})[ t]/, '$1T').replace(/z$/, 'Z');
  const ms = Date.parse(iso);
  if (Number.isNaN(ms) || ms < MIN_MS || ms > MAX_MS) return undefined;
  return new Date(ms).toISOString();
}
