// `login`, `logout` and `whoami`: the config file and the token's claims, shown locally.
import { isPlaintextRemote, loadConfig, normaliseServer, saveConfig } from '../config.js';
import type { CliContext } from '../context.js';
import { usageError } from '../errors.js';
import { formatData, formatExpiry, parseOutputFormat } from '../output.js';
import { claimList, decodeClaims, expiryOf } from '../token.js';
import { DEFAULT_SCOPES, discoverIssuer, signInWithBrowser, signInWithDevice } from '../oidc-login.js';

export interface LoginOptions {
  server?: string;
  token?: string;
  tokenStdin?: boolean;
  /** Sign in through this OIDC issuer (src/cli/oidc-login.ts). */
  oidc?: string;
  clientId?: string;
  scopes?: string;
  device?: boolean;
}

export async function login(ctx: CliContext, opts: LoginOptions): Promise<void> {
  if (opts.oidc !== undefined) return loginWithOidc(ctx, { ...opts, oidc: opts.oidc });
  if (opts.clientId !== undefined || opts.scopes !== undefined || opts.device) throw usageError('--client-id, --scopes and --device go with --oidc <issuer>');
  if (opts.token && opts.tokenStdin) throw usageError('use either --token or --token-stdin, not both');
  const { config } = await loadConfig(ctx.configPath);
  const serverInput = opts.server ?? config.server;
  if (!serverInput) throw usageError('--server is required');
  const server = normaliseServer(serverInput);
  let token = opts.token;
  if (opts.tokenStdin) token = (await ctx.io.readStdin()).trim();
  if (!token) throw usageError('a token is required: --token <jwt> or --token-stdin');
  const claims = decodeClaims(token);

  await saveConfig(ctx.configPath, { server, token });

  if (isPlaintextRemote(server)) ctx.warn(`${server} is plain http: the token crosses the network unencrypted`);
  const exp = expiryOf(claims);
  if (exp && exp.getTime() <= ctx.io.now().getTime()) ctx.warn('the token has already expired');
  const who = claims.sub ? ` as ${claims.sub}` : '';
  ctx.print(`Logged in to ${server}${who} (config: ${ctx.configPath})`);
}

async function loginWithOidc(ctx: CliContext, opts: LoginOptions & { oidc: string }): Promise<void> {
  if (opts.token !== undefined || opts.tokenStdin) throw usageError('--oidc signs in through the issuer: drop --token/--token-stdin');
  const { config } = await loadConfig(ctx.configPath);
  const serverInput = opts.server ?? config.server;
  if (!serverInput) throw usageError('--server is required');
  const server = normaliseServer(serverInput);
  const clientId = opts.clientId ?? 'kubenova';
  const scopes = opts.scopes ?? DEFAULT_SCOPES;
  const issuer = await discoverIssuer(opts.oidc, clientId);
  const signed = opts.device
    ? await signInWithDevice(issuer, scopes, (url, code) => ctx.io.err(`Open ${url} and enter the code ${code}\n`))
    : await signInWithBrowser(issuer, scopes, (url) => ctx.io.err(`Open this URL in a browser to sign in:\n  ${url}\n`));
  const oidc = { issuer: opts.oidc, clientId, scopes, ...(signed.refreshToken !== undefined && { refreshToken: signed.refreshToken }) };
  await saveConfig(ctx.configPath, { server, token: signed.idToken, oidc });

  if (isPlaintextRemote(server)) ctx.warn(`${server} is plain http: the token crosses the network unencrypted`);
  if (!signed.refreshToken) ctx.warn('the issuer gave no refresh token (ask for offline_access): sign in again when the ID token expires');
  const claims = decodeClaims(signed.idToken);
  const who = typeof claims.email === 'string' ? claims.email : claims.sub;
  ctx.print(`Logged in to ${server}${who ? ` as ${who}` : ''} through ${opts.oidc} (config: ${ctx.configPath})`);
}

export async function logout(ctx: CliContext): Promise<void> {
  const { config } = await loadConfig(ctx.configPath);
  if (!config.token) {
    ctx.print('Not logged in.');
    return;
  }
  await saveConfig(ctx.configPath, { server: config.server });
  ctx.print(`Logged out of ${config.server ?? 'the server'}.`);
}

export async function whoami(ctx: CliContext, opts: { output?: string }): Promise<void> {
  const format = parseOutputFormat(opts.output);
  const creds = await ctx.credentials();
  const claims = decodeClaims(creds.token);
  const exp = expiryOf(claims);
  const now = ctx.io.now();
  const info = {
    server: creds.server,
    subject: claims.sub,
    roles: claimList(claims, 'roles'),
    tenants: claimList(claims, 'tenants'),
    issuer: claims.iss,
    expiresAt: exp?.toISOString(),
    expired: exp ? exp.getTime() <= now.getTime() : false,
    tokenSource: creds.source.token === 'env' ? 'KUBENOVA_TOKEN' : ctx.configPath,
  };
  if (format === 'json' || format === 'yaml') {
    ctx.io.out(formatData(info, format));
    return;
  }
  if (format === 'name') {
    ctx.print(info.subject ?? '<none>');
    return;
  }
  const none = '<none>';
  const rows: [string, string][] = [
    ['Server', info.server],
    ['Subject', info.subject ?? none],
    ['Roles', info.roles.join(', ') || none],
    ['Tenants', info.tenants.join(', ') || none],
  ];
  if (info.issuer) rows.push(['Issuer', info.issuer]);
  rows.push(['Expires', exp ? `${info.expiresAt} (${formatExpiry(exp, now)})` : 'never']);
  rows.push(['Token from', info.tokenSource]);
  const w = Math.max(...rows.map(([k]) => k.length)) + 1;
  ctx.print(rows.map(([k, v]) => `${(k + ':').padEnd(w)} ${v}`).join('\n'));
}
