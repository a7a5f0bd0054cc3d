// Kubeconfigs KubeNova is given or writes. A kubeconfig that arrives over the API may only carry
// its credentials inline (kubeconfig-safety.ts): client-node would otherwise run `exec` plugins
// and auth providers or read `*-file` paths on the KubeNova host when loading it.
import { KubeConfig } from '@kubernetes/client-node';
import YAML from 'yaml';
import { hostReferenceProblem } from './kubeconfig-safety.js';

export { hostReferenceProblem } from './kubeconfig-safety.js';

export class KubeconfigError extends Error {
  override readonly name = 'KubeconfigError';
}

/** A KubeConfig from text KubeNova was given; refuses host references (see hostReferenceProblem). */
export function loadKubeconfig(text: string): KubeConfig {
  const problem = hostReferenceProblem(text);
  if (problem) throw new KubeconfigError(`the kubeconfig ${problem}`);
  const kc = new KubeConfig();
  try {
    kc.loadFromString(text);
  } catch (err) {
    throw new KubeconfigError(`the kubeconfig cannot be read: ${(err as Error).message}`);
  }
  if (!kc.getCurrentCluster()) throw new KubeconfigError('the kubeconfig has no cluster for its current context');
  if (!kc.getCurrentUser()) throw new KubeconfigError('the kubeconfig has no user for its current context');
  return kc;
}

export interface TokenKubeconfig {
  /** Names the cluster, user and context entries. */
  name: string;
  server: string;
  /** Base64 PEM, as in `certificate-authority-data`. */
  caData?: string;
  tlsServerName?: string;
  insecureSkipTlsVerify?: boolean;
  proxyUrl?: string;
  token: string;
  /** The context's default namespace. */
  namespace?: string;
  /** Top-level `extensions` entries (`{name, extension}`), for KubeNova's own bookkeeping. */
  extensions?: Array<{ name: string; extension: Record<string, unknown> }>;
}

/** A kubeconfig document that authenticates with a bearer token. */
export function tokenKubeconfig(k: TokenKubeconfig): string {
  const cluster: Record<string, unknown> = { server: k.server };
  if (k.caData) cluster['certificate-authority-data'] = k.caData;
  if (k.tlsServerName) cluster['tls-server-name'] = k.tlsServerName;
  if (k.insecureSkipTlsVerify) cluster['insecure-skip-tls-verify'] = true;
  if (k.proxyUrl) cluster['proxy-url'] = k.proxyUrl;
  const doc: Record<string, unknown> = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: k.name, cluster }],
    users: [{ name: k.name, user: { token: k.token } }],
    contexts: [{ name: k.name, context: { cluster: k.name, user: k.name, ...(k.namespace !== undefined && { namespace: k.namespace }) } }],
    'current-context': k.name,
  };
  if (k.extensions?.length) doc.extensions = k.extensions;
  return YAML.stringify(doc);
}

/** The `extension` object of a top-level extensions entry, if present. */
export function kubeconfigExtension(text: string, name: string): Record<string, unknown> | undefined {
  const doc = YAML.parse(text) as { extensions?: Array<{ name?: unknown; extension?: unknown }> } | null;
  const found = doc?.extensions?.find((e) => e?.name === name)?.extension;
  return found && typeof found === 'object' ? (found as Record<string, unknown>) : undefined;
}
