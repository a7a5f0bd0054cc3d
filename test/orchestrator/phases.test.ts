// The phase machine: per-cluster outcomes → per-cluster phases → the object's phase, as tables.
import { describe, expect, it } from 'vitest';
import { initialStatus, type ResourceStatus } from '../../src/domain/resource.js';
import { clusterStatus, overallStatus, worstPhase, type ClusterOutcome } from '../../src/orchestrator/projection/phases.js';

const T0 = '2026-01-01T00:00:00.000Z';
const T1 = '2026-01-01T00:01:00.000Z';
const out = (state: ClusterOutcome['state'], reason = 'R', message = 'm'): ClusterOutcome => ({ state, reason, message });

describe('clusterStatus', () => {
  const cases: { reason: string; outcome: ClusterOutcome; phase: string; ready: string }[] = [
    { reason: 'applied and ready → Deployed', outcome: out('ready', 'Deployed'), phase: 'Deployed', ready: 'True' },
    { reason: 'applied, cluster still working → Applying', outcome: out('progressing', 'CapsuleReconciling'), phase: 'Applying', ready: 'False' },
    { reason: 'unreachable → Error', outcome: out('failed', 'Unreachable'), phase: 'Error', ready: 'False' },
    { reason: 'capabilities not discovered → Pending', outcome: out('pending', 'CapabilitiesUnknown'), phase: 'Pending', ready: 'False' },
    { reason: 'changed by someone else and left (detect policy) → Drifted', outcome: out('drifted', 'Drifted'), phase: 'Drifted', ready: 'False' },
  ];
  for (const c of cases) {
    it(c.reason, () => {
      const s = clusterStatus(c.outcome, 3, undefined, T0);
      expect(s).toEqual({
        phase: c.phase,
        observedGeneration: 3,
        conditions: [{ type: 'Ready', status: c.ready, reason: c.outcome.reason, message: 'm', lastTransitionTime: T0 }],
      });
    });
  }

  it('keeps lastTransitionTime while the condition status stays (so an unchanged reconcile writes nothing)', () => {
    const first = clusterStatus(out('progressing', 'A', 'one'), 1, undefined, T0);
    const second = clusterStatus(out('progressing', 'B', 'two'), 1, first, T1);
    expect(second.conditions[0]!.lastTransitionTime).toBe(T0);
    const third = clusterStatus(out('ready'), 1, second, T1);
    expect(third.conditions[0]!.lastTransitionTime).toBe(T1);
  });
});

describe('overallStatus', () => {
  const clusters = (...states: [string, ClusterOutcome['state'], string?][]) =>
    Object.fromEntries(states.map(([name, s, reason]) => [name, clusterStatus(out(s, reason ?? s, `${name} says ${s}`), 2, undefined, T0)]));
  const cases: { reason: string; clusters: ReturnType<typeof clusters>; phase: string; readyReason: string }[] = [
    {
      reason: 'all clusters deployed → Deployed',
      clusters: clusters(['a', 'ready', 'Deployed'], ['b', 'ready', 'Deployed']),
      phase: 'Deployed',
      readyReason: 'Deployed',
    },
    {
      reason: 'one cluster unreachable → Error, named in the message',
      clusters: clusters(['a', 'ready', 'Deployed'], ['b', 'failed', 'Unreachable']),
      phase: 'Error',
      readyReason: 'Unreachable',
    },
    {
      reason: 'one still applying → Applying',
      clusters: clusters(['a', 'progressing', 'CapsuleReconciling'], ['b', 'ready', 'Deployed']),
      phase: 'Applying',
      readyReason: 'CapsuleReconciling',
    },
    {
      reason: 'Error beats Applying beats Pending',
      clusters: clusters(['a', 'pending'], ['b', 'progressing'], ['c', 'failed', 'MissingCapability']),
      phase: 'Error',
      readyReason: 'MissingCapability',
    },
    { reason: 'no clusters → Pending (nothing deployed anywhere)', clusters: {}, phase: 'Pending', readyReason: 'NoClusters' },
  ];
  for (const c of cases) {
    it(c.reason, () => {
      const s = overallStatus({ generation: 2, clusters: c.clusters, previous: initialStatus(), now: T0 });
      expect(s.phase).toBe(c.phase);
      expect(s.observedGeneration).toBe(2);
      expect(s.conditions[0]).toMatchObject({ type: 'Ready', reason: c.readyReason, status: c.phase === 'Deployed' ? 'True' : 'False' });
      expect(s.clusters).toEqual(c.clusters);
    });
  }

  it('names every lagging cluster with its phase and message', () => {
    const s = overallStatus({ generation: 2, clusters: clusters(['a', 'ready'], ['b', 'failed', 'Unreachable']), previous: initialStatus(), now: T0 });
    expect(s.conditions[0]!.message).toBe('b: Error (b says failed)');
  });

  it('is stable: the same outcomes later give an equal status', () => {
    const first = overallStatus({ generation: 2, clusters: clusters(['a', 'ready']), previous: initialStatus(), now: T0 });
    const again = overallStatus({ generation: 2, clusters: clusters(['a', 'ready']), previous: first, now: T1 });
    expect(again).toEqual(first);
  });

  it('keeps fields other reconcilers added to the status', () => {
    const previous: ResourceStatus = { ...initialStatus(), capabilities: { x: 1 } };
    expect(overallStatus({ generation: 1, clusters: {}, previous, now: T0 }).capabilities).toEqual({ x: 1 });
  });

  it('worstPhase orders Error > Drifted > Applying > Pending > Deployed', () => {
    expect(worstPhase(['Deployed', 'Pending'])).toBe('Pending');
    expect(worstPhase(['Pending', 'Applying'])).toBe('Applying');
    expect(worstPhase(['Applying', 'Drifted'])).toBe('Drifted');
    expect(worstPhase(['Drifted', 'Error'])).toBe('Error');
    expect(worstPhase([])).toBeUndefined();
  });
});
