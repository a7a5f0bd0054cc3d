import { writeFile } from 'node:fs/promises';
import { stringify } from 'yaml';
import type { CertFiles } from './pki.js';
import { readBase64 } from './pki.js';

export interface KubeconfigSpec {
  clusterName: string;
  server: string;
  caFile: string;
  user: string;
  /** A client certificate, or a bearer token (e.g. a ServiceAccount token from TokenRequest). */
  credentials: { client: CertFiles } | { token: string };
}

async function userEntry(credentials: KubeconfigSpec['credentials']): Promise<Record<string, string>> {
  if ('token' in credentials) return { token: credentials.token };
  const [cert, key] = await Promise.all([readBase64(credentials.client.certFile), readBase64(credentials.client.keyFile)]);
  return { 'client-certificate-data': cert, 'client-key-data': key };
}

/** A self-contained kubeconfig (certificates embedded), so it can be copied or registered anywhere. */
export async function renderKubeconfig(spec: KubeconfigSpec): Promise<string> {
  const [ca, user] = await Promise.all([readBase64(spec.caFile), userEntry(spec.credentials)]);
  const context = `${spec.user}@${spec.clusterName}`;
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: spec.clusterName, cluster: { server: spec.server, 'certificate-authority-data': ca } }],
    users: [{ name: spec.user, user }],
    contexts: [{ name: context, context: { cluster: spec.clusterName, user: spec.user } }],
    'current-context': context,
  });
}

export async function writeKubeconfig(file: string, spec: KubeconfigSpec): Promise<string> {
  await writeFile(file, await renderKubeconfig(spec), { mode: 0o600 });
  return file;
}
