// Time to issue a kubeconfig (not a test): the API in-process on the embedded store, a real
// testenv cluster registered with a capsule-proxy endpoint (nothing needs to listen there: the
// issuer does not call it), one tenant with one project; then N `:issue-kubeconfig` calls, timed
// end to end (store write, ServiceAccount/Secret/RoleBinding apply, TokenRequest, status write).
//
//   KUBENOVA_TEST_CLUSTER=<id> npx tsx bench/grants.ts      (BENCH_ISSUES=15 by default)
import { readFile } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import { readClusterInfo } from '../tools/testenv/src/state.js';
import { benchServer } from './support.js';
import { clusterWriteServices } from '../src/api/write-services.js';
import { createLogger } from '../src/observability/logger.js';
import { createClusterClients } from '../src/orchestrator/manager/cluster-clients.js';
import { grantIssuer } from '../src/orchestrator/reconcilers/grant-issuer.js';
import { clusterReconcilerRegistration } from '../src/orchestrator/reconcilers/cluster.js';
import { grantRegistration } from '../src/orchestrator/reconcilers/grant.js';
import { startRuntime } from '../src/orchestrator/manager/manager.js';
import { tenancyRegistrations } from '../src/orchestrator/reconcilers/registrations.js';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createStore } from '../src/store/index.js';

const N = Number(process.env.BENCH_ISSUES ?? 15);
const id = process.env.KUBENOVA_TEST_CLUSTER;
if (!id) throw new Error('set KUBENOVA_TEST_CLUSTER (npm run testenv -- up)');
const info = await readClusterInfo(id);
const kubeconfig = await readFile(info.kubeconfig, 'utf8');
const logger = createLogger({ level: 'silent' });
const dataDir = await mkdtemp(join(tmpdir(), 'kubenova-bench-grants-'));
const store = await createStore({ kind: 'embedded', dataDir });
const clients = createClusterClients(store);
const { app, call: ok } = await benchServer(store, logger, {
  ...clusterWriteServices(logger),
  grants: grantIssuer({ objects: store.objects, clients, logger }),
});
const s = Date.now().toString(36);
await ok('POST', '/api/v1/clusters', {
  name: `b-${s}`,
  kubeconfig: Buffer.from(kubeconfig).toString('base64'),
  spec: { capsuleProxy: { url: 'https://127.0.0.1:9/' } },
});
const runtime = startRuntime({ store, logger, clients, reconcilers: [clusterReconcilerRegistration(), ...tenancyRegistrations(), grantRegistration()] });
await ok('POST', '/api/v1/tenants', { name: `bt-${s}`, spec: { placement: { clusters: [`b-${s}`] } } });
await ok('POST', `/api/v1/tenants/bt-${s}/projects`, { name: `bt-${s}-p` });
for (let i = 0; (await store.objects.get('Project', `bt-${s}-p`))?.status.phase !== 'Deployed'; i++) {
  if (i > 600) throw new Error('project not deployed');
  await new Promise((r) => setTimeout(r, 200));
}
const times: number[] = [];
for (let i = 0; i < N; i++) {
  const t0 = performance.now();
  await ok('POST', `/api/v1/projects/bt-${s}-p:issue-kubeconfig`, { cluster: `b-${s}`, role: 'edit' });
  times.push(performance.now() - t0);
}
times.sort((a, b) => a - b);
const q = (p: number) => times[Math.min(times.length - 1, Math.floor(p * times.length))]!.toFixed(0);
process.stdout.write(`issue-kubeconfig over ${N}: median ${q(0.5)} ms, p90 ${q(0.9)} ms, min ${times[0]!.toFixed(0)} ms, max ${times.at(-1)!.toFixed(0)} ms\n`);
// Cleanup: grants (revoked), project, tenant.
for (const g of (await store.objects.list('KubeconfigGrant', { limit: 500 })).items) await ok('DELETE', `/api/v1/kubeconfiggrants/${g.name}`);
for (let i = 0; (await store.objects.list('KubeconfigGrant', { limit: 1 })).items.length > 0 && i < 300; i++) await new Promise((r) => setTimeout(r, 200));
await ok('DELETE', `/api/v1/projects/bt-${s}-p`);
for (let i = 0; (await store.objects.get('Project', `bt-${s}-p`)) && i < 600; i++) await new Promise((r) => setTimeout(r, 200));
await ok('DELETE', `/api/v1/tenants/bt-${s}`);
for (let i = 0; (await store.objects.get('Tenant', `bt-${s}`)) && i < 600; i++) await new Promise((r) => setTimeout(r, 200));
await runtime.stop();
await app.close();
await store.close();
await rm(dataDir, { recursive: true, force: true });
