// KubeNova's own identity in a registered cluster: the ServiceAccount `kubenova-agent` and the
// least RBAC the adapters need, written once at registration with the admin kubeconfig (which is
// then discarded; see registration.ts). Every rule names the adapter need it serves; an adapter
// that needs more adds a line here, and clusters get it when they are registered again.
// No I/O here.
import type { KubeObject } from '../kube/types.js';
import { VELA_SYSTEM_NAMESPACE } from '../vela/capabilities.js';

export const AGENT = {
  namespace: 'kubenova-system',
  serviceAccount: 'kubenova-agent',
  /** Where KubeconfigGrant ServiceAccounts live: outside every tenant namespace. */
  grantsNamespace: 'kubenova-grants',
  /** The group of every ServiceAccount there: a Capsule user group (registration.ts). */
  grantsGroup: 'system:serviceaccounts:kubenova-grants',
  /** ClusterRole, ClusterRoleBinding, Roles and RoleBindings all carry this name. */
  roleName: 'kubenova-agent',
  /** The username the API server (and Capsule) sees. */
  username: 'system:serviceaccount:kubenova-system:kubenova-agent',
} as const;

/** What the identity of a project's apps needs besides `admin` (VelaAdapter): vela-core writes
 *  the Application and the components' ControllerRevisions as that identity. */
export const APP_RUNNER_ROLE = 'kubenova-app-runner';

/** The ClusterRole the identity of a project's apps is bound to in the project's namespace:
 *  `admin` and the app-runner role, aggregated by the cluster (kube-controller-manager), so that
 *  one RoleBinding gives both. Every RoleBinding in a tenant namespace is a write Capsule admits,
 *  and Capsule admits few per second (docs/performance.md): one per project, not two. */
export const APP_IDENTITY_ROLE = 'kubenova-app-identity';

/** The label that aggregates a ClusterRole into APP_IDENTITY_ROLE. */
export const AGGREGATE_TO_APP_IDENTITY = 'kubenova.io/aggregate-to-app-identity';

/** ClusterRoles the adapters reference in RoleBindings (tenant owners, additional roles, apps'
 *  identities): RBAC only lets the agent bind roles it holds itself or has `bind` on. */
export const BINDABLE_CLUSTER_ROLES = ['admin', 'edit', 'view', 'capsule-namespace-deleter', 'capsule-namespace-provisioner', APP_IDENTITY_ROLE];

export const AGENT_LABELS = { 'app.kubernetes.io/managed-by': 'kubenova', 'app.kubernetes.io/component': 'agent' };

/** The verbs a KubeconfigGrant may give one by one instead of a named role. */
export const GRANT_VERBS = ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete', 'deletecollection'] as const;

/** One ClusterRole per grantable verb (that verb on every resource), written at registration by
 *  the admin. A verbs grant binds these in its namespaces (a RoleBinding confines a ClusterRole
 *  to the namespace: namespaced resources only). Why not a Role per grant: writing a Role with
 *  rights the agent does not hold needs `escalate` on roles, which in any namespace it may write
 *  Roles in is as good as holding every right there; `bind` on these eight names is exactly the
 *  power a grant needs and nothing more. */
export const grantVerbRole = (verb: string): string => `kubenova-grant-${verb}`;

export interface PolicyRule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
  resourceNames?: string[];
}

const WRITE = ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'];
const READ = ['get', 'list', 'watch'];

/** Cluster-wide rules of the agent's ClusterRole. */
export const AGENT_CLUSTER_RULES: readonly PolicyRule[] = [
  // CapsuleAdapter: Tenants and TenantOwners it projects; CapsuleConfiguration read for capabilities.
  { apiGroups: ['capsule.clastix.io'], resources: ['tenants', 'tenantowners'], verbs: WRITE },
  { apiGroups: ['capsule.clastix.io'], resources: ['capsuleconfigurations'], verbs: ['get'] },
  // Tenant usage: the GlobalResourceQuotas Capsule generates from a Tenant's quota rule (status only).
  { apiGroups: ['capsule.clastix.io'], resources: ['globalresourcequotas'], verbs: READ },
  // Projects are namespaces; quotas, limits, network rules and owner bindings inside them.
  { apiGroups: [''], resources: ['namespaces', 'resourcequotas', 'limitranges'], verbs: WRITE },
  { apiGroups: ['networking.k8s.io'], resources: ['networkpolicies'], verbs: WRITE },
  { apiGroups: ['rbac.authorization.k8s.io'], resources: ['rolebindings'], verbs: WRITE },
  { apiGroups: ['rbac.authorization.k8s.io'], resources: ['clusterroles'], verbs: ['bind'], resourceNames: BINDABLE_CLUSTER_ROLES },
  // KubeconfigGrant: binding the per-verb ClusterRoles in granted namespaces (no `escalate`).
  { apiGroups: ['rbac.authorization.k8s.io'], resources: ['clusterroles'], verbs: ['bind'], resourceNames: GRANT_VERBS.map(grantVerbRole) },
  // VelaAdapter: applications and their workflows; revisions and definitions are read.
  { apiGroups: ['core.oam.dev'], resources: ['applications', 'workflows', 'workflowruns'], verbs: WRITE },
  // Workflow control (suspend, resume, terminate) is a patch of the Application's status.
  { apiGroups: ['core.oam.dev'], resources: ['applications/status'], verbs: ['patch'] },
  {
    apiGroups: ['core.oam.dev'],
    resources: ['applicationrevisions', 'componentdefinitions', 'traitdefinitions', 'policydefinitions', 'workflowstepdefinitions'],
    verbs: READ,
  },
  // Kubernetes Events carrying correlation ids.
  { apiGroups: ['', 'events.k8s.io'], resources: ['events'], verbs: ['create', 'patch'] },
  // PolicySets projected as ValidatingAdmissionPolicies.
  { apiGroups: ['admissionregistration.k8s.io'], resources: ['validatingadmissionpolicies', 'validatingadmissionpolicybindings'], verbs: WRITE },
  // Capabilities: which admission webhooks are registered, which CRDs exist (and watching them).
  { apiGroups: ['admissionregistration.k8s.io'], resources: ['validatingwebhookconfigurations', 'mutatingwebhookconfigurations'], verbs: READ },
  { apiGroups: ['apiextensions.k8s.io'], resources: ['customresourcedefinitions'], verbs: READ },
  // KubeconfigGrant: checking a grant token.
  { apiGroups: ['authentication.k8s.io'], resources: ['tokenreviews'], verbs: ['create'] },
];

