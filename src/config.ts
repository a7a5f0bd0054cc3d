// The server's configuration, from environment variables only. Parsing is pure: files named here
// (secrets, keys) are read by the code that uses them.
import { hostname } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { parseChartSource } from './adapters/cluster/bootstrap-plan.js';
import { DEFAULT_HTTP_LIMITS, type HttpLimits } from './api/http-limits.js';
import { isKeySourceUrl, parseUrl } from './security/key-source-url.js';
import { IdentityConfigError, type IssuerEntry } from './security/identity-config.js';
import { issuerFromEnvironment, OIDC_ENVIRONMENT } from './security/identity-env.js';
import type { StoreConfig } from './store/index.js';

export interface AuthConfig {
  /** HS256 shared secret given inline (KUBENOVA_JWT_SECRET). */
  hs256Secret?: string;
  /** File holding the HS256 secret. */
  hs256SecretFile?: string;
  /** Create `hs256SecretFile` (random, mode 0600) when it does not exist: the embedded default. */
  createHs256SecretFile: boolean;
  /** PEM file with the RS256 public key tokens are signed for. */
  rs256PublicKeyFile?: string;
  /** An external IdP's JSON Web Key Set. */
  jwksUrl?: string;
  issuer?: string;
  audience?: string;
  /** OIDC issuers and seeded role rules (security/identity-config.ts). */
  oidcConfigFile?: string;
  /** An OIDC issuer from the KUBENOVA_OIDC_* variables (security/identity-env.ts). */
  oidcIssuerFromEnv?: IssuerEntry;
}

import { parsePrices, type UsageConfig } from './usage-config.js';

export interface Config {
  host: string;
  port: number;
  dataDir: string;
  store: StoreConfig;
  auth: AuthConfig;
  logLevel: string;
  /** Largest accepted request body. */
  bodyLimitBytes: number;
  /** Request timeouts and event stream limits. */
  http: HttpLimits;
  bootstrap: BootstrapConfig;
  /** This replica's name among those sharing a PostgreSQL store (leases, logs). */
  replicaId: string;
  /** The tenant prefix rule: new projects and apps of tenant t are named `t-...`. */
  forceTenantPrefix: boolean;
  /** Tenant usage: sampling, retention, showback prices (usage-config.ts). */
  usage: UsageConfig;
}

