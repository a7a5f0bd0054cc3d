import { join } from 'node:path';
import { CAPSULE } from './components/capsule.js';
import { VELA } from './components/vela-core.js';
import type { Manifest } from './manifests.js';
import { ofKind, renderChart, webhooksToUrl } from './manifests.js';
import type { ClusterPlan } from './plan.js';
import { bin, loopbackUrl } from './plan.js';
import { readBase64 } from './pki.js';

/**
 * What the test environment installs from a component's chart, in install order. Workloads
 * (Deployments, Services, hook Jobs, TLS Secrets) are left out: the controllers run as local
 * processes with certificates from our CA instead.
 */
export interface ChartManifests {
  crds: Manifest[];
  /** Namespace, ServiceAccount, RBAC and configuration objects the controller needs at start. */
  setup: Manifest[];
  /** Admission webhook configurations, pointing at the local process. */
  webhooks: Manifest[];
  /** Objects served by the running controller's webhooks (e.g. KubeVela's Definitions). */
  definitions: Manifest[];
}

const RBAC_KINDS = ['ServiceAccount', 'ClusterRole', 'ClusterRoleBinding', 'Role', 'RoleBinding'];

/** Capsule's administrators in test clusters, for KubeNova's own identity later on. */
export const CAPSULE_ADMINISTRATORS = [
  { kind: 'Group', name: 'kubenova:capsule-administrators' },
  { kind: 'ServiceAccount', name: 'system:serviceaccount:kubenova-system:kubenova' },
] as const;

/** Capsule's user group (the chart default), which tenant owners must belong to. */
export const CAPSULE_USER_GROUP = 'projectcapsule.dev';

function isHook(m: Manifest): boolean {
  return Boolean(m.metadata.annotations?.['helm.sh/hook']);
}

function namespaceManifest(name: string): Manifest {
  return { apiVersion: 'v1', kind: 'Namespace', metadata: { name } };
}

/**
 * Capsule's chart, rendered so that its CRD conversion webhooks and the webhook configurations
 * Capsule itself maintains (from CapsuleConfiguration.spec.admission) call the local process:
 * the chart supports a webhook URL and CA bundle natively.
 */
export async function capsuleManifests(plan: ClusterPlan): Promise<ChartManifests> {
  const manifests = await renderChart({
    helm: bin(plan, 'helm'),
    chartDir: join(plan.chartsDir, 'capsule'),
    release: CAPSULE.release,
    namespace: CAPSULE.namespace,
    workDir: plan.layout.manifests,
    withoutDependencies: true,
    values: {
      crds: { inline: true },
      certManager: { generateCertificates: false },
      tls: { enableController: false, create: false },
      webhooks: { service: { url: loopbackUrl(plan.ports.capsuleWebhook), caBundle: await readBase64(plan.pki.ca.certFile) } },
      manager: {
        options: {
          capsuleConfiguration: CAPSULE.configurationName,
          users: [{ kind: 'Group', name: CAPSULE_USER_GROUP }],
          administrators: CAPSULE_ADMINISTRATORS,
        },
      },
    },
  });
  const installed = manifests.filter((m) => !isHook(m));
  return {
    crds: ofKind(installed, 'CustomResourceDefinition'),
    setup: [namespaceManifest(CAPSULE.namespace), ...ofKind(installed, ...RBAC_KINDS), ...ofKind(installed, 'CapsuleConfiguration')],
    webhooks: [],
    definitions: [],
  };
}

const VELA_DEFINITION_KINDS = ['ComponentDefinition', 'TraitDefinition', 'PolicyDefinition', 'WorkflowStepDefinition', 'WorkloadDefinition'];

/**
 * KubeVela's chart in single-cluster mode with Application authentication (the reduced
 * ClusterRole plus impersonation). Its webhook configurations name an in-cluster Service, so
 * they are rewritten to the local vela-core's URL.
 */
export async function velaManifests(plan: ClusterPlan): Promise<ChartManifests> {
  const manifests = await renderChart({
    helm: bin(plan, 'helm'),
    chartDir: join(plan.chartsDir, 'vela-core'),
    release: VELA.release,
    namespace: VELA.namespace,
    workDir: plan.layout.manifests,
    includeCrds: true,
    // The addon-registry ConfigMap (only `vela addon` reads it) is a multi-line quoted scalar
    // that Go's YAML accepts and YAML 1.2 does not.
    tolerateInvalid: ['vela-core/templates/addon_registry.yaml'],
    values: {
      systemDefinitionNamespace: VELA.namespace,
      multicluster: { enabled: false },
      // No cert-gen hook Jobs: caBundle comes from our CA, and failurePolicy stays Fail.
      admissionWebhooks: { enabled: true, patch: { enabled: false }, certManager: { enabled: false } },
      authentication: { enabled: true, withUser: true, defaultUser: VELA.defaultUser, groupPattern: VELA.groupPattern },
    },
  });
  const installed = manifests.filter((m) => !isHook(m));
  const caBundle = await readBase64(plan.pki.ca.certFile);
  return {
    crds: ofKind(installed, 'CustomResourceDefinition'),
    setup: [namespaceManifest(VELA.namespace), ...ofKind(installed, ...RBAC_KINDS)],
    webhooks: ofKind(installed, 'MutatingWebhookConfiguration', 'ValidatingWebhookConfiguration').map((config) =>
      webhooksToUrl(config, loopbackUrl(plan.ports.velaWebhook), caBundle),
    ),
    // The velaql views and the addon registry are ConfigMaps in vela-system.
    definitions: [...ofKind(installed, ...VELA_DEFINITION_KINDS), ...ofKind(installed, 'ConfigMap')],
  };
}
