// The HTTP routes of every kind, built from its descriptor: CRUD on `/api/v1/{plural}`, nested
// collections (`/tenants/{name}/projects`, ...), custom methods (`/apps/{name}:rollback`) and
// subresources (`/apps/{name}/rollout`). One builder, no per-kind copies.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import type { Resource } from '../domain/resource.js';
import type { Page, Store } from '../store/types.js';
import { auditInWrite } from './audit-trail.js';
import { CUSTOM_METHOD_CONSTRAINT, targetName } from './custom-methods.js';
import { validationFailed } from './errors.js';
import type { CustomMethod, KindDescriptor, Subresource, WriteServices } from './kinds/descriptor.js';
import { KIND_DESCRIPTORS, SUB_COLLECTIONS, type SubCollection } from './kinds/index.js';
import { PROJECT_LABEL } from './kinds/references.js';
import { listVisible, type ListFilter, type ListQuery as ListQueryParams } from './listing.js';
import { createObject, deleteObject, updateObject, WRITE_STATUS, type WriteBody, type WriteRequest } from './object-writes.js';
import { expectedVersion } from './preconditions.js';
import { registerRevisionRoutes } from './revision-routes.js';
import { etagOf, represent } from './representation.js';
import { ListQuery, NameParams } from './schemas/common.js';
import { NAME_PATTERN_SOURCE, Strict } from '../domain/schema.js';
import { createBody, objectSchema, pageSchema, updateBody } from './schemas/envelope.js';
import { described, NoContent, READ_ERRORS, responses, WRITE_ERRORS } from './schemas/responses.js';

export const API_PREFIX = '/api/v1';

type NameRequest = FastifyRequest<{ Params: { name: string } }>;

/** `issue-kubeconfig` → `IssueKubeconfig` / `issueKubeconfig`, for operation ids. */
const pascal = (s: string) => s.replace(/(^|-)([a-z])/g, (_m, _d, c: string) => c.toUpperCase());
const camel = (s: string) => s.replace(/-([a-z])/g, (_m, c: string) => c.toUpperCase());

