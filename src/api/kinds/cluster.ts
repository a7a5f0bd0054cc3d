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
import { CLUSTER_SPEC } from '../../domain/kinds/cluster.js';
import { BOOTSTRAP_COMPONENTS, type BootstrapComponent } from '../../adapters/cluster/bootstrap-plan.js';
import { ClusterRegistrationError } from '../../adapters/cluster/registration-error.js';
import { recordBootstrap } from '../../orchestrator/reconcilers/bootstrap-status.js';
import { parseKubeconfig } from '../../adapters/kube/kubeconfig-document.js';
import { ApiError, validationFailed } from '../errors.js';
import { Base64, List, Strict, StringEnum } from '../../domain/schema.js';
import { clusterDefinitionsView } from './definition.js';
import type { BootstrapRequest, KindDescriptor, MethodContext, SecretField } from './descriptor.js';

const KUBECONFIG_MAX_BASE64 = 768 * 1024;

const kubeconfig: SecretField = {
  schema: Base64(KUBECONFIG_MAX_BASE64, 'The kubeconfig KubeNova uses to manage the cluster, base64-encoded. Write-only.'),
  description: 'The kubeconfig is write-only; responses show only that it is set.',
  decode(value) {
    const bytes = Buffer.from(value, 'base64');
    if (bytes.toString('base64') !== value) return { problem: 'must be canonical base64' };
    const parsed = parseKubeconfig(bytes.toString('utf8'));
    return 'problem' in parsed ? { problem: `must be a base64-encoded kubeconfig: it ${parsed.problem}` } : { bytes };
  },
};

const ChartValues = Type.Object(
  {},
  { additionalProperties: true, maxProperties: 256, description: 'Helm values merged over the seed settings for this component.' },
);

const BootstrapBody = Strict({
  kubeconfig: Base64(KUBECONFIG_MAX_BASE64, 'An admin kubeconfig, base64-encoded: used for this call only (Helm needs cluster-admin rights), never stored.'),
  dryRun: Type.Optional(Type.Boolean({ default: false, description: 'Show what would be installed where; change nothing.' })),
  chartSource: Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: 1024,
      description:
        "repository (the public chart repositories), oci://<registry>/<path> holding every chart, or an absolute directory on the KubeNova server (inside KUBENOVA_CHART_DIRS) holding <chart>/ or <chart>-<version>.tgz. Default: the server's (KUBENOVA_CHART_SOURCE).",
    }),
  ),
  components: Type.Optional(
    List(StringEnum(BOOTSTRAP_COMPONENTS), BOOTSTRAP_COMPONENTS.length, {
      minItems: 1,
      uniqueItems: true,
      description: 'Only these components; default: all.',
    }),
  ),
  values: Type.Optional(Strict(Object.fromEntries(BOOTSTRAP_COMPONENTS.map((c) => [c, Type.Optional(ChartValues)])))),
  timeoutSeconds: Type.Optional(Type.Integer({ minimum: 5, maximum: 3600, description: "Bound of each component's rollout wait (default 300)." })),
});

/** `POST /clusters/{name}:bootstrap`: Capsule, capsule-proxy and vela-core installed or
 *  upgraded with Helm (adapters/cluster/bootstrap.ts); progress in `status.bootstrap`. */
async function bootstrap(target: { name: string; deletionTimestamp?: string }, body: Record<string, unknown>, ctx: MethodContext): Promise<unknown> {
  const decoded = kubeconfig.decode(body.kubeconfig as string);
  if ('problem' in decoded) throw validationFailed([{ field: 'body/kubeconfig', reason: decoded.problem }]);
  if (!ctx.services.bootstrapCluster) throw new ApiError('NOT_IMPLEMENTED', 'cluster bootstrap is not available in this server');
  if (target.deletionTimestamp) throw new ApiError('CONFLICT', `cluster "${target.name}" is being deleted`);
  const request: BootstrapRequest = {
    dryRun: body.dryRun === true,
    chartSource: body.chartSource as string | undefined,
    components: body.components as BootstrapComponent[] | undefined,
    values: body.values as BootstrapRequest['values'],
    timeoutSeconds: body.timeoutSeconds as number | undefined,
  };
  const report = await ctx.services.bootstrapCluster(target.name, decoded.bytes, request, async (r) => {
    if (!request.dryRun) await recordBootstrap(ctx.objects, target.name, r);
  });
  return { cluster: target.name, ...report };
}

export const clusterKind: KindDescriptor = {
  kind: 'Cluster',
  plural: 'clusters',
  spec: CLUSTER_SPEC,
  secretFields: { kubeconfig },
  subresources: [clusterDefinitionsView],
  admit() {
    return Promise.resolve({});
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
  customMethods: [
    {
      name: 'bootstrap',
      verb: 'bootstrap',
      summary: 'Install or upgrade Capsule, capsule-proxy and KubeVela core with Helm (admin kubeconfig used once)',
      body: BootstrapBody,
      handle: bootstrap,
    },
  ],
};
