// The HTTP API server: Fastify with every dependency injected, so tests build it in-process.
import Fastify, { LogController, type FastifyBaseLogger, type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Logger } from '../observability/logger.js';
import type { Metrics } from '../observability/metrics.js';
import { newCorrelationId, REQUEST_ID_HEADER, requestIdHeaders } from '../observability/request-id.js';
import type { TokenVerifier } from '../security/auth.js';
import type { Store } from '../store/types.js';
import { createEventRecorder, type EventRecorder } from '../observability/events.js';
import { registerAdminRoutes } from './admin-routes.js';
import { registerApiTokenRoutes } from './apitoken-routes.js';
import { registerAuthProviderRoutes, type SignInProvider } from './auth-provider-routes.js';
import { registerAuditRoutes } from './audit-routes.js';
import { registerAuditTrail } from './audit-trail.js';
import { registerConsoleRoutes } from './console-routes.js';
import { registerEventRoutes } from './event-routes.js';
import { authenticate, AUTHENTICATION_CHALLENGE } from './authentication.js';
import { bodyShapeProblem } from './body-shape.js';
import { CUSTOM_METHOD_CONSTRAINT, customMethodStrategy } from './custom-methods.js';
import { ApiError, toApiError, validationFailed } from './errors.js';
import './fastify-types.js';
import type { WriteServices } from './kinds/descriptor.js';
import { registerOpenApi } from './openapi.js';
import { registerOperationalRoutes } from './operational-routes.js';
import { registerRequestContext } from './request-context.js';
import { registerResourceRoutes } from './resource-routes.js';
import { validatorCompiler } from './validation.js';
import { DEFAULT_HTTP_LIMITS, timeoutCheckIntervalMs, type HttpLimits } from './http-limits.js';
import { answerClientError } from './client-errors.js';
import { registerWhoamiRoutes } from './whoami-routes.js';
import { registerUsageRoutes } from './usage-routes.js';
import type { PriceTable } from '../domain/usage.js';

export interface ServerDeps {
  store: Store;
  verifier: TokenVerifier;
  logger: Logger;
  metrics: Metrics;
  /** forceTenantPrefix: the tenant prefix rule of project and app names (default on); `limits`:
   *  request timeouts and event stream limits (defaults: DEFAULT_HTTP_LIMITS); `consoleDir`: the
   *  built web console (default: dist/console, see console-routes.ts). */
  config: {
    bodyLimitBytes: number;
    version?: string;
    forceTenantPrefix?: boolean;
    limits?: Partial<HttpLimits>;
    consoleDir?: string;
    usagePrices?: PriceTable;
  };
  /** What kinds' write hooks call out to (cluster registration). */
  writeServices: WriteServices;
  /** The event recorder shared with the runtime; one is made (and closed with the server) if absent. */
  events?: EventRecorder;
  /** SSE heartbeat interval of the event stream (default 15 s). */
  eventHeartbeatMs?: number;
  /** Issuers the web console signs in with (GET /api/v1/auth/providers); default none. */
  signInProviders?: readonly SignInProvider[];
}