/** Cluster bootstrap (`POST /clusters/{name}:bootstrap`). */
export interface BootstrapConfig {
  /** The Helm binary run as a child process. */
  helm: string;
  /** Default chart source: `repository` (public repositories), `oci://...` or a directory. */
  chartSource: string;
  /** Directories a request may name as its chart source (the default's directory included). */
  chartDirs: string[];
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

export const DEFAULTS = {
  host: '127.0.0.1',
  port: 8080,
  dataDir: './data',
  logLevel: 'info',
  bodyLimitBytes: 1024 * 1024,
} as const;

/** Documented in `--help` and docs/configuration.md; the one list of variables the server reads. */
export const ENVIRONMENT = {
  KUBENOVA_HOST: `listen address (default ${DEFAULTS.host})`,
  KUBENOVA_PORT: `listen port (default ${DEFAULTS.port})`,
  KUBENOVA_DATA_DIR: `data directory of the embedded store and its generated secrets (default ${DEFAULTS.dataDir})`,
  KUBENOVA_DATABASE_URL: 'PostgreSQL URL; when set, the store is that server instead of the embedded one',
  KUBENOVA_KEYRING_FILE: 'envelope-encryption keyring (required with KUBENOVA_DATABASE_URL)',
  KUBENOVA_REPLICA_ID: "this replica's name among those sharing KUBENOVA_DATABASE_URL (default <hostname>-<pid>)",
  KUBENOVA_JWT_SECRET: 'HS256 secret, at least 32 characters',
  KUBENOVA_JWT_SECRET_FILE: 'file holding the HS256 secret (default with the embedded store: <data dir>/jwt-secret, created on first start)',
  KUBENOVA_JWT_PUBLIC_KEY_FILE: 'PEM public key for RS256 tokens',
  KUBENOVA_JWT_JWKS_URL: "an external IdP's JWKS URL",
  KUBENOVA_JWT_ISSUER: 'required `iss` of tokens',
  KUBENOVA_JWT_AUDIENCE: 'required `aud` of tokens',
  KUBENOVA_OIDC_CONFIG: 'YAML/JSON file with the OIDC issuers people sign in with and seeded role rules (see docs/identity.md)',
  ...OIDC_ENVIRONMENT,
  KUBENOVA_LOG_LEVEL: `pino level (default ${DEFAULTS.logLevel})`,
  KUBENOVA_REQUEST_TIMEOUT_SECONDS: `a request's headers and body must arrive within this, else 408 (default ${DEFAULT_HTTP_LIMITS.requestTimeoutMs / 1000}; responses such as event streams are not cut)`,
  KUBENOVA_HEADERS_TIMEOUT_SECONDS: `a request's headers must arrive within this (default ${DEFAULT_HTTP_LIMITS.headersTimeoutMs / 1000}, at most the request timeout)`,
  KUBENOVA_MAX_EVENT_STREAMS: `open event streams per replica, past it 429 (default ${DEFAULT_HTTP_LIMITS.maxEventStreams})`,
  KUBENOVA_MAX_EVENT_STREAMS_PER_SUBJECT: `open event streams per token subject and replica, past it 429 (default ${DEFAULT_HTTP_LIMITS.maxEventStreamsPerSubject})`,
  KUBENOVA_HELM: 'Helm 3 binary used by cluster bootstrap (default: helm on PATH)',
  KUBENOVA_CHART_SOURCE:
    'default chart source of cluster bootstrap: repository (public chart repositories, the default), oci://<registry>/<path> or an absolute directory',
  KUBENOVA_FORCE_TENANT_PREFIX:
    'true (default): names of new projects, apps and kubeconfig grants start with their tenant\'s name and "-", so tenants never see or take each other\'s names; false turns the rule off',
  KUBENOVA_USAGE_SAMPLE_SECONDS: 'how often tenant usage is sampled for trends (default 300)',
  KUBENOVA_USAGE_RETENTION_DAYS: 'how long usage samples are kept (default 30, at most 3660)',
  KUBENOVA_USAGE_PRICES:
    'showback unit prices per hour, JSON: {"default":{"cpu":0.04,"memoryGiB":0.005,"storageGiB":0.0002},"clusters":{"<cluster>":{...}}} (default: all 0)',
  KUBENOVA_CHART_DIRS: "colon-separated absolute directories a bootstrap request may name as its chart source (default: none besides KUBENOVA_CHART_SOURCE's)",
} as const;

const REPLICA_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];
export const MIN_HS256_SECRET_LENGTH = 32;

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const get = (name: keyof typeof ENVIRONMENT): string | undefined => {
    const v = env[name]?.trim();
    return v === undefined || v === '' ? undefined : v;
  };

  const port = Number(get('KUBENOVA_PORT') ?? DEFAULTS.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new ConfigError('KUBENOVA_PORT must be a port number (0-65535)');

  const dataDir = resolve(get('KUBENOVA_DATA_DIR') ?? DEFAULTS.dataDir);
  const databaseUrl = get('KUBENOVA_DATABASE_URL');
  if (databaseUrl !== undefined && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    throw new ConfigError('KUBENOVA_DATABASE_URL must be a postgres:// or postgresql:// URL');
  }
  const store: StoreConfig = databaseUrl ? { kind: 'postgres', url: databaseUrl } : { kind: 'embedded', dataDir };

  const replicaId = get('KUBENOVA_REPLICA_ID') ?? `${hostname()}-${process.pid}`;
  if (!REPLICA_ID.test(replicaId)) {
    throw new ConfigError('KUBENOVA_REPLICA_ID must be 1-63 letters, digits, ".", "_" or "-", starting with a letter or digit');
  }

  const http = httpLimits(get);

  const logLevel = get('KUBENOVA_LOG_LEVEL') ?? DEFAULTS.logLevel;
  if (!LOG_LEVELS.includes(logLevel)) throw new ConfigError(`KUBENOVA_LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}`);

  const forceTenantPrefix = get('KUBENOVA_FORCE_TENANT_PREFIX') ?? 'true';
  if (forceTenantPrefix !== 'true' && forceTenantPrefix !== 'false') throw new ConfigError('KUBENOVA_FORCE_TENANT_PREFIX must be true or false');

  return {
    host: get('KUBENOVA_HOST') ?? DEFAULTS.host,
    port,
    dataDir,
    store,
    auth: authConfig(get, store, dataDir),
    logLevel,
    bodyLimitBytes: DEFAULTS.bodyLimitBytes,
    http,
    bootstrap: bootstrapConfig(get),
    replicaId,
    forceTenantPrefix: forceTenantPrefix === 'true',
    usage: usageConfig(get),
  };
}

