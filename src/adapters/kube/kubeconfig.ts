// Kubeconfigs KubeNova is given or writes. Text is read only by kubeconfig-document.ts (one
// parser, strict checks); client-node gets the checked object through loadFromOptions and never
// parses text itself, so it has nothing to run and no file to read.
import { KubeConfig } from '@kubernetes/client-node';
import YAML from 'yaml';
import { parseKubeconfig, type KubeconfigDocument } from './kubeconfig-document.js';

export { parseKubeconfig, kubeconfigText, type KubeconfigDocument } from './kubeconfig-document.js';

export class KubeconfigError extends Error {
  override readonly name = 'KubeconfigError';
}

/** The checked document in `text`, or a KubeconfigError saying what to fix. */
export function readKubeconfig(text: string): KubeconfigDocument {
  const parsed = parseKubeconfig(text);
  if ('problem' in parsed) throw new KubeconfigError(`the kubeconfig ${parsed.problem}`);
  return parsed.doc;
}

/** A KubeConfig from text KubeNova was given (see kubeconfig-document.ts for what is refused). */
export function loadKubeconfig(text: string): KubeConfig {
  return kubeConfigOf(readKubeconfig(text));
}

/** client-node's KubeConfig for a checked document: only the fields KubeNova supports are mapped,
 *  so nothing the check did not see can reach the client. */
export function kubeConfigOf(doc: KubeconfigDocument): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: doc.clusters.map(({ name, cluster: c }) => ({
      name,
      server: c.server,
      caData: c['certificate-authority-data'],
      skipTLSVerify: c['insecure-skip-tls-verify'] ?? false,
      tlsServerName: c['tls-server-name'],
      proxyUrl: c['proxy-url'],
    })),
    users: doc.users.map(({ name, user: u }) => ({
      name,
      token: u.token,
      certData: u['client-certificate-data'],
      keyData: u['client-key-data'],
      username: u.username,
      password: u.password,
    })),
    contexts: doc.contexts.map(({ name, context: c }) => ({ name, cluster: c.cluster, user: c.user, namespace: c.namespace })),
    currentContext: doc['current-context'],
  });
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
  const found = readKubeconfig(text).extensions?.find((e) => e.name === name)?.extension;
  return found && typeof found === 'object' ? (found as Record<string, unknown>) : undefined;
}
