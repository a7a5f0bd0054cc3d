// Where the CLI keeps its server address and token: `${KUBENOVA_CONFIG:-~/.kubenova/config.json}`,
// mode 0600 inside a 0700 directory. KUBENOVA_SERVER / KUBENOVA_TOKEN override the file.
import { chmod, mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { CliError, EXIT } from './errors.js';
import type { OidcLogin } from './oidc-login.js';

export interface CliConfig {
  server?: string;
  token?: string;
  /** Set by `login --oidc`: where `token` (an ID token) is renewed from when it expires. */
  oidc?: OidcLogin;
}

export interface Credentials {
  server: string;
  token: string;
  /** Where each value came from, for `whoami` (never the value itself). */
  source: { server: 'env' | 'config'; token: 'env' | 'config' };
}

export type Env = Record<string, string | undefined>;

export function configPath(env: Env): string {
  const explicit = env.KUBENOVA_CONFIG;
  if (explicit) return explicit;
  return join(env.HOME || homedir(), '.kubenova', 'config.json');
}

/** Reads the config file; a missing file is an empty config. */
export async function loadConfig(path: string): Promise<{ config: CliConfig; warning?: string }> {
  let raw: string;
  try {
    raw = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { config: {} };
    throw new CliError(`cannot read config ${path}: ${(err as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new CliError(`config ${path} is not valid JSON`);
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new CliError(`config ${path} must hold a JSON object`);
  }
  const o = parsed as Record<string, unknown>;
  const config: CliConfig = {};
  if (typeof o.server === 'string') config.server = o.server;
  if (typeof o.token === 'string') config.token = o.token;
  const login = o.oidc as Record<string, unknown> | undefined;
  if (login && typeof login.issuer === 'string' && typeof login.clientId === 'string') {
    config.oidc = {
      issuer: login.issuer,
      clientId: login.clientId,
      scopes: typeof login.scopes === 'string' ? login.scopes : 'openid',
      ...(typeof login.refreshToken === 'string' && { refreshToken: login.refreshToken }),
    };
  }
  const mode = (await stat(path)).mode & 0o777;
  const warning =
    process.platform !== 'win32' && (mode & 0o077) !== 0
      ? `config ${path} is accessible by other users (mode ${mode.toString(8)}); run: chmod 600 ${path}`
      : undefined;
  return { config, warning };
}

/** Writes the config atomically with mode 0600 (also tightening an existing file). */
export async function saveConfig(path: string, config: CliConfig): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, JSON.stringify(config, null, 2) + '\n', { mode: 0o600 });
  await chmod(tmp, 0o600); // writeFile's mode is filtered by the umask; be explicit.
  await rename(tmp, path);
}

/** Normalises a server address: http(s) only, no trailing slash, no `/api/v1` suffix. */
export function normaliseServer(input: string): string {
  let url: URL;
  try {
    url = new URL(input);
  } catch {
    throw new CliError(`invalid server URL: ${input}`, EXIT.usage);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new CliError(`server URL must be http or https: ${input}`, EXIT.usage);
  }
  url.search = '';
  url.hash = '';
  let s = url.toString().replace(/\/+$/, '');
  s = s.replace(/\/api\/v1$/, '');
  return s;
}

/** True when a bearer token sent to this server would cross the network unencrypted. */
export function isPlaintextRemote(server: string): boolean {
  const url = new URL(server);
  if (url.protocol !== 'http:') return false;
  const host = url.hostname.replace(/^\[|\]$/g, '');
  return !(host === 'localhost' || host === '::1' || /^127\./.test(host));
}

/** Merges env overrides over the file; fails with the auth exit code when something is missing. */
export function resolveCredentials(env: Env, config: CliConfig): Credentials {
  const serverEnv = env.KUBENOVA_SERVER;
  const tokenEnv = env.KUBENOVA_TOKEN;
  const server = serverEnv || config.server;
  const token = tokenEnv || config.token;
  if (!server) {
    throw new CliError('no server configured: run `kubenova login --server <url> --token <jwt>` or set KUBENOVA_SERVER', EXIT.auth);
  }
  if (!token) {
    throw new CliError('no token configured: run `kubenova login` or set KUBENOVA_TOKEN', EXIT.auth);
  }
  return {
    server: normaliseServer(server),
    token,
    source: { server: serverEnv ? 'env' : 'config', token: tokenEnv ? 'env' : 'config' },
  };
}
