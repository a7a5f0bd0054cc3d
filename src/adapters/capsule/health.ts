// Is Capsule working in a cluster? Three observable signals, each cheap:
// - webhooks registered: Capsule's own webhook configurations (it writes them itself from
//   CapsuleConfiguration.spec.admission at v0.14) list webhooks named `*.projectcapsule.dev`
//   (`*.capsule.clastix.io` before v0.13);
// - webhooks answering: a dry-run create of a Tenant comes back stamped by the tenants mutating
//   webhook (label kubernetes.io/metadata.name), and the validating one (failurePolicy Fail)
//   did not fail. Nothing is stored;
// - controller running: CapsuleConfiguration `status.observedGeneration` caught up with its
//   `metadata.generation` and its Ready condition is True (registration bumps the generation by
//   adding KubeNova's agent to the administrators, so this is a live signal, not a stale one).
//   The controller and the webhook server are one process, so the probe above covers liveness.
import type { CapsuleCapabilities } from '../../domain/capabilities.js';
import type { KubeClusterClient } from '../kube/client.js';
import { KubeError, type KubeObject } from '../kube/types.js';
import { CAPSULE_CONFIGURATION, isAdministrator } from './administrators.js';
import { CAPSULE_GROUP_VERSION, TENANT_TYPE } from './capsule-api.js';

const CAPSULE_WEBHOOK = /\.(projectcapsule\.dev|capsule\.clastix\.io)$/;
const PROBE_TENANT = 'kubenova-capability-probe';

const message = (err: unknown) => (err instanceof Error ? err.message : String(err));

/** Unreachable and 401 mean the cluster, not Capsule, is the problem: they propagate. */
function rethrowIfClusterDown(err: unknown): void {
  if (err instanceof KubeError && (err.reason === 'Unreachable' || err.reason === 'Unauthorized')) throw err;
}

async function webhooksRegistered(client: KubeClusterClient, signal?: AbortSignal): Promise<{ registered: boolean; message?: string }> {
  const kinds = ['ValidatingWebhookConfiguration', 'MutatingWebhookConfiguration'] as const;
  const lists = await Promise.all(kinds.map((kind) => client.list({ apiVersion: 'admissionregistration.k8s.io/v1', kind }, { signal })));
  const missing = kinds.filter(
    (_, i) => !lists[i]!.some((cfg) => ((cfg.webhooks as Array<{ name?: string }> | undefined) ?? []).some((w) => CAPSULE_WEBHOOK.test(w.name ?? ''))),
  );
  return missing.length === 0 ? { registered: true } : { registered: false, message: `no Capsule webhooks in any ${missing.join(' or ')}` };
}

async function webhooksAnswering(client: KubeClusterClient, signal?: AbortSignal): Promise<{ answering: boolean; message?: string }> {
  const probe: KubeObject = { ...TENANT_TYPE, metadata: { name: PROBE_TENANT }, spec: {} };
  try {
    const answer = await client.apply(probe, { dryRun: true, signal });
    if (answer.metadata.labels?.['kubernetes.io/metadata.name'] === PROBE_TENANT) return { answering: true };
    return { answering: false, message: "a dry-run Tenant was admitted without Capsule's mutation: its webhooks did not run" };
  } catch (err) {
    rethrowIfClusterDown(err);
    // "failed calling webhook ...: connection refused" and the like.
    return { answering: false, message: `a dry-run Tenant failed: ${message(err)}` };
  }
}

function controllerState(config: KubeObject | undefined): { running: boolean; message?: string } {
  if (!config) return { running: false, message: `CapsuleConfiguration ${CAPSULE_CONFIGURATION.name} not found` };
  const status = (config.status ?? {}) as { observedGeneration?: number; conditions?: Array<{ type: string; status: string; message?: string }> };
  const generation = config.metadata.generation ?? 0;
  if ((status.observedGeneration ?? 0) < generation) {
    return {
      running: false,
      message: `Capsule has not reconciled CapsuleConfiguration generation ${generation} (observed ${status.observedGeneration ?? 'none'})`,
    };
  }
  const ready = status.conditions?.find((c) => c.type === 'Ready');
  if (ready?.status !== 'True') return { running: false, message: `CapsuleConfiguration not Ready: ${ready?.message ?? 'no Ready condition'}` };
  return { running: true };
}

/** Capsule's state in the cluster; `apiVersions` from discovery (empty: not installed). */
export async function observeCapsule(
  client: KubeClusterClient,
  apiVersions: string[],
  agentUsername: string,
  signal?: AbortSignal,
): Promise<CapsuleCapabilities> {
  if (!apiVersions.includes(CAPSULE_GROUP_VERSION.split('/')[1]!)) {
    return {
      apiVersions,
      webhooks: { registered: false, answering: false, message: `${CAPSULE_GROUP_VERSION} is not served` },
      controller: { running: false, message: `${CAPSULE_GROUP_VERSION} is not served` },
      agentIsAdministrator: false,
    };
  }
  const [registered, answering, config] = await Promise.all([
    webhooksRegistered(client, signal).catch((err: unknown) => {
      rethrowIfClusterDown(err);
      return { registered: false, message: message(err) };
    }),
    webhooksAnswering(client, signal),
    client.get({ ...CAPSULE_CONFIGURATION }, { signal }).catch((err: unknown) => {
      rethrowIfClusterDown(err);
      return undefined;
    }),
  ]);
  const webhookMessage = registered.message ?? answering.message;
  return {
    apiVersions,
    webhooks: { registered: registered.registered, answering: answering.answering, ...(webhookMessage && { message: webhookMessage }) },
    controller: controllerState(config),
    agentIsAdministrator: isAdministrator(config, agentUsername),
  };
}
