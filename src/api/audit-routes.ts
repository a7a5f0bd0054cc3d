// `GET /api/v1/audit`: the audit log, for platform admins only; filters actor, object, outcome
// and time; cursor pages in the order the records were written.
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { KINDS } from '../domain/resource.js';
import type { AuditOutcome, AuditQuery, Store } from '../store/types.js';
import { PagingQuery, readRecords, sinceOf } from './record-queries.js';
import { API_PREFIX } from './resource-routes.js';
import { Name, Strict } from '../domain/schema.js';
import { responses } from './schemas/responses.js';

const Outcome = Type.Union([Type.Literal('initiated'), Type.Literal('succeeded'), Type.Literal('failed')]);

const AuditQuerySchema = Strict({
  actor: Type.Optional(Type.String({ minLength: 1, maxLength: 256, description: 'Token subject (`anonymous`: no valid token).' })),
  kind: Type.Optional(Type.Union(KINDS.map((k) => Type.Literal(k)))),
  name: Type.Optional(Name),
  tenant: Type.Optional(Name),
  outcome: Type.Optional(Outcome),
  ...PagingQuery,
});

const AuditRecordSchema = Strict(
  {
    id: Type.String(),
    time: Type.String({ format: 'date-time' }),
    actor: Type.String(),
    roles: Type.Array(Type.String()),
    action: Type.String(),
    kind: Type.Optional(Type.String()),
    name: Type.Optional(Type.String()),
    tenant: Type.Optional(Type.String()),
    outcome: Outcome,
    status: Type.Integer(),
    reason: Type.Optional(Type.String()),
    requestId: Type.String({ description: "KubeNova's id of the request: the correlation id of its events and logs." }),
    clientRequestId: Type.Optional(Type.String({ description: 'The X-Request-Id the client sent, if acceptable.' })),
    clientIp: Type.Optional(Type.String()),
  },
  { title: 'AuditRecord' },
);
const AuditPage = Strict({ items: Type.Array(AuditRecordSchema), nextCursor: Type.Optional(Type.String()) }, { title: 'AuditPage' });

export function registerAuditRoutes(app: FastifyInstance, store: Store): void {
  app.get(
    `${API_PREFIX}/audit`,
    {
      config: { access: { operation: 'read-audit' } },
      schema: {
        operationId: 'listAuditRecords',
        summary: 'Read the audit log (platform admins)',
        tags: ['admin'],
        querystring: AuditQuerySchema,
        response: responses({ 200: AuditPage }, [400, 401, 403, 503]),
      },
    },
    async (req) => {
      const q = req.query as {
        actor?: string;
        kind?: string;
        name?: string;
        tenant?: string;
        outcome?: AuditOutcome;
        limit?: number;
        cursor?: string;
        since?: string;
      };
      const query: AuditQuery = { limit: q.limit ?? 50 };
      for (const key of ['actor', 'kind', 'name', 'tenant', 'outcome', 'cursor'] as const) {
        if (q[key] !== undefined) (query as unknown as Record<string, unknown>)[key] = q[key];
      }
      const since = sinceOf(q.since);
      if (since !== undefined) query.since = since;
      return readRecords(() => store.audit.list(query));
    },
  );
}