export async function buildServer(deps: ServerDeps): Promise<FastifyInstance> {
  const limits: HttpLimits = { ...DEFAULT_HTTP_LIMITS, ...deps.config.limits };
  const app = Fastify({
    // Bounds on receiving a request, never on answering it (event streams run on).
    requestTimeout: limits.requestTimeoutMs,
    http: { headersTimeout: Math.min(limits.headersTimeoutMs, limits.requestTimeoutMs), connectionsCheckingInterval: timeoutCheckIntervalMs(limits) },
    clientErrorHandler: answerClientError,
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-assertion -- the assertion sets Fastify's logger type parameter, which the route plugins expect
    loggerInstance: deps.logger as FastifyBaseLogger,
    // One access-log line per request comes from request-context.ts instead.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: deps.config.bodyLimitBytes,
    // Always KubeNova's own: the client's X-Request-Id is kept apart (request-context.ts).
    genReqId: () => newCorrelationId(),
    // request_id reaches every line through the log context, also lines logged outside req.log.
    childLoggerFactory: (logger, _bindings, opts) => logger.child({}, opts),
    routerOptions: { constraints: { [CUSTOM_METHOD_CONSTRAINT]: customMethodStrategy } },
    // Errors raised before routing (a malformed URL) get the same error body.
    frameworkErrors: (err, req, reply) => {
      reply.headers(requestIdHeaders(req.id, req.headers[REQUEST_ID_HEADER]));
      void sendError(err, req, reply);
    },
  });
  app.setValidatorCompiler(validatorCompiler);
  // Bodies are JSON only: anything else is 415, not a string that fails validation.
  app.removeContentTypeParser('text/plain');
  app.decorateRequest('caller', null);
  app.decorateRequest('logContext', null as never);
  app.decorateRequest('errorCode', null);
  app.decorateRequest('principal', null);
  app.decorateRequest('auditedStatus', null);
  const events = deps.events ?? createEventRecorder({ store: deps.store, logger: deps.logger, metrics: deps.metrics });
  if (!deps.events)
    app.addHook('onClose', (_instance, done) => {
      events.close();
      done();
    });

  registerRequestContext(app, deps.metrics);
  registerAuditTrail(app, deps.store.audit, deps.logger);
  app.setErrorHandler(sendError);
  app.setNotFoundHandler((req, reply) =>
    // The method and path are not quoted back: they are the client's text.
    sendError(new ApiError('NOT_FOUND', 'no route for this method and path: see /openapi.json'), req, reply),
  );

  await registerOpenApi(app, deps.config.version ?? '0.1.0');
  registerOperationalRoutes(app, deps);
  await registerConsoleRoutes(
    app,
    deps.config.consoleDir,
    (deps.signInProviders ?? []).map((p) => p.issuer),
  );
  // eslint-disable-next-line @typescript-eslint/require-await -- Fastify awaits an async plugin; async also makes a registration error a rejection
  await app.register(async (api) => {
    api.addHook('onRequest', authenticate(deps.verifier, deps.store.objects));
    api.addHook('preValidation', (req, _reply, done) => {
      const problem = req.body === undefined ? undefined : bodyShapeProblem(req.body);
      done(problem ? validationFailed([problem]) : undefined);
    });
    registerResourceRoutes(api, deps.store, deps.writeServices, { forceTenantPrefix: deps.config.forceTenantPrefix });
    registerAdminRoutes(api, deps.store);
    registerEventRoutes(api, deps.store, events, {
      heartbeatMs: deps.eventHeartbeatMs,
      maxStreams: limits.maxEventStreams,
      maxStreamsPerSubject: limits.maxEventStreamsPerSubject,
    });
    registerAuditRoutes(api, deps.store);
    registerWhoamiRoutes(api);
    registerApiTokenRoutes(api, deps.store);
    registerAuthProviderRoutes(api, deps.signInProviders ?? []);
    registerUsageRoutes(api, deps.store, { prices: deps.config.usagePrices });
  });
  return app;
}

function sendError(err: FastifyError | Error, req: FastifyRequest, reply: FastifyReply): FastifyReply {
  const apiError = toApiError(err);
  req.errorCode = apiError.code;
  if (apiError.status >= 500 && apiError.code !== 'NOT_IMPLEMENTED') req.log.error({ err }, 'request failed');
  else req.log.debug({ code: apiError.code, details: apiError.details }, apiError.message);
  if (apiError.code === 'UNAUTHENTICATED') {
    const invalidToken = req.headers.authorization !== undefined;
    reply.header('www-authenticate', invalidToken ? `${AUTHENTICATION_CHALLENGE}, error="invalid_token"` : AUTHENTICATION_CHALLENGE);
  }
  if (apiError.retryAfterSeconds !== undefined) reply.header('retry-after', String(apiError.retryAfterSeconds));
  return reply.code(apiError.status).type('application/json').send(apiError.toBody());
}
