// Cluster: a registered Kubernetes cluster. Its kubeconfig is write-only: stored under envelope
// encryption in the secret store and only ever described (set, key id, time) in responses.
//
// Registration (create, or an update that carries a kubeconfig) uses the given admin kubeconfig
// ONCE, inside the request: KubeNova checks that the cluster answers and that the kubeconfig may
// set it up, creates its own ServiceAccount kubenova-system/kubenova-agent with least RBAC, makes
// it a Capsule administrator, and stores the agent's kubeconfig (server, CA, token) in place of
// the admin one, which is never written anywhere (adapters/cluster/registration.ts says why).
// The ClusterReconciler then works with the agent's token and rotates it.
import { Type } from 'typebox';
import { ClusterRegistrationError } from '../../adapters/cluster/registration-error.js';
import { hostReferencesIn, parseKubeconfigDocument } from '../../adapters/kube/kubeconfig-safety.js';
import { ApiError } from '../errors.js';
import { Base64, Patterned, Strict } from '../schemas/common.js';
import { clusterDefinitionsView } from './definition.js';
import type { KindDescriptor, SecretField } from './descriptor.js';

const KUBECONFIG_MAX_BASE64 = 768 * 1024;

const CapsuleProxy = Strict(
  {
    url: Patterned('^https://[^\\s/?#]+(?:/[^\\s]*)?$', 'must be an https:// URL', {
      maxLength: 2048,
      description: 'capsule-proxy endpoint tenants are given.',
    }),
    caData: Type.Optional(Base64(64 * 1024, "Base64 PEM bundle of the CA that signed capsule-proxy's serving certificate.")),
  },
  { description: 'Where tenants reach this cluster: their kubeconfigs point at capsule-proxy, never at the API server.' },
);

type Named<T> = { name?: unknown } & T;

/** Why a decoded kubeconfig is unusable, or undefined: it must name a current context whose
 *  cluster has a server and whose user exists. Reasons never quote the content. */
export function kubeconfigProblem(text: string): string | undefined {
  const parsed = parseKubeconfigDocument(text);
  if ('problem' in parsed) return parsed.problem;
  const cfg = parsed.doc;
  const list = (key: string) => (Array.isArray(cfg[key]) ? (cfg[key] as Named<Record<string, unknown>>[]) : []);
  const byName = (key: string, name: unknown) => list(key).find((e) => e && typeof e === 'object' && e.name === name);
  const current = cfg['current-context'];
  if (typeof current !== 'string' || current === '') return 'has no current-context';
  const context = byName('contexts', current)?.context as Record<string, unknown> | undefined;
  if (!context) return 'names a current-context that it does not define';
  const cluster = byName('clusters', context.cluster)?.cluster as Record<string, unknown> | undefined;
  if (!cluster || typeof cluster.server !== 'string') return "has no server for its current context's cluster";
  if (!byName('users', context.user)) return "does not define its current context's user";
  return hostReferencesIn(cfg);
}

const kubeconfig: SecretField = {
  schema: Base64(KUBECONFIG_MAX_BASE64, 'The kubeconfig KubeNova uses to manage the cluster, base64-encoded. Write-only.'),
  description: 'The kubeconfig is write-only; responses show only that it is set.',
  decode(value) {
    const bytes = Buffer.from(value, 'base64');
    if (bytes.toString('base64') !== value) return { problem: 'must be canonical base64' };
    const problem = kubeconfigProblem(bytes.toString('utf8'));
    return problem ? { problem: `must be a base64-encoded kubeconfig: it ${problem}` } : { bytes };
  },
};

export const clusterKind: KindDescriptor = {
  kind: 'Cluster',
  plural: 'clusters',
  ownership: 'platform',
  spec: {
    capsuleProxy: Type.Optional(CapsuleProxy),
  },
  secretFields: { kubeconfig },
  subresources: [clusterDefinitionsView],
  async admit() {
    return {};
  },
  async secretsToStore(name, secrets, ctx) {
    const admin = secrets.kubeconfig;
    if (!admin) return secrets;
    try {
      return { ...secrets, kubeconfig: await ctx.services.registerCluster(name, admin) };
    } catch (err) {
      if (err instanceof ClusterRegistrationError) throw new ApiError(err.code, err.message);
      throw err;
    }
  },
};
