// The log context of the work in progress (an API request now, a reconcile later), carried
// through async calls with AsyncLocalStorage so every log line can name it without passing a
// logger around.
import { AsyncLocalStorage } from 'node:async_hooks';

export interface LogContext {
  /** Correlation id: KubeNova's id of an API call, carried into store events and reconciles. */
  requestId: string;
  /** The X-Request-Id the client sent, when acceptable: logged beside the correlation id. */
  clientRequestId?: string;
  /** Who made the API request (the principal subject, as the audit log names it: a person is
   *  `oidc:<issuer>:<sub>`); the events of its writes name them too. */
  actor?: string;
  tenant?: string;
  cluster?: string;
  adapter?: string;
}

const storage = new AsyncLocalStorage<LogContext>();

export function runWithLogContext<T>(context: LogContext, fn: () => T): T {
  return storage.run(context, fn);
}

export function currentLogContext(): LogContext | undefined {
  return storage.getStore();
}

/** Adds what became known along the way (the tenant once the object is resolved, ...). */
export function annotateLogContext(fields: Partial<Omit<LogContext, 'requestId' | 'clientRequestId'>>): void {
  const context = storage.getStore();
  if (!context) return;
  for (const [key, value] of Object.entries(fields)) {
    if (value !== undefined) (context as unknown as Record<string, unknown>)[key] = value;
  }
}

/** Runs `fn` in a copy of the current context naming `cluster` (work on several clusters at
 *  once must not share one context object). */
export function inClusterLogContext<T>(cluster: string, fn: () => T): T {
  const context = storage.getStore();
  return context ? storage.run({ ...context, cluster }, fn) : fn();
}
