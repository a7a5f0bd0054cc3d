// The KubeNova server process. `main.ts` (or `main.ts serve`) runs the API; `main.ts token ...`
// mints a token with the locally configured HS256 secret: how a newcomer gets a first admin token.
import { parseArgs } from 'node:util';
import pkg from '../package.json' with { type: 'json' };
import { buildServer } from './api/server.js';
import { ConfigError, ENVIRONMENT, loadConfig, type Config } from './config.js';
import { createLogger } from './observability/logger.js';
import { createEventRecorder } from './observability/events.js';
import { createMetrics } from './observability/metrics.js';
import { startTracing } from './observability/tracing.js';
import { ROLES, type Role } from './domain/roles.js';
import { loadHs256Secret } from './security/auth-keys.js';
import { API_TOKEN_PREFIX, createApiTokenVerifier } from './security/api-tokens.js';
import { createServerVerifier, loadIdentityConfig } from './security/identity-setup.js';
import { signInProviders } from './api/auth-provider-routes.js';
import { mintToken, parseDuration } from './security/auth-token.js';
import { KeyringError } from './security/keyring.js';
import { createStore, DataDirAccessError, DataDirInUseError } from './store/index.js';

const SHUTDOWN_GRACE_MS = 10_000;

const USAGE = `Usage:
  main.ts [serve]                      run the API server
  main.ts token --role <role> [--role <role>...] [--tenant <t>...] [--subject <s>] [--ttl <1h>]
                                       print a token signed with the local HS256 secret
Roles: ${ROLES.join(', ')}. TTL: <n>s|m|h|d (default 1h).
Environment:
${Object.entries(ENVIRONMENT)
  .map(([k, v]) => `  ${k.padEnd(30)} ${v}`)
  .join('\n')}
`;

/** How this program was started, to print a command that runs it again. */
function selfCommand(): string {
  const script = process.argv[1] ?? 'src/main.ts';
  return script.endsWith('.ts') ? `npx tsx ${script}` : `node ${script}`;
}

