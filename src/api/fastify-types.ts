// What KubeNova adds to Fastify's request and route config.
import type { Kind } from '../domain/resource.js';
import type { Verb } from '../security/authorization.js';
import type { LogContext } from '../observability/context.js';
import type { CallerScope } from './caller-scope.js';

/** The permission a route needs, checked (with authentication) before the body is read. */
export interface RouteAccess {
  kind: Kind;
  verb: Verb;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Absent: a public route (health, metrics, docs). */
    access?: RouteAccess;
  }
  interface FastifyRequest {
    /** Set by authentication on API routes. */
    caller: CallerScope | null;
    logContext: LogContext;
  }
}
