// Authentication and the first authorization gate, before the body is read: API routes need a
// valid bearer token (401 otherwise) whose roles allow the route's kind and verb (403
// otherwise). Per-object checks (tenant scope) follow in the handlers, via CallerScope.
import type { FastifyRequest } from 'fastify';
import type { ObjectStore } from '../store/types.js';
import type { TokenVerifier } from '../security/auth.js';
import { authorize, mayPerform } from '../security/authorization.js';
import { annotateLogContext } from '../observability/context.js';
import { CallerScope } from './caller-scope.js';
import { ApiError } from './errors.js';

const BEARER = /^Bearer +([A-Za-z0-9_~+/.=-]+)$/i;
export const AUTHENTICATION_CHALLENGE = 'Bearer realm="kubenova"';

export function authenticate(verifier: TokenVerifier, objects: ObjectStore) {
  return async (req: FastifyRequest): Promise<void> => {
    const access = req.routeOptions.config.access;
    if (!access) return;
    const header = req.headers.authorization;
    const token = header === undefined ? undefined : BEARER.exec(header)?.[1];
    if (token === undefined) {
      const why = header === undefined ? 'a bearer token is required' : 'the Authorization header must be "Bearer <token>"';
      throw new ApiError('UNAUTHENTICATED', why);
    }
    const principal = await verifier.verify(token);
    req.principal = principal;
    annotateLogContext({ actor: principal.subject });
    req.log.debug({ subject: principal.subject, roles: principal.roles }, 'authenticated');
    const operation = 'operation' in access;
    if (!(operation ? mayPerform(principal, access.operation) : authorize(principal, access.kind, access.verb).allowed)) {
      const roles = principal.roles.length > 0 ? principal.roles.join(', ') : 'no KubeNova role';
      const what = operation ? access.operation : `${access.verb} ${access.kind} objects`;
      throw new ApiError('FORBIDDEN', `${roles}: may not ${what}`);
    }
    if (principal.tenants?.length === 1) annotateLogContext({ tenant: principal.tenants[0] });
    req.caller = new CallerScope(principal, objects);
  };
}
