// The VelaAdapter: KubeNova apps ↔ KubeVela (core.oam.dev/v1beta1 Applications), the only place
// that knows KubeVela's field names. Plans are pure (plan.ts), the app's identity is identity.ts,
// observation reads the Application's status (observe.ts), refusals are explained (admission.ts),
// workflow control patches status like the vela CLI (workflow.ts).
import type { ProjectionAdapter } from '../../orchestrator/projection/sync.js';
import { explainVela } from './admission.js';
import { APPLICATION_TYPE, isApplication } from './application-api.js';
import { appUsername, ROLE_BINDING_TYPE, SERVICE_ACCOUNT_TYPE } from './identity.js';
import { APP_LABEL } from '../../domain/ownership.js';
import { AGENT } from '../cluster/agent-identity.js';
import { applicationReadiness } from './observe.js';

export { explainVela } from './admission.js';
export { APPLICATION_TYPE, VELA_METADATA_PREFIXES, isApplication } from './application-api.js';
export { appServiceAccount, appUsername } from './identity.js';
export { applicationReadiness, rolloutOf, type ClusterRollout, type RolloutStep } from './observe.js';
export { appCapabilityGaps, appNamespace, appNeeds, appOwner, describeDefinition, missingDefinitions, planApp, typesUsed, type AppIntent, type AppPlan, type TypeUse } from './plan.js';
export { controlWorkflow, operateWorkflow, WORKFLOW_ACTIONS, WorkflowStateError, type WorkflowAction } from './workflow.js';

/**
 * Deletion goes in this order and waits for each type to be gone: the Application first (vela-core
 * garbage-collects the app's resources as the app's identity, so its RoleBindings must outlive
 * it), then the identity.
 */
export const velaAppAdapter: ProjectionAdapter<void> = {
  ownedTypes: [APPLICATION_TYPE, ROLE_BINDING_TYPE, { ...SERVICE_ACCOUNT_TYPE, namespace: AGENT.namespace }],
  deleteInOrder: true,
  readiness: (obj) => (isApplication(obj) ? applicationReadiness(obj) : undefined),
  // The Application is written as the app's own identity (vela-core records who wrote it).
  writeAs: (obj) => {
    const app = obj.metadata.labels?.[APP_LABEL];
    return isApplication(obj) && app ? appUsername(app) : undefined;
  },
  explain: explainVela,
};
