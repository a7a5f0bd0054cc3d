// High availability end to end: three KubeNova server processes share one PostgreSQL server (its
// own, so this file can restart it) and reconcile one real cluster (Capsule, vela-core, kwok).
// 200 tenants and 200 apps are written through different replicas while one replica is SIGKILLed
// and started again and PostgreSQL is restarted. Everything written reaches Deployed, and the
// replicas' reconcile audit shows no object reconciled by two processes at once and no shard's
// fencing token going backwards. Prints the takeover time of the killed replica's shards.
import { randomBytes } from 'node:crypto';
import { cp, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, onTestFailed, vi } from 'vitest';
import { KubeClusterClient } from '../../src/adapters/kube/client.js';
import { apiClient, type ApiResponse } from '../support/api-client.js';
import { startExtraCluster, type ClusterHandle } from '../support/cluster.js';
import { createTestDatabase, startPostgres, type PostgresServer } from '../support/postgres.js';
import { concurrentReconciles, reconcileIntervals, tokensGoingBack } from '../support/reconcile-audit.js';
import { startReplicas, type ReplicaSet } from '../support/replicas.js';

const TENANTS = Number(process.env.KUBENOVA_HA_TENANTS ?? 200);
const APPS = Number(process.env.KUBENOVA_HA_APPS ?? 200);
const PROJECTS = Math.min(20, TENANTS);
const WRITERS = 6;
const suffix = randomBytes(3).toString('hex');
const C = `ha-${suffix}`;
const report = (line: string) => process.stderr.write(`[ha.test] ${line}\n`);
// Where the replicas' logs are kept when the test fails (the replica set's own directory goes).
const ARTIFACTS = resolve(process.env.KUBENOVA_TEST_ARTIFACTS ?? 'test-artifacts', `ha-${suffix}`);

/** Copies every replica's log file to ARTIFACTS, for reading after a failed run. */
async function keepLogs(): Promise<void> {
  await mkdir(ARTIFACTS, { recursive: true });
  await Promise.all(
    [0, 1, 2].map(async (i) => {
      await cp(replicas.logFile(i), join(ARTIFACTS, `${replicas.id(i)}.log`)).catch(() => undefined);
      await writeFile(join(ARTIFACTS, `${replicas.id(i)}.stderr`), replicas.replica(i).stderr());
    }),
  );
  report(`replica logs kept in ${ARTIFACTS}`);
}

let postgres: PostgresServer;
let databaseUrl: string;
let cluster: ClusterHandle;
let replicas: ReplicaSet;
let call: ReturnType<typeof apiClient>;
/** When each killed process died (ms since epoch), by pid: its unfinished reconciles end there. */
const killedAt = new Map<number, number>();

const tenantName = (i: number) => `t${i}-${suffix}`;
const projectName = (i: number) => `${tenantName(i)}-p`;
// App i lives in project i % PROJECTS, of the tenant of the same number (names carry their tenant's prefix).
const appName = (i: number) => `${tenantName(i % PROJECTS)}-app${i}`;

/** A call through replica `i`, or the next live one, retried while the store or the replica is
 *  away, as a client behind a load balancer would. A POST whose earlier attempt may have
 *  committed before its answer was lost finds the object already there: that is success. */
async function write(i: number, path: string, body: { name: string }): Promise<void> {
  const deadline = Date.now() + 180_000;
  for (let attempt = 0; ; attempt++) {
    const r = (i + attempt) % replicas.size;
    let res: ApiResponse | undefined;
    try {
      res = replicas.replica(r).running() ? await call(replicas.replica(r).url, 'POST', path, body) : undefined;
    } catch {
      res = undefined; // connection refused or reset: that replica is gone
    }
    if (res?.status === 201 || (attempt > 0 && res?.status === 409 && res.body.code === 'ALREADY_EXISTS')) return;
    if (res && res.status !== 503) throw new Error(`POST ${path} ${body.name}: ${res.status} ${JSON.stringify(res.body)}`);
    if (Date.now() > deadline) throw new Error(`POST ${path} ${body.name}: no replica took it within 180 s`);
    await new Promise((resolve) => setTimeout(resolve, Math.min(100 * 2 ** attempt, 2_000)));
  }
}

