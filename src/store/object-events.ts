// The KubeNova events a committed object change stands for, in words: written in the change's
// own transaction (objects.ts), so an acknowledged write always has its events.
import type { PhaseTransition } from '../domain/phase-transitions.js';
import type { NewEvent, ChangeEvent } from './types.js';

const WARNING_PHASES = new Set(['Error', 'Drifted']);

function transitionEvent(change: ChangeEvent, t: PhaseTransition): NewEvent {
  const where = t.cluster ? ` on cluster ${t.cluster}` : '';
  const why = t.reason && t.reason !== t.to ? `: ${t.reason}` : '';
  const detail = t.message ? ` (${t.message})` : '';
  return {
    type: WARNING_PHASES.has(t.to) ? 'Warning' : 'Normal',
    reason: t.to,
    message: `${t.from ?? 'new'} → ${t.to}${where}${why}${detail}`,
    kind: change.kind,
    name: change.name,
    ...(change.tenant !== undefined && { tenant: change.tenant }),
    ...(t.cluster !== undefined && { cluster: t.cluster }),
    ...(change.correlationId !== undefined && { correlationId: change.correlationId }),
    ...(change.clientRequestId !== undefined && { clientRequestId: change.clientRequestId }),
    ...(change.actor !== undefined && { actor: change.actor }),
  };
}

/** The events a committed change stands for (pure). */
export function eventsOfChange(change: ChangeEvent): NewEvent[] {
  const base = {
    kind: change.kind,
    name: change.name,
    ...(change.tenant !== undefined && { tenant: change.tenant }),
    ...(change.correlationId !== undefined && { correlationId: change.correlationId }),
    ...(change.clientRequestId !== undefined && { clientRequestId: change.clientRequestId }),
    ...(change.actor !== undefined && { actor: change.actor }),
  };
  const what = `${change.kind} "${change.name}"`;
  const out: NewEvent[] = [];
  if (change.type === 'created') out.push({ ...base, type: 'Normal', reason: 'Created', message: `${what} created` });
  if (change.type === 'deleted') out.push({ ...base, type: 'Normal', reason: 'Deleted', message: `${what} deleted` });
  if (change.specChanged) out.push({ ...base, type: 'Normal', reason: 'Updated', message: `${what}: spec changed` });
  if (change.deletionStarted) out.push({ ...base, type: 'Normal', reason: 'Deleting', message: `${what}: deletion requested` });
  for (const t of change.transitions ?? []) out.push(transitionEvent(change, t));
  return out;
}
