// The watches' cache with many objects (not a test): what one reconcile's read of its own
// objects costs when a cluster's watch holds N Applications. Every look of an App (a change, its
// periodic look) lists the Applications it owns from the cache, in its namespace and across
// namespaces, so this is paid N times per pass over N apps. The cluster is the in-memory one of
// the unit tests: only the cache is measured.
//
//   node --import tsx bench/watch-cache.ts            (BENCH_WATCH_N=1000,10000 by default)
import { velaAppAdapter } from '../src/adapters/vela/index.js';
import { ownershipLabels, ownershipSelector } from '../src/domain/ownership.js';
import { ClusterWatches } from '../src/orchestrator/projection/watches.js';
import { MemoryClusters } from '../test/support/memory-cluster.js';

const SIZES = (process.env.BENCH_WATCH_N ?? '1000,10000').split(',').map(Number);
const APPLICATION = { apiVersion: 'core.oam.dev/v1beta1', kind: 'Application' };
const TENANTS = 100;

async function measure(n: number): Promise<string> {
  const clusters = new MemoryClusters();
  const east = clusters.cluster('east');
  // n apps over TENANTS tenants, one project (namespace) each, labelled as KubeNova projects them.
  const owners = Array.from({ length: n }, (_, i) => ({ tenant: `t${i % TENANTS}`, project: `t${i % TENANTS}-p`, app: `app${i}` }));
  for (let t = 0; t < TENANTS; t++) east.apply('kubenova', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: `t${t}-p` } });
  for (const owner of owners) {
    east.apply('kubenova', { ...APPLICATION, metadata: { name: owner.app, namespace: owner.project, labels: ownershipLabels(owner) }, spec: {} });
  }
  const watches = new ClusterWatches(() => undefined, velaAppAdapter.watches);
  watches.ensure('east', await clusters.forCluster('east'));
  await new Promise((r) => setImmediate(r)); // the watches' first lists
  // An app's look lists its own in its namespace (observe), and across namespaces (what to prune).
  const timed = (inNamespace: boolean) => {
    const list = (i: number) => {
      const owner = owners[i % n]!;
      return watches.list('east', APPLICATION, { ...(inNamespace && { namespace: owner.project }), labelSelector: ownershipSelector(owner) });
    };
    if (list(0)?.length !== 1) throw new Error('the cache does not answer the list');
    for (let i = 0; i < 200; i++) list(i); // warm up
    const calls = 20_000;
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < calls; i++) list(i * 7919);
    return Number(process.hrtime.bigint() - t0) / 1000 / calls;
  };
  const [inNs, across] = [timed(true), timed(false)];
  return `| ${n} | ${inNs.toFixed(1)} | ${across.toFixed(1)} | ${(((inNs + across) * n) / 1000).toFixed(0)} |`;
}

console.log(
  '| Applications cached | µs per list of one app’s own, in its namespace | the same across namespaces | ms for both lists of every app (a pass over all) |',
);
console.log('|---|---|---|---|');
for (const n of SIZES) console.log(await measure(n));
