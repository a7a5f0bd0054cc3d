// Namespace drift, "admission + repair" (seed): a ValidatingAdmissionPolicy (built into the API
// server, no webhook to run) that refuses removing or changing a namespace's tenant labels,
// except by KubeNova's agent and Capsule's controller. Without it an admin could move a
// namespace out of its tenant (Capsule's own webhook lets administrators do that), and repair
// would only undo it afterwards. Installed in every registered cluster by the ClusterReconciler.
// No I/O here.
import type { KubeObject } from '../kube/types.js';
import { AGENT, AGENT_LABELS } from './agent-identity.js';

export const NAMESPACE_GUARD_NAME = 'kubenova-namespace-tenant-labels';

/** The labels that say which tenant (and project) a namespace belongs to. */
export const GUARDED_NAMESPACE_LABELS = ['capsule.clastix.io/tenant', 'kubenova.io/tenant', 'kubenova.io/project'] as const;

/** Who may still change them: KubeNova's agent, and Capsule's controller (its chart's
 *  ServiceAccount, as in every standard install and in the test environment). */
export const NAMESPACE_GUARD_EXEMPT = [AGENT.username, 'system:serviceaccount:capsule-system:capsule'] as const;

const celList = (xs: readonly string[]) => `[${xs.map((x) => `'${x}'`).join(', ')}]`;
const LABELS = celList(GUARDED_NAMESPACE_LABELS);
const OLD = 'has(oldObject.metadata.labels) ? oldObject.metadata.labels : {}';
const NEW = 'has(object.metadata.labels) ? object.metadata.labels : {}';

export function namespaceGuardObjects(): KubeObject[] {
  const labels = { ...AGENT_LABELS };
  return [
    {
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'ValidatingAdmissionPolicy',
      metadata: { name: NAMESPACE_GUARD_NAME, labels },
      spec: {
        failurePolicy: 'Fail',
        matchConstraints: {
          resourceRules: [{ apiGroups: [''], apiVersions: ['v1'], operations: ['UPDATE'], resources: ['namespaces'] }],
        },
        matchConditions: [
          { name: 'not-exempt', expression: `!(request.userInfo.username in ${celList(NAMESPACE_GUARD_EXEMPT)})` },
          { name: 'has-tenant-label', expression: `${LABELS}.exists(k, k in (${OLD}))` },
        ],
        variables: [
          { name: 'old', expression: OLD },
          { name: 'new', expression: NEW },
          { name: 'changed', expression: `${LABELS}.filter(k, k in variables.old && (!(k in variables.new) || variables.new[k] != variables.old[k]))` },
        ],
        validations: [
          {
            expression: 'size(variables.changed) == 0',
            reason: 'Forbidden',
            messageExpression:
              `'the label ' + variables.changed.join(', ') + ' of namespace ' + object.metadata.name + ' says which tenant it belongs to ` +
              `(' + (('capsule.clastix.io/tenant' in variables.old) ? variables.old['capsule.clastix.io/tenant'] : variables.old['kubenova.io/tenant']) + ') ` +
              `and only KubeNova may change it: keep the label, and move or remove the namespace through KubeNova ` +
              `(its project: DELETE /api/v1/projects/' + object.metadata.name + ')'`,
          },
        ],
      },
    },
    {
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'ValidatingAdmissionPolicyBinding',
      metadata: { name: NAMESPACE_GUARD_NAME, labels },
      spec: { policyName: NAMESPACE_GUARD_NAME, validationActions: ['Deny'] },
    },
  ];
}
