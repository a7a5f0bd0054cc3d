import { join } from 'node:path';
import type { TlsFiles } from './https.js';
import { httpsGet, UNVERIFIED } from './https.js';
import { clusterLayout } from './layout.js';
import type { ClusterPlan, ClusterPorts } from './plan.js';
import { loopbackUrl } from './plan.js';
import { LOOPBACK } from './ports.js';
import type { ClusterInfo } from './state.js';

/** Every process a cluster can have, by the name its PID, log and spec files carry. */
export const COMPONENT_NAMES = [
  'etcd',
  'kube-apiserver',
  'kube-controller-manager',
  'kube-scheduler',
  'kwok',
  'capsule',
  'vela-core',
  'capsule-proxy',
] as const;
export type ComponentName = (typeof COMPONENT_NAMES)[number];

/** What a probe needs to reach a cluster's components, from its plan (during `up`) or its cluster.json. */
export interface ProbeTarget {
  ports: ClusterPorts;
  caFile: string;
  /** system:masters client certificate, for the API server's /readyz. */
  admin: TlsFiles;
}

export function probeTargetOfPlan(plan: ClusterPlan): ProbeTarget {
  return { ports: plan.ports, caFile: plan.pki.ca.certFile, admin: { caFile: plan.pki.ca.certFile, ...plan.pki.clients.admin } };
}

export function probeTargetOfInfo(info: ClusterInfo): ProbeTarget {
  const pki = clusterLayout(info.dir).pki;
  return {
    ports: info.ports as ClusterPorts,
    caFile: info.caFile,
    admin: { caFile: info.caFile, certFile: join(pki, 'client-admin.crt'), keyFile: join(pki, 'client-admin.key') },
  };
}

const httpOk = async (url: string) => (await fetch(url, { signal: AbortSignal.timeout(3_000) })).ok;
/** Webhook servers (and capsule-proxy) answer any HTTPS request, 404 on unknown paths, once serving. */
const answering = (port: keyof ClusterPorts) => async (t: ProbeTarget) => (await httpsGet(loopbackUrl(t.ports[port], '/'), { caFile: t.caFile })).status > 0;
/** controller-manager and scheduler serve /healthz with a self-signed certificate. */
const healthz = (port: keyof ClusterPorts) => async (t: ProbeTarget) => (await httpsGet(loopbackUrl(t.ports[port], '/healthz'), UNVERIFIED)).status === 200;

/** When each component counts as up: what `up` and `start` wait for. Errors count as "not yet". */
export const READY: Record<ComponentName, (target: ProbeTarget) => Promise<boolean>> = {
  etcd: async (t) => {
    const res = await fetch(`http://${LOOPBACK}:${t.ports.etcdClient}/health`, { signal: AbortSignal.timeout(3_000) });
    return res.ok && ((await res.json()) as { health?: string }).health === 'true';
  },
  'kube-apiserver': async (t) => (await httpsGet(loopbackUrl(t.ports.apiServer, '/readyz'), t.admin)).status === 200,
  'kube-controller-manager': healthz('controllerManager'),
  'kube-scheduler': healthz('scheduler'),
  kwok: async (t) => httpOk(`http://${LOOPBACK}:${t.ports.kwok}/healthz`),
  capsule: answering('capsuleWebhook'),
  'vela-core': answering('velaWebhook'),
  'capsule-proxy': answering('capsuleProxy'),
};

export function isComponentName(name: string): name is ComponentName {
  return (COMPONENT_NAMES as readonly string[]).includes(name);
}
