// `issue-kubeconfig tenant|project <name>`: asks for a KubeconfigGrant and writes the returned
// kubeconfig to a file with mode 0600. The kubeconfig is never printed; only where it went.
import { chmod, open } from 'node:fs/promises';
import { resolve } from 'node:path';
import YAML from 'yaml';
import type { CliContext } from '../context.js';
import { CliError, usageError } from '../errors.js';
import { descriptorFor, methodPath } from '../kinds.js';

export const GRANT_ROLES = ['view', 'edit', 'admin'] as const;

export interface IssueKubeconfigOptions {
  cluster?: string;
  ttl?: string;
  role?: string;
  verb?: string[];
  namespace?: string[];
  subject?: string;
  outputFile?: string;
}

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };

/** `90s`, `30m`, `12h`, `7d` or plain seconds, in seconds. */
export function parseTtl(text: string): number {
  const m = /^(\d+)([smhd]?)$/.exec(text.trim());
  const seconds = m ? Number(m[1]) * (UNIT_SECONDS[m[2] || 's'] ?? 1) : NaN;
  if (!Number.isSafeInteger(seconds) || seconds <= 0) {
    throw usageError(`--ttl must be a duration like 30m, 12h or 7d, not "${text}"`);
  }
  return seconds;
}

export async function issueKubeconfig(ctx: CliContext, scope: string, name: string, opts: IssueKubeconfigOptions): Promise<void> {
  const s = scope.toLowerCase();
  if (s !== 'tenant' && s !== 'project') throw usageError(`scope must be "tenant" or "project", not "${scope}"`);
  if (!opts.cluster) throw usageError('--cluster is required');
  if (opts.role !== undefined && !(GRANT_ROLES as readonly string[]).includes(opts.role)) {
    throw usageError(`--role must be one of ${GRANT_ROLES.join(', ')}`);
  }
  if (opts.role !== undefined && opts.verb !== undefined) throw usageError('give --role or --verb, not both');
  const d = descriptorFor(s === 'tenant' ? 'Tenant' : 'Project');
  // The server's IssueKubeconfig body (src/api/kinds/grant.ts).
  const body: Record<string, unknown> = { cluster: opts.cluster };
  if (opts.ttl !== undefined) body.ttlSeconds = parseTtl(opts.ttl);
  if (opts.role !== undefined) body.role = opts.role;
  if (opts.verb !== undefined) body.verbs = opts.verb;
  if (opts.namespace && opts.namespace.length > 0) body.namespaces = opts.namespace;
  if (opts.subject !== undefined) body.subject = opts.subject;

  const client = await ctx.client();
  const { body: res } = await client.request<Record<string, unknown>>('POST', methodPath(d, name, 'issue-kubeconfig'), { body });
  const kubeconfig = kubeconfigText(res?.kubeconfig);
  const path = resolve(opts.outputFile ?? `${name}-${opts.cluster}.kubeconfig`);
  await writePrivateFile(path, kubeconfig);

  const grant = res?.grant && typeof res.grant === 'object' ? (res.grant as Record<string, unknown>) : undefined;
  const grantName = typeof res?.grantName === 'string' ? res.grantName : typeof grant?.name === 'string' ? grant.name : undefined;
  const expires = [res?.expiresAt, (grant?.status as Record<string, unknown> | undefined)?.expiresAt].find((x) => typeof x === 'string');
  const extra = [grantName && `grant ${grantName}`, expires && `expires ${String(expires)}`].filter(Boolean).join(', ');
  ctx.print(`Kubeconfig written to ${path}${extra ? ` (${extra})` : ''}`);
}

/** The response's kubeconfig as YAML text: plain YAML, base64 of it, or an object. */
export function kubeconfigText(v: unknown): string {
  if (v && typeof v === 'object') return YAML.stringify(v);
  if (typeof v !== 'string' || v.length === 0) throw new CliError('the server returned no kubeconfig');
  if (/^\s*(apiVersion|kind|clusters|\{)/m.test(v)) return v;
  const decoded = Buffer.from(v, 'base64').toString('utf8');
  if (/^\s*(apiVersion|kind|clusters|\{)/m.test(decoded)) return decoded;
  throw new CliError('the server returned a kubeconfig in an unknown encoding');
}

/** Writes a secret file with mode 0600; an existing file is tightened before it is overwritten. */
export async function writePrivateFile(path: string, content: string): Promise<void> {
  let fh;
  try {
    fh = await open(path, 'w', 0o600);
  } catch (err) {
    throw new CliError(`cannot write ${path}: ${(err as Error).message}`);
  }
  try {
    await chmod(path, 0o600);
    await fh.writeFile(content);
  } finally {
    await fh.close();
  }
}
