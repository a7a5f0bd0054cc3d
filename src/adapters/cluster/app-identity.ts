// The identity a project's apps run with on a cluster: one ServiceAccount per project in
// kubenova-system (where tenants cannot reach it), bound to `admin` and the app-runner role in the
// project's namespace only, by one RoleBinding to APP_IDENTITY_ROLE (which aggregates both).
// KubeNova writes an app's Application while impersonating it, so vela-core's mutating webhook
// (AuthenticateApplication with --authentication-with-user) records it as the Application's user,
// and vela-core dispatches the app's resources and garbage-collects them as that user (pkg/auth
// in vela-core v1.10.9). A tenant's app can therefore only create what its project may hold:
// never vela-core's cluster-admin, never another project's namespace.
//
// One identity per project, not per app: the apps of a project share its namespace, and an
// identity per app held exactly the same rights there, so it separated nothing. It cost two
// RoleBinding writes per app in a tenant namespace, each admitted by Capsule's webhooks, which
// read the cluster for every write they admit (docs/performance.md). The project's projection
// creates the identity with the namespace and removes it with the project. No I/O here.
import { ownershipLabels } from '../../domain/ownership.js';
import type { KubeObject, TypeRef } from '../kube/types.js';
import { AGENT, APP_IDENTITY_ROLE } from './agent-identity.js';

export const SERVICE_ACCOUNT_TYPE: TypeRef = { apiVersion: 'v1', kind: 'ServiceAccount' };
export const ROLE_BINDING_TYPE: TypeRef = { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding' };

/** The ServiceAccount a project's apps run as (project names are unique in KubeNova). */
export const projectAppServiceAccount = (project: string): string => `apps-${project}`;

/** The username the API server (and vela-core) sees for the identity of a project's apps. */
export const projectAppUsername = (project: string): string => `system:serviceaccount:${AGENT.namespace}:${projectAppServiceAccount(project)}`;

/** The identity's RoleBinding in the project's namespace. (Earlier versions wrote two,
 *  `kubenova-apps-admin` and `kubenova-apps-runner`; being the project's, they are pruned.) */
export const APP_IDENTITY_BINDING = 'kubenova-apps';

/** The identity's objects, labelled as the project's: its ServiceAccount, then its binding. */
export function projectAppIdentity(owner: { tenant: string; project: string }): KubeObject[] {
  const labels = ownershipLabels(owner);
  const name = projectAppServiceAccount(owner.project);
  return [
    { ...SERVICE_ACCOUNT_TYPE, metadata: { name, namespace: AGENT.namespace, labels }, automountServiceAccountToken: false },
    {
      ...ROLE_BINDING_TYPE,
      metadata: { name: APP_IDENTITY_BINDING, namespace: owner.project, labels },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: APP_IDENTITY_ROLE },
      subjects: [{ kind: 'ServiceAccount', name, namespace: AGENT.namespace }],
    },
  ];
}
