// Phase transitions between two statuses of one object: of the object itself and of each of its
// cluster entries. Pure; the store attaches them to its change events, so whoever writes a status
// (a reconciler, a drift repair) makes its transitions visible without doing anything.
import type { Condition, Phase, ResourceStatus } from './resource.js';

export interface PhaseTransition {
  /** Absent: the object's own phase; otherwise the cluster entry's. */
  cluster?: string;
  from: Phase | undefined;
  to: Phase;
  /** The reason and message of the `Ready` condition (or the first one) after the transition. */
  reason: string;
  message: string;
}

function explain(conditions: readonly Condition[] | undefined, phase: Phase): { reason: string; message: string } {
  const c = conditions?.find((x) => x.type === 'Ready') ?? conditions?.[0];
  return { reason: c?.reason || phase, message: c?.message ?? '' };
}

export function phaseTransitions(before: ResourceStatus | undefined, after: ResourceStatus): PhaseTransition[] {
  const out: PhaseTransition[] = [];
  if (before?.phase !== after.phase) {
    out.push({ from: before?.phase, to: after.phase, ...explain(after.conditions, after.phase) });
  }
  for (const [cluster, entry] of Object.entries(after.clusters ?? {})) {
    const prev = before?.clusters?.[cluster];
    if (prev?.phase !== entry.phase) out.push({ cluster, from: prev?.phase, to: entry.phase, ...explain(entry.conditions, entry.phase) });
  }
  return out;
}
