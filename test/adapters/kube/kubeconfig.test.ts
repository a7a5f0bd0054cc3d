import { describe, expect, it } from 'vitest';
import { hostReferenceProblem, kubeconfigExtension, loadKubeconfig, tokenKubeconfig } from '../../../src/adapters/kube/kubeconfig.js';

const base = (cluster: string, user: string) =>
  ['apiVersion: v1', 'clusters:', '- name: c', '  cluster:', '    server: https://10.0.0.1:6443', cluster, 'users:', '- name: u', '  user:', user, 'contexts:', '- name: x', '  context: {cluster: c, user: u}', 'current-context: x', ''].join('\n');

describe('hostReferenceProblem: an uploaded kubeconfig may not reach into the KubeNova host', () => {
  const cases = [
    { reason: 'exec plugins run a command', user: '    exec: {command: /bin/sh, apiVersion: client.authentication.k8s.io/v1}', field: 'exec' },
    { reason: 'auth providers run code', user: '    auth-provider: {name: gcp}', field: 'auth-provider' },
    { reason: 'token-file is read at load time', user: '    token-file: /etc/shadow', field: 'token-file' },
    { reason: 'client certificate files', user: '    client-certificate: /etc/k.crt', field: 'client-certificate' },
    { reason: 'client key files', user: '    client-key: /etc/k.key', field: 'client-key' },
  ];
  it.each(cases)('$reason', ({ user, field }) => {
    expect(hostReferenceProblem(base('', user))).toContain(`"${field}"`);
    expect(() => loadKubeconfig(base('', user))).toThrow(field);
  });

  it('a CA file on the host', () => {
    expect(hostReferenceProblem(base('    certificate-authority: /etc/ca.crt', '    token: t'))).toContain('certificate-authority-data');
  });

  it('inline credentials are fine', () => {
    expect(hostReferenceProblem(base('    certificate-authority-data: Zm9v', '    token: t'))).toBeUndefined();
    expect(loadKubeconfig(base('', '    token: t')).getCurrentUser()?.token).toBe('t');
  });
});

describe('tokenKubeconfig', () => {
  it('round-trips through client-node, with extensions readable', () => {
    const text = tokenKubeconfig({
      name: 'agent@prod',
      server: 'https://10.0.0.1:6443',
      caData: 'Zm9v',
      token: 'tok',
      extensions: [{ name: 'kubenova.io/agent', extension: { expiresAt: '2030-01-01T00:00:00.000Z' } }],
    });
    const kc = loadKubeconfig(text);
    expect(kc.getCurrentCluster()).toMatchObject({ server: 'https://10.0.0.1:6443', caData: 'Zm9v' });
    expect(kc.getCurrentUser()?.token).toBe('tok');
    expect(kubeconfigExtension(text, 'kubenova.io/agent')).toEqual({ expiresAt: '2030-01-01T00:00:00.000Z' });
  });
});
