// What brings a cluster's side back to the tenancy reconcilers: Capsule reporting a Tenant ready,
// a projected object changed or deleted by someone else, a tenant owner creating or deleting a
// namespace (those are not KubeNova's, so they are selected by Capsule's tenant label).
import { MANAGED_BY_LABEL, MANAGED_BY_VALUE, MANAGED_SELECTOR, ownerKeyOf, PROJECT_LABEL, PROJECT_OBJECTS_SELECTOR } from '../../domain/ownership.js';
import { AGENT } from '../cluster/agent-identity.js';
import { ROLE_BINDING_TYPE, SERVICE_ACCOUNT_TYPE } from '../cluster/app-identity.js';
import type { ClusterWatch } from '../contract.js';
import type { KubeObject, TypeRef } from '../kube/types.js';
import { CAPSULE_TENANT_LABEL, TENANT_TYPE } from './capsule-api.js';
import { tenantSignificant } from './observe.js';
import { GLOBAL_RESOURCE_QUOTA_TYPE, QUOTA_USAGE_SELECTOR } from './usage.js';

export const NAMESPACE_TYPE: TypeRef = { apiVersion: 'v1', kind: 'Namespace' };

/** The intent a projected object belongs to, from its labels; also when someone removed its
 *  managed-by label (the watch then reports it leaving the selection: that is drift too). */
const byOwnerLabels = (obj: KubeObject) => {
  const key = ownerKeyOf({ ...obj.metadata.labels, [MANAGED_BY_LABEL]: MANAGED_BY_VALUE });
  return key ? [key] : [];
};

/** The tenant a namespace belongs to in Capsule's terms: its tenant label. */
export function capsuleTenantOf(ns: KubeObject): string | undefined {
  return ns.metadata.labels?.[CAPSULE_TENANT_LABEL];
}

/** Shared by the tenant and project adapters (one set of watches serves both reconcilers). */
export const TENANCY_WATCHES: readonly ClusterWatch[] = [
  { type: TENANT_TYPE, labelSelector: MANAGED_SELECTOR, keysOf: byOwnerLabels, significant: tenantSignificant },
  {
    type: NAMESPACE_TYPE,
    labelSelector: CAPSULE_TENANT_LABEL,
    // A tenant plans guards only for the namespaces its owners created: a project's namespace is
    // its project's alone (the tenant learns of it from Capsule's Tenant status).
    keysOf: (ns) => {
      const tenant = capsuleTenantOf(ns);
      return [...byOwnerLabels(ns), ...(tenant && !ns.metadata.labels?.[PROJECT_LABEL] ? [`Tenant/${tenant}`] : [])];
    },
  },
  // Project namespaces by KubeNova's own labels too: one whose Capsule label went is still seen.
  { type: NAMESPACE_TYPE, labelSelector: MANAGED_SELECTOR, keysOf: byOwnerLabels },
  { type: { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy' }, labelSelector: MANAGED_SELECTOR, keysOf: byOwnerLabels },
  { type: { apiVersion: 'v1', kind: 'LimitRange' }, labelSelector: MANAGED_SELECTOR, keysOf: byOwnerLabels },
  // The identity of a project's apps (apps that had one of their own are the App reconciler's).
  { type: ROLE_BINDING_TYPE, labelSelector: PROJECT_OBJECTS_SELECTOR, keysOf: byOwnerLabels },
  { type: SERVICE_ACCOUNT_TYPE, namespace: AGENT.namespace, labelSelector: PROJECT_OBJECTS_SELECTOR, keysOf: byOwnerLabels },
  // Quota usage Capsule reports: read by the usage tracker only, never a reconcile.
  { type: GLOBAL_RESOURCE_QUOTA_TYPE, labelSelector: QUOTA_USAGE_SELECTOR, keysOf: () => [] },
];
