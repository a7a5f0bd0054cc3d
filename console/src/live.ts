// Live updates: one Server-Sent Events stream of KubeNova events (GET /api/v1/events?watch=true)
// per signed-in tab. EventSource cannot send an Authorization header, so the stream is read with
// fetch (@microsoft/fetch-event-source, which also reconnects with Last-Event-ID). Every event
// bumps a tick that data hooks depend on, so what is on screen is read again at once.
import { fetchEventSource } from '@microsoft/fetch-event-source';
import { useEffect, useSyncExternalStore } from 'react';
import type { paths } from './api/schema';
import { session } from './session';

/** One KubeNova event, as the API's OpenAPI document describes it (generated types). */
export type LiveEvent = paths['/api/v1/events']['get']['responses'][200]['content']['application/json']['items'][number];

let tick = 0;
let connected = false;
const listeners = new Set<() => void>();
const eventListeners = new Set<(e: LiveEvent) => void>();
const notify = () => {
  for (const l of listeners) l();
};

/** Several events in one burst cause one refresh, not one each. */
let pending: ReturnType<typeof setTimeout> | undefined;
function bump(): void {
  if (pending) return;
  pending = setTimeout(() => {
    pending = undefined;
    tick += 1;
    notify();
  }, 50);
}

class Fatal extends Error {}

/** Opens the stream while `token` is set; returns the closer. */
export function openLiveStream(token: string): () => void {
  const abort = new AbortController();
  let opened = false;
  // From a few seconds back: an event between the page's first reads and the stream's opening
  // is replayed by the server (and refreshes the page) instead of being missed.
  const since = new Date(Date.now() - 5_000).toISOString();
  void fetchEventSource(`/api/v1/events?watch=true&since=${encodeURIComponent(since)}`, {
    headers: { authorization: `Bearer ${token}` },
    signal: abort.signal,
    // Keep streaming in a background tab: the page must be current when the user comes back.
    openWhenHidden: true,
    async onopen(res) {
      if (res.status === 401) {
        session.signOut();
        throw new Fatal('signed out');
      }
      if (!res.ok) throw new Error(`event stream: ${res.status}`);
      // Anything may have changed while the stream was down (not before its first opening:
      // the page has just read everything).
      if (opened) bump();
      opened = true;
      connected = true;
      notify();
    },
    onmessage(msg) {
      if (!msg.data) return;
      try {
        const e = JSON.parse(msg.data) as LiveEvent;
        for (const l of eventListeners) l(e);
      } catch {
        return;
      }
      bump();
    },
    onclose() {
      connected = false;
      notify();
      // The server closed it (restart, shutdown): reconnect.
      throw new Error('event stream closed');
    },
    onerror(err) {
      connected = false;
      notify();
      if (err instanceof Fatal) throw err;
      return 2_000;
    },
  }).catch(() => undefined);
  return () => {
    abort.abort();
    connected = false;
  };
}

const subscribe = (l: () => void) => {
  listeners.add(l);
  return () => listeners.delete(l);
};

/** The number of refreshes so far: a dependency of every data hook. */
export const useLiveTick = (): number => useSyncExternalStore(subscribe, () => tick);
export const useLiveConnected = (): boolean => useSyncExternalStore(subscribe, () => connected);

/** Calls `fn` with every event as it arrives. */
export function useLiveEvents(fn: (e: LiveEvent) => void): void {
  useEffect(() => {
    eventListeners.add(fn);
    return () => {
      eventListeners.delete(fn);
    };
  }, [fn]);
}
