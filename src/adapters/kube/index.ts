// The kube adapter's public surface: the ClusterClient seam and its implementation.
export * from './types.js';
export { KubeClusterClient, type ClientOptions } from './client.js';
export { errorFromStatus, errorFromTransport, isKubeError, parseAdmissionDenial } from './errors.js';
export { KubeconfigError, loadKubeconfig, readKubeconfig, kubeConfigOf, kubeconfigText, tokenKubeconfig, kubeconfigExtension } from './kubeconfig.js';
export type { ResourceInfo, ServedGroup, ServerVersion } from './discovery.js';
export type { AccessCheck, Identity } from './access-review.js';
export type { IssuedToken, TokenRequestSpec } from './token-request.js';
