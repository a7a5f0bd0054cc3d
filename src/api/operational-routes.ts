// Unauthenticated operational endpoints: liveness, readiness (the store answers) and metrics.
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { Metrics } from '../observability/metrics.js';
import type { Store } from '../store/types.js';
import { StoreUnavailableError } from '../store/unavailable.js';
import { ApiError } from './errors.js';
import { responses } from './schemas/responses.js';

const READINESS_TIMEOUT_MS = 2000;
const Health = Type.Object({ status: Type.String() });

export function registerOperationalRoutes(app: FastifyInstance, deps: { store: Store; metrics: Metrics }): void {
  const tags = ['operations'];
  app.get(
    '/healthz',
    { schema: { operationId: 'getHealth', summary: 'Liveness: the process serves requests', tags, security: [], response: { 200: Health } } },
    () => ({ status: 'ok' }),
  );

  app.get(
    '/readyz',
    {
      schema: {
        operationId: 'getReadiness',
        summary: 'Readiness: the store answers',
        tags,
        security: [],
        response: responses({ 200: Health }, [503]),
      },
    },
    async (req) => {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`store did not answer within ${READINESS_TIMEOUT_MS} ms`)), READINESS_TIMEOUT_MS);
      });
      try {
        await Promise.race([deps.store.ping(), timeout]);
      } catch (err) {
        req.log.warn({ err }, 'not ready');
        throw new ApiError(err instanceof StoreUnavailableError ? 'STORE_UNAVAILABLE' : 'UNAVAILABLE', 'the store is not reachable');
      } finally {
        clearTimeout(timer);
      }
      return { status: 'ready' };
    },
  );

  app.get(
    '/metrics',
    {
      schema: {
        operationId: 'getMetrics',
        summary: 'Prometheus metrics',
        tags,
        security: [],
        response: {
          200: { description: 'Prometheus text exposition format', content: { 'text/plain': { schema: { type: 'string' } } } },
        },
      },
    },
    async (_req, reply) => reply.type(deps.metrics.registry.contentType).send(await deps.metrics.registry.metrics()),
  );
}
