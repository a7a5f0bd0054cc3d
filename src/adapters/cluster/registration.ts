// Registering a cluster. The platform admin hands KubeNova an admin kubeconfig; KubeNova uses it
// ONCE, during the request, to:
//   1. check that the cluster answers (else CLUSTER_UNREACHABLE) and that the kubeconfig's user
//      may set KubeNova up (else CLUSTER_UNAUTHORIZED, naming the missing permissions);
//   2. create its own identity: namespaces kubenova-system and kubenova-grants, the
//      ServiceAccount kubenova-agent and the least RBAC the adapters need (agent-identity.ts);
//   3. make the agent a Capsule administrator when Capsule is installed (so the project
//      namespaces it creates with the tenant label are adopted by Capsule's webhook), and the
//      group of kubeconfig-grant ServiceAccounts a Capsule user group (capsule-proxy filters them);
//   4. mint the agent's token with the TokenRequest API and check it works.
// What KubeNova stores is the agent's kubeconfig (server, CA, token); the admin kubeconfig is
// never written anywhere and is dropped when the request ends. Why: a stored cluster-admin
// credential is the most valuable thing an attacker could take from KubeNova; the agent's token
// is scoped (no secrets outside kubenova-grants, no cluster-wide RBAC writes), expires within a
// day, and is rotated by the ClusterReconciler with the agent's own rights.
import { performance } from 'node:perf_hooks';
import { ensureCapsuleAdministrator, ensureCapsuleUserGroup, type AdministratorOutcome } from '../capsule/administrators.js';
import { CAPSULE_GROUP_VERSION } from '../capsule/capsule-api.js';
import { describeCheck, type AccessCheck } from '../kube/access-review.js';
import { KubeClusterClient } from '../kube/client.js';
import { KubeconfigError, loadKubeconfig } from '../kube/kubeconfig.js';
import { KubeError } from '../kube/types.js';
import { VELA_GROUP, VELA_SYSTEM_NAMESPACE } from '../vela/capabilities.js';
import { AGENT, agentObjects } from './agent-identity.js';
import { ClusterRegistrationError } from './registration-error.js';
import { agentKubeconfig, AGENT_TOKEN_SECONDS, endpointOf } from './credentials.js';

export { ClusterRegistrationError, type RegistrationErrorCode } from './registration-error.js';

export interface Registration {
  /** The agent's kubeconfig: what KubeNova stores for the cluster. */
  credentials: Buffer;
  agent: { username: string; tokenExpiresAt: Date };
  capsuleAdministrator: AdministratorOutcome | 'no-capsule';
  /** Milliseconds per step, for logs and the measured figures. */
  timings: Record<'check' | 'identity' | 'capsule' | 'token' | 'total', number>;
}

export interface RegistrationOptions {
  /** Deadline of each request to the cluster (default 10 s). */
  timeoutMs?: number;
  tokenSeconds?: number;
  signal?: AbortSignal;
}

const REGISTER_WITH = "register the cluster with a cluster-admin kubeconfig (it is used once to set up KubeNova's own ServiceAccount and is not stored)";

