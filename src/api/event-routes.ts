// `GET /api/v1/events`: KubeNova events, filtered by object, tenant, correlation id, type and
// time, in id order with cursor pages; with `?watch=true` a live Server-Sent Events stream of
// the same filters (heartbeat comments, `Last-Event-ID` resumes after the last event seen).
// Tenant-scoped callers see only their tenants' events, as they see only their objects.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { KINDS } from '../domain/resource.js';
import type { EventRecorder } from '../observability/events.js';
import { REQUEST_ID_HEADER, requestIdHeaders } from '../observability/request-id.js';
import type { Principal } from '../security/auth.js';
import { AUTHORIZATION, tableRolesOf, type Scope } from '../security/authorization.js';
import { allPages } from '../store/paging.js';
import type { EventQuery, EventRecord, EventType, Store } from '../store/types.js';
import { ApiError, validationFailed } from './errors.js';
import { DEFAULT_HTTP_LIMITS } from './http-limits.js';
import { PagingQuery, readRecords, sinceOf } from './record-queries.js';
import { API_PREFIX } from './resource-routes.js';
import { Name, Strict } from '../domain/schema.js';
import { responses } from './schemas/responses.js';
import { StreamSlots } from './stream-slots.js';

const EventsQuery = Strict({
  kind: Type.Optional(
    Type.Union(
      KINDS.map((k) => Type.Literal(k)),
      { description: 'Object kind.' },
    ),
  ),
  name: Type.Optional(Name),
  tenant: Type.Optional(Name),
  correlationId: Type.Optional(
    Type.String({ pattern: '^[A-Za-z0-9._-]{1,128}$', description: "KubeNova's id of the request that caused them (its X-Correlation-Id)." }),
  ),
  clientRequestId: Type.Optional(
    Type.String({ pattern: '^[A-Za-z0-9._:-]{1,128}$', description: 'The X-Request-Id the client sent with the write that caused them.' }),
  ),
  type: Type.Optional(Type.Union([Type.Literal('Normal'), Type.Literal('Warning')])),
  watch: Type.Optional(Type.Boolean({ description: 'Stream events as they happen (text/event-stream) instead of one page.' })),
  ...PagingQuery,
});
type EventsQueryT = {
  kind?: string;
  name?: string;
  tenant?: string;
  correlationId?: string;
  clientRequestId?: string;
  type?: EventType;
  watch?: boolean;
  limit?: number;
  cursor?: string;
  since?: string;
};

const EventSchema = Strict(
  {
    id: Type.String(),
    time: Type.String({ format: 'date-time' }),
    type: Type.Union([Type.Literal('Normal'), Type.Literal('Warning')]),
    reason: Type.String(),
    message: Type.String(),
    kind: Type.String(),
    name: Type.String(),
    tenant: Type.Optional(Type.String()),
    cluster: Type.Optional(Type.String()),
    correlationId: Type.Optional(Type.String()),
    clientRequestId: Type.Optional(Type.String()),
    actor: Type.Optional(
      Type.String({
        description: 'Who made the API request whose write this event reports (as the audit log names them); absent for what reconcilers report.',
      }),
    ),
  },
  { title: 'Event' },
);
const EventPage = Strict({ items: Type.Array(EventSchema), nextCursor: Type.Optional(Type.String()) }, { title: 'EventPage' });

/** Which tenants' events the principal sees: all with a platform-wide role. */
export function eventScope(principal: Principal): Scope {
  return tableRolesOf(principal).some((r) => AUTHORIZATION[r].scope === 'platform') ? 'all' : (principal.tenants ?? []);
}

/** Whether a live event passes the filters (the same the store applies to a page). */
export function matchesEvent(q: Omit<EventQuery, 'limit'>, e: EventRecord): boolean {
  return (
    (q.kind === undefined || e.kind === q.kind) &&
    (q.name === undefined || e.name === q.name) &&
    (q.tenant === undefined || e.tenant === q.tenant) &&
    (q.tenants === undefined || (e.tenant !== undefined && q.tenants.includes(e.tenant))) &&
    (q.correlationId === undefined || e.correlationId === q.correlationId) &&
    (q.clientRequestId === undefined || e.clientRequestId === q.clientRequestId) &&
    (q.type === undefined || e.type === q.type) &&
    (q.since === undefined || e.time >= q.since) &&
    (q.afterId === undefined || BigInt(e.id) > BigInt(q.afterId))
  );
}

/** Sent ids a stream remembers to skip repeats: far more than can arrive out of order. */
const MAX_REMEMBERED_IDS = 10_000;

export interface EventRouteOptions {
  /** Interval of SSE heartbeat comments. Default 15 s. */
  heartbeatMs?: number;
  /** Open streams allowed on this replica, in all and per token subject. */
  maxStreams?: number;
  maxStreamsPerSubject?: number;
}

/** What a refused stream is told to wait: long enough for a stream to end, short enough for a
 *  client that closed one by mistake. */
const STREAM_RETRY_AFTER_SECONDS = 10;

const tooManyStreams = (refused: 'subject' | 'total'): ApiError =>
  new ApiError(
    'TOO_MANY_STREAMS',
    refused === 'subject'
      ? 'you have as many event streams open as allowed: close one, or retry later'
      : 'the server has as many event streams open as it allows: retry later',
    [],
    STREAM_RETRY_AFTER_SECONDS,
  );

