// The TokenRequest API: a short-lived ServiceAccount token with an expiry the API server states
// (it may shorten what was asked for: --service-account-max-token-expiration).
import type { KubeRest } from './rest.js';
import { KubeError } from './types.js';

export interface TokenRequestSpec {
  namespace: string;
  serviceAccount: string;
  /** At least 600 (the API server's minimum). */
  expirationSeconds: number;
  audiences?: string[];
  /** Bind the token to an object (a Secret or Pod): deleting it invalidates the token. */
  boundObjectRef?: { apiVersion: string; kind: string; name: string; uid?: string };
}

export interface IssuedToken {
  token: string;
  /** From the answer's `status.expirationTimestamp`, not from what was asked. */
  expiresAt: Date;
}

export const MIN_TOKEN_SECONDS = 600;

export async function requestServiceAccountToken(rest: KubeRest, spec: TokenRequestSpec, signal?: AbortSignal): Promise<IssuedToken> {
  if (spec.expirationSeconds < MIN_TOKEN_SECONDS) {
    throw new KubeError('Invalid', `a token must live at least ${MIN_TOKEN_SECONDS} seconds (asked: ${spec.expirationSeconds})`);
  }
  const { body } = await rest.request<{ status?: { token?: string; expirationTimestamp?: string } }>({
    method: 'POST',
    path: `/api/v1/namespaces/${encodeURIComponent(spec.namespace)}/serviceaccounts/${encodeURIComponent(spec.serviceAccount)}/token`,
    body: {
      apiVersion: 'authentication.k8s.io/v1',
      kind: 'TokenRequest',
      spec: {
        expirationSeconds: spec.expirationSeconds,
        ...(spec.audiences && { audiences: spec.audiences }),
        ...(spec.boundObjectRef && { boundObjectRef: spec.boundObjectRef }),
      },
    },
    signal,
  });
  const token = body.status?.token;
  const expires = body.status?.expirationTimestamp ? new Date(body.status.expirationTimestamp) : undefined;
  if (!token || !expires || Number.isNaN(expires.getTime())) {
    throw new KubeError('Unknown', `TokenRequest for ${spec.namespace}/${spec.serviceAccount} returned no token or expiry`);
  }
  return { token, expiresAt: expires };
}
