// KubeVela's Application (core.oam.dev/v1beta1) as the VelaAdapter reads and writes it: the type,
// the metadata keys vela-core gives meaning to, and the status fields KubeNova observes
// (verified in vela-core v1.10.9: apis/core.oam.dev/common/types.go, kubevela/workflow v1alpha1).
import type { KubeObject, TypeRef } from '../kube/types.js';
import { VELA_GROUP } from './capabilities.js';

export const APPLICATION_TYPE: TypeRef = { apiVersion: `${VELA_GROUP}/v1beta1`, kind: 'Application' };

/** Metadata prefixes vela-core acts on (identity, publish versions, GC, ...). Callers never set
 *  them: with them a writer could, for one, claim another identity (`app.oam.dev/username`). */
export const VELA_METADATA_PREFIXES = ['app.oam.dev/', 'oam.dev/'] as const;

/** `status.status` of an Application (common.ApplicationPhase). */
export type ApplicationPhase =
  | 'starting'
  | 'rendering'
  | 'policyGenerating'
  | 'runningWorkflow'
  | 'workflowSuspending'
  | 'workflowTerminated'
  | 'workflowFailed'
  | 'unhealthy'
  | 'running'
  | 'deleting';

/** Phases of a workflow step (v1alpha1.WorkflowStepPhase). */
export type StepPhase = 'succeeded' | 'failed' | 'skipped' | 'running' | 'pending' | 'suspending';

export interface StepStatus {
  id?: string;
  name: string;
  type?: string;
  phase?: StepPhase;
  reason?: string;
  message?: string;
  firstExecuteTime?: string;
  lastExecuteTime?: string;
  subSteps?: StepStatus[];
}

export interface WorkflowStatus {
  appRevision?: string;
  mode?: string;
  status?: string;
  message?: string;
  suspend?: boolean;
  suspendState?: string;
  terminated?: boolean;
  finished?: boolean;
  steps?: StepStatus[];
  startTime?: string;
  endTime?: string;
}

export interface ServiceStatus {
  name: string;
  namespace?: string;
  cluster?: string;
  healthy?: boolean;
  message?: string;
  traits?: { type: string; healthy?: boolean; message?: string }[];
}

export interface ApplicationStatus {
  observedGeneration?: number;
  status?: ApplicationPhase;
  services?: ServiceStatus[];
  workflow?: WorkflowStatus;
  latestRevision?: { name: string; revision?: number; revisionHash?: string };
  conditions?: { type: string; status: string; reason?: string; message?: string }[];
}

export const isApplication = (o: Pick<KubeObject, 'apiVersion' | 'kind'>): boolean =>
  o.apiVersion === APPLICATION_TYPE.apiVersion && o.kind === APPLICATION_TYPE.kind;

export const applicationStatus = (o: KubeObject): ApplicationStatus => (o.status as ApplicationStatus | undefined) ?? {};