export function registerEventRoutes(app: FastifyInstance, store: Store, recorder: EventRecorder, opts: EventRouteOptions = {}): void {
  const heartbeatMs = opts.heartbeatMs ?? 15_000;
  const slots = new StreamSlots({
    total: opts.maxStreams ?? DEFAULT_HTTP_LIMITS.maxEventStreams,
    perSubject: opts.maxStreamsPerSubject ?? DEFAULT_HTTP_LIMITS.maxEventStreamsPerSubject,
  });
  // Open streams never end on their own: a closing server ends them (clients reconnect, with
  // Last-Event-ID, to another replica) rather than waiting for them until its grace runs out.
  const streams = new Set<() => void>();
  app.addHook('preClose', (done) => {
    for (const close of streams) close();
    done();
  });

  const queryOf = (req: FastifyRequest): EventQuery => {
    const q = req.query as EventsQueryT;
    const scope = eventScope(req.caller!.principal);
    const query: EventQuery = { limit: q.limit ?? 50 };
    if (q.kind !== undefined) query.kind = q.kind;
    if (q.name !== undefined) query.name = q.name;
    if (q.tenant !== undefined) query.tenant = q.tenant;
    if (q.correlationId !== undefined) query.correlationId = q.correlationId;
    if (q.clientRequestId !== undefined) query.clientRequestId = q.clientRequestId;
    if (q.type !== undefined) query.type = q.type;
    if (q.cursor !== undefined) query.cursor = q.cursor;
    const since = sinceOf(q.since);
    if (since !== undefined) query.since = since;
    if (scope !== 'all') query.tenants = scope;
    return query;
  };

  app.get(
    `${API_PREFIX}/events`,
    {
      config: { access: { operation: 'read-events' } },
      schema: {
        operationId: 'listEvents',
        summary: 'List KubeNova events, or stream them (watch=true, Server-Sent Events)',
        description:
          'Events in the order they were recorded. With `watch=true` the answer is `text/event-stream`: each event as ' +
          '`id: <id>`, `event: <type>`, `data: <Event JSON>`; a `: heartbeat` comment every 15 s; send `Last-Event-ID` ' +
          'to resume after the last event received. Without it the stream starts now (or at `since`). Open streams are ' +
          'limited per token subject and per server: past either, 429 TOO_MANY_STREAMS with `Retry-After`.',
        tags: ['events'],
        querystring: EventsQuery,
        response: responses({ 200: EventPage }, [400, 401, 403, 429, 503]),
      },
    },
    async (req, reply) => {
      const query = queryOf(req);
      if (!(req.query as EventsQueryT).watch) return readRecords(() => store.events.list(query));

      const lastId = req.headers['last-event-id'];
      if (lastId !== undefined && (typeof lastId !== 'string' || !/^[0-9]{1,18}$/.test(lastId))) {
        throw validationFailed([{ field: 'header/last-event-id', reason: 'must be the id of an event received before' }]);
      }
      const { cursor: _c, ...filters } = query;
      // Taken after every check, before anything is sent; given back when the stream ends.
      const slot = slots.acquire(req.caller!.principal.subject);
      if ('refused' in slot) throw tooManyStreams(slot.refused);
      // Live events wait here while the backlog (after Last-Event-ID, or from `since`) is sent.
      const buffered: EventRecord[] = [];
      const after = BigInt(lastId ?? '0');
      // Ids sent on this stream, not just the highest: the backlog and the buffered live events
      // overlap, and events recorded by other replicas may arrive after higher ids.
      const sent = new Set<string>();
      let replaying = true;
      const raw = reply.raw;
      const write = (e: EventRecord) => {
        if (BigInt(e.id) <= after || sent.has(e.id) || !matchesEvent(filters, e)) return;
        sent.add(e.id);
        if (sent.size > MAX_REMEMBERED_IDS) sent.delete(sent.values().next().value!);
        raw.write(`id: ${e.id}\nevent: ${e.type}\ndata: ${JSON.stringify(e)}\n\n`);
      };
      const unsubscribe = recorder.subscribe((e) => (replaying ? buffered.push(e) : write(e)));
      reply.hijack();
      raw.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache',
        connection: 'keep-alive',
        // Hijacked: the headers set on the reply are not sent, these are.
        ...requestIdHeaders(req.id, req.headers[REQUEST_ID_HEADER]),
      });
      raw.write(': stream open\n\n');
      const heartbeat = setInterval(() => raw.write(': heartbeat\n\n'), heartbeatMs);
      heartbeat.unref?.();
      const end = () => {
        clearInterval(heartbeat);
        unsubscribe();
        streams.delete(close);
        slot.release();
      };
      const close = () => {
        end();
        raw.end();
      };
      streams.add(close);
      raw.on('close', end);
      // A client gone while the request was authenticated: its 'close' came before the listener.
      if (raw.destroyed) end();
      try {
        if (lastId !== undefined || query.since !== undefined) {
          const backlog = allPages((cursor) =>
            store.events.list({ ...filters, ...(lastId !== undefined && { afterId: lastId }), limit: 500, ...(cursor && { cursor }) }),
          );
          for await (const e of backlog) {
            if (raw.destroyed) break;
            write(e);
          }
        }
        replaying = false;
        for (const e of buffered.splice(0)) write(e);
      } catch (err) {
        req.log.warn({ err }, 'event stream replay failed');
        end();
        raw.end();
      }
    },
  );
}