/** Runs `fn(i)` for i in [from, to) with WRITERS at a time, spreading them over the replicas. */
async function writeAll(from: number, to: number, fn: (i: number) => Promise<void>, during?: { at: number; run: () => Promise<void> }): Promise<void> {
  let next = from;
  let side: Promise<void> | undefined;
  await Promise.all(
    Array.from({ length: WRITERS }, async () => {
      while (next < to) {
        const i = next++;
        if (during && i === during.at) side = during.run();
        await fn(i);
      }
    }),
  );
  await side;
}

/** Any live replica's list of `path`, all pages. */
async function listAll(path: string): Promise<Array<{ name: string; status: { phase: string } }>> {
  const live = [...Array(replicas.size).keys()].find((i) => replicas.replica(i).running())!;
  const items: Array<{ name: string; status: { phase: string } }> = [];
  let cursor: string | undefined;
  do {
    const res = await call(replicas.replica(live).url, 'GET', `${path}?limit=500${cursor ? `&cursor=${cursor}` : ''}`);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    items.push(...(res.body.items as typeof items));
    cursor = res.body.nextCursor as string | undefined;
  } while (cursor);
  return items;
}

/** Shards whose lease `replica` holds, straight from the database. */
async function shardsHeldBy(replica: string): Promise<number> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ n: number }>(`SELECT count(*)::int AS n FROM shard_leases WHERE holder = $1 AND expires_at > now()`, [replica]);
    return rows[0]!.n;
  } finally {
    await client.end();
  }
}

beforeAll(async () => {
  [postgres, cluster] = await Promise.all([startPostgres(), startExtraCluster()]);
  databaseUrl = await createTestDatabase(postgres.url);
  replicas = await startReplicas({ n: 3, databaseUrl, logLevel: 'debug' });
  call = apiClient(await replicas.token({ roles: ['platform-admin'] }));
  // The work is divided once every replica holds its share.
  await vi.waitFor(
    async () => {
      for (let i = 0; i < replicas.size; i++) expect(await shardsHeldBy(replicas.id(i))).toBeGreaterThanOrEqual(10);
    },
    { timeout: 60_000, interval: 250 },
  );
  const kubeconfig = await readFile(cluster.info.kubeconfig, 'utf8');
  await write(0, '/clusters', { name: C, kubeconfig: Buffer.from(kubeconfig).toString('base64') } as { name: string });
  await vi.waitFor(
    async () => {
      const res = await call(replicas.replica(1).url, 'GET', `/clusters/${C}`);
      expect(res.body.status).toMatchObject({ phase: 'Deployed', capabilities: { kubevela: { apiVersions: expect.arrayContaining(['v1beta1']) } } });
    },
    { timeout: 120_000, interval: 250 },
  );
}, 600_000);

afterAll(async () => {
  await replicas?.stopAll();
  await cluster?.stop();
  await postgres?.stop();
}, 300_000);

