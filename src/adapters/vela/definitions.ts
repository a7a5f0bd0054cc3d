// The VelaAdapter's half for platform Definitions: a KubeNova Definition becomes a KubeVela
// ComponentDefinition or TraitDefinition in vela-system on each of its clusters (where KubeVela
// looks up definitions for every namespace), and KubeVela's webhook refusing one (a CUE
// template that does not compile, an unknown output resource) is explained in KubeVela's words.
// Pure planning; the generic projection does the I/O.
import type { DefinitionType } from '../../domain/kinds/definition.js';
import { apiNeed, unmetNeeds, type CapabilityNeed, type ClusterCapabilities } from '../../domain/capabilities.js';
import { ownershipLabels } from '../../domain/ownership.js';
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

export type DefinitionPlan =
  | { outcome: 'planned'; objects: KubeObject[]; notes: string[] }
  | { outcome: 'unsupported'; missing: CapabilityNeed[] }
  | { outcome: 'undiscovered' };

/** What a cluster must serve for a definition of this type (for the API's 422 check too). */
export const definitionNeeds = (type: DefinitionType): CapabilityNeed[] => [NEEDS[type]];

/** The definition as KubeVela's object in vela-system. */
export function planDefinition(intent: DefinitionIntent, caps: ClusterCapabilities | undefined): DefinitionPlan {
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

/** What the projection needs from this adapter for Definitions. */
export const velaDefinitionAdapter = {
  ownedTypes: [COMPONENT_DEFINITION_TYPE, TRAIT_DEFINITION_TYPE],
  readiness: () => undefined,
  explain: explainDefinitionRefusal,
} as const;
