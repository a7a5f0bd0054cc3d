// Reads through the cluster watches' cache (an informer's lister), on the in-memory cluster:
// what the watches hold answers gets and the lists they cover, with no call to the cluster;
// anything else goes to the cluster.
import { describe, expect, it } from 'vitest';
import type { ClusterWatch } from '../../src/adapters/contract.js';
import type { KubeObject } from '../../src/adapters/kube/types.js';
import { cachedReads } from '../../src/orchestrator/projection/cached-reads.js';
import { ClusterWatches } from '../../src/orchestrator/projection/watches.js';
import { MemoryClusters } from '../support/memory-cluster.js';

const CONFIG_MAP = { apiVersion: 'v1', kind: 'ConfigMap' };
const NAMESPACE = { apiVersion: 'v1', kind: 'Namespace' };
const configMap = (namespace: string, name: string, labels: Record<string, string>): KubeObject => ({
  ...CONFIG_MAP,
  metadata: { name, namespace, labels },
  data: { v: name },
});

const WATCHES: ClusterWatch[] = [
  { type: CONFIG_MAP, labelSelector: 'managed=kn,app', keysOf: (o) => [`App/${o.metadata.labels?.app}`] },
  { type: NAMESPACE, labelSelector: 'managed=kn', keysOf: () => [] },
];

async function world() {
  const clusters = new MemoryClusters();
  const east = clusters.cluster('east');
  for (const ns of ['a', 'b']) east.apply('kubectl', { ...NAMESPACE, metadata: { name: ns, labels: { managed: 'kn' } } });
  east.apply('kubectl', configMap('a', 'shop', { managed: 'kn', app: 'shop' }));
  east.apply('kubectl', configMap('b', 'shop-b', { managed: 'kn', app: 'shop' }));
  east.apply('kubectl', configMap('a', 'blog', { managed: 'kn', app: 'blog' }));
  east.apply('kubectl', configMap('a', 'theirs', { team: 'x' }));
  const client = await clusters.forCluster('east');
  const enqueued: string[] = [];
  const watches = new ClusterWatches((k) => enqueued.push(k), WATCHES);
  return { east, client, watches, enqueued };
}

const names = (objects: KubeObject[]) => objects.map((o) => `${o.metadata.namespace ?? ''}/${o.metadata.name}`).sort();
const callsSince = (east: { calls: { verb: string }[] }, from: number) => east.calls.slice(from).filter((c) => c.verb === 'get' || c.verb === 'list');

