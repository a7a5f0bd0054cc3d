// `GET /api/v1/{plural}/{name}/revisions[/{number}]` for kinds with a revision history (apps):
// KubeNova's own record of every spec the object had, newest first, visible exactly to those who
// may see the object (another tenant's object is a 404 like a missing one).
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import type { Resource } from '../domain/resource.js';
import { MAX_REVISION_NUMBER } from '../store/revisions.js';
import { StoreError, type Revision, type Store, REVISION_OUTCOMES } from '../store/types.js';
import { ApiError, validationFailed } from './errors.js';
import type { KindDescriptor } from './kinds/descriptor.js';
import { apiSpec } from './representation.js';
import { DEFAULT_PAGE_SIZE } from './schemas/common.js';
import { Name, StringEnum, Strict } from '../domain/schema.js';
import { specSchema } from './schemas/envelope.js';
import { described, READ_ERRORS, responses } from './schemas/responses.js';

const RevisionNumber = Type.Integer({ minimum: 1, maximum: MAX_REVISION_NUMBER, description: "The object's generation this revision wrote." });

const Change = Strict({
  type: StringEnum(['created', 'updated', 'rolled-back']),
  from: Type.Optional({ ...RevisionNumber, description: 'rolled-back: the revision that was current.' }),
  to: Type.Optional({ ...RevisionNumber, description: 'rolled-back: the revision whose spec was restored.' }),
});

const Outcome = Strict({
  state: StringEnum(REVISION_OUTCOMES, {
    description:
      'pending; succeeded: the object reached Deployed at this generation; failed: it reported Error at this generation; superseded: a newer revision came first.',
  }),
  message: Type.Optional(Type.String({ description: 'failed: the reason the object reported.' })),
  at: Type.Optional(Type.String({ format: 'date-time' })),
});

export function revisionSchema(d: KindDescriptor) {
  return Strict(
    {
      kind: Type.Literal(`${d.kind}Revision`),
      name: { ...Name, description: `The ${d.kind}.` },
      revision: RevisionNumber,
      spec: specSchema(d),
      change: Change,
      actor: Type.String({ description: 'The token subject that wrote it.' }),
      role: Type.Optional(Type.String({ description: 'The role that allowed the write.' })),
      reason: Type.Optional(Type.String()),
      requestId: Type.Optional(Type.String({ description: 'The request id of the write (correlation id in logs and events).' })),
      createdAt: Type.String({ format: 'date-time' }),
      outcome: Outcome,
    },
    { title: `${d.kind}Revision` },
  );
}

export function representRevision(d: KindDescriptor, r: Revision): Record<string, unknown> {
  return {
    kind: `${d.kind}Revision`,
    name: r.name,
    revision: r.number,
    spec: apiSpec(r.spec),
    change: r.change,
    actor: r.actor,
    ...(r.role !== undefined && { role: r.role }),
    ...(r.reason !== undefined && { reason: r.reason }),
    ...(r.requestId !== undefined && { requestId: r.requestId }),
    createdAt: r.createdAt,
    outcome: r.outcome,
  };
}

const RevisionQuery = Strict({
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: DEFAULT_PAGE_SIZE, description: 'Page size.' })),
  cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 512, description: 'The `nextCursor` of the previous page.' })),
});

const RevisionParams = Strict({ name: Name, number: RevisionNumber });

export function registerRevisionRoutes(app: FastifyInstance, d: KindDescriptor, store: Store): void {
  const base = `/api/v1/${d.plural}/:name/revisions`;
  const item = revisionSchema(d);
  const target = (req: FastifyRequest): Promise<Resource> => req.caller!.require(d.kind, (req.params as { name: string }).name, 'get');

  app.get(
    base,
    {
      config: { access: { kind: d.kind, verb: 'get' } },
      schema: {
        operationId: `list${d.kind}Revisions`,
        summary: `The revision history of a ${d.kind}, newest first`,
        tags: [d.plural],
        params: Strict({ name: Name }),
        querystring: RevisionQuery,
        response: responses(
          { 200: described(Strict({ items: Type.Array(item), nextCursor: Type.Optional(Type.String()) }), 'One page, newest first') },
          READ_ERRORS,
        ),
      },
    },
    async (req) => {
      const obj = await target(req);
      const { limit, cursor } = req.query as { limit?: number; cursor?: string };
      try {
        const page = await store.revisions.list(d.kind, obj.name, { limit: limit ?? DEFAULT_PAGE_SIZE, ...(cursor !== undefined && { cursor }) });
        const items = page.items.map((r) => representRevision(d, r));
        return page.nextCursor === undefined ? { items } : { items, nextCursor: page.nextCursor };
      } catch (err) {
        if (err instanceof StoreError && err.code === 'INVALID_ARGUMENT') throw validationFailed([{ field: 'query/cursor', reason: err.message }]);
        throw err;
      }
    },
  );

  app.get(
    `${base}/:number`,
    {
      config: { access: { kind: d.kind, verb: 'get' } },
      schema: {
        operationId: `get${d.kind}Revision`,
        summary: `One revision of a ${d.kind}`,
        tags: [d.plural],
        params: RevisionParams,
        response: responses({ 200: described(item, 'The revision') }, READ_ERRORS),
      },
    },
    async (req) => {
      const obj = await target(req);
      const { number } = req.params as { number: number };
      const revision = await store.revisions.get(d.kind, obj.name, number);
      if (!revision) throw new ApiError('NOT_FOUND', `${d.kind} "${obj.name}" has no revision ${number}`);
      return representRevision(d, revision);
    },
  );
}
