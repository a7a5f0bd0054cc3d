// Routing `POST /api/v1/{plural}/{name}:{method}` (custom methods in the style of Google
// AIP-136). find-my-way cannot end a path parameter at a literal ':' inside a segment, so every
// custom method of a kind is registered on `/{plural}/:target` with a route constraint that
// picks the method from the text after the last ':' of the path's last segment.
import type { FastifyServerOptions } from 'fastify';

/** The method named by a request URL (`/api/v1/apps/web:rollback` → `rollback`), if any. */
export function customMethodOf(url: string | undefined): string | undefined {
  const path = (url ?? '').split('?', 1)[0]!;
  let segment = path.slice(path.lastIndexOf('/') + 1);
  try {
    segment = decodeURIComponent(segment); // `%3A` is a ':' too
  } catch {
    return undefined;
  }
  const colon = segment.lastIndexOf(':');
  return colon > 0 ? segment.slice(colon + 1) : undefined;
}

/** Splits a matched `{name}:{method}` parameter. */
export function targetName(target: string): string {
  return target.slice(0, target.lastIndexOf(':'));
}

export const CUSTOM_METHOD_CONSTRAINT = 'customMethod';

type ConstraintStrategy = NonNullable<NonNullable<FastifyServerOptions['routerOptions']>['constraints']>[string];
type RouteHandler = Parameters<ReturnType<ConstraintStrategy['storage']>['set']>[1];

/** A router constraint strategy: routes declare `constraints: {customMethod: '<method>'}`. */
export const customMethodStrategy: ConstraintStrategy = {
  name: CUSTOM_METHOD_CONSTRAINT,
  storage() {
    const handlers = new Map<unknown, RouteHandler>();
    return {
      get: (method) => handlers.get(method) ?? null,
      set: (method, handler) => {
        handlers.set(method, handler);
      },
    };
  },
  validate(value) {
    if (typeof value !== 'string') throw new Error('customMethod constraint must be a string');
  },
  // undefined (no method in the URL) means "not constrained": only plain routes match.
  deriveConstraint: (req) => customMethodOf(req.url) as string,
  mustMatchWhenDerived: false,
};
