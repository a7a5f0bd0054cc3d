// The VelaAdapter's app projection on the contract (../contract.ts): an app becomes a KubeVela
// Application in its project's namespace, written as the app's own identity (a ServiceAccount
// with RoleBindings), once that namespace is there and is the tenant's.
import { APP_LABEL, isOwnedBy, MANAGED_BY_LABEL, MANAGED_BY_VALUE, MANAGED_SELECTOR, ownerKeyOf, PROJECT_LABEL } from '../../domain/ownership.js';
import { AGENT } from '../cluster/agent-identity.js';
import type { ClusterWatch, OwnedType, ProjectionAdapter } from '../contract.js';
import type { KubeObject, TypeRef } from '../kube/types.js';
import { explainVela } from './admission.js';
import { APPLICATION_TYPE, isApplication } from './application-api.js';
import { appUsername, ROLE_BINDING_TYPE, SERVICE_ACCOUNT_TYPE } from './identity.js';
import { applicationReadiness, rolloutOf } from './observe.js';
import { planApp, type AppIntent } from './plan.js';

const NAMESPACE_TYPE: TypeRef = { apiVersion: 'v1', kind: 'Namespace' };

/**
 * Deletion goes in this order and waits for each type to be gone: the Application first (vela-core
 * garbage-collects the app's resources as the app's identity, so its RoleBindings must outlive
 * it), then the identity.
 */
const OWNED_TYPES: readonly OwnedType[] = [APPLICATION_TYPE, ROLE_BINDING_TYPE, { ...SERVICE_ACCOUNT_TYPE, namespace: AGENT.namespace }];

/** The app an object belongs to, from its labels; also when someone removed its managed-by
 *  label (the watch then reports it leaving the selection: that is drift too). */
const byOwnerLabels = (obj: KubeObject) => {
  const key = ownerKeyOf({ ...obj.metadata.labels, [MANAGED_BY_LABEL]: MANAGED_BY_VALUE });
  return key?.startsWith('App/') ? [key] : [];
};

/** Everything apps project, watched: vela-core's changes to the Applications (status, deletion)
 *  and anyone's changes to them or to the apps' identities (drift). The projects' namespaces are
 *  watched for reading only (observe asks for the app's): a project's namespace appearing
 *  reaches apps through the Project's status change (a store trigger). */
const APP_WATCHES: readonly ClusterWatch[] = [
  ...OWNED_TYPES.map(({ apiVersion, kind, namespace }) => ({
    type: { apiVersion, kind },
    ...(namespace && { namespace }),
    labelSelector: `${MANAGED_SELECTOR},${APP_LABEL}`,
    keysOf: byOwnerLabels,
  })),
  { type: NAMESPACE_TYPE, labelSelector: `${MANAGED_SELECTOR},${PROJECT_LABEL},!${APP_LABEL}`, keysOf: () => [] },
];

export const velaAppAdapter: ProjectionAdapter<AppIntent, void, void> = {
  engine: 'vela',
  ownedTypes: OWNED_TYPES,
  watches: APP_WATCHES,
  deleteInOrder: true,
  async observe(client, intent, signal) {
    const ns = await client.get({ ...NAMESPACE_TYPE, name: intent.project }, { signal });
    if (!ns || ns.metadata.deletionTimestamp || !isOwnedBy(ns.metadata.labels, { tenant: intent.tenant, project: intent.project })) {
      return {
        stop: { state: 'progressing', reason: 'WaitingForProject', message: `the namespace of project "${intent.project}" is not on this cluster yet` },
      };
    }
    return { ctx: undefined, input: undefined };
  },
  plan: (intent, caps) => planApp(intent, caps),
  readiness: (obj) => (isApplication(obj) ? applicationReadiness(obj) : undefined),
  detail: (applied) => {
    const app = applied.find(isApplication);
    return app ? { rollout: rolloutOf(app) } : {};
  },
  // The identity's objects are independent of each other; the Application needs them all.
  applyStage: (obj) => (isApplication(obj) ? 1 : 0),
  // The Application is written as the app's own identity (vela-core records who wrote it).
  writeAs: (obj) => {
    const app = obj.metadata.labels?.[APP_LABEL];
    return isApplication(obj) && app ? appUsername(app) : undefined;
  },
  explain: explainVela,
};
