// What KubeNova keeps as a cluster's secret: a kubeconfig for its agent ServiceAccount (server,
// CA, TokenRequest token), never the admin kubeconfig it was registered with. The token's issue
// and expiry times ride along in a kubeconfig extension, so rotation knows when it is due
// without decoding the token. No I/O here.
import type { KubeConfig } from '@kubernetes/client-node';
import { kubeconfigExtension, loadKubeconfig, tokenKubeconfig } from '../kube/kubeconfig.js';
import { AGENT } from './agent-identity.js';

export const AGENT_EXTENSION = 'kubenova.io/agent';

/** How long an agent token lives (the API server may shorten it; the real expiry is kept). */
export const AGENT_TOKEN_SECONDS = 24 * 3600;

/** Where and how to reach the cluster: the current cluster entry of a kubeconfig, minus files. */
export interface ClusterEndpoint {
  server: string;
  caData?: string;
  tlsServerName?: string;
  insecureSkipTlsVerify?: boolean;
  proxyUrl?: string;
}

export interface AgentToken {
  token: string;
  issuedAt: Date;
  expiresAt: Date;
}

export interface AgentTokenInfo {
  username?: string;
  issuedAt?: Date;
  expiresAt?: Date;
}

export function endpointOf(kc: KubeConfig): ClusterEndpoint {
  const c = kc.getCurrentCluster();
  if (!c) throw new Error('the kubeconfig has no current cluster');
  return {
    server: c.server,
    ...(c.caData && { caData: c.caData }),
    ...(c.tlsServerName && { tlsServerName: c.tlsServerName }),
    ...(c.skipTLSVerify && { insecureSkipTlsVerify: true }),
    ...(c.proxyUrl && { proxyUrl: c.proxyUrl }),
  };
}

/** The agent's kubeconfig for `cluster` (the KubeNova cluster name). */
export function agentKubeconfig(cluster: string, endpoint: ClusterEndpoint, t: AgentToken): Buffer {
  return Buffer.from(
    tokenKubeconfig({
      name: `kubenova-agent@${cluster}`,
      ...endpoint,
      token: t.token,
      extensions: [
        {
          name: AGENT_EXTENSION,
          extension: { username: AGENT.username, issuedAt: t.issuedAt.toISOString(), expiresAt: t.expiresAt.toISOString() },
        },
      ],
    }),
  );
}

/** The same kubeconfig with a new token. */
export function withNewToken(cluster: string, current: string, t: AgentToken): Buffer {
  return agentKubeconfig(cluster, endpointOf(loadKubeconfig(current)), t);
}

export function agentTokenInfo(text: string): AgentTokenInfo {
  let ext: Record<string, unknown> | undefined;
  try {
    ext = kubeconfigExtension(text, AGENT_EXTENSION);
  } catch {
    return {};
  }
  const date = (v: unknown) => {
    const d = typeof v === 'string' ? new Date(v) : undefined;
    return d && !Number.isNaN(d.getTime()) ? d : undefined;
  };
  return {
    username: typeof ext?.username === 'string' ? ext.username : undefined,
    issuedAt: date(ext?.issuedAt),
    expiresAt: date(ext?.expiresAt),
  };
}

/** When to mint the next token: after two thirds of its life (8 h before expiry for 24 h), so a
 *  few failed attempts still leave time. `fraction` tunes it (tests force rotation with 0). */
export function rotationDueAt(info: AgentTokenInfo, fraction = 2 / 3): Date | undefined {
  if (!info.expiresAt) return undefined;
  const issued = info.issuedAt ?? new Date(info.expiresAt.getTime() - AGENT_TOKEN_SECONDS * 1000);
  return new Date(issued.getTime() + (info.expiresAt.getTime() - issued.getTime()) * fraction);
}
