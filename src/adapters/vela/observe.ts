// Reading an Application's status: readiness in KubeNova's terms (ready / progressing / failed,
// with KubeVela's own reason and message), and the rollout detail KubeNova keeps per cluster
// (revision, workflow steps, component health). Pure, no I/O.
import type { Readiness } from '../contract.js';
import type { KubeObject } from '../kube/types.js';
import { applicationStatus, type ApplicationStatus, type ServiceStatus, type StepStatus } from './application-api.js';

export interface RolloutStep {
  name: string;
  type?: string;
  phase?: string;
  reason?: string;
  message?: string;
  subSteps?: RolloutStep[];
}

/** The rollout of an app on one cluster, in KubeNova's field names (kept in
 *  `status.clusters[c].rollout`). */
export interface ClusterRollout {
  /** KubeVela's state of the app: rendering, runningWorkflow, workflowSuspending, running, ... */
  state?: string;
  revision?: { name: string; number?: number };
  workflow?: {
    suspended: boolean;
    terminated: boolean;
    finished: boolean;
    message?: string;
    steps: RolloutStep[];
  };
  components: { name: string; healthy: boolean; message?: string; traits?: { type: string; healthy: boolean; message?: string }[] }[];
}

const stepView = (s: StepStatus): RolloutStep => ({
  name: s.name,
  ...(s.type && { type: s.type }),
  ...(s.phase && { phase: s.phase }),
  ...(s.reason && { reason: s.reason }),
  ...(s.message && { message: s.message }),
  ...(s.subSteps && s.subSteps.length > 0 && { subSteps: s.subSteps.map(stepView) }),
});

const componentView = (s: ServiceStatus): ClusterRollout['components'][number] => ({
  name: s.name,
  healthy: s.healthy === true,
  ...(s.message && { message: s.message }),
  ...(s.traits &&
    s.traits.length > 0 && { traits: s.traits.map((t) => ({ type: t.type, healthy: t.healthy === true, ...(t.message && { message: t.message }) })) }),
});

export function rolloutOf(app: KubeObject | undefined): ClusterRollout {
  if (!app) return { components: [] };
  const s = applicationStatus(app);
  const wf = s.workflow;
  return {
    ...(s.status && { state: s.status }),
    ...(s.latestRevision && {
      revision: { name: s.latestRevision.name, ...(s.latestRevision.revision !== undefined && { number: s.latestRevision.revision }) },
    }),
    ...(wf && {
      workflow: {
        suspended: wf.suspend === true,
        terminated: wf.terminated === true,
        finished: wf.finished === true,
        ...(wf.message && { message: wf.message }),
        steps: (wf.steps ?? []).map(stepView),
      },
    }),
    components: (s.services ?? []).map(componentView),
  };
}

const allSteps = (steps: readonly StepStatus[] | undefined): StepStatus[] => (steps ?? []).flatMap((s) => [s, ...allSteps(s.subSteps)]);

const stepText = (s: StepStatus) => `step "${s.name}"${s.type ? ` (${s.type})` : ''}: ${[s.reason, s.message].filter(Boolean).join(': ') || s.phase}`;

function unhealthy(s: ApplicationStatus): string {
  const sick = (s.services ?? []).filter((c) => c.healthy !== true || c.traits?.some((t) => t.healthy !== true));
  if (sick.length === 0) return 'KubeVela reports the app unhealthy';
  return sick
    .map((c) => {
      const traits = (c.traits ?? []).filter((t) => t.healthy !== true).map((t) => `trait ${t.type}${t.message ? `: ${t.message}` : ''}`);
      return `component "${c.name}" unhealthy${c.message ? `: ${c.message}` : ''}${traits.length > 0 ? ` (${traits.join('; ')})` : ''}`;
    })
    .join('; ');
}

/** A condition vela-core reports as a reconcile error (parsing, rendering, policies, revision). */
function reconcileError(s: ApplicationStatus): string | undefined {
  const bad = (s.conditions ?? []).find((c) => c.status === 'False' && c.reason === 'ReconcileError');
  return bad ? `${bad.type}: ${bad.message ?? 'reconcile error'}` : undefined;
}

/** Readiness of an Application as the cluster returned it. A step that failed is an error at
 *  once (KubeVela retries it; the phase follows when it recovers). */
export function applicationReadiness(app: KubeObject): Readiness {
  const s = applicationStatus(app);
  const generation = app.metadata.generation;
  const failedStep = allSteps(s.workflow?.steps).find((st) => st.phase === 'failed');
  if (generation !== undefined && s.observedGeneration !== generation) {
    return { state: 'progressing', reason: 'Rendering', message: `KubeVela has not processed generation ${generation} yet` };
  }
  const error = reconcileError(s);
  if (error) return { state: 'failed', reason: 'ReconcileError', message: error };
  switch (s.status) {
    case 'running':
      return { state: 'ready', reason: 'Running', message: `${(s.services ?? []).length} component(s) healthy` };
    case 'unhealthy':
      return { state: 'failed', reason: 'Unhealthy', message: unhealthy(s) };
    case 'workflowFailed':
      return { state: 'failed', reason: 'WorkflowFailed', message: failedStep ? stepText(failedStep) : (s.workflow?.message ?? 'the workflow failed') };
    case 'workflowTerminated':
      return { state: 'failed', reason: 'WorkflowTerminated', message: s.workflow?.message || 'the workflow was terminated' };
    case 'workflowSuspending': {
      const at = allSteps(s.workflow?.steps).find((st) => st.phase === 'suspending');
      return { state: 'progressing', reason: 'WorkflowSuspended', message: at ? `suspended at ${stepText(at)}` : 'the workflow is suspended' };
    }
    case 'runningWorkflow': {
      if (failedStep) return { state: 'failed', reason: 'WorkflowStepFailed', message: stepText(failedStep) };
      const running = allSteps(s.workflow?.steps).find((st) => st.phase === 'running');
      return { state: 'progressing', reason: 'RunningWorkflow', message: running ? stepText(running) : 'the workflow is running' };
    }
    case 'deleting':
      return { state: 'progressing', reason: 'Deleting', message: 'KubeVela is deleting the app' };
    default:
      return { state: 'progressing', reason: 'Rendering', message: `KubeVela is ${s.status ?? 'starting'}` };
  }
}
