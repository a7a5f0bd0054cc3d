// The VelaAdapter: KubeNova apps ↔ KubeVela (core.oam.dev/v1beta1 Applications), the only place
// that knows KubeVela's field names. Plans are pure (plan.ts; apps run as their project's
// identity, ../cluster/app-identity.ts), observation reads the Application's status (observe.ts),
// refusals are explained (admission.ts), workflow control patches status like the vela CLI
// (workflow.ts).
export { velaAppAdapter } from './app-adapter.js';
export { velaDefinitionAdapter } from './definitions.js';

export { explainVela } from './admission.js';
export { APPLICATION_TYPE, VELA_METADATA_PREFIXES, isApplication } from './application-api.js';
export { applicationReadiness, rolloutOf, type ClusterRollout, type RolloutStep } from './observe.js';
export {
  appCapabilityGaps,
  appNamespace,
  appNeeds,
  appOwner,
  describeDefinition,
  missingDefinitions,
  planApp,
  typesUsed,
  type AppIntent,
  type TypeUse,
} from './plan.js';
export { controlWorkflow, operateWorkflow, WORKFLOW_ACTIONS, WorkflowStateError, type WorkflowAction } from './workflow.js';
