// A real OpenID provider, started as its own process (tools/oidc/). Tests and benchmarks see only
// this interface: a second provider (Ory Hydra with a login app) would be another launcher
// behind `startIdentityProvider`, chosen by `implementation`. No vitest here (benchmarks use it);
// test files get the cleanup hook from identity-provider.ts.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';

const LAUNCHERS = {
  'oidc-provider': resolve(import.meta.dirname, '../../tools/oidc/node-oidc-provider.mjs'),
} as const;

export interface TestUser {
  password: string;
  /** The `sub` claim; default: the login. */
  sub?: string;
  email?: string;
  groups: string[];
  /** The ID token names where the groups are instead of listing them (Entra ID's group overage). */
  groupsOverage?: boolean;
}

export interface TestClient {
  clientId: string;
  redirectUris: string[];
}

export interface IdentityProviderOptions {
  clients: TestClient[];
  users: Record<string, TestUser>;
  idTokenTtlSeconds?: number;
  implementation?: keyof typeof LAUNCHERS;
}

export interface TestIdentityProvider {
  /** e.g. http://127.0.0.1:41234 (discovery at /.well-known/openid-configuration). */
  readonly issuer: string;
  /** Replaces the accounts; the next login and the next token see the change. */
  setUsers(users: Record<string, TestUser>): void;
  /** How many times its JWKS was fetched so far. */
  jwksRequests(): Promise<number>;
  stop(): Promise<void>;
}

const started = new Set<ChildProcess>();

/** SIGKILLs every provider this process started that is still running. */
export function killIdentityProviders(): void {
  for (const child of started) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  started.clear();
}
process.once('exit', killIdentityProviders);

export async function startIdentityProvider(opts: IdentityProviderOptions): Promise<TestIdentityProvider> {
  const dir = mkdtempSync(join(tmpdir(), 'kubenova-idp-'));
  const usersFile = join(dir, 'users.json');
  const configFile = join(dir, 'config.json');
  const setUsers = (users: Record<string, TestUser>) => writeFileSync(usersFile, JSON.stringify(users));
  setUsers(opts.users);
  writeFileSync(configFile, JSON.stringify({ clients: opts.clients, usersFile, idTokenTtlSeconds: opts.idTokenTtlSeconds }));

  const child = spawn(process.execPath, [LAUNCHERS[opts.implementation ?? 'oidc-provider'], configFile], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  started.add(child);
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const issuer = await new Promise<string>((ok, fail) => {
    const timer = setTimeout(() => fail(new Error(`identity provider did not start: ${stderr}`)), 30_000);
    child.once('exit', (code) => fail(new Error(`identity provider exited (${code}): ${stderr}`)));
    createInterface({ input: child.stdout }).once('line', (line) => {
      clearTimeout(timer);
      ok((JSON.parse(line) as { issuer: string }).issuer);
    });
  });

  return {
    issuer,
    setUsers,
    async jwksRequests() {
      const res = await fetch(`${issuer}/_test/stats`);
      return ((await res.json()) as { jwksRequests: number }).jwksRequests;
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }
      started.delete(child);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
