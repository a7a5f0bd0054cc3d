import type { ClusterPlan } from '../plan.js';
import { bin, FRONT_PROXY_CLIENT_NAME } from '../plan.js';
import { LOOPBACK } from '../ports.js';
import type { ProcessSpec } from '../processes.js';

/** Longest ServiceAccount token a TokenRequest may get (longer requests are silently shortened). */
export const MAX_TOKEN_EXPIRATION_SECONDS = 48 * 3600;

export function apiServerProcess(plan: ClusterPlan): ProcessSpec {
  const { pki, ports } = plan;
  return {
    name: 'kube-apiserver',
    command: bin(plan, 'kube-apiserver'),
    args: [
      `--etcd-servers=http://${LOOPBACK}:${ports.etcdClient}`,
      `--bind-address=${LOOPBACK}`,
      `--advertise-address=${LOOPBACK}`,
      `--secure-port=${ports.apiServer}`,
      `--tls-cert-file=${pki.apiServer.certFile}`,
      `--tls-private-key-file=${pki.apiServer.keyFile}`,
      `--client-ca-file=${pki.ca.certFile}`,
      '--authorization-mode=Node,RBAC',
      // Bound ServiceAccount tokens (TokenRequest with expirationSeconds) signed by our own key.
      `--service-account-issuer=https://kubernetes.default.svc`,
      `--service-account-key-file=${pki.serviceAccountSigning.publicKeyFile}`,
      `--service-account-signing-key-file=${pki.serviceAccountSigning.privateKeyFile}`,
      `--service-account-max-token-expiration=${MAX_TOKEN_EXPIRATION_SECONDS}s`,
      '--service-cluster-ip-range=10.96.0.0/16',
      // The default reconciler would publish 127.0.0.1 as the endpoint of Service/kubernetes,
      // which Endpoints validation rejects (loopback), logging an error every few seconds.
      '--endpoint-reconciler-type=none',
      // Aggregation layer (request-header auth), so aggregated API servers work and components
      // find the requestheader CA they look up in kube-system/extension-apiserver-authentication.
      `--requestheader-client-ca-file=${pki.ca.certFile}`,
      `--requestheader-allowed-names=${FRONT_PROXY_CLIENT_NAME}`,
      '--requestheader-username-headers=X-Remote-User',
      '--requestheader-group-headers=X-Remote-Group',
      '--requestheader-extra-headers-prefix=X-Remote-Extra-',
      `--proxy-client-cert-file=${pki.frontProxyClient.certFile}`,
      `--proxy-client-key-file=${pki.frontProxyClient.keyFile}`,
      '--allow-privileged=true',
      '--profiling=false',
      '--event-ttl=30m',
      `--cert-dir=${plan.layout.pki}`,
      '--v=0',
    ],
  };
}
