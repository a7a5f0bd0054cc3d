// The RoleRule objects in force, cached: every request with an ID token needs them, and they
// change rarely. The store's change feed (this replica's writes and, on PostgreSQL, the other
// replicas') drops the cache when a RoleRule changes, and so does a gap in that feed, so a
// rule change applies from the next request without each request reading the store. A write
// through this replica drops the cache before its response is sent. A read in flight when the
// cache is dropped serves the requests already waiting for it, and is not kept.
import type { RoleRule } from '../security/role-rules.js';
import type { ObjectStore } from '../store/types.js';
import { managedRoleRules } from './kinds/rolerule.js';

export interface RoleRuleCache {
  rules(): Promise<readonly RoleRule[]>;
  /** Stops listening to the store. */
  close(): void;
}

export function cachedRoleRules(objects: ObjectStore, read: (objects: ObjectStore) => Promise<RoleRule[]> = managedRoleRules): RoleRuleCache {
  let cached: Promise<RoleRule[]> | undefined;
  const invalidate = () => {
    cached = undefined;
  };
  const stopChanges = objects.onChange((e) => e.kind === 'RoleRule' && invalidate(), { remote: true });
  const stopGaps = objects.onFeedGap(invalidate);
  return {
    rules() {
      if (cached) return cached;
      const reading = read(objects);
      cached = reading;
      // A failed read is not cached: the next request tries again.
      reading.catch(() => {
        if (cached === reading) cached = undefined;
      });
      return reading;
    },
    close() {
      stopChanges();
      stopGaps();
    },
  };
}
