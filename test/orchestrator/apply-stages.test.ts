// `project` writes a plan in the adapter's apply stages (sync.ts), on the in-memory cluster:
// one stage's objects are all written before the next stage starts, a refusal stops the plan
// after its stage, and what the cluster returned stays in plan order.
import { describe, expect, it } from 'vitest';
import type { ProjectionAdapter } from '../../src/adapters/contract.js';
import type { KubeObject } from '../../src/adapters/kube/types.js';
import { ownershipLabels } from '../../src/domain/ownership.js';
import { project } from '../../src/orchestrator/projection/sync.js';
import { admissionDenied, MemoryClusters } from '../support/memory-cluster.js';

const owner = { tenant: 'acme', project: 'web', app: 'shop' };
const object = (kind: string, name: string): KubeObject => ({
  apiVersion: 'v1',
  kind,
  metadata: { name, namespace: 'web', labels: ownershipLabels(owner) },
  data: { name },
});
const plan = [object('ConfigMap', 'a'), object('ConfigMap', 'b'), object('Secret', 'c')];

const adapter = (stages: boolean): ProjectionAdapter<never, void> => ({
  engine: 'test',
  ownedTypes: [
    { apiVersion: 'v1', kind: 'ConfigMap' },
    { apiVersion: 'v1', kind: 'Secret' },
  ],
  watches: [],
  observe: () => Promise.resolve({ ctx: undefined, input: undefined }),
  plan: () => ({ outcome: 'planned', objects: plan, notes: [] }),
  readiness: () => undefined,
  explain: () => undefined,
  ...(stages && { applyStage: (o: KubeObject) => (o.kind === 'ConfigMap' ? 0 : 1) }),
});

async function world() {
  const clusters = new MemoryClusters();
  const east = clusters.cluster('east');
  east.apply('kubectl', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'web' } });
  return { east, client: await clusters.forCluster('east') };
}

const writes = (east: { calls: { verb: string; kind: string; name?: string }[] }) =>
  east.calls.filter((c) => c.verb === 'apply').map((c) => `${c.kind}/${c.name}`);

describe('apply stages', () => {
  it('writes a stage at once, then the next, and returns what the cluster holds in plan order', async () => {
    const { east, client } = await world();
    const result = await project(client, owner, plan, adapter(true), undefined);
    expect(result.complete).toBe(true);
    expect(result.applied.map((o) => o.metadata.name)).toEqual(['a', 'b', 'c']);
    expect(writes(east).slice(0, 2).sort()).toEqual(['ConfigMap/a', 'ConfigMap/b']);
    expect(writes(east)[2]).toBe('Secret/c');
  });

  it('a refusal in a stage still lets its stage-mates be written, and stops the plan there', async () => {
    const { east, client } = await world();
    east.admit((op, o) => (op === 'apply' && o.metadata.name === 'a' ? admissionDenied('guard.example.io', 'no a') : undefined));
    const staged = await project(client, owner, plan, adapter(true), undefined);
    expect(staged.complete).toBe(false);
    expect(staged.outcome).toMatchObject({ state: 'failed' });
    expect(writes(east).sort()).toEqual(['ConfigMap/a', 'ConfigMap/b']);
    expect(east.list({ apiVersion: 'v1', kind: 'Secret' }, { namespace: 'web' })).toEqual([]);

    // Without stages the first refusal stops everything after it.
    const { east: west, client: other } = await world();
    west.admit((op, o) => (op === 'apply' && o.metadata.name === 'a' ? admissionDenied('guard.example.io', 'no a') : undefined));
    await project(other, owner, plan, adapter(false), undefined);
    expect(writes(west)).toEqual(['ConfigMap/a']);
  });
});
