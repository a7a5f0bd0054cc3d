// Which of a grant's namespaces can be bound on its cluster now (pure): only namespaces that exist
// and that Capsule adopted into the grant's tenant. The others (a project whose namespace Capsule
// refused, e.g. over the tenant's namespace quota; one being deleted; a same-named namespace of
// someone else) are reported instead of failing the whole grant, which retrying could not fix.
import { namespaceAdoption } from '../capsule/index.js';
import type { KubeObject } from '../kube/types.js';

/** A namespace of the grant's scope that is not bound, and why. */
export interface SkippedNamespace {
  namespace: string;
  /** NamespaceMissing, NamespaceTerminating, NamespaceNotAdopted, NamespaceOwnershipInconsistent. */
  reason: string;
  message: string;
}

/**
 * Splits `wanted` into the namespaces to bind and those skipped. `live` holds what the cluster
 * has for each wanted name (undefined: not found), in the same order.
 */
export function bindableNamespaces(
  tenant: string,
  wanted: readonly string[],
  live: readonly (KubeObject | undefined)[],
): { namespaces: string[]; skipped: SkippedNamespace[] } {
  const namespaces: string[] = [];
  const skipped: SkippedNamespace[] = [];
  wanted.forEach((namespace, i) => {
    const adoption = namespaceAdoption(live[i], tenant, undefined);
    if (adoption.state === 'ready') namespaces.push(namespace);
    else skipped.push({ namespace, reason: adoption.reason, message: skipMessage(tenant, adoption) });
  });
  return { namespaces, skipped };
}

function skipMessage(tenant: string, adoption: { reason: string }): string {
  switch (adoption.reason) {
    case 'NamespaceMissing':
      return "not bound: the namespace does not exist on the cluster (see its project's status); it is bound once it exists";
    case 'NamespaceTerminating':
      return 'not bound: the namespace is being deleted';
    default:
      // Not Capsule's message: it may name another tenant, which this tenant's users must not see.
      return `not bound: the namespace on the cluster is not in tenant "${tenant}"`;
  }
}
