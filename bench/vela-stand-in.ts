// For bench:scale's BENCH_STAND_IN=1 (not a test, not for tests): on a test cluster whose
// vela-core is stopped, reports each of KubeNova's Applications as vela-core reports an app it
// runs, so that thousands of apps reach Deployed in minutes (vela-core renders about half an app
// per second on this machine). Only the engine's status is stood in for: KubeNova's writes still
// go through the real API server and Capsule's webhooks.
import type { KubeClusterClient } from '../src/adapters/kube/client.js';
import type { KubeObject } from '../src/adapters/kube/types.js';
import { MANAGED_SELECTOR } from '../src/domain/ownership.js';

const APPLICATION = { apiVersion: 'core.oam.dev/v1beta1', kind: 'Application' } as const;
const WEBHOOK_KINDS = ['MutatingWebhookConfiguration', 'ValidatingWebhookConfiguration'];
/** vela-core's webhooks are named after its API group (`validating.core.oam.dev.v1beta1...`). */
const VELA_WEBHOOK = /core\.oam[.-]dev/;
const PATCHING = 8;

export interface VelaStandIn {
  stop(): void;
}

export async function velaStandIn(admin: KubeClusterClient): Promise<VelaStandIn> {
  // With vela-core stopped its webhooks (failurePolicy Fail) would refuse every Application.
  for (const kind of WEBHOOK_KINDS) {
    const type = { apiVersion: 'admissionregistration.k8s.io/v1', kind };
    for (const config of await admin.list(type)) {
      const hooks = (config as KubeObject & { webhooks?: Array<{ name: string }> }).webhooks ?? [];
      if (hooks.some((h) => VELA_WEBHOOK.test(h.name))) await admin.delete({ ...type, name: config.metadata.name });
    }
  }
  const pending = new Map<string, KubeObject>();
  let running = 0;
  const drain = async () => {
    while (pending.size > 0) {
      const [key, app] = pending.entries().next().value!;
      pending.delete(key);
      const components = ((app.spec as { components?: Array<{ name: string }> }).components ?? []).map((c) => c.name);
      await admin
        .patchStatus(
          { ...APPLICATION, namespace: app.metadata.namespace, name: app.metadata.name },
          {
            status: {
              status: 'running',
              observedGeneration: app.metadata.generation,
              services: components.map((name) => ({ name, healthy: true, traits: [] })),
            },
          },
        )
        .catch(() => undefined); // deleted meanwhile; a newer version comes by the watch
    }
  };
  const watch = admin.watch(APPLICATION, { labelSelector: MANAGED_SELECTOR }, (type, app) => {
    if (type === 'DELETED' || app.metadata.deletionTimestamp) return;
    const s = app.status as { status?: string; observedGeneration?: number } | undefined;
    if (s?.status === 'running' && s.observedGeneration === app.metadata.generation) return;
    pending.set(`${app.metadata.namespace}/${app.metadata.name}`, app);
    while (running < PATCHING) {
      running++;
      void drain().finally(() => running--);
    }
  });
  await watch.synced;
  return { stop: () => watch.stop() };
}
