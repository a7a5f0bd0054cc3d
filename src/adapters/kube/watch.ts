// A watch that keeps itself going, in the shape of client-go's reflector: list (in pages), hand
// every object over as ADDED, then watch from the list's resourceVersion with bookmarks. When the
// server ends the watch (timeoutSeconds) it re-watches from the last resourceVersion seen; when
// that version is too old (410 Gone) it lists again and reports the difference (objects that
// appeared, changed or vanished meanwhile); on errors it backs off exponentially (with jitter)
// and resumes. `synced` resolves once the first list has been delivered.
import { collectionPath, type Discovery } from './discovery.js';
import { errorFromStatus } from './errors.js';
import { abortError, type KubeRest } from './rest.js';
import type { KubeObject, Stoppable, TypeRef, WatchEventType } from './types.js';

export interface WatchTuning {
  minBackoffMs: number;
  maxBackoffMs: number;
  /** How long the server keeps one watch request open (it closes it then; we re-watch). */
  watchTimeoutSeconds: number;
  pageSize: number;
  /** Told about every failure that made the watch back off (logging, metrics). */
  onError?(err: Error, attempt: number): void;
}

export const DEFAULT_WATCH_TUNING: WatchTuning = { minBackoffMs: 500, maxBackoffMs: 30_000, watchTimeoutSeconds: 300, pageSize: 500 };

export type WatchHandler = (type: WatchEventType, obj: KubeObject) => void;

const METADATA_ONLY =
  'application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1,application/json';

const namespacedName = (o: KubeObject) => `${o.metadata.namespace ?? ''}/${o.metadata.name}`;

/** The server said the resourceVersion we asked for is gone: list again. */
class Gone extends Error {}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

