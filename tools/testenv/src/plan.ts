import { join } from 'node:path';
import { writeKubeconfig } from './kubeconfig.js';
import type { ClusterLayout } from './layout.js';
import { createLayout } from './layout.js';
import type { CertFiles, CertificateAuthority, SigningKeyPair } from './pki.js';
import { createCertificateAuthority, createSigningKeyPair, issueCertificate } from './pki.js';
import { allocatePorts, LOOPBACK } from './ports.js';

export const PORT_NAMES = [
  'etcdClient',
  'etcdPeer',
  'apiServer',
  'controllerManager',
  'scheduler',
  'kwok',
  'capsuleWebhook',
  'capsuleMetrics',
  'capsuleHealth',
  'capsuleProxy',
  'capsuleProxyMetrics',
  'velaWebhook',
  'velaMetrics',
  'velaHealth',
] as const;
export type ClusterPorts = Record<(typeof PORT_NAMES)[number], number>;

/** Components that authenticate with a client certificate signed by the cluster CA. */
const CERT_IDENTITIES = {
  admin: { commonName: 'kubenova-testenv:admin', organizations: ['system:masters'] },
  // The bootstrap RBAC policy already binds these two names to their component roles.
  controllerManager: { commonName: 'system:kube-controller-manager', organizations: [] },
  scheduler: { commonName: 'system:kube-scheduler', organizations: [] },
  // kwok writes Node and Pod status for fake nodes, which no bootstrap role covers.
  kwok: { commonName: 'kwok-controller', organizations: ['system:masters'] },
} as const;
export type CertIdentity = keyof typeof CERT_IDENTITIES;

export interface ClusterPki {
  ca: CertificateAuthority;
  apiServer: CertFiles;
  serviceAccountSigning: SigningKeyPair;
  capsuleWebhook: CertFiles;
  velaWebhook: CertFiles;
  capsuleProxy: CertFiles;
  /** The API server's client cert towards aggregated API servers (request-header auth). */
  frontProxyClient: CertFiles;
  clients: Record<CertIdentity, CertFiles>;
}

export const FRONT_PROXY_CLIENT_NAME = 'front-proxy-client';

/** Everything decided before the first process starts: ports, certificates, kubeconfigs. */
export interface ClusterPlan {
  id: string;
  layout: ClusterLayout;
  binDir: string;
  chartsDir: string;
  kwokStagesDir: string;
  ports: ClusterPorts;
  apiServerUrl: string;
  pki: ClusterPki;
  /** Cert-based kubeconfigs; Capsule's and KubeVela's (ServiceAccount tokens) come later. */
  kubeconfigs: Record<CertIdentity, string>;
}

export function bin(plan: Pick<ClusterPlan, 'binDir'>, name: string): string {
  return join(plan.binDir, name);
}

export function loopbackUrl(port: number, path = ''): string {
  return `https://${LOOPBACK}:${port}${path}`;
}

const LOOPBACK_SANS = { dnsNames: ['localhost'], ipAddresses: [LOOPBACK] } as const;

async function createPki(layout: ClusterLayout, id: string): Promise<ClusterPki> {
  const ca = await createCertificateAuthority(layout.pki, `kubenova-testenv-ca-${id}`);
  const serving = (dir: string, fileName: string, commonName: string) => issueCertificate(ca, dir, { fileName, commonName, usage: 'server', ...LOOPBACK_SANS });
  const [apiServer, capsuleWebhook, velaWebhook, capsuleProxy, frontProxyClient, serviceAccountSigning] = await Promise.all([
    issueCertificate(ca, layout.pki, {
      fileName: 'apiserver',
      commonName: 'kube-apiserver',
      usage: 'server',
      dnsNames: ['localhost', 'kubernetes', 'kubernetes.default', 'kubernetes.default.svc'],
      ipAddresses: [LOOPBACK],
    }),
    // controller-runtime webhook servers read tls.crt/tls.key from their cert dir.
    serving(layout.capsuleCerts, 'tls', 'capsule-webhook'),
    serving(layout.velaCerts, 'tls', 'vela-core-webhook'),
    serving(layout.pki, 'capsule-proxy', 'capsule-proxy'),
    issueCertificate(ca, layout.pki, { fileName: 'front-proxy-client', commonName: FRONT_PROXY_CLIENT_NAME, usage: 'client' }),
    createSigningKeyPair(layout.pki, 'service-account'),
  ]);
  const clientEntries = await Promise.all(
    Object.entries(CERT_IDENTITIES).map(async ([identity, subject]) => {
      const files = await issueCertificate(ca, layout.pki, { fileName: `client-${identity}`, usage: 'client', ...subject });
      return [identity, files] as const;
    }),
  );
  const clients = Object.fromEntries(clientEntries) as Record<CertIdentity, CertFiles>;
  return { ca, apiServer, serviceAccountSigning, capsuleWebhook, velaWebhook, capsuleProxy, frontProxyClient, clients };
}

export async function planCluster(opts: { id: string; layout: ClusterLayout; buildDir: string }): Promise<ClusterPlan> {
  const { id, layout, buildDir } = opts;
  await createLayout(layout);
  const [ports, pki] = await Promise.all([allocatePorts(PORT_NAMES), createPki(layout, id)]);
  const apiServerUrl = loopbackUrl(ports.apiServer);
  const kubeconfigEntries = await Promise.all(
    (Object.keys(CERT_IDENTITIES) as CertIdentity[]).map(async (identity) => {
      const file = await writeKubeconfig(join(layout.kubeconfigs, `${identity}.kubeconfig`), {
        clusterName: id,
        server: apiServerUrl,
        caFile: pki.ca.certFile,
        user: identity,
        credentials: { client: pki.clients[identity] },
      });
      return [identity, file] as const;
    }),
  );
  return {
    id,
    layout,
    binDir: join(buildDir, 'bin'),
    chartsDir: join(buildDir, 'charts'),
    kwokStagesDir: join(buildDir, 'kwok-stages'),
    ports,
    apiServerUrl,
    pki,
    kubeconfigs: Object.fromEntries(kubeconfigEntries) as Record<CertIdentity, string>,
  };
}