/** What the kubeconfig's user must be allowed to do for step 2 and 3. */
function setupChecks(capsule: boolean, kubevela: boolean): AccessCheck[] {
  const rbac = 'rbac.authorization.k8s.io';
  return [
    { verb: 'create', group: '', resource: 'namespaces' },
    { verb: 'patch', group: '', resource: 'namespaces' },
    { verb: 'create', group: '', resource: 'serviceaccounts', namespace: AGENT.namespace },
    { verb: 'create', group: '', resource: 'serviceaccounts', subresource: 'token', namespace: AGENT.namespace },
    { verb: 'create', group: rbac, resource: 'clusterroles' },
    { verb: 'patch', group: rbac, resource: 'clusterroles' },
    // Granting the agent rights (and `bind` on admin/edit/view) the user may not hold itself.
    { verb: 'escalate', group: rbac, resource: 'clusterroles' },
    { verb: 'bind', group: rbac, resource: 'clusterroles' },
    { verb: 'create', group: rbac, resource: 'clusterrolebindings' },
    { verb: 'patch', group: rbac, resource: 'clusterrolebindings' },
    { verb: 'create', group: rbac, resource: 'roles', namespace: AGENT.namespace },
    { verb: 'create', group: rbac, resource: 'rolebindings', namespace: AGENT.namespace },
    { verb: 'create', group: rbac, resource: 'roles', namespace: AGENT.grantsNamespace },
    { verb: 'create', group: rbac, resource: 'rolebindings', namespace: AGENT.grantsNamespace },
    ...(kubevela
      ? [
          { verb: 'create', group: rbac, resource: 'roles', namespace: VELA_SYSTEM_NAMESPACE },
          { verb: 'create', group: rbac, resource: 'rolebindings', namespace: VELA_SYSTEM_NAMESPACE },
        ]
      : []),
    ...(capsule
      ? [
          { verb: 'get', group: 'capsule.clastix.io', resource: 'capsuleconfigurations' },
          { verb: 'patch', group: 'capsule.clastix.io', resource: 'capsuleconfigurations' },
        ]
      : []),
  ];
}

/** KubeVela's definitions API is served and its vela-system namespace exists (where the agent
 *  gets its Role for platform Definitions). */
async function hasKubeVela(admin: KubeClusterClient, signal?: AbortSignal): Promise<boolean> {
  const served = (await admin.discovery.resources(`${VELA_GROUP}/v1beta1`, signal))?.some((r) => r.plural === 'componentdefinitions') ?? false;
  if (!served) return false;
  try {
    return (await admin.get({ apiVersion: 'v1', kind: 'Namespace', name: VELA_SYSTEM_NAMESPACE }, { signal })) !== undefined;
  } catch (err) {
    // A user who may not even read namespaces: the access checks that follow name what is missing.
    if (err instanceof KubeError && err.reason === 'Forbidden') return true;
    throw err;
  }
}

/** A KubeError met while setting up, as the registration error the API answers with. */
function setupError(err: unknown, server: string, step: string): ClusterRegistrationError {
  if (err instanceof ClusterRegistrationError) return err;
  if (err instanceof KubeError) {
    switch (err.reason) {
      case 'Unreachable':
        return new ClusterRegistrationError(
          'CLUSTER_UNREACHABLE',
          `${err.message}. Check the server URL and certificate-authority data in the kubeconfig, and that KubeNova can reach the API server`,
        );
      case 'Unauthorized':
        return new ClusterRegistrationError(
          'CLUSTER_UNAUTHORIZED',
          `the API server at ${server} rejected the kubeconfig's credentials (401): the token or client certificate is invalid or expired`,
        );
      case 'Forbidden':
        return new ClusterRegistrationError('CLUSTER_UNAUTHORIZED', `${step}: ${err.message}; ${REGISTER_WITH}`);
      default:
        return new ClusterRegistrationError('CLUSTER_SETUP_FAILED', `${step}: ${err.message}`);
    }
  }
  return new ClusterRegistrationError('CLUSTER_SETUP_FAILED', `${step}: ${(err as Error)?.message ?? String(err)}`);
}

/**
 * Checks `adminKubeconfig` and sets up KubeNova's agent in the cluster with it; returns what to
 * store. Idempotent: registering again (a new kubeconfig for the cluster) re-applies the same
 * objects and mints a fresh token. Throws ClusterRegistrationError.
 */
