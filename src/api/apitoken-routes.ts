// API tokens for automation: `POST /api/v1/apitokens` creates one within the caller's own rights
// (a platform-admin any role; a tenant-admin a role in one of their tenants) and returns it in
// that response only; `GET` lists them without secrets; `DELETE .../{name}` revokes at once.
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { Resource } from '../domain/resource.js';
import { newApiToken } from '../security/api-tokens.js';
import { type ApiTokenRecord } from '../domain/kinds/apitoken.js';
import { ROLES, type Role } from '../domain/roles.js';
import { projectProblem, tenantProblem } from '../security/role-rules.js';
import { PROJECT_LABEL } from '../domain/ownership.js';
import type { Store } from '../store/types.js';
import { ApiError, validationFailed } from './errors.js';
import { API_PREFIX } from './resource-routes.js';
import { Name, Strict, StringEnum } from '../domain/schema.js';
import { NameParams } from './schemas/common.js';
import { NoContent, responses } from './schemas/responses.js';

const MAX_TTL_SECONDS = 366 * 86400;

const CreateBody = Strict({
  name: Name,
  role: StringEnum(ROLES, { description: 'The one role the token acts with.' }),
  tenant: Type.Optional({ ...Name, description: 'The tenant the role applies in (required for tenant roles and for tokens a tenant-admin creates).' }),
  project: Type.Optional({
    ...Name,
    description: "A project of the tenant: the token acts only on that project's objects (required for tokens created with a right held in one project).",
  }),
  ttlSeconds: Type.Integer({ minimum: 60, maximum: MAX_TTL_SECONDS, description: 'Lifetime; at most 366 days.' }),
  description: Type.Optional(Type.String({ maxLength: 256 })),
});

const TokenInfo = {
  name: Type.String(),
  role: Type.String(),
  tenant: Type.Optional(Type.String()),
  project: Type.Optional(Type.String()),
  expiresAt: Type.String({ format: 'date-time' }),
  createdBy: Type.String(),
  createdAt: Type.String({ format: 'date-time' }),
  description: Type.Optional(Type.String()),
};
const ApiTokenView = Strict(TokenInfo, { title: 'ApiToken' });
const CreatedApiToken = Strict(
  { ...TokenInfo, token: Type.String({ description: 'The bearer token. Shown in this response only; only a digest of it is kept.' }) },
  { title: 'CreatedApiToken' },
);

type CreateRequest = { name: string; role: Role; tenant?: string; project?: string; ttlSeconds: number; description?: string };

function view(obj: Resource<ApiTokenRecord>) {
  const { role, tenant, project, expiresAt, createdBy, description } = obj.spec;
  return {
    name: obj.name,
    role,
    ...(tenant !== undefined && { tenant }),
    ...(project !== undefined && { project }),
    expiresAt,
    createdBy,
    createdAt: obj.createdAt,
    ...(description !== undefined && { description }),
  };
}

