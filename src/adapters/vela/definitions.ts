// The VelaAdapter's half for platform Definitions: a KubeNova Definition becomes a KubeVela
// ComponentDefinition or TraitDefinition in vela-system on each of its clusters (where KubeVela
// looks up definitions for every namespace), and KubeVela's webhook refusing one (a CUE
// template that does not compile, an unknown output resource) is explained in KubeVela's words.
// Pure planning; the generic projection does the I/O.
import type { ClusterPlan, ClusterWatch, ProjectionAdapter } from '../contract.js';
import type { DefinitionType } from '../../domain/kinds/definition.js';
import { apiNeed, unmetNeeds, type CapabilityNeed, type ClusterCapabilities } from '../../domain/capabilities.js';
import { DEFINITION_LABEL, MANAGED_SELECTOR, ownerKeyOf, ownershipLabels } from '../../domain/ownership.js';
import { reconcileKey } from '../../domain/resource.js';
import { KubeError, type KubeObject, type TypeRef } from '../kube/types.js';
import { VELA_GROUP, VELA_SYSTEM_NAMESPACE } from './capabilities.js';

export const COMPONENT_DEFINITION_TYPE: TypeRef = { apiVersion: `${VELA_GROUP}/v1beta1`, kind: 'ComponentDefinition' };
export const TRAIT_DEFINITION_TYPE: TypeRef = { apiVersion: `${VELA_GROUP}/v1beta1`, kind: 'TraitDefinition' };

/** KubeVela's annotation for a definition's description (shown by `vela def list`, VelaUX). */
export const DESCRIPTION_ANNOTATION = 'definition.oam.dev/description';
/** Lets KubeVela detect the workload from the CUE output (KubeVela's own default). */
export const AUTODETECT_WORKLOAD = 'autodetects.core.oam.dev';

export interface DefinitionIntent {
  name: string;
  type: DefinitionType;
  description?: string;
  /** CUE template (`schematic.cue.template`). */
  template: string;
  /** component: the workload the template outputs; default: detected by KubeVela. */
  workload?: { apiVersion: string; kind: string };
  /** trait: the workloads it may be attached to (`deployments.apps`, `*`); default: KubeVela's. */
  appliesToWorkloads?: string[];
}

const NEEDS: Record<DefinitionType, CapabilityNeed> = {
  component: apiNeed(`${VELA_GROUP}/v1beta1`, 'componentdefinitions', 'KubeVela ComponentDefinitions'),
  trait: apiNeed(`${VELA_GROUP}/v1beta1`, 'traitdefinitions', 'KubeVela TraitDefinitions'),
};

/** What a cluster must serve for a definition of this type (for the API's 422 check too). */
export const definitionNeeds = (type: DefinitionType): CapabilityNeed[] => [NEEDS[type]];

/** The definition as KubeVela's object in vela-system. */
export function planDefinition(intent: DefinitionIntent, caps: ClusterCapabilities | undefined): ClusterPlan {
  if (!caps) return { outcome: 'undiscovered' };
  const missing = unmetNeeds(caps, definitionNeeds(intent.type));
  if (missing.length > 0) return { outcome: 'unsupported', missing };
  const spec: Record<string, unknown> = { schematic: { cue: { template: intent.template } } };
  if (intent.type === 'component') {
    spec.workload = intent.workload ? { definition: { apiVersion: intent.workload.apiVersion, kind: intent.workload.kind } } : { type: AUTODETECT_WORKLOAD };
  } else if (intent.appliesToWorkloads) {
    spec.appliesToWorkloads = [...intent.appliesToWorkloads];
  }
  const type = intent.type === 'component' ? COMPONENT_DEFINITION_TYPE : TRAIT_DEFINITION_TYPE;
  const object: KubeObject = {
    ...type,
    metadata: {
      name: intent.name,
      namespace: VELA_SYSTEM_NAMESPACE,
      labels: ownershipLabels({ definition: intent.name }),
      ...(intent.description !== undefined && { annotations: { [DESCRIPTION_ANNOTATION]: intent.description } }),
    },
    spec,
  };
  return { outcome: 'planned', objects: [object], notes: [] };
}

/** KubeVela's webhooks answer `admission webhook "validating.core.oam.dev.v1beta1.traitdefinitions"
 *  denied the request: <reason> (requestUID=...)`; the request id is noise for a person. */
const VELA_WEBHOOK = /(?:^|\.)core\.oam[-.]dev\./;

export function explainDefinitionRefusal(err: unknown): { code: string; summary: string; detail: string } | undefined {
  if (!(err instanceof KubeError) || err.reason !== 'AdmissionDenied' || !err.admission) return undefined;
  if (!VELA_WEBHOOK.test(err.admission.webhook)) return undefined;
  const detail = err.admission.message.replace(/\s*\(requestUID=[^)]*\)\s*$/, '');
  return { code: 'DefinitionRejected', summary: "KubeVela's webhook refused the definition", detail };
}

/** The owning Definition of a projected definition, and the cluster it is on (whose capability
 *  discovery then lists or unlists the type). */
const definitionAndCluster = (obj: KubeObject, cluster: string) => {
  const owner = ownerKeyOf(obj.metadata.labels);
  return [...(owner ? [owner] : []), reconcileKey('Cluster', cluster)];
};

/** KubeNova's definitions on a cluster: each event wakes its Definition and the cluster. */
const DEFINITION_WATCHES: readonly ClusterWatch[] = [COMPONENT_DEFINITION_TYPE, TRAIT_DEFINITION_TYPE].map((type) => ({
  type,
  labelSelector: `${MANAGED_SELECTOR},${DEFINITION_LABEL}`,
  keysOf: definitionAndCluster,
}));

/** Definitions on the contract: nothing to read first, ready once they exist. */
export const velaDefinitionAdapter: ProjectionAdapter<DefinitionIntent, void, void> = {
  engine: 'vela',
  ownedTypes: [COMPONENT_DEFINITION_TYPE, TRAIT_DEFINITION_TYPE],
  watches: DEFINITION_WATCHES,
  observe() {
    return Promise.resolve({ ctx: undefined, input: undefined });
  },
  plan: (intent, caps) => planDefinition(intent, caps),
  readiness: () => undefined,
  explain: explainDefinitionRefusal,
};