export async function registerCluster(name: string, adminKubeconfig: Buffer, opts: RegistrationOptions = {}): Promise<Registration> {
  const t0 = performance.now();
  const lap = (() => {
    let last = t0;
    return () => {
      const now = performance.now();
      const ms = Math.round(now - last);
      last = now;
      return ms;
    };
  })();
  const { signal } = opts;
  let kc;
  try {
    kc = loadKubeconfig(adminKubeconfig.toString('utf8'));
  } catch (err) {
    if (err instanceof KubeconfigError) throw new ClusterRegistrationError('CLUSTER_SETUP_FAILED', err.message);
    throw err;
  }
  const endpoint = endpointOf(kc);
  const admin = await KubeClusterClient.fromKubeConfig(name, kc, { timeoutMs: opts.timeoutMs ?? 10_000 });
  let agent: KubeClusterClient | undefined;
  try {
    // 1. Reachable, authenticated, authorised.
    let capsule: boolean;
    let kubevela: boolean;
    try {
      await admin.discovery.serverVersion(signal);
      const who = await admin.whoAmI(signal);
      if (who.username === 'system:anonymous' || who.username === '') {
        throw new ClusterRegistrationError(
          'CLUSTER_UNAUTHORIZED',
          `the API server at ${endpoint.server} does not recognise the kubeconfig's credentials (it sees system:anonymous); ${REGISTER_WITH}`,
        );
      }
      capsule = (await admin.discovery.resources(CAPSULE_GROUP_VERSION, signal))?.some((r) => r.plural === 'capsuleconfigurations') ?? false;
      kubevela = await hasKubeVela(admin, signal);
      const checks = setupChecks(capsule, kubevela);
      const allowed = await Promise.all(checks.map((c) => admin.canI(c, signal)));
      const missing = checks.filter((_, i) => !allowed[i]);
      if (missing.length > 0) {
        throw new ClusterRegistrationError(
          'CLUSTER_UNAUTHORIZED',
          `the kubeconfig's user "${who.username}" may not ${missing.map(describeCheck).join(', ')}: KubeNova needs these once to create its own ServiceAccount ${AGENT.namespace}/${AGENT.serviceAccount}; ${REGISTER_WITH}`,
        );
      }
    } catch (err) {
      throw setupError(err, endpoint.server, 'checking the kubeconfig');
    }
    const check = lap();

    // 2. The agent's identity.
    try {
      for (const stage of agentObjects({ kubevela })) await Promise.all(stage.map((obj) => admin.apply(obj, { signal })));
    } catch (err) {
      throw setupError(err, endpoint.server, `creating ${AGENT.namespace}/${AGENT.serviceAccount} and its RBAC`);
    }
    const identity = lap();

    // 3. Capsule administrator.
    let capsuleAdministrator: Registration['capsuleAdministrator'] = 'no-capsule';
    if (capsule) {
      try {
        capsuleAdministrator = await ensureCapsuleAdministrator(admin, AGENT.username, signal);
        // Grant ServiceAccounts are Capsule users, so capsule-proxy filters what they see.
        await ensureCapsuleUserGroup(admin, AGENT.grantsGroup, signal);
      } catch (err) {
        throw setupError(err, endpoint.server, 'adding the agent to CapsuleConfiguration administrators and the grants group to its users');
      }
    }
    const capsuleMs = lap();

    // 4. The agent's token, checked.
    let credentials: Buffer;
    let expiresAt: Date;
    try {
      const issuedAt = new Date();
      const token = await admin.requestToken(
        { namespace: AGENT.namespace, serviceAccount: AGENT.serviceAccount, expirationSeconds: opts.tokenSeconds ?? AGENT_TOKEN_SECONDS },
        signal,
      );
      expiresAt = token.expiresAt;
      credentials = agentKubeconfig(name, endpoint, { token: token.token, issuedAt, expiresAt });
      agent = await KubeClusterClient.fromKubeconfigText(name, credentials.toString('utf8'), { timeoutMs: opts.timeoutMs ?? 10_000 });
      const who = await agent.whoAmI(signal);
      if (who.username !== AGENT.username) {
        throw new ClusterRegistrationError('CLUSTER_SETUP_FAILED', `the agent token authenticates as "${who.username}", not ${AGENT.username}`);
      }
    } catch (err) {
      throw setupError(err, endpoint.server, "minting the agent's token");
    }
    const tokenMs = lap();
    return {
      credentials,
      agent: { username: AGENT.username, tokenExpiresAt: expiresAt },
      capsuleAdministrator,
      timings: { check, identity, capsule: capsuleMs, token: tokenMs, total: Math.round(performance.now() - t0) },
    };
  } finally {
    admin.close();
    agent?.close();
  }
}
