// The pure half of cluster bootstrap: chart sources, values (seed settings + overrides), the
// digest that decides "unchanged", Helm chart arguments, and rollout readiness of a Deployment.
import { describe, expect, it } from 'vitest';
import { rolloutProblem } from '../../../src/adapters/cluster/bootstrap.js';
import { canonicalJson } from '../../../src/domain/canonical-json.js';
import { parseChartSource, planComponents, remoteChartArgs, valuesDigest } from '../../../src/adapters/cluster/bootstrap-plan.js';
import { AGENT } from '../../../src/adapters/cluster/agent-identity.js';

describe('parseChartSource', () => {
  it.each([
    { text: undefined, want: { type: 'repository' }, reason: 'default: the public repositories' },
    { text: 'repository', want: { type: 'repository' }, reason: 'named explicitly' },
    { text: 'oci://registry.local:5000/charts/', want: { type: 'oci', url: 'oci://registry.local:5000/charts' }, reason: 'trailing slash dropped' },
    { text: '/srv/charts/', want: { type: 'directory', path: '/srv/charts' }, reason: 'absolute directory' },
    { text: 'oci://UPPER case', want: { problem: expect.stringContaining('oci://') }, reason: 'malformed OCI reference' },
    { text: '/srv/../etc', want: { problem: expect.stringContaining('..') }, reason: 'no escaping with ..' },
    { text: 'https://charts.example', want: { problem: expect.any(String) }, reason: 'a repository URL is not a source form' },
  ])('$text → $reason', ({ text, want }) => {
    expect(parseChartSource(text)).toEqual(want);
  });
});

describe('planComponents', () => {
  it("carries the seed's settings where the pinned charts read them", () => {
    const [capsule, proxy, vela] = planComponents(undefined);
    expect(capsule).toMatchObject({ chart: 'capsule', version: '0.14.0', namespace: 'capsule-system' });
    expect(capsule!.values).toMatchObject({
      manager: {
        options: {
          leaderElection: { enabled: true },
          users: [
            { kind: 'Group', name: 'projectcapsule.dev' },
            { kind: 'Group', name: 'tenant-admins' },
            { kind: 'Group', name: 'tenant-maintainers' },
          ],
          administrators: [{ kind: 'ServiceAccount', name: AGENT.username }],
        },
      },
    });
    expect(proxy).toMatchObject({ chart: 'capsule-proxy', values: { service: { enabled: true } } });
    expect(vela).toMatchObject({ chart: 'vela-core', version: '1.10.9', namespace: 'vela-system', values: { admissionWebhooks: { enabled: true } } });
  });

  it('keeps the order Capsule, capsule-proxy, vela-core for any selection, and merges overrides deeply', () => {
    expect(planComponents(['vela-core', 'capsule']).map((c) => c.name)).toEqual(['capsule', 'vela-core']);
    const [capsule] = planComponents(['capsule'], { capsule: { manager: { options: { workers: 4 } }, nodeSelector: { a: 'b' } } });
    expect(capsule!.values).toMatchObject({ manager: { options: { workers: 4, leaderElection: { enabled: true } } }, nodeSelector: { a: 'b' } });
    expect(capsule!.valuesDigest).not.toBe(planComponents(['capsule'])[0]!.valuesDigest);
  });
});

describe('valuesDigest', () => {
  it('is independent of key order and changes with any value', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { y: 2, x: 1 }], c: null } })).toBe('{"a":{"c":null,"d":[1,{"x":1,"y":2}]},"b":1}');
    expect(valuesDigest({ a: 1, b: { c: true } })).toBe(valuesDigest({ b: { c: true }, a: 1 }));
    expect(valuesDigest({ a: 1 })).not.toBe(valuesDigest({ a: 2 }));
    expect(valuesDigest({ list: [1, 2] })).not.toBe(valuesDigest({ list: [2, 1] }));
  });
});

describe('remoteChartArgs', () => {
  const [capsule] = planComponents(['capsule']);
  it('pins the version for repositories and OCI', () => {
    expect(remoteChartArgs(capsule!, { type: 'repository' })).toEqual(['capsule', '--repo', 'https://projectcapsule.github.io/charts', '--version', '0.14.0']);
    expect(remoteChartArgs(capsule!, { type: 'oci', url: 'oci://r.local/charts' })).toEqual(['oci://r.local/charts/capsule', '--version', '0.14.0']);
  });
});

describe('rolloutProblem', () => {
  const d = (spec: object, status: object, generation = 2) => ({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'x', generation },
    spec,
    status,
  });
  it.each([
    { obj: d({ replicas: 1 }, { observedGeneration: 2, replicas: 1, updatedReplicas: 1, availableReplicas: 1 }), want: undefined, reason: 'rolled out' },
    { obj: d({}, { observedGeneration: 2, replicas: 1, updatedReplicas: 1, availableReplicas: 1 }), want: undefined, reason: 'replicas default to 1' },
    {
      obj: d({ replicas: 1 }, { observedGeneration: 1, replicas: 1, updatedReplicas: 1, availableReplicas: 1 }),
      want: 'new spec not yet observed',
      reason: 'old generation',
    },
    { obj: d({ replicas: 2 }, { observedGeneration: 2, replicas: 2, updatedReplicas: 1, availableReplicas: 2 }), want: '1/2 updated', reason: 'half updated' },
    {
      obj: d({ replicas: 1 }, { observedGeneration: 2, replicas: 2, updatedReplicas: 1, availableReplicas: 1 }),
      want: '1 old replicas pending termination',
      reason: 'old pod still there',
    },
    { obj: d({ replicas: 1 }, { observedGeneration: 2, replicas: 1, updatedReplicas: 1 }), want: '0/1 available', reason: 'pod not ready' },
  ])('$reason', ({ obj, want }) => {
    expect(rolloutProblem(obj)).toBe(want);
  });
});
