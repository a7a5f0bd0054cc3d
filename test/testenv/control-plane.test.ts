// The control plane of the test cluster: bound ServiceAccount tokens with an expiry (what
// KubeconfigGrants will be made of) and the cluster CA published into every namespace.
import { randomBytes } from 'node:crypto';
import { AuthenticationV1Api, CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { afterAll, describe, expect, inject, it, vi } from 'vitest';
import { MAX_TOKEN_EXPIRATION_SECONDS } from '../../tools/testenv/src/components/apiserver.js';
import { adminKubeConfig } from '../support/cluster.js';

const cluster = inject('cluster');
const core = adminKubeConfig(cluster).makeApiClient(CoreV1Api);
const namespace = `tokens-${randomBytes(3).toString('hex')}`;

afterAll(async () => {
  await core.deleteNamespace({ name: namespace }).catch(() => {});
});

async function requestToken(expirationSeconds: number) {
  return core.createNamespacedServiceAccountToken({
    namespace,
    name: 'grant',
    body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { audiences: [], expirationSeconds } },
  });
}

describe('control plane of the test cluster', () => {
  it('issues expiring ServiceAccount tokens that authenticate, capped at the configured maximum', async () => {
    await core.createNamespace({ body: { metadata: { name: namespace } } });
    await core.createNamespacedServiceAccount({ namespace, body: { metadata: { name: 'grant' } } });

    const short = await requestToken(600);
    const ttl = (new Date(short.status!.expirationTimestamp).getTime() - Date.now()) / 1000;
    expect(ttl).toBeGreaterThan(590);
    expect(ttl).toBeLessThanOrEqual(600);

    const capped = await requestToken(MAX_TOKEN_EXPIRATION_SECONDS * 2);
    const cappedTtl = (new Date(capped.status!.expirationTimestamp).getTime() - Date.now()) / 1000;
    expect(cappedTtl).toBeLessThanOrEqual(MAX_TOKEN_EXPIRATION_SECONDS);

    const asGrant = new KubeConfig();
    asGrant.loadFromOptions({
      clusters: [{ name: cluster.id, server: cluster.apiServerUrl, caFile: cluster.caFile }],
      users: [{ name: 'grant', token: short.status!.token }],
      contexts: [{ name: 'grant', cluster: cluster.id, user: 'grant' }],
      currentContext: 'grant',
    });
    const review = await asGrant.makeApiClient(AuthenticationV1Api).createSelfSubjectReview({ body: {} });
    expect(review.status?.userInfo?.username).toBe(`system:serviceaccount:${namespace}:grant`);
  });

  it('publishes the cluster CA into new namespaces', async () => {
    await vi.waitFor(
      async () => {
        const configMap = await core.readNamespacedConfigMap({ namespace, name: 'kube-root-ca.crt' });
        expect(configMap.data?.['ca.crt']).toContain('BEGIN CERTIFICATE');
      },
      { timeout: 30_000, interval: 250 },
    );
  });
});
