// Workflow control on an Application, as the vela CLI does it (vela-core v1.10.9
// pkg/workflow/operation, kubevela/workflow pkg/utils/operation.go): a merge patch of the
// Application's status. Suspend marks the workflow suspended and its running steps suspending;
// resume clears the mark and sets suspending steps running again (this also resumes a `suspend`
// step); terminate marks the workflow terminated and fails its unfinished steps.
import { KubeError, type ClusterClient } from '../kube/types.js';
import { APPLICATION_TYPE, applicationStatus, type StepStatus, type WorkflowStatus } from './application-api.js';

export const WORKFLOW_ACTIONS = ['suspend', 'resume', 'terminate'] as const;
export type WorkflowAction = (typeof WORKFLOW_ACTIONS)[number];

/** Why an action does not apply to the workflow as it is (KubeNova answers 409 with it). */
export class WorkflowStateError extends Error {
  override readonly name = 'WorkflowStateError';
}

const TERMINATE_REASON = 'Terminate';
const FINISHED_FAILURES = new Set(['FailedAfterRetries', 'Timeout']);

function withPhase(steps: readonly StepStatus[], from: StepStatus['phase'], to: StepStatus['phase']): StepStatus[] {
  return steps.map((s) => ({ ...s, ...(s.phase === from && { phase: to }), ...(s.subSteps && { subSteps: withPhase(s.subSteps, from, to) }) }));
}

function terminated(steps: readonly StepStatus[]): StepStatus[] {
  return steps.map((s) => {
    const next: StepStatus = { ...s, ...(s.subSteps && { subSteps: terminated(s.subSteps) }) };
    if (s.phase === 'running' || s.phase === 'suspending') return { ...next, phase: 'failed', reason: TERMINATE_REASON };
    if (s.phase === 'failed' && !FINISHED_FAILURES.has(s.reason ?? '')) return { ...next, reason: TERMINATE_REASON };
    return next;
  });
}

/** The workflow status after `action`, or WorkflowStateError. Pure. */
export function operateWorkflow(wf: WorkflowStatus | undefined, action: WorkflowAction): WorkflowStatus {
  if (!wf) throw new WorkflowStateError('the app has no workflow running on this cluster yet');
  if (wf.terminated) throw new WorkflowStateError('the workflow was terminated');
  const steps = wf.steps ?? [];
  switch (action) {
    case 'suspend':
      if (wf.finished) throw new WorkflowStateError('the workflow has finished');
      return { ...wf, suspend: true, steps: withPhase(steps, 'running', 'suspending') };
    case 'resume':
      if (!wf.suspend) throw new WorkflowStateError('the workflow is not suspended');
      return { ...wf, suspend: false, steps: withPhase(steps, 'suspending', 'running') };
    case 'terminate':
      if (wf.finished) throw new WorkflowStateError('the workflow has finished');
      return { ...wf, terminated: true, suspend: false, steps: terminated(steps) };
  }
}

/** Applies `action` to the Application on one cluster (the agent's own identity: patching an
 *  Application's status is a controller's operation, not the app's). Retries on a conflict. */
export async function controlWorkflow(
  client: ClusterClient,
  app: { namespace: string; name: string },
  action: WorkflowAction,
  signal?: AbortSignal,
): Promise<WorkflowStatus> {
  const ref = { ...APPLICATION_TYPE, ...app };
  for (let attempt = 1; ; attempt++) {
    const live = await client.get(ref, { signal });
    if (!live) throw new WorkflowStateError('the app is not on this cluster yet');
    const workflow = operateWorkflow(applicationStatus(live).workflow, action);
    try {
      await client.patchStatus(ref, { metadata: { resourceVersion: live.metadata.resourceVersion }, status: { workflow } }, { signal });
      return workflow;
    } catch (err) {
      if (!(err instanceof KubeError && err.reason === 'Conflict') || attempt >= 5) throw err;
    }
  }
}
