// The real server process, SIGKILLed in the middle of a burst of concurrent creates: after a
// restart, every create that was answered 201 has its object, its audit record and its Created
// event (they commit together), on either store.
import { join } from 'node:path';
import { describe, expect, inject, test } from 'vitest';
import { loadHs256Secret } from '../../src/security/auth-keys.js';
import { mintToken } from '../../src/security/auth-token.js';
import { apiClient, type ApiResponse } from '../support/api-client.js';
import { createTestDatabase } from '../support/postgres.js';
import { startReplicas } from '../support/replicas.js';
import { startServer, type RunningServer } from '../support/server-process.js';
import { backends } from '../support/stores.js';

/** Concurrent clients, and how many answered creates the kill waits for. */
const CLIENTS = 16;
const ACKNOWLEDGED_BEFORE_KILL = 120;

/** One server process at a time, restartable, with an admin API client. */
interface Subject {
  url(): string;
  call(base: string, method: string, path: string, body?: unknown): Promise<ApiResponse>;
  kill(): void;
  restart(): Promise<void>;
  stop(): Promise<unknown>;
}

async function embeddedSubject(): Promise<Subject> {
  const { dataDir } = await backends.find((b) => b.name === 'embedded')!.fresh();
  const env = { KUBENOVA_DATA_DIR: dataDir, KUBENOVA_HOST: '127.0.0.1', KUBENOVA_PORT: '0', KUBENOVA_LOG_LEVEL: 'warn' };
  let server: RunningServer = await startServer({ env });
  const secret = await loadHs256Secret({ hs256SecretFile: join(dataDir, 'jwt-secret'), createHs256SecretFile: false });
  const call = apiClient(await mintToken(secret!, { subject: 'admin', roles: ['platform-admin'], ttlSeconds: 600 }));
  return {
    url: () => server.url,
    call,
    kill: () => server.kill('SIGKILL'),
    restart: async () => {
      await server.exited;
      server = await startServer({ env });
    },
    stop: () => server.stop(),
  };
}

async function postgresSubject(): Promise<Subject> {
  const replicas = await startReplicas({ n: 1, databaseUrl: await createTestDatabase(inject('postgresUrl')), logLevel: 'warn' });
  const call = apiClient(await replicas.token({ roles: ['platform-admin'] }));
  return {
    url: () => replicas.replica(0).url,
    call,
    kill: () => replicas.kill(0, 'SIGKILL'),
    restart: async () => {
      await replicas.restart(0);
    },
    stop: () => replicas.stopAll(),
  };
}

const subjects = [
  { name: 'embedded', open: embeddedSubject },
  { name: 'postgres', open: postgresSubject },
];

describe.each(subjects)('acknowledged creates survive a SIGKILL with their audit record and event ($name)', ({ open }) => {
  test('every create answered 201 before the kill has its object, audit record and Created event', { timeout: 300_000 }, async () => {
    const s = await open();
    const base = s.url();
    const acknowledged: string[] = [];
    let next = 0;
    let killed = false;
    // Each client creates policy sets one after the other until the server is gone.
    const client = async () => {
      while (!killed) {
        const name = `burst-${String(next++).padStart(5, '0')}`;
        let res: ApiResponse;
        try {
          res = await s.call(base, 'POST', '/policysets', { name, spec: { podSecurity: 'baseline' } });
        } catch {
          return; // the connection died with the server
        }
        if (res.status !== 201) throw new Error(`create ${name}: ${res.status} ${JSON.stringify(res.body)}`);
        acknowledged.push(name);
        if (acknowledged.length >= ACKNOWLEDGED_BEFORE_KILL && !killed) {
          killed = true;
          s.kill();
        }
      }
    };
    await Promise.all(Array.from({ length: CLIENTS }, client));
    expect(acknowledged.length).toBeGreaterThanOrEqual(ACKNOWLEDGED_BEFORE_KILL);

    await s.restart();
    const missing: string[] = [];
    for (const name of acknowledged) {
      const [object, audit, events] = await Promise.all([
        s.call(s.url(), 'GET', `/policysets/${name}`),
        s.call(s.url(), 'GET', `/audit?kind=PolicySet&name=${name}`),
        s.call(s.url(), 'GET', `/events?kind=PolicySet&name=${name}`),
      ]);
      const audited = (audit.body.items as { action: string; status: number; outcome: string }[]).some(
        (r) => r.action === 'create' && r.status === 201 && r.outcome === 'succeeded',
      );
      const announced = (events.body.items as { reason: string }[]).some((e) => e.reason === 'Created');
      const problems = [object.status !== 200 && 'object', !audited && 'audit record', !announced && 'Created event'].filter(Boolean);
      if (problems.length > 0) missing.push(`${name}: no ${problems.join(', ')}`);
    }
    expect(missing, `of ${acknowledged.length} acknowledged creates`).toEqual([]);
    await s.stop();
  });
});
