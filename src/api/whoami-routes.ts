// `GET /api/v1/whoami`: who the caller is (issuer and subject, username, groups) and each right
// they have with where it comes from (a role rule, an API token, or the token's own claims).
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { Principal, RoleBinding } from '../security/auth.js';
import { API_PREFIX } from './resource-routes.js';
import { Strict } from '../domain/schema.js';
import { responses } from './schemas/responses.js';

const Whoami = Strict(
  {
    subject: Type.String({ description: 'How the audit log names the caller.' }),
    identity: Type.Optional(
      Strict({
        issuer: Type.String({ description: 'The configured issuer name (api-token for API tokens).' }),
        subject: Type.String(),
        username: Type.String(),
        groups: Type.Array(Type.String()),
      }),
    ),
    rights: Type.Array(
      Strict({
        role: Type.String(),
        tenant: Type.Optional(Type.String({ description: 'Omitted: platform-wide.' })),
        project: Type.Optional(Type.String({ description: 'A project of the tenant: the right reaches only that project.' })),
        source: Type.String({ description: 'rule/<name>, api-token/<name> or token-claims.' }),
      }),
    ),
  },
  { title: 'Whoami' },
);

/** The caller's rights, each with its source; tokens with role claims get `token-claims`. */
export function rightsOf(principal: Principal): RoleBinding[] {
  if (principal.bindings) return principal.bindings;
  return principal.roles.flatMap((role) => {
    const tenants = principal.tenants;
    if (role === 'platform-admin' || tenants === undefined) return [{ role, source: 'token-claims' }];
    return tenants.map((tenant) => ({ role, tenant, source: 'token-claims' }));
  });
}

export function registerWhoamiRoutes(app: FastifyInstance): void {
  app.get(
    `${API_PREFIX}/whoami`,
    {
      config: { access: { operation: 'whoami' } },
      schema: {
        operationId: 'whoami',
        summary: 'Who the caller is and what they may do',
        description: 'The identity the bearer token names and every right it gives, each with the rule or token it comes from.',
        tags: ['identity'],
        response: responses({ 200: Whoami }, [401, 503]),
      },
    },
    (req) => {
      const principal = req.caller!.principal;
      return { subject: principal.subject, ...(principal.identity && { identity: principal.identity }), rights: rightsOf(principal) };
    },
  );
}