async function serve(config: Config): Promise<void> {
  // Nothing the server writes (the store, its keyring, the JWT secret) is anyone else's business.
  process.umask(0o077);
  const logger = createLogger({ level: config.logLevel });
  // Before anything that makes spans; off unless OTEL_EXPORTER_OTLP_(TRACES_)ENDPOINT is set.
  const stopTracing = await startTracing();
  const store = await createStore(
    config.store.kind === 'postgres'
      ? { ...config.store, warn: (m) => logger.warn({ component: 'store' }, m) }
      : // A new embedded database is created in a child process, which takes its memory along.
        { ...config.store, initialiseApart: true },
  );
  // Loaded here, not at the top: `main.ts token` needs none of the Kubernetes client code.
  const [
    { clusterWriteServices },
    { clusterReconcilerRegistration },
    { startRuntime },
    { tenancyRegistrations, deliveryRegistrations, definitionRegistration },
    { createClusterClients },
    { startRevisionOutcomes },
    { KIND_DESCRIPTORS },
    grants,
    { grantIssuer },
    { startShardLeases, WHOLE_SHARE },
    { cachedRoleRules },
    { lookupApiToken },
  ] = await Promise.all([
    import('./api/write-services.js'),
    import('./orchestrator/reconcilers/cluster.js'),
    import('./orchestrator/manager/manager.js'),
    import('./orchestrator/reconcilers/registrations.js'),
    import('./orchestrator/manager/cluster-clients.js'),
    import('./orchestrator/reconcilers/revision-outcomes.js'),
    import('./api/kinds/index.js'),
    import('./orchestrator/reconcilers/grant.js'),
    import('./orchestrator/reconcilers/grant-issuer.js'),
    import('./orchestrator/manager/shards.js'),
    import('./api/role-rule-cache.js'),
    import('./api/kinds/apitoken.js'),
  ]);
  // One client per cluster, shared by the reconcilers, the API's workflow control and the kubeconfig issuer.
  const clients = createClusterClients(store);
  // RoleRule objects are read once and re-read after a change (the store's change feed).
  const roleRules = cachedRoleRules(store.objects);
  const identity = await loadIdentityConfig(config.auth.oidcConfigFile, config.auth.oidcIssuerFromEnv);
  const verifier = await createServerVerifier(config.auth, {
    identity,
    managedRules: () => roleRules.rules(),
    apiTokens: { prefix: API_TOKEN_PREFIX, verifier: createApiTokenVerifier((name) => lookupApiToken(store.objects, name)) },
  });
  const metrics = createMetrics();
  const events = createEventRecorder({ store, logger, metrics });
  const app = await buildServer({
    store,
    verifier,
    signInProviders: signInProviders(identity.issuers),
    logger,
    metrics,
    config: {
      bodyLimitBytes: config.bodyLimitBytes,
      version: pkg.version,
      forceTenantPrefix: config.forceTenantPrefix,
      limits: config.http,
      usagePrices: config.usage.prices,
    },
    writeServices: {
      ...clusterWriteServices(logger, { clients, bootstrap: config.bootstrap }),
      grants: grantIssuer({ objects: store.objects, clients, logger }),
    },
    events,
  });
  // Replicas sharing a PostgreSQL store divide the reconcile work by shard leases.
  const share = store.coordination ? await startShardLeases({ coordination: store.coordination, replica: config.replicaId, logger, metrics }) : WHOLE_SHARE;
  // Reconcilers: one list, one controller per kind (orchestrator/runtime.ts).
  const runtime = startRuntime({
    share,
    store,
    logger,
    metrics,
    events,
    clients,
    reconcilers: [
      clusterReconcilerRegistration(),
      ...tenancyRegistrations({ usage: config.usage.tracker }),
      ...deliveryRegistrations(),
      definitionRegistration(),
      grants.grantRegistration(),
    ],
  });
  // Revision outcomes (succeeded/failed/superseded) of kinds with a history, from their status.
  const revisionOutcomes = startRevisionOutcomes({ store, logger, kinds: KIND_DESCRIPTORS.filter((d) => d.history).map((d) => d.kind) });
  const address = await app.listen({ host: config.host, port: config.port });
  logger.info({ address, store: config.store.kind, replica: share.replica }, 'KubeNova API listening');
  const hs256 = config.auth.hs256Secret !== undefined || config.auth.hs256SecretFile !== undefined;
  process.stderr.write(
    [
      `KubeNova API listening on ${address} (store: ${config.store.kind === 'embedded' ? `embedded, ${config.dataDir}` : 'postgres'})`,
      `  API docs:      ${address}/docs   (OpenAPI: ${address}/openapi.json)`,
      `  web console:   ${address}/ui/`,
      hs256
        ? `  admin token:   ${selfCommand()} token --role platform-admin   (same environment as the server)`
        : '  tokens:        from your identity provider (no local HS256 secret configured)',
      '',
    ].join('\n'),
  );

  let stopping = false;
  // Log lines still buffered are written before the process ends.
  const exit = (code: number) => logger.flush(() => process.exit(code));
  const stop = (signal: string) => {
    if (stopping) {
      logger.warn({ signal }, 'second signal: exiting now');
      exit(1);
      return;
    }
    stopping = true;
    logger.info({ signal }, 'shutting down: finishing requests in flight, handing reconciles over');
    setTimeout(() => {
      logger.error('shutdown took too long: exiting');
      exit(1);
    }, SHUTDOWN_GRACE_MS).unref();
    void (async () => {
      try {
        // At once, side by side: requests in flight finish (new ones get 503 until the listener is
        // closed); reconciles in flight are aborted and their shards handed to the other replicas
        // (level-triggered: the next holder repeats them safely); no new work is taken.
        await Promise.all([app.close(), share.stop().then(() => runtime.stop())]);
        await events.flush();
        events.close();
        await revisionOutcomes.stop();
        roleRules.close();
        await store.close();
        await stopTracing?.();
        logger.info('stopped');
        exit(0);
      } catch (err) {
        logger.error({ err }, 'shutdown failed');
        exit(1);
      }
    })();
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

async function token(config: Config, args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      role: { type: 'string', multiple: true },
      tenant: { type: 'string', multiple: true },
      subject: { type: 'string', default: 'admin' },
      ttl: { type: 'string', default: '1h' },
    },
    strict: true,
  });
  const roles = values.role ?? [];
  const unknown = roles.filter((r) => !(ROLES as readonly string[]).includes(r));
  if (roles.length === 0 || unknown.length > 0) throw new ConfigError(`--role must be one of ${ROLES.join(', ')}`);
  const ttlSeconds = parseDuration(values.ttl);
  if (ttlSeconds === undefined) throw new ConfigError('--ttl must be a duration like 30m, 1h or 7d');
  const secret = await loadHs256Secret(config.auth);
  if (!secret) throw new ConfigError('no local HS256 secret: set KUBENOVA_JWT_SECRET or KUBENOVA_JWT_SECRET_FILE (or use your IdP)');
  const jwt = await mintToken(secret, {
    subject: values.subject,
    roles: roles as Role[],
    tenants: values.tenant,
    ttlSeconds,
    issuer: config.auth.issuer,
    audience: config.auth.audience,
  });
  process.stdout.write(`${jwt}\n`);
}

async function main(argv: string[]): Promise<void> {
  const [command = 'serve', ...rest] = argv;
  if (command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(USAGE);
    return;
  }
  const config = loadConfig();
  if (command === 'serve') return serve(config);
  if (command === 'token') return token(config, rest);
  throw new ConfigError(`unknown command "${command}"\n${USAGE}`);
}

main(process.argv.slice(2)).catch((err: unknown) => {
  const usage = err instanceof ConfigError || (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS');
  // Errors that say all there is to say: no stack trace.
  const known = usage || err instanceof DataDirInUseError || err instanceof DataDirAccessError || err instanceof KeyringError;
  process.stderr.write(`kubenova: ${known ? (err as Error).message : ((err as Error).stack ?? String(err))}\n`);
  process.exit(usage ? 2 : 1);
});
