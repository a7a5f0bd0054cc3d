// Reading data for a page: loads on mount and again on every live tick (see live.ts), keeping the
// previous data on screen while it reloads so nothing flickers.
import { useEffect, useRef, useState } from 'react';
import { isProblem, type ApiProblem } from './api/client';
import { useLiveTick } from './live';

export interface Loaded<T> {
  data: T | undefined;
  error: ApiProblem | undefined;
  loading: boolean;
  reload(): void;
}

/** `everyMs`: also read again that often (data whose changes are not events, such as usage). */
export function useData<T>(load: () => Promise<T>, deps: readonly unknown[], opts: { everyMs?: number } = {}): Loaded<T> {
  const tick = useLiveTick();
  const [manual, setManual] = useState(0);
  const { everyMs } = opts;
  useEffect(() => {
    if (!everyMs) return;
    const timer = setInterval(() => setManual((n) => n + 1), everyMs);
    return () => clearInterval(timer);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [...deps, everyMs]);
  const [state, setState] = useState<{ data?: T; error?: ApiProblem; loading: boolean }>({ loading: true });
  const latest = useRef(0);
  useEffect(() => {
    const call = ++latest.current;
    setState((s) => ({ ...s, loading: true }));
    load().then(
      (data) => call === latest.current && setState({ data, loading: false }),
      (err: unknown) =>
        call === latest.current &&
        setState((s) => ({ data: s.data, loading: false, error: isProblem(err) ? err : { status: 0, code: 'NETWORK', message: String(err) } })),
    );
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [...deps, tick, manual]);
  return { ...state, data: state.data, error: state.error, reload: () => setManual((n) => n + 1) } as Loaded<T>;
}

/** Every page of a listing (pages of at most 500). */
export async function allPages<T>(page: (cursor: string | undefined) => Promise<{ items: T[]; nextCursor?: string }>): Promise<T[]> {
  const out: T[] = [];
  let cursor: string | undefined;
  do {
    const p = await page(cursor);
    out.push(...p.items);
    cursor = p.nextCursor;
  } while (cursor);
  return out;
}

/** `value` once it has stayed the same for `ms` (typing a filter reads the API once, not per key). */
export function useDebounced<T>(value: T, ms: number): T {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setSettled(value), ms);
    return () => clearTimeout(timer);
  }, [value, ms]);
  return settled;
}