export function backoffDelay(attempt: number, t: Pick<WatchTuning, 'minBackoffMs' | 'maxBackoffMs'>, random = Math.random): number {
  const ceiling = Math.min(t.maxBackoffMs, t.minBackoffMs * 2 ** Math.min(attempt - 1, 30));
  // "Equal jitter": between half and all of the ceiling, so many watches do not retry in step.
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

export function startWatch(
  rest: KubeRest,
  discovery: Discovery,
  type: TypeRef,
  opts: { namespace?: string; labelSelector?: string; metadataOnly?: boolean },
  onEvent: WatchHandler,
  tuning: WatchTuning = DEFAULT_WATCH_TUNING,
): Stoppable & { synced: Promise<void>; readonly failing: boolean } {
  // Metadata only (PartialObjectMetadata): for watching that objects change, not what they hold.
  const accept = opts.metadataOnly ? METADATA_ONLY : undefined;
  const stop = new AbortController();
  const known = new Map<string, KubeObject>();
  let resolveSynced!: () => void;
  let rejectSynced!: (err: Error) => void;
  const synced = new Promise<void>((resolve, reject) => {
    resolveSynced = resolve;
    rejectSynced = reject;
  });
  synced.catch(() => {}); // a watch stopped before syncing is not an unhandled rejection

  const deliver = (t: WatchEventType, obj: KubeObject) => {
    try {
      onEvent(t, obj);
    } catch (err) {
      tuning.onError?.(err instanceof Error ? err : new Error(String(err)), 0);
    }
  };

  /** Lists every page; delivers the difference to what was known; returns the list's version. */
  async function relist(path: string): Promise<string> {
    const items: KubeObject[] = [];
    let cont: string | undefined;
    let version = '';
    do {
      const { body } = await rest.request<{ items?: KubeObject[]; metadata?: { resourceVersion?: string; continue?: string } }>({
        method: 'GET',
        path,
        query: { labelSelector: opts.labelSelector, limit: tuning.pageSize, continue: cont },
        accept,
        signal: stop.signal,
      });
      // List items carry no apiVersion/kind; objects handed out always do.
      for (const item of body.items ?? []) items.push({ ...item, apiVersion: type.apiVersion, kind: type.kind });
      version = body.metadata?.resourceVersion ?? version;
      cont = body.metadata?.continue || undefined;
    } while (cont);
    const seen = new Set<string>();
    for (const obj of items) {
      const key = namespacedName(obj);
      seen.add(key);
      const before = known.get(key);
      known.set(key, obj);
      if (!before) deliver('ADDED', obj);
      else if (before.metadata.resourceVersion !== obj.metadata.resourceVersion) deliver('MODIFIED', obj);
    }
    for (const [key, obj] of [...known]) {
      if (seen.has(key)) continue;
      known.delete(key);
      deliver('DELETED', obj);
    }
    return version;
  }

  /** The newest resourceVersion seen (list, event or bookmark): where to resume after a break. */
  let version: string | undefined;
  let failures = 0;

  /** One watch request from `version`; returns when the server ends it (throws on failure). */
  async function watchFrom(path: string): Promise<void> {
    let gone = false;
    const local = new AbortController();
    let failure: Error | undefined;
    await rest
      .stream(
        {
          method: 'GET',
          path,
          query: {
            watch: 1,
            resourceVersion: version,
            allowWatchBookmarks: true,
            timeoutSeconds: tuning.watchTimeoutSeconds,
            labelSelector: opts.labelSelector,
          },
          accept,
          signal: AbortSignal.any([stop.signal, local.signal]),
          // The server closes the watch after timeoutSeconds; a silent connection past that is dead.
          timeoutMs: (tuning.watchTimeoutSeconds + 30) * 1000,
        },
        (line) => {
          if (gone || failure) return;
          let event: { type?: string; object?: KubeObject & { code?: number } };
          try {
            event = JSON.parse(line) as typeof event;
          } catch {
            return;
          }
          const obj = event.object;
          if (!obj) return;
          failures = 0; // the server is talking to us again
          switch (event.type) {
            case 'ADDED':
            case 'MODIFIED':
            case 'DELETED': {
              const full = opts.metadataOnly
                ? { ...obj, apiVersion: type.apiVersion, kind: type.kind }
                : { ...obj, apiVersion: obj.apiVersion ?? type.apiVersion, kind: obj.kind ?? type.kind };
              version = full.metadata.resourceVersion ?? version;
              const key = namespacedName(full);
              const before = known.get(key);
              if (event.type === 'DELETED') {
                known.delete(key);
                if (before) deliver('DELETED', full);
                return;
              }
              known.set(key, full);
              // A replay after a reconnect: already delivered at this version.
              if (before?.metadata.resourceVersion === full.metadata.resourceVersion) return;
              deliver(before ? 'MODIFIED' : 'ADDED', full);
              return;
            }
            case 'BOOKMARK':
              version = obj.metadata?.resourceVersion ?? version;
              return;
            case 'ERROR':
              if (obj.code === 410) gone = true;
              else failure = errorFromStatus(obj.code ?? 500, obj, `watch ${path}`);
              local.abort();
              return;
          }
        },
      )
      .catch((err: unknown) => {
        // Our own abort after an ERROR event is not a failure of the connection.
        if (!(local.signal.aborted && !stop.signal.aborted)) throw err;
      });
    if (failure) throw failure;
    if (gone) throw new Gone();
  }

  void (async () => {
    while (!stop.signal.aborted) {
      try {
        const resource = await discovery.resource(type.apiVersion, type.kind, stop.signal);
        const path = collectionPath(resource, opts.namespace);
        if (version === undefined) {
          version = await relist(path);
          failures = 0;
          resolveSynced();
        }
        await watchFrom(path);
      } catch (err) {
        if (stop.signal.aborted) break;
        if (err instanceof Gone || (err as { status?: number }).status === 410) {
          version = undefined; // too old: list again, at once
          continue;
        }
        failures++;
        tuning.onError?.(err instanceof Error ? err : new Error(String(err)), failures);
        await sleep(backoffDelay(failures, tuning), stop.signal);
      }
    }
    rejectSynced(abortError(stop.signal));
  })();

  return {
    synced,
    get failing() {
      return failures > 0;
    },
    stop() {
      stop.abort(new Error(`watch of ${type.kind} stopped`));
    },
  };
}
