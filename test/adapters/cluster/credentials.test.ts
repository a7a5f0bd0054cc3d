import { describe, expect, it } from 'vitest';
import { agentKubeconfig, agentTokenInfo, rotationDueAt, withNewToken } from '../../../src/adapters/cluster/credentials.js';
import { loadKubeconfig } from '../../../src/adapters/kube/kubeconfig.js';

const issuedAt = new Date('2030-01-01T00:00:00Z');
const expiresAt = new Date('2030-01-02T00:00:00Z');
const endpoint = { server: 'https://10.0.0.1:6443', caData: 'Zm9v', tlsServerName: 'api.internal' };

describe('agent credentials', () => {
  it('a kubeconfig for the agent token, carrying its issue and expiry times', () => {
    const text = agentKubeconfig('prod', endpoint, { token: 't1', issuedAt, expiresAt }).toString();
    expect(loadKubeconfig(text).getCurrentCluster()).toMatchObject({ server: endpoint.server, caData: 'Zm9v', tlsServerName: 'api.internal' });
    expect(agentTokenInfo(text)).toEqual({ username: 'system:serviceaccount:kubenova-system:kubenova-agent', issuedAt, expiresAt });
  });

  it('a new token keeps the endpoint', () => {
    const text = agentKubeconfig('prod', endpoint, { token: 't1', issuedAt, expiresAt }).toString();
    const next = withNewToken('prod', text, { token: 't2', issuedAt: expiresAt, expiresAt: new Date('2030-01-03T00:00:00Z') }).toString();
    const kc = loadKubeconfig(next);
    expect(kc.getCurrentUser()?.token).toBe('t2');
    expect(kc.getCurrentCluster()).toMatchObject({ server: endpoint.server, tlsServerName: 'api.internal' });
  });

  it("credentials that are not the agent's have no token info", () => {
    expect(agentTokenInfo('apiVersion: v1\nkind: Config\n')).toEqual({ username: undefined, issuedAt: undefined, expiresAt: undefined });
    expect(rotationDueAt({})).toBeUndefined();
  });

  it.each([
    { reason: 'default: after two thirds of its life (16 h of 24 h)', fraction: undefined, due: '2030-01-01T16:00:00.000Z' },
    { reason: 'halfway', fraction: 0.5, due: '2030-01-01T12:00:00.000Z' },
  ])('rotation due: $reason', ({ fraction, due }) => {
    expect(rotationDueAt({ issuedAt, expiresAt }, fraction)?.toISOString()).toBe(due);
  });
});