export function registerResourceRoutes(app: FastifyInstance, store: Store, services: WriteServices, rules: { forceTenantPrefix?: boolean } = {}): void {
  const context = (req: FastifyRequest): WriteRequest => ({
    caller: req.caller!,
    store,
    requestId: req.id,
    services,
    audit: (status) => auditInWrite(req, status),
    forceTenantPrefix: rules.forceTenantPrefix,
    force: (req.query as { force?: unknown } | undefined)?.force === 'true',
  });
  const send = async (reply: FastifyReply, d: KindDescriptor, obj: Resource, status = 200) =>
    reply
      .code(status)
      .header('etag', etagOf(obj))
      .send(await represent(d, obj, store.secrets));
  const sendPage = async (reply: FastifyReply, d: KindDescriptor, page: Page<Resource>) => {
    const items = await Promise.all(page.items.map((o) => represent(d, o, store.secrets)));
    return reply.send({
      items,
      ...(page.nextCursor !== undefined && { nextCursor: page.nextCursor }),
      ...(page.total !== undefined && { total: page.total }),
    });
  };
  const list = (req: FastifyRequest, d: KindDescriptor, filter?: ListFilter) =>
    listVisible(d, req.caller!, store.objects, req.query as ListQueryParams, filter);

  for (const d of KIND_DESCRIPTORS) {
    const base = `${API_PREFIX}/${d.plural}`;
    const item = `${base}/:name`;
    const tags = [d.plural];
    const object = objectSchema(d);

    app.post(
      base,
      {
        config: { access: { kind: d.kind, verb: 'create' } },
        schema: {
          operationId: `create${d.kind}`,
          summary: `Create a ${d.kind}`,
          tags,
          body: createBody(d),
          response: responses({ 201: described(object, 'Created') }, WRITE_ERRORS),
        },
      },
      async (req, reply) => {
        const created = await createObject(d, context(req), req.body as WriteBody & { name: string });
        reply.header('location', `${base}/${created.name}`);
        return send(reply, d, created, WRITE_STATUS.created);
      },
    );

    app.get(
      base,
      {
        config: { access: { kind: d.kind, verb: 'list' } },
        schema: {
          operationId: `list${d.kind}s`,
          summary: `List ${d.plural} the caller can see`,
          tags,
          querystring: ListQuery,
          response: responses({ 200: described(pageSchema(d), 'One page') }, READ_ERRORS),
        },
      },
      async (req, reply) => sendPage(reply, d, await list(req, d)),
    );

    app.get(
      item,
      {
        config: { access: { kind: d.kind, verb: 'get' } },
        schema: {
          operationId: `get${d.kind}`,
          summary: `Get a ${d.kind}`,
          tags,
          params: NameParams,
          response: responses({ 200: described(object, 'The object; ETag is its resourceVersion') }, READ_ERRORS),
        },
      },
      async (req: NameRequest, reply) => send(reply, d, await req.caller!.require(d.kind, req.params.name, 'get')),
    );

    app.put(
      item,
      {
        config: { access: { kind: d.kind, verb: 'update' } },
        schema: {
          operationId: `update${d.kind}`,
          summary: `Replace the labels and spec of a ${d.kind}`,
          tags,
          params: NameParams,
          headers: IfMatchHeader,
          body: updateBody(d),
          response: responses({ 200: described(object, 'Updated') }, WRITE_ERRORS),
        },
      },
      async (req: NameRequest, reply) => {
        const body = req.body as WriteBody;
        const expected = expectedVersion(req.headers['if-match'], body.resourceVersion);
        const current = await req.caller!.require(d.kind, req.params.name, 'update');
        return send(reply, d, await updateObject(d, context(req), current, body, expected), WRITE_STATUS.updated);
      },
    );

    app.delete(
      item,
      {
        config: { access: { kind: d.kind, verb: 'delete' } },
        schema: {
          operationId: `delete${d.kind}`,
          summary: `Delete a ${d.kind}`,
          tags,
          params: NameParams,
          headers: IfMatchHeader,
          response: responses({ 202: described(object, 'Deletion started: the object waits for its finalizers'), 204: NoContent }, [...READ_ERRORS, 409]),
        },
      },
      async (req: NameRequest, reply) => {
        const expected = expectedVersion(req.headers['if-match'], undefined);
        const current = await req.caller!.require(d.kind, req.params.name, 'delete');
        const pending = await deleteObject(d, context(req), current, expected);
        return pending ? send(reply, d, pending, WRITE_STATUS.deletionStarted) : reply.code(WRITE_STATUS.deleted).send();
      },
    );

    for (const method of d.customMethods ?? []) registerCustomMethod(app, d, method, store, services);
    for (const sub of d.subresources ?? []) registerSubresource(app, d, sub, store, services);
    if (d.history) registerRevisionRoutes(app, d, store);
  }

  for (const sub of SUB_COLLECTIONS) registerSubCollection(app, sub, { context, send, sendPage, list });
}

const IfMatchHeader = Type.Object(
  {
    'if-match': Type.Optional(Type.String({ maxLength: 256, description: 'The object\'s ETag, `"<resourceVersion>"`: write only if unchanged.' })),
  },
  { additionalProperties: true },
);

interface Responders {
  context(req: FastifyRequest): WriteRequest;
  send(reply: FastifyReply, d: KindDescriptor, obj: Resource, status?: number): Promise<FastifyReply>;
  sendPage(reply: FastifyReply, d: KindDescriptor, page: Page<Resource>): Promise<FastifyReply>;
  list(req: FastifyRequest, d: KindDescriptor, filter?: ListFilter): ReturnType<typeof listVisible>;
}

