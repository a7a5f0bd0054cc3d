// The agent renews its own token before it expires: a TokenRequest for itself, allowed by the
// Role `kubenova-agent` in kubenova-system (serviceaccounts/token create, its own name only).
// No admin credential is needed after registration.
import type { KubeClusterClient } from '../kube/client.js';
import { AGENT } from './agent-identity.js';
import { AGENT_TOKEN_SECONDS, withNewToken } from './credentials.js';

export async function rotateAgentToken(
  cluster: string,
  agent: KubeClusterClient,
  currentCredentials: string,
  opts: { tokenSeconds?: number; signal?: AbortSignal; now?: Date } = {},
): Promise<{ credentials: Buffer; expiresAt: Date }> {
  const issuedAt = opts.now ?? new Date();
  const token = await agent.requestToken(
    { namespace: AGENT.namespace, serviceAccount: AGENT.serviceAccount, expirationSeconds: opts.tokenSeconds ?? AGENT_TOKEN_SECONDS },
    opts.signal,
  );
  return { credentials: withNewToken(cluster, currentCredentials, { token: token.token, issuedAt, expiresAt: token.expiresAt }), expiresAt: token.expiresAt };
}
