// The VelaAdapter's app projection on the contract (../contract.ts): an app becomes a KubeVela
// Application in its project's namespace, written as the project's app identity
// (../cluster/app-identity.ts), once that namespace is there, is the tenant's, and the identity is
// bound in it.
import {
  APP_LABEL,
  isOwnedBy,
  MANAGED_BY_LABEL,
  MANAGED_BY_VALUE,
  MANAGED_SELECTOR,
  ownerKeyOf,
  PROJECT_LABEL,
  PROJECT_OBJECTS_SELECTOR,
} from '../../domain/ownership.js';
import { AGENT } from '../cluster/agent-identity.js';
import { APP_IDENTITY_BINDING, projectAppUsername, ROLE_BINDING_TYPE, SERVICE_ACCOUNT_TYPE } from '../cluster/app-identity.js';
import type { ClusterWatch, OwnedType, ProjectionAdapter } from '../contract.js';
import type { KubeObject, TypeRef } from '../kube/types.js';
import { explainVela } from './admission.js';
import { APPLICATION_TYPE, isApplication } from './application-api.js';
import { applicationReadiness, rolloutOf } from './observe.js';
import { planApp, type AppIntent } from './plan.js';

const NAMESPACE_TYPE: TypeRef = { apiVersion: 'v1', kind: 'Namespace' };

/**
 * What an app may have projected, in deletion order (each type waited for until gone): its
 * Application, then the identity of its own that apps had before they ran as their project's
 * (RoleBindings, then the ServiceAccount). Such an identity is pruned by the first reconcile that
 * writes the Application as the project's identity, and is removed after the Application when an
 * app is deleted (vela-core garbage-collects the app's resources as the Application's user).
 */
const OWNED_TYPES: readonly OwnedType[] = [APPLICATION_TYPE, ROLE_BINDING_TYPE, { ...SERVICE_ACCOUNT_TYPE, namespace: AGENT.namespace }];

/** The app an object belongs to, from its labels; also when someone removed its managed-by
 *  label (the watch then reports it leaving the selection: that is drift too). */
const byOwnerLabels = (obj: KubeObject) => {
  const key = ownerKeyOf({ ...obj.metadata.labels, [MANAGED_BY_LABEL]: MANAGED_BY_VALUE });
  return key?.startsWith('App/') ? [key] : [];
};

/** Everything apps project, watched: vela-core's changes to the Applications (status, deletion)
 *  and anyone's changes to them (drift). Watched for reading only (observe asks for them): the
 *  projects' namespaces and the bindings of their app identities. Either appearing reaches apps
 *  through the Project's status change (a store trigger). */
const APP_WATCHES: readonly ClusterWatch[] = [
  ...OWNED_TYPES.map(({ apiVersion, kind, namespace }) => ({
    type: { apiVersion, kind },
    ...(namespace && { namespace }),
    labelSelector: `${MANAGED_SELECTOR},${APP_LABEL}`,
    keysOf: byOwnerLabels,
  })),
  { type: NAMESPACE_TYPE, labelSelector: PROJECT_OBJECTS_SELECTOR, keysOf: () => [] },
  { type: ROLE_BINDING_TYPE, labelSelector: PROJECT_OBJECTS_SELECTOR, keysOf: () => [] },
];

const waiting = (message: string) => ({ stop: { state: 'progressing' as const, reason: 'WaitingForProject', message } });

export const velaAppAdapter: ProjectionAdapter<AppIntent, void, void> = {
  engine: 'vela',
  ownedTypes: OWNED_TYPES,
  watches: APP_WATCHES,
  deleteInOrder: true,
  async observe(client, intent, signal) {
    const ns = await client.get({ ...NAMESPACE_TYPE, name: intent.project }, { signal });
    if (!ns || ns.metadata.deletionTimestamp || !isOwnedBy(ns.metadata.labels, { tenant: intent.tenant, project: intent.project })) {
      return waiting(`the namespace of project "${intent.project}" is not on this cluster yet`);
    }
    // Written as the project's identity, the Application would be refused until it is bound.
    const binding = await client.get({ ...ROLE_BINDING_TYPE, namespace: intent.project, name: APP_IDENTITY_BINDING }, { signal });
    if (!binding || !isOwnedBy(binding.metadata.labels, { tenant: intent.tenant, project: intent.project })) {
      return waiting(`the identity of project "${intent.project}"'s apps is not bound on this cluster yet`);
    }
    return { ctx: undefined, input: undefined };
  },
  plan: (intent, caps) => planApp(intent, caps),
  readiness: (obj) => (isApplication(obj) ? applicationReadiness(obj) : undefined),
  detail: (applied) => {
    const app = applied.find(isApplication);
    return app ? { rollout: rolloutOf(app) } : {};
  },
  // The Application is written as its project's app identity (vela-core records who wrote it).
  writeAs: (obj) => {
    const project = obj.metadata.labels?.[PROJECT_LABEL];
    return isApplication(obj) && project ? projectAppUsername(project) : undefined;
  },
  explain: explainVela,
};
