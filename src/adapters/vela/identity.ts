// The identity an app runs with on a cluster: its own ServiceAccount in kubenova-system, bound to
// `admin` (and the app-runner role) in its project's namespace only. KubeNova writes the app's
// Application while impersonating it, so vela-core's mutating webhook (AuthenticateApplication
// with --authentication-with-user) records it as the Application's user, and vela-core dispatches
// the app's resources and garbage-collects them as that user (pkg/auth in vela-core v1.10.9). A
// tenant's app can therefore only create what its project may hold: never vela-core's
// cluster-admin, never another tenant's (or another project's) namespace. No I/O here.
import { AGENT, APP_RUNNER_ROLE } from '../cluster/agent-identity.js';
import { ownershipLabels, type TenancyOwner } from '../../domain/ownership.js';
import type { KubeObject, TypeRef } from '../kube/types.js';

export const SERVICE_ACCOUNT_TYPE: TypeRef = { apiVersion: 'v1', kind: 'ServiceAccount' };
export const ROLE_BINDING_TYPE: TypeRef = { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding' };

/** App owners always name their app and project. */
export type AppOwner = Required<TenancyOwner>;

/** ServiceAccount of an app (App names are unique in KubeNova). */
export const appServiceAccount = (app: string): string => `app-${app}`;

/** The username the API server (and vela-core) sees for the app's identity. */
export const appUsername = (app: string): string => `system:serviceaccount:${AGENT.namespace}:${appServiceAccount(app)}`;

const BOUND_ROLES = ['admin', APP_RUNNER_ROLE] as const;

/** The identity's objects, in the order they are applied (before the Application). */
export function identityObjects(owner: AppOwner, namespace: string): KubeObject[] {
  const labels = ownershipLabels(owner);
  const name = appServiceAccount(owner.app);
  const bindings: KubeObject[] = BOUND_ROLES.map((role) => ({
    ...ROLE_BINDING_TYPE,
    metadata: { name: `kubenova-${name}-${role === 'admin' ? 'admin' : 'runner'}`, namespace, labels },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: role },
    subjects: [{ kind: 'ServiceAccount', name, namespace: AGENT.namespace }],
  }));
  return [{ ...SERVICE_ACCOUNT_TYPE, metadata: { name, namespace: AGENT.namespace, labels }, automountServiceAccountToken: false }, ...bindings];
}