export function registerApiTokenRoutes(app: FastifyInstance, store: Store): void {
  const base = `${API_PREFIX}/apitokens`;
  const tags = ['apitokens'];

  app.post(
    base,
    {
      config: { access: { kind: 'ApiToken', verb: 'create' } },
      schema: {
        operationId: 'createApiToken',
        summary: 'Create an API token (shown once)',
        tags,
        body: CreateBody,
        response: responses({ 201: CreatedApiToken }, [400, 401, 403, 409, 415, 422, 503]),
      },
    },
    async (req, reply) => {
      const body = req.body as CreateRequest;
      const caller = req.caller!;
      const problem = tenantProblem(body.role, body.tenant);
      if (problem) throw validationFailed([{ field: 'body/tenant', reason: problem }]);
      const projectIssue = projectProblem(body.role, body.tenant, body.project);
      if (projectIssue) throw validationFailed([{ field: 'body/project', reason: projectIssue }]);
      // Within the caller's own rights: which of their roles allow creating tokens there.
      const roles = caller.rolesFor('ApiToken', 'create', body.tenant, body.project);
      if (!roles.includes('platform-admin')) {
        if (body.tenant === undefined) throw new ApiError('FORBIDDEN', 'your token must name one of your tenants');
        const where = body.project === undefined ? `tenant "${body.tenant}"` : `project "${body.project}" of tenant "${body.tenant}"`;
        if (!roles.includes('tenant-admin')) throw new ApiError('FORBIDDEN', `you may not create tokens in ${where}`);
        if (body.role === 'platform-admin') throw new ApiError('FORBIDDEN', 'a tenant-admin may not create a platform-admin token');
      }
      if (body.tenant !== undefined && !(await caller.find('Tenant', body.tenant))) {
        throw new ApiError('UNPROCESSABLE', `Tenant "${body.tenant}" not found`, [{ field: 'body/tenant', reason: 'names no tenant you can see' }]);
      }
      if (body.project !== undefined && (await caller.find('Project', body.project))?.tenant !== body.tenant) {
        throw new ApiError('UNPROCESSABLE', `Project "${body.project}" not found in tenant "${body.tenant}"`, [
          { field: 'body/project', reason: 'names no project of the tenant you can see' },
        ]);
      }
      const { token, digest } = newApiToken(body.name);
      const record: ApiTokenRecord = {
        role: body.role,
        ...(body.tenant !== undefined && { tenant: body.tenant }),
        ...(body.project !== undefined && { project: body.project }),
        expiresAt: new Date(Date.now() + body.ttlSeconds * 1000).toISOString(),
        digest,
        createdBy: caller.principal.subject,
        ...(body.description !== undefined && { description: body.description }),
      };
      const created = await store.objects.create<ApiTokenRecord>(
        {
          kind: 'ApiToken',
          name: body.name,
          ...(body.tenant !== undefined && { tenant: body.tenant }),
          // The project's system label: what project-scoped callers are matched by (caller-scope.ts).
          ...(body.project !== undefined && { labels: { [PROJECT_LABEL]: body.project } }),
          spec: record,
        },
        { correlationId: req.id },
      );
      reply.code(201);
      return { ...view(created), token };
    },
  );

  app.get(
    base,
    {
      config: { access: { kind: 'ApiToken', verb: 'list' } },
      schema: {
        operationId: 'listApiTokens',
        summary: 'List the API tokens the caller can see (never their secrets)',
        tags,
        response: responses({ 200: Strict({ items: Type.Array(ApiTokenView) }) }, [401, 403, 503]),
      },
    },
    async (req) => {
      const caller = req.caller!;
      const access = caller.access('ApiToken', 'list');
      const scope = access.allowed ? access.scope : [];
      const projects = access.allowed ? (access.projects ?? []) : [];
      const tenants = scope === 'all' ? [undefined] : [...new Set([...scope, ...projects.map((p) => p.tenant)])];
      const reached = async (t: Resource<ApiTokenRecord>) => scope === 'all' || scope.includes(t.tenant!) || (await caller.reachesInProject(t, access));
      const items: ReturnType<typeof view>[] = [];
      // Few per tenant: listed whole, filtered by what the caller may see.
      for (const tenant of tenants) {
        let cursor: string | undefined;
        do {
          const page = await store.objects.list<ApiTokenRecord>('ApiToken', {
            limit: 500,
            ...(tenant !== undefined && { tenant }),
            ...(cursor !== undefined && { cursor }),
          });
          for (const t of page.items) if (t.deletionTimestamp === undefined && (await reached(t))) items.push(view(t));
          cursor = page.nextCursor;
        } while (cursor !== undefined);
      }
      return { items };
    },
  );

  app.delete(
    `${base}/:name`,
    {
      config: { access: { kind: 'ApiToken', verb: 'delete' } },
      schema: {
        operationId: 'revokeApiToken',
        summary: 'Revoke an API token: refused from the next request on',
        tags,
        params: NameParams,
        response: responses({ 204: NoContent }, [401, 403, 404, 503]),
      },
    },
    async (req, reply) => {
      const { name } = req.params as { name: string };
      await req.caller!.require('ApiToken', name, 'delete');
      await store.objects.delete('ApiToken', name, { correlationId: req.id });
      return reply.code(204).send();
    },
  );
}