function usageConfig(get: EnvReader): UsageConfig {
  let prices;
  try {
    prices = parsePrices(get('KUBENOVA_USAGE_PRICES'));
  } catch (err) {
    throw new ConfigError((err as Error).message);
  }
  return {
    tracker: {
      sampleIntervalMs: positiveInteger(get, 'KUBENOVA_USAGE_SAMPLE_SECONDS', 300, 86_400) * 1000,
      retentionMs: positiveInteger(get, 'KUBENOVA_USAGE_RETENTION_DAYS', 30, 3660) * 24 * 3_600_000,
    },
    prices,
  };
}

/** A whole number from 1 to `max`, or the default when unset. */
function positiveInteger(get: EnvReader, name: keyof typeof ENVIRONMENT, fallback: number, max: number): number {
  const text = get(name);
  if (text === undefined) return fallback;
  const n = /^[0-9]{1,9}$/.test(text) ? Number(text) : NaN;
  if (!(n >= 1 && n <= max)) throw new ConfigError(`${name} must be a whole number from 1 to ${max}`);
  return n;
}

function httpLimits(get: EnvReader): HttpLimits {
  const seconds = (name: keyof typeof ENVIRONMENT, fallbackMs: number) => positiveInteger(get, name, fallbackMs / 1000, 3600) * 1000;
  const limits: HttpLimits = {
    requestTimeoutMs: seconds('KUBENOVA_REQUEST_TIMEOUT_SECONDS', DEFAULT_HTTP_LIMITS.requestTimeoutMs),
    headersTimeoutMs: seconds('KUBENOVA_HEADERS_TIMEOUT_SECONDS', DEFAULT_HTTP_LIMITS.headersTimeoutMs),
    maxEventStreams: positiveInteger(get, 'KUBENOVA_MAX_EVENT_STREAMS', DEFAULT_HTTP_LIMITS.maxEventStreams, 1_000_000),
    maxEventStreamsPerSubject: positiveInteger(get, 'KUBENOVA_MAX_EVENT_STREAMS_PER_SUBJECT', DEFAULT_HTTP_LIMITS.maxEventStreamsPerSubject, 1_000_000),
  };
  if (limits.headersTimeoutMs > limits.requestTimeoutMs) {
    throw new ConfigError('KUBENOVA_HEADERS_TIMEOUT_SECONDS must not exceed KUBENOVA_REQUEST_TIMEOUT_SECONDS (the headers are part of the request)');
  }
  return limits;
}