/** `GET /{parent}/{name}/{children}` (and `POST` where children are created inside the parent). */
function registerSubCollection(app: FastifyInstance, sub: SubCollection, r: Responders): void {
  const { parent, child, via } = sub;
  const url = `${API_PREFIX}/${parent.plural}/:name/${child.plural}`;
  const tags = [child.plural];
  // The parent must be visible to the caller, or it "does not exist".
  const parentOf = (req: NameRequest) => req.caller!.require(parent.kind, req.params.name, 'get');
  const filterFor = (p: Resource): ListFilter =>
    via === 'tenant'
      ? { tenant: p.kind === 'Tenant' ? p.name : p.tenant }
      : { tenant: p.tenant, selector: [{ key: PROJECT_LABEL, op: 'Equals', value: p.name }] };

  app.get(
    url,
    {
      config: { access: { kind: child.kind, verb: 'list' } },
      schema: {
        operationId: `list${parent.kind}${child.kind}s`,
        summary: `List the ${child.plural} of a ${parent.kind}`,
        tags,
        params: NameParams,
        querystring: ListQuery,
        response: responses({ 200: described(pageSchema(child), 'One page') }, READ_ERRORS),
      },
    },
    async (req: NameRequest, reply) => r.sendPage(reply, child, await r.list(req, child, filterFor(await parentOf(req)))),
  );

  if (!sub.create) return;
  app.post(
    url,
    {
      config: { access: { kind: child.kind, verb: 'create' } },
      schema: {
        operationId: `create${parent.kind}${child.kind}`,
        summary: `Create a ${child.kind} in a ${parent.kind}`,
        tags,
        params: NameParams,
        body: createBody(child, [via]),
        response: responses({ 201: described(objectSchema(child), 'Created') }, WRITE_ERRORS),
      },
    },
    async (req: NameRequest, reply) => {
      const p = await parentOf(req);
      const body = req.body as WriteBody & { name: string };
      if (body.spec?.[via] !== undefined && body.spec[via] !== p.name) {
        throw validationFailed([{ field: `body/spec/${via}`, reason: `must be "${p.name}" (from the URL) or left out` }]);
      }
      const created = await createObject(child, r.context(req), body, { [via]: p.name });
      reply.header('location', `${API_PREFIX}/${child.plural}/${created.name}`);
      return r.send(reply, child, created, WRITE_STATUS.created);
    },
  );
}

/** `POST /{plural}/{name}:{method}`: documented under that exact path. */
function registerCustomMethod(app: FastifyInstance, d: KindDescriptor, method: CustomMethod, store: Store, services: WriteServices): void {
  const target = Strict({
    target: Type.String({ maxLength: 63 + 1 + method.name.length, pattern: `^${NAME_PATTERN_SOURCE}:${method.name}$` }),
  });
  app.post(
    `${API_PREFIX}/${d.plural}/:target`,
    {
      constraints: { [CUSTOM_METHOD_CONSTRAINT]: method.name },
      config: {
        access: { kind: d.kind, verb: method.verb },
        // The route is `/{plural}/:target`; the document shows `/{plural}/{name}:{method}`.
        swaggerTransform: ({ schema, url }) => ({
          url: url.replace('/:target', `/{name}::${method.name}`),
          schema: { ...schema, params: NameParams },
        }),
      },
      schema: {
        operationId: `${camel(method.name)}${d.kind}`,
        summary: method.summary,
        tags: [d.plural],
        params: target,
        headers: IfMatchHeader,
        body: method.body,
        response: responses({}, [...WRITE_ERRORS, 501]),
      },
    },
    async (req, reply) => {
      const name = targetName((req.params as { target: string }).target);
      const expected = expectedVersion(req.headers['if-match'], undefined);
      const obj = await req.caller!.require(d.kind, name, method.verb);
      const body = await method.handle(obj, req.body as Record<string, unknown>, {
        caller: req.caller!,
        objects: store.objects,
        store,
        requestId: req.id,
        services,
        ...(expected !== undefined && { expectedVersion: expected }),
      });
      reply.code(method.status ?? 200);
      return body;
    },
  );
}

/** `GET /{plural}/{name}/{subresource}`. */
function registerSubresource(app: FastifyInstance, d: KindDescriptor, sub: Subresource, store: Store, services: WriteServices): void {
  app.get(
    `${API_PREFIX}/${d.plural}/:name/${sub.name}`,
    {
      config: { access: { kind: d.kind, verb: sub.verb } },
      schema: {
        operationId: `get${d.kind}${pascal(sub.name)}`,
        summary: sub.summary,
        tags: [d.plural],
        params: NameParams,
        response: responses({}, [...READ_ERRORS, 501]),
      },
    },
    async (req: NameRequest) => {
      const obj = await req.caller!.require(d.kind, req.params.name, sub.verb);
      return sub.handle(obj, { caller: req.caller!, objects: store.objects, store, requestId: req.id, services });
    },
  );
}