/** In `kubenova-system`: minting its own next token (rotation); the identities projects' apps run
 *  as (app-identity.ts): their ServiceAccounts live here, and the agent writes Applications as
 *  them (impersonation is limited to ServiceAccounts of this namespace). */
export const AGENT_SELF_RULES: readonly PolicyRule[] = [
  { apiGroups: [''], resources: ['serviceaccounts/token'], verbs: ['create'], resourceNames: [AGENT.serviceAccount] },
  { apiGroups: [''], resources: ['serviceaccounts'], verbs: [...WRITE, 'impersonate'] },
];

/** What the identity of a project's apps may do in its namespace besides `admin`. */
export const APP_RUNNER_RULES: readonly PolicyRule[] = [
  { apiGroups: ['core.oam.dev'], resources: ['applications'], verbs: WRITE },
  { apiGroups: ['apps'], resources: ['controllerrevisions'], verbs: WRITE },
];

/** In `kubenova-grants`: the ServiceAccounts, anchor Secrets and tokens of kubeconfig grants. */
export const AGENT_GRANTS_RULES: readonly PolicyRule[] = [
  { apiGroups: [''], resources: ['serviceaccounts', 'secrets'], verbs: WRITE },
  { apiGroups: [''], resources: ['serviceaccounts/token'], verbs: ['create'] },
];

/** In `vela-system` (clusters with KubeVela): the platform Definitions KubeNova installs there.
 *  Namespaced, so the agent cannot place definitions in tenant namespaces (where they would
 *  shadow the platform's for that namespace). */
export const AGENT_VELA_DEFINITION_RULES: readonly PolicyRule[] = [
  { apiGroups: ['core.oam.dev'], resources: ['componentdefinitions', 'traitdefinitions'], verbs: WRITE },
];

const meta = (name: string, namespace?: string) => ({ name, ...(namespace && { namespace }), labels: { ...AGENT_LABELS } });
const subject = { kind: 'ServiceAccount', name: AGENT.serviceAccount, namespace: AGENT.namespace };

function role(namespace: string, rules: readonly PolicyRule[]): KubeObject[] {
  return [
    { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: meta(AGENT.roleName, namespace), rules },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: meta(AGENT.roleName, namespace),
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: AGENT.roleName },
      subjects: [subject],
    },
  ];
}

/** The agent's objects in the order they can be applied (each stage after the previous one).
 *  `kubevela`: the cluster has KubeVela (its vela-system namespace exists). */
export function agentObjects(opts: { kubevela?: boolean } = {}): KubeObject[][] {
  return [
    [
      { apiVersion: 'v1', kind: 'Namespace', metadata: meta(AGENT.namespace) },
      { apiVersion: 'v1', kind: 'Namespace', metadata: meta(AGENT.grantsNamespace) },
    ],
    [
      { apiVersion: 'v1', kind: 'ServiceAccount', metadata: meta(AGENT.serviceAccount, AGENT.namespace) },
      { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: meta(AGENT.roleName), rules: AGENT_CLUSTER_RULES },
      {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRole',
        metadata: { ...meta(APP_RUNNER_ROLE), labels: { ...AGENT_LABELS, [AGGREGATE_TO_APP_IDENTITY]: 'true' } },
        rules: APP_RUNNER_RULES,
      },
      {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRole',
        metadata: meta(APP_IDENTITY_ROLE),
        aggregationRule: {
          clusterRoleSelectors: [
            { matchLabels: { 'rbac.authorization.k8s.io/aggregate-to-admin': 'true' } },
            { matchLabels: { [AGGREGATE_TO_APP_IDENTITY]: 'true' } },
          ],
        },
      },
      {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRoleBinding',
        metadata: meta(AGENT.roleName),
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: AGENT.roleName },
        subjects: [subject],
      },
      ...GRANT_VERBS.map(
        (verb): KubeObject => ({
          apiVersion: 'rbac.authorization.k8s.io/v1',
          kind: 'ClusterRole',
          metadata: meta(grantVerbRole(verb)),
          rules: [{ apiGroups: ['*'], resources: ['*'], verbs: [verb] }],
        }),
      ),
      ...role(AGENT.namespace, AGENT_SELF_RULES),
      ...role(AGENT.grantsNamespace, AGENT_GRANTS_RULES),
      ...(opts.kubevela ? role(VELA_SYSTEM_NAMESPACE, AGENT_VELA_DEFINITION_RULES) : []),
    ],
  ];
}