function bootstrapConfig(get: EnvReader): BootstrapConfig {
  const chartSource = get('KUBENOVA_CHART_SOURCE') ?? 'repository';
  const parsed = parseChartSource(chartSource);
  if ('problem' in parsed) throw new ConfigError(`KUBENOVA_CHART_SOURCE ${parsed.problem}`);
  const chartDirs = (get('KUBENOVA_CHART_DIRS') ?? '').split(':').filter((d) => d !== '');
  if (chartDirs.some((d) => !isAbsolute(d))) throw new ConfigError('KUBENOVA_CHART_DIRS must list absolute directories');
  if (parsed.type === 'directory') chartDirs.push(parsed.path);
  return { helm: get('KUBENOVA_HELM') ?? 'helm', chartSource, chartDirs: chartDirs.map((d) => resolve(d)) };
}

type EnvReader = (name: keyof typeof ENVIRONMENT) => string | undefined;

function authConfig(get: EnvReader, store: StoreConfig, dataDir: string): AuthConfig {
  const hs256Secret = get('KUBENOVA_JWT_SECRET');
  if (hs256Secret !== undefined && hs256Secret.length < MIN_HS256_SECRET_LENGTH) {
    throw new ConfigError(`KUBENOVA_JWT_SECRET must be at least ${MIN_HS256_SECRET_LENGTH} characters`);
  }
  const jwksUrl = get('KUBENOVA_JWT_JWKS_URL');
  if (jwksUrl !== undefined && !isAcceptableJwksUrl(jwksUrl)) {
    throw new ConfigError('KUBENOVA_JWT_JWKS_URL must be an https:// URL (http:// only on loopback)');
  }
  const rs256PublicKeyFile = get('KUBENOVA_JWT_PUBLIC_KEY_FILE');
  const oidcConfigFile = get('KUBENOVA_OIDC_CONFIG');
  let oidcIssuer: IssuerEntry | undefined;
  try {
    oidcIssuer = issuerFromEnvironment(get);
  } catch (err) {
    if (err instanceof IdentityConfigError) throw new ConfigError(err.message);
    throw err;
  }
  let hs256SecretFile = get('KUBENOVA_JWT_SECRET_FILE');
  // The embedded default needs no setup: without any configured key, a secret is generated in
  // the data directory. Replicas sharing a PostgreSQL store must share keys, so there it is
  // never generated; and configuring an IdP turns the generated secret off.
  const configured = [hs256Secret, hs256SecretFile, jwksUrl, rs256PublicKeyFile, oidcConfigFile, oidcIssuer].some((v) => v !== undefined);
  const generate = !configured && store.kind === 'embedded';
  if (generate) hs256SecretFile = join(dataDir, 'jwt-secret');
  else if (!configured) {
    throw new ConfigError(
      'no JWT key configured: set KUBENOVA_JWT_SECRET(_FILE), KUBENOVA_JWT_PUBLIC_KEY_FILE, KUBENOVA_JWT_JWKS_URL, KUBENOVA_OIDC_CONFIG or KUBENOVA_OIDC_ISSUER_URL',
    );
  }
  const auth: AuthConfig = { createHs256SecretFile: generate };
  if (hs256Secret !== undefined) auth.hs256Secret = hs256Secret;
  else if (hs256SecretFile !== undefined) auth.hs256SecretFile = resolve(hs256SecretFile);
  if (rs256PublicKeyFile !== undefined) auth.rs256PublicKeyFile = resolve(rs256PublicKeyFile);
  if (jwksUrl !== undefined) auth.jwksUrl = jwksUrl;
  if (oidcConfigFile !== undefined) auth.oidcConfigFile = resolve(oidcConfigFile);
  if (oidcIssuer !== undefined) auth.oidcIssuerFromEnv = oidcIssuer;
  const issuer = get('KUBENOVA_JWT_ISSUER');
  const audience = get('KUBENOVA_JWT_AUDIENCE');
  if (issuer !== undefined) auth.issuer = issuer;
  if (audience !== undefined) auth.audience = audience;
  return auth;
}

function isAcceptableJwksUrl(text: string): boolean {
  const url = parseUrl(text);
  return url !== undefined && isKeySourceUrl(url);
}
