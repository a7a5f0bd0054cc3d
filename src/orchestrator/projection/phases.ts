// The phase machine, once for every kind projected into clusters: a per-cluster outcome becomes
// that cluster's phase and conditions, and the clusters together give the object's phase (the
// worst of them). Pure: time comes in as an argument, so equal inputs give equal statuses and a
// reconcile that changes nothing writes nothing.
import type { Condition, Phase, ResourceStatus } from '../../domain/resource.js';
import { QUOTA_PRESSURE } from '../../domain/usage.js';

/** What happened to an intent on one cluster during a reconcile. */
export interface ClusterOutcome {
  /**
   * - ready: everything applied and reported ready by the cluster → Deployed;
   * - progressing: applied, waiting for the cluster (or for a precondition) → Applying;
   * - drifted: differs from the intent and left as is (detect-only drift policy) → Drifted;
   * - failed: could not be applied or the cluster reports an error → Error;
   * - pending: nothing could be done yet (capabilities not discovered) → Pending.
   */
  state: 'ready' | 'progressing' | 'drifted' | 'failed' | 'pending';
  /** Stable CamelCase or KubeNova error code, e.g. `Unreachable`, `MissingCapability`. */
  reason: string;
  message: string;
  /** For failures: whether trying again later may help without a change of intent. */
  retryable?: boolean;
}

export type ClusterStatus = NonNullable<ResourceStatus['clusters']>[string];

export const READY = 'Ready';

/** Conditions the phase machine never writes: kept from the previous status. */
const FOREIGN_CONDITIONS: readonly string[] = [QUOTA_PRESSURE];

const PHASE_OF: Record<ClusterOutcome['state'], Phase> = {
  ready: 'Deployed',
  progressing: 'Applying',
  drifted: 'Drifted',
  failed: 'Error',
  pending: 'Pending',
};

/** Worst first. */
const SEVERITY: Phase[] = ['Error', 'Drifted', 'Applying', 'Pending', 'Deployed'];

export function worstPhase(phases: readonly Phase[]): Phase | undefined {
  return [...phases].sort((a, b) => SEVERITY.indexOf(a) - SEVERITY.indexOf(b))[0];
}

/** A condition that keeps its lastTransitionTime while its status does not change. */
export function condition(
  type: string,
  status: Condition['status'],
  reason: string,
  message: string,
  previous: readonly Condition[] | undefined,
  now: string,
): Condition {
  const before = previous?.find((c) => c.type === type);
  return { type, status, reason, message, lastTransitionTime: before && before.status === status ? before.lastTransitionTime : now };
}

export function clusterStatus(outcome: ClusterOutcome, generation: number, previous: ClusterStatus | undefined, now: string): ClusterStatus {
  const ready = outcome.state === 'ready';
  return {
    phase: PHASE_OF[outcome.state],
    conditions: [condition(READY, ready ? 'True' : 'False', outcome.reason, outcome.message, previous?.conditions, now)],
    observedGeneration: generation,
  };
}

export interface OverallInput {
  generation: number;
  /** Per-cluster status after this reconcile. */
  clusters: Record<string, ClusterStatus>;
  previous: ResourceStatus;
  now: string;
  /** Why there is nothing to show per cluster (no placement), when `clusters` is empty. */
  empty?: { reason: string; message: string };
  /** Extra conditions (e.g. Deleting), each kept stable like the others. */
  extra?: readonly Omit<Condition, 'lastTransitionTime'>[];
}

/**
 * The object's status: phase = worst cluster phase (Pending without clusters); `Ready` names the
 * clusters that are not Deployed with their own reason and message.
 */
export function overallStatus(input: OverallInput): ResourceStatus {
  const { generation, clusters, previous, now } = input;
  const names = Object.keys(clusters).sort();
  const phase = worstPhase(names.map((n) => clusters[n]!.phase)) ?? 'Pending';
  const lagging = names.filter((n) => clusters[n]!.phase !== 'Deployed');
  let ready: Condition;
  if (names.length === 0) {
    const why = input.empty ?? { reason: 'NoClusters', message: 'not placed on any cluster' };
    ready = condition(READY, 'False', why.reason, why.message, previous.conditions, now);
  } else if (lagging.length === 0) {
    ready = condition(
      READY,
      'True',
      'Deployed',
      `deployed on ${names.length === 1 ? `cluster ${names[0]}` : `${names.length} clusters`}`,
      previous.conditions,
      now,
    );
  } else {
    const worst = lagging.find((n) => clusters[n]!.phase === phase)!;
    const reason = clusters[worst]!.conditions.find((c) => c.type === READY)?.reason ?? phase;
    const message = lagging.map((n) => `${n}: ${clusters[n]!.phase}${suffix(clusters[n]!.conditions.find((c) => c.type === READY)?.message)}`).join('; ');
    ready = condition(READY, 'False', reason, message, previous.conditions, now);
  }
  const extra = (input.extra ?? []).map((c) => condition(c.type, c.status, c.reason, c.message, previous.conditions, now));
  // Conditions other writers own (the usage tracker's QuotaPressure) stay as they are.
  const others = (previous.conditions ?? []).filter((c) => FOREIGN_CONDITIONS.includes(c.type));
  const { clusters: _c, phase: _p, conditions: _k, observedGeneration: _o, ...kept } = previous;
  return {
    ...kept,
    phase,
    conditions: [ready, ...extra, ...others],
    observedGeneration: generation,
    clusters: Object.fromEntries(names.map((n) => [n, clusters[n]!])),
  };
}

const suffix = (message: string | undefined) => (message ? ` (${message})` : '');