describe('cached reads', () => {
  it('answer covered lists and held objects from the watches, and send the rest to the cluster', async () => {
    const { east, client, watches } = await world();
    const reads = cachedReads('east', client, watches);
    // No watches on the cluster yet: everything goes to the cluster.
    const before = east.calls.length;
    expect(names(await reads.list(CONFIG_MAP, { labelSelector: 'managed=kn,app=shop' }))).toEqual(['a/shop', 'b/shop-b']);
    expect(callsSince(east, before)).toHaveLength(1);

    watches.ensure('east', client);
    await new Promise((r) => setImmediate(r)); // the watches' `synced`
    const mark = east.calls.length;
    expect(names(await reads.list(CONFIG_MAP, { labelSelector: 'managed=kn,app=shop' }))).toEqual(['a/shop', 'b/shop-b']);
    expect(names(await reads.list(CONFIG_MAP, { namespace: 'a', labelSelector: 'managed=kn,app=shop' }))).toEqual(['a/shop']);
    expect((await reads.get({ ...NAMESPACE, name: 'b' }))?.metadata.name).toBe('b');
    expect((await reads.get({ ...CONFIG_MAP, namespace: 'a', name: 'blog' }))?.data).toEqual({ v: 'blog' });
    expect(callsSince(east, mark)).toEqual([]);

    // A list the watches do not cover, and an object they do not hold, are the cluster's to answer.
    expect(names(await reads.list(CONFIG_MAP, { namespace: 'a' }))).toEqual(['a/blog', 'a/shop', 'a/theirs']);
    expect((await reads.get({ ...CONFIG_MAP, namespace: 'a', name: 'theirs' }))?.metadata.labels).toEqual({ team: 'x' });
    expect(callsSince(east, mark).map((c) => c.verb)).toEqual(['list', 'get']);
  });

  it('queue what their first list holds as background looks, and what they see after it as observed', async () => {
    const { east, client } = await world();
    const queued: string[] = [];
    const watches = new ClusterWatches((key, lane) => queued.push(`${lane} ${key}`), WATCHES);
    watches.ensure('east', client);
    await new Promise((r) => setImmediate(r));
    expect(queued.sort()).toEqual(['background App/blog', 'background App/shop', 'background App/shop']);
    queued.length = 0;
    east.apply('kubectl', configMap('b', 'shop-b', { managed: 'kn', app: 'shop', v: '2' }));
    expect(queued).toEqual(['observed App/shop']);
  });

  it('wake no reconcile for an update that changes nothing a watch calls significant, and still cache it', async () => {
    const { east, client } = await world();
    const queued: string[] = [];
    // Significant: the labels and data.v; not data.note.
    const significant = (o: KubeObject) => ({ labels: o.metadata.labels, v: (o.data as Record<string, string> | undefined)?.v });
    const watches = new ClusterWatches((key) => queued.push(key), [{ ...WATCHES[0]!, significant }, WATCHES[1]!]);
    const reads = cachedReads('east', client, watches);
    watches.ensure('east', client);
    await new Promise((r) => setImmediate(r));
    queued.length = 0;
    const shop = (data: Record<string, string>, labels: Record<string, string> = { managed: 'kn', app: 'shop' }) => ({
      ...configMap('a', 'shop', labels),
      data,
    });
    east.apply('kubectl', shop({ v: 'shop', note: 'one' }));
    expect(queued).toEqual([]);
    expect((await reads.get({ ...CONFIG_MAP, namespace: 'a', name: 'shop' }))?.data).toEqual({ v: 'shop', note: 'one' });
    east.apply('kubectl', shop({ v: 'two', note: 'one' }));
    east.apply('kubectl', shop({ v: 'two', note: 'one' }, { managed: 'kn', app: 'shop', tier: 'x' }));
    east.delete({ ...CONFIG_MAP, namespace: 'a', name: 'shop' });
    expect(queued).toEqual(['App/shop', 'App/shop', 'App/shop']);
    // A new object always wakes its reconcile.
    east.apply('kubectl', configMap('a', 'new', { managed: 'kn', app: 'new' }));
    expect(queued.at(-1)).toBe('App/new');
  });

  it('follow what the watches deliver: a new object is listed, a deleted one is gone', async () => {
    const { east, client, watches, enqueued } = await world();
    const reads = cachedReads('east', client, watches);
    watches.ensure('east', client);
    await new Promise((r) => setImmediate(r));
    east.apply('kubectl', configMap('b', 'shop-2', { managed: 'kn', app: 'shop' }));
    east.delete({ ...CONFIG_MAP, namespace: 'a', name: 'shop' });
    expect(names(await reads.list(CONFIG_MAP, { labelSelector: 'managed=kn,app=shop' }))).toEqual(['b/shop-2', 'b/shop-b']);
    // The same through the namespace index.
    expect(names(await reads.list(CONFIG_MAP, { namespace: 'b', labelSelector: 'managed=kn,app=shop' }))).toEqual(['b/shop-2', 'b/shop-b']);
    expect(await reads.list(CONFIG_MAP, { namespace: 'a', labelSelector: 'managed=kn,app=shop' })).toEqual([]);
    // Relabelled: listed under its new label only (the label index follows).
    east.apply('kubectl', configMap('b', 'shop-b', { managed: 'kn', app: 'blog' }));
    expect(names(await reads.list(CONFIG_MAP, { labelSelector: 'managed=kn,app=shop' }))).toEqual(['b/shop-2']);
    expect(names(await reads.list(CONFIG_MAP, { labelSelector: 'managed=kn,app=blog' }))).toEqual(['a/blog', 'b/shop-b']);
    expect(names(await reads.list(CONFIG_MAP, { labelSelector: 'managed=kn,app=none' }))).toEqual([]);
    expect(enqueued).toContain('App/shop');
  });

  it('send everything to the cluster while a watch cannot reach it', async () => {
    const { east, client, watches } = await world();
    let down = false;
    // The watches as a real client's report them: failing while the server does not answer.
    const watched = {
      ...client,
      cluster: client.cluster,
      watch: (...args: Parameters<typeof client.watch>) => {
        const w = client.watch(...args);
        return {
          synced: w.synced,
          stop: () => w.stop(),
          get failing() {
            return down;
          },
        };
      },
    };
    watches.ensure('east', watched);
    await new Promise((r) => setImmediate(r));
    const reads = cachedReads('east', client, watches);
    down = true;
    const mark = east.calls.length;
    await reads.get({ ...NAMESPACE, name: 'a' });
    await reads.list(CONFIG_MAP, { labelSelector: 'managed=kn,app=shop' });
    expect(callsSince(east, mark).map((c) => c.verb)).toEqual(['get', 'list']);
    down = false;
    await reads.get({ ...NAMESPACE, name: 'a' });
    expect(callsSince(east, mark)).toHaveLength(2);
  });
});
