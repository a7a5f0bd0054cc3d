// Ownership labels and placement: how KubeNova finds its own objects in clusters and which
// clusters an intent lands on. Tables with reasons.
import { describe, expect, it } from 'vitest';
import { isOwnedBy, ownerKeyOf, ownershipLabels, ownershipSelector } from '../../src/domain/ownership.js';
import { placedClusters, placementSelects } from '../../src/domain/placement.js';

describe('ownership', () => {
  it('a project object carries the tenant and the project; a tenant object only the tenant', () => {
    expect(ownershipLabels({ tenant: 't', project: 'p' })).toEqual({
      'app.kubernetes.io/managed-by': 'kubenova',
      'kubenova.io/tenant': 't',
      'kubenova.io/project': 'p',
    });
    expect(ownershipLabels({ tenant: 't' })).toEqual({ 'app.kubernetes.io/managed-by': 'kubenova', 'kubenova.io/tenant': 't' });
  });

  it("a tenant's selector excludes its projects' objects (each reconciler prunes only its own)", () => {
    expect(ownershipSelector({ tenant: 't' })).toBe('app.kubernetes.io/managed-by=kubenova,kubenova.io/tenant=t,!kubenova.io/project');
    expect(ownershipSelector({ tenant: 't', project: 'p' })).toBe(
      'app.kubernetes.io/managed-by=kubenova,kubenova.io/tenant=t,kubenova.io/project=p,!kubenova.io/app',
    );
    expect(ownershipSelector({ tenant: 't', project: 'p', app: 'a' })).toBe(
      'app.kubernetes.io/managed-by=kubenova,kubenova.io/tenant=t,kubenova.io/project=p,kubenova.io/app=a',
    );
  });

  const cases: { reason: string; labels: Record<string, string> | undefined; owned: boolean }[] = [
    { reason: 'all three labels of the owner', labels: ownershipLabels({ tenant: 't', project: 'p' }), owned: true },
    { reason: 'the tenant label alone is not ownership (no managed-by)', labels: { 'kubenova.io/tenant': 't', 'kubenova.io/project': 'p' }, owned: false },
    { reason: "another project's object of the same tenant", labels: ownershipLabels({ tenant: 't', project: 'q' }), owned: false },
    { reason: "the tenant's own object is not the project's", labels: ownershipLabels({ tenant: 't' }), owned: false },
    { reason: 'no labels at all', labels: undefined, owned: false },
  ];
  for (const c of cases) it(c.reason, () => expect(isOwnedBy(c.labels, { tenant: 't', project: 'p' })).toBe(c.owned));

  it('watch events map to the owning key: project first, then tenant; foreign objects to none', () => {
    expect(ownerKeyOf(ownershipLabels({ tenant: 't', project: 'p' }))).toBe('Project/p');
    expect(ownerKeyOf(ownershipLabels({ tenant: 't', project: 'p', app: 'a' }))).toBe('App/a');
    expect(ownerKeyOf(ownershipLabels({ tenant: 't' }))).toBe('Tenant/t');
    expect(ownerKeyOf({ 'kubenova.io/tenant': 't' })).toBeUndefined();
  });
});

describe('placement', () => {
  const clusters: { name: string; labels: Record<string, string> }[] = [
    { name: 'a', labels: { region: 'eu', tier: 'gold' } },
    { name: 'b', labels: { region: 'us', tier: 'gold' } },
    { name: 'c', labels: {} },
  ];
  const cases: { reason: string; placement: Parameters<typeof placedClusters>[0]; expected: string[] }[] = [
    { reason: 'clusters named', placement: { clusters: ['a', 'c'] }, expected: ['a', 'c'] },
    {
      reason: 'clusters matching every label of the selector',
      placement: { clusterSelector: { matchLabels: { tier: 'gold', region: 'us' } } },
      expected: ['b'],
    },
    { reason: 'named plus selected, once each', placement: { clusters: ['a'], clusterSelector: { matchLabels: { tier: 'gold' } } }, expected: ['a', 'b'] },
    { reason: 'a named cluster that is not registered is still listed (the reconciler reports it)', placement: { clusters: ['zz'] }, expected: ['zz'] },
    { reason: 'an empty placement selects nothing (not everything)', placement: {}, expected: [] },
    { reason: 'an empty selector selects every cluster', placement: { clusterSelector: { matchLabels: {} } }, expected: ['a', 'b', 'c'] },
  ];
  for (const c of cases) it(c.reason, () => expect(placedClusters(c.placement, clusters)).toEqual(c.expected));

  it('no placement at all selects nothing', () => expect(placementSelects(undefined, clusters[0]!)).toBe(false));
});
