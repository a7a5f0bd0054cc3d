// What a KubeconfigGrant is on its cluster, and the kubeconfig it is issued as. No I/O here.
//
// Per grant, in the namespace `kubenova-grants` (outside every tenant, so no tenant user can mint
// tokens for it, and whose group is a Capsule user group: capsule-proxy filters for it):
// - a ServiceAccount `g-<grant>`: the identity of every token issued for the grant;
// - an anchor Secret `g-<grant>-anchor`: the object its tokens are bound to (TokenRequest
//   `boundObjectRef`), so deleting it invalidates all of them at once;
// - RoleBindings in exactly the granted namespaces (those that exist in the tenant on the
//   cluster: namespaces.ts): a named role binds that ClusterRole; verbs bind the per-verb
//   ClusterRoles written at registration (agent-identity.ts: `bind`, no `escalate`);
// - a Capsule TenantOwner only for a tenant-admin grant (role admin, the whole tenant): owners
//   may create namespaces whatever their role, so no other grant is made one.
import { AGENT, grantVerbRole } from '../cluster/agent-identity.js';
import { CAPSULE_GROUP_VERSION, tenantOwnerLabels } from '../capsule/capsule-api.js';
import { tokenKubeconfig } from '../kube/kubeconfig.js';
import type { KubeObject, TypeRef } from '../kube/types.js';
import { MANAGED_BY_LABEL, MANAGED_BY_VALUE } from '../../domain/ownership.js';
import type { SkippedNamespace } from './namespaces.js';

/** Label naming the grant on every object projected for it. */
export const GRANT_LABEL = 'kubenova.io/grant';

export const SERVICE_ACCOUNT: TypeRef = { apiVersion: 'v1', kind: 'ServiceAccount' };
export const SECRET: TypeRef = { apiVersion: 'v1', kind: 'Secret' };
export const ROLE_BINDING: TypeRef = { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding' };
export const TENANT_OWNER: TypeRef = { apiVersion: CAPSULE_GROUP_VERSION, kind: 'TenantOwner' };

/** Everything a grant may have on a cluster, in deletion order: the anchor first (its tokens
 *  stop working at once), then the identity, then its rights. */
export const GRANT_TYPES: readonly TypeRef[] = [SECRET, SERVICE_ACCOUNT, ROLE_BINDING, TENANT_OWNER];

export interface GrantIntent {
  name: string;
  tenant: string;
  /** The namespaces the grant covers on the cluster (resolved: a project, a subset, or all of the tenant's). */
  namespaces: string[];
  role?: string;
  verbs?: string[];
  /** A tenant-admin grant: made a Capsule tenant owner. */
  tenantOwner: boolean;
  /** Namespaces of the scope left out of `namespaces` on the cluster, and why (namespaces.ts). */
  skipped?: SkippedNamespace[];
  /** Who the kubeconfig is for (the grant's subject). */
  subject?: string;
  /** The person (or API token) who requested the grant, as KubeNova's audit log names them. */
  requestedBy?: { subject: string; issuer?: string; username?: string };
}

/** Annotations on a grant's ServiceAccount: whose tokens the cluster's audit log shows as
 *  `system:serviceaccount:kubenova-grants:g-<grant>` is found here. */
export const GRANT_ANNOTATIONS = {
  subject: 'kubenova.io/subject',
  requestedBy: 'kubenova.io/requested-by',
  username: 'kubenova.io/requested-by-username',
  issuer: 'kubenova.io/requested-by-issuer',
} as const;

function identityAnnotations(intent: GrantIntent): Record<string, string> {
  const by = intent.requestedBy;
  return {
    ...(intent.subject !== undefined && { [GRANT_ANNOTATIONS.subject]: intent.subject }),
    ...(by && { [GRANT_ANNOTATIONS.requestedBy]: by.subject }),
    ...(by?.username !== undefined && { [GRANT_ANNOTATIONS.username]: by.username }),
    ...(by?.issuer !== undefined && { [GRANT_ANNOTATIONS.issuer]: by.issuer }),
  };
}

export const serviceAccountOf = (grant: string): string => `g-${grant}`;
export const anchorOf = (grant: string): string => `g-${grant}-anchor`;
/** The username the API server (and capsule-proxy, through TokenReview) sees for the grant. */
export const usernameOf = (grant: string): string => `system:serviceaccount:${AGENT.grantsNamespace}:${serviceAccountOf(grant)}`;
export const grantSelector = (grant: string): string => `${MANAGED_BY_LABEL}=${MANAGED_BY_VALUE},${GRANT_LABEL}=${grant}`;

/** Whether a grant makes its ServiceAccount a tenant owner: admin over the whole tenant. */
export function isTenantAdminGrant(spec: { project?: string; role?: string; namespaces?: string[] }): boolean {
  return spec.project === undefined && spec.role === 'admin' && (spec.namespaces ?? []).length === 0;
}

/** The ClusterRoles the grant binds in each of its namespaces. */
export function boundRoles(intent: Pick<GrantIntent, 'role' | 'verbs'>): string[] {
  return intent.role !== undefined ? [intent.role] : (intent.verbs ?? []).map(grantVerbRole);
}

export function planGrant(intent: GrantIntent): KubeObject[] {
  const labels = { [MANAGED_BY_LABEL]: MANAGED_BY_VALUE, [GRANT_LABEL]: intent.name };
  const sa = serviceAccountOf(intent.name);
  const meta = (name: string, namespace?: string) => ({ name, ...(namespace !== undefined && { namespace }), labels: { ...labels } });
  const annotations = identityAnnotations(intent);
  const saMeta = { ...meta(sa, AGENT.grantsNamespace), ...(Object.keys(annotations).length > 0 && { annotations }) };
  const objects: KubeObject[] = [
    { ...SERVICE_ACCOUNT, metadata: saMeta, automountServiceAccountToken: false },
    { ...SECRET, metadata: meta(anchorOf(intent.name), AGENT.grantsNamespace), type: 'Opaque' },
  ];
  if (intent.tenantOwner) {
    objects.push({
      ...TENANT_OWNER,
      // Selected by the Tenant's matchOwners (capsule/plan.ts), so Capsule lists it in the
      // Tenant's status.owners within seconds, and drops it from there once deleted.
      metadata: { name: `kubenova-${sa}`, labels: { ...labels, ...tenantOwnerLabels(intent.tenant) } },
      spec: { kind: 'ServiceAccount', name: usernameOf(intent.name), clusterRoles: ['admin', 'capsule-namespace-deleter'], aggregate: true },
    });
  }
  const roles = boundRoles(intent);
  for (const namespace of intent.namespaces) {
    for (const role of roles) {
      objects.push({
        ...ROLE_BINDING,
        metadata: meta(roles.length === 1 ? sa : `${sa}-${role.slice(role.lastIndexOf('-') + 1)}`, namespace),
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: role },
        subjects: [{ kind: 'ServiceAccount', name: sa, namespace: AGENT.grantsNamespace }],
      });
    }
  }
  return objects;
}

/** The issued kubeconfig: capsule-proxy's URL and CA, never the API server; the grant's token;
 *  the first granted namespace as the context's default. */
export function grantKubeconfig(k: { grant: string; cluster: string; proxy: { url: string; caData?: string }; token: string; namespace?: string }): string {
  return tokenKubeconfig({
    name: `${k.grant}@${k.cluster}`,
    server: k.proxy.url,
    ...(k.proxy.caData && { caData: k.proxy.caData }),
    token: k.token,
    ...(k.namespace !== undefined && { namespace: k.namespace }),
  });
}
