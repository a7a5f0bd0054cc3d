// What KubeNova adds to Fastify's request and route config.
import type { Kind } from '../domain/resource.js';
import type { Operation, Verb } from '../security/authorization.js';
import type { LogContext } from '../observability/context.js';
import type { Principal } from '../security/auth.js';
import type { CallerScope } from './caller-scope.js';

/** The permission a route needs, checked (with authentication) before the body is read: a
 *  verb on a kind of object, or a platform operation. */
export type RouteAccess = { kind: Kind; verb: Verb } | { operation: Operation };

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Absent: a public route (health, metrics, docs). */
    access?: RouteAccess;
  }
  interface FastifyRequest {
    /** Set by authentication on API routes. */
    caller: CallerScope | null;
    logContext: LogContext;
    /** The error code answered, if any (for the audit log). */
    errorCode: string | null;
    /** Who presented a valid token, even if then refused (for the audit log). */
    principal: Principal | null;
    /** The status of the audit record written with the request's write, if any. */
    auditedStatus: number | null;
  }
}