describe(`three replicas, ${TENANTS} tenants and ${APPS} apps`, () => {
  it('all reach Deployed through a SIGKILL, a restart and a PostgreSQL restart, never reconciled by two replicas at once', { timeout: 1_800_000 }, async () => {
    onTestFailed(keepLogs);
    const t0 = performance.now();
    const elapsed = () => `${((performance.now() - t0) / 1000).toFixed(1)} s`;

    // Tenants, with replica 1 SIGKILLed half way; the time until its shards are held by others.
    let takeoverMs = NaN;
    const killOne = async () => {
      const before = await shardsHeldBy(replicas.id(1));
      expect(before).toBeGreaterThan(0);
      const victim = replicas.replica(1);
      victim.kill('SIGKILL');
      await victim.exited;
      const killed = Date.now();
      killedAt.set(victim.pid, killed);
      await vi.waitFor(async () => expect(await shardsHeldBy(replicas.id(1))).toBe(0), { timeout: 60_000, interval: 20 });
      takeoverMs = Date.now() - killed;
      await vi.waitFor(async () => expect((await shardsHeldBy(replicas.id(0))) + (await shardsHeldBy(replicas.id(2)))).toBe(32), {
        timeout: 60_000,
        interval: 20,
      });
      report(
        `replica-1 (held ${before} shards) SIGKILLed at ${elapsed()}: its shards taken over in ${takeoverMs} ms; all 32 held by the others ${Date.now() - killed} ms after the kill`,
      );
    };
    await writeAll(
      0,
      TENANTS,
      (i) =>
        write(i, '/tenants', { name: tenantName(i), spec: { owners: [{ kind: 'User', name: `owner-${i}` }], placement: { clusters: [C] } } } as {
          name: string;
        }),
      { at: Math.floor(TENANTS / 2), run: killOne },
    );
    report(`${TENANTS} tenants written at ${elapsed()}`);
    await writeAll(0, PROJECTS, (i) => write(i, `/tenants/${tenantName(i)}/projects`, { name: projectName(i) }));

    // Apps, with replica 1 started again and PostgreSQL restarted along the way.
    const rejoin = async () => {
      await replicas.restart(1);
      await vi.waitFor(async () => expect(await shardsHeldBy(replicas.id(1))).toBeGreaterThan(0), { timeout: 60_000, interval: 100 });
      report(`replica-1 restarted and holding shards again at ${elapsed()}`);
    };
    const restartPostgres = async () => {
      const started = performance.now();
      await postgres.restart();
      report(`PostgreSQL restarted at ${elapsed()} (down for ${(performance.now() - started).toFixed(0)} ms)`);
    };
    const app = (i: number) =>
      write(i, '/apps', {
        name: appName(i),
        spec: { project: projectName(i % PROJECTS), components: [{ name: `web${i}`, type: 'webservice', properties: { image: 'nginx:1.27' } }] },
      } as {
        name: string;
      });
    await writeAll(0, Math.floor(APPS / 2), app, { at: Math.floor(APPS / 4), run: rejoin });
    await writeAll(Math.floor(APPS / 2), APPS, app, { at: Math.floor((APPS * 3) / 4), run: restartPostgres });
    report(`${APPS} apps written at ${elapsed()}`);

    // Everything acknowledged is there and converges.
    const expected = {
      tenants: new Set(Array.from({ length: TENANTS }, (_, i) => tenantName(i))),
      projects: new Set(Array.from({ length: PROJECTS }, (_, i) => projectName(i))),
      apps: new Set(Array.from({ length: APPS }, (_, i) => appName(i))),
    };
    for (const [path, names] of Object.entries(expected)) {
      await vi.waitFor(
        async () => {
          const items = (await listAll(`/${path}`)).filter((o) => names.has(o.name));
          expect(items.map((o) => o.name).sort()).toEqual([...names].sort());
          const waiting = items.filter((o) => o.status.phase !== 'Deployed');
          expect(waiting.map((o) => `${o.name}: ${o.status.phase}`).slice(0, 5), `${waiting.length} ${path} not Deployed`).toEqual([]);
        },
        { timeout: 900_000, interval: 2_000 },
      );
      report(`all ${names.size} ${path} Deployed at ${elapsed()}`);
    }
    const admin = await KubeClusterClient.fromKubeconfigText('admin', await readFile(cluster.info.kubeconfig, 'utf8'));
    try {
      const applications = await admin.list({ apiVersion: 'core.oam.dev/v1beta1', kind: 'Application' }, {});
      expect(applications.filter((a) => expected.apps.has(a.metadata.name))).toHaveLength(APPS);
    } finally {
      admin.close();
    }

    // No replica died unasked (a crash would also leave its reconciles open in the audit).
    for (let i = 0; i < replicas.size; i++) {
      const r = replicas.replica(i);
      expect(r.running(), `${replicas.id(i)} (pid ${r.pid}) exited on its own:\n${r.stderr().slice(-4_000)}`).toBe(true);
    }

    // The audit: every reconcile of every process, the killed one's included.
    const lines = [0, 1, 2].flatMap((i) => replicas.replica(i).logLines());
    const intervals = reconcileIntervals(lines, (pid) => killedAt.get(pid) ?? Infinity);
    const perReplica = new Map<string, number>();
    for (const i of intervals) perReplica.set(i.replica, (perReplica.get(i.replica) ?? 0) + 1);
    report(`reconciles audited: ${intervals.length} (${[...perReplica].map(([r, n]) => `${r}: ${n}`).join(', ')}); takeover ${takeoverMs} ms`);
    expect(new Set(intervals.map((i) => i.pid)).size).toBeGreaterThanOrEqual(4); // three replicas and the restarted one
    expect(concurrentReconciles(intervals)).toEqual([]);
    expect(tokensGoingBack(intervals)).toEqual([]);
  });
});
