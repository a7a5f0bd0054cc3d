// The Cluster kind's write path around registration, with a double of the registration itself
// (the real one runs against real clusters in test/e2e/clusters.test.ts): what it returns is
// what gets stored, its refusals are the API's 422s, and it only runs for callers allowed to
// write clusters and bodies that carry a kubeconfig.
import { afterEach, describe, expect, it } from 'vitest';
import { ClusterRegistrationError } from '../../src/adapters/cluster/registration-error.js';
import type { WriteServices } from '../../src/api/kinds/descriptor.js';
import { secretRefOf } from '../../src/domain/secret-refs.js';
import { kubeconfigB64, kubeconfigYaml } from '../support/kubeconfig.js';
import { ADMIN, json, startHarness, type Harness } from './support/harness.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

function registrar(impl: WriteServices['registerCluster']) {
  const calls: Array<{ name: string; kubeconfig: string }> = [];
  const services: WriteServices = {
    async registerCluster(name, kc) {
      calls.push({ name, kubeconfig: kc.toString() });
      return impl(name, kc);
    },
  };
  return { calls, services };
}

describe('registering a cluster through the API', () => {
  it('stores what registration returns (the agent credentials), not the admin kubeconfig', async () => {
    const r = registrar(() => Promise.resolve(Buffer.from('agent credentials')));
    h = await startHarness({ writeServices: r.services });
    const res = await h.call(ADMIN, 'POST', '/api/v1/clusters', { name: 'prod', kubeconfig: kubeconfigB64({ token: 'admin-token' }) });
    expect(res.statusCode).toBe(201);
    expect(r.calls).toEqual([{ name: 'prod', kubeconfig: kubeconfigYaml({ token: 'admin-token' }) }]);
    const obj = (await h.store.objects.get('Cluster', 'prod'))!;
    expect((await h.store.secrets.get(secretRefOf(obj, 'kubeconfig')!))!.toString()).toBe('agent credentials');
    // An update without a kubeconfig does not register again.
    expect((await h.call(ADMIN, 'PUT', '/api/v1/clusters/prod', { labels: { a: 'b' } })).statusCode).toBe(200);
    expect(r.calls).toHaveLength(1);
  });

  it.each([
    ['CLUSTER_UNREACHABLE', 'cannot reach https://127.0.0.1:1: connection refused (ECONNREFUSED)'],
    ['CLUSTER_UNAUTHORIZED', 'the kubeconfig\'s user "bob" may not create namespaces'],
    ['CLUSTER_SETUP_FAILED', "minting the agent's token: boom"],
  ] as const)('a refusal %s is a 422 with that code, and nothing is stored', async (code, message) => {
    h = await startHarness({ writeServices: registrar(async () => Promise.reject(new ClusterRegistrationError(code, message))).services });
    const res = await h.call(ADMIN, 'POST', '/api/v1/clusters', { name: 'prod', kubeconfig: kubeconfigB64() });
    expect(res.statusCode).toBe(422);
    expect(json(res)).toEqual({ code, message, details: [] });
    expect(await h.store.objects.get('Cluster', 'prod')).toBeUndefined();
  });

  it('does not register for callers that may not create clusters, nor for invalid kubeconfigs', async () => {
    const r = registrar((_n, kc) => Promise.resolve(kc));
    h = await startHarness({ writeServices: r.services });
    const forbidden = await h.call({ roles: ['tenant-admin'], tenants: ['acme'] }, 'POST', '/api/v1/clusters', { name: 'x', kubeconfig: kubeconfigB64() });
    expect(forbidden.statusCode).toBe(403);
    const exec = kubeconfigYaml().replace(
      '    token: cluster-admin-token-should-never-leak',
      '    exec: {command: /bin/sh, apiVersion: client.authentication.k8s.io/v1}',
    );
    const refused = await h.call(ADMIN, 'POST', '/api/v1/clusters', { name: 'y', kubeconfig: Buffer.from(exec).toString('base64') });
    expect(refused.statusCode).toBe(400);
    expect(json<{ details: unknown[] }>(refused).details).toEqual([
      {
        field: 'body/kubeconfig',
        reason:
          'must be a base64-encoded kubeconfig: it uses field "exec" at users[0].user, which runs a command on the KubeNova host; embed a token or client certificate instead',
      },
    ]);
    expect(r.calls).toHaveLength(0);
  });

  // The reported hole: `yaml` left `<<` alone while client-node's js-yaml merged it, so the
  // check passed and the load ran the command. Every route that takes a kubeconfig refuses it.
  it('refuses merge keys, aliases and tags on create, update and bootstrap before anything runs', async () => {
    const r = registrar((_n, kc) => Promise.resolve(kc));
    h = await startHarness({ writeServices: r.services });
    const ok = await h.call(ADMIN, 'POST', '/api/v1/clusters', { name: 'prod', kubeconfig: kubeconfigB64() });
    expect(ok.statusCode).toBe(201);
    const token = '    token: cluster-admin-token-should-never-leak';
    const hostile = [
      kubeconfigYaml().replace(token, '    <<: {exec: {command: /bin/touch, args: [/tmp/kn-pwned], apiVersion: client.authentication.k8s.io/v1}}'),
      kubeconfigYaml().replace(token, '    <<: {token-file: /etc/kubenova/jwt-secret}'),
      kubeconfigYaml().replace(token, '    token: &t x\n    password: *t'),
      kubeconfigYaml().replace(token, '    token: !!binary eA=='),
      kubeconfigYaml().replace(token, `${token}\n${token}`),
    ].map((t) => Buffer.from(t).toString('base64'));
    for (const kubeconfig of hostile) {
      for (const [method, path, body] of [
        ['POST', '/api/v1/clusters', { name: 'y', kubeconfig }],
        ['PUT', '/api/v1/clusters/prod', { name: 'prod', kubeconfig }],
        ['POST', '/api/v1/clusters/prod:bootstrap', { kubeconfig, dryRun: true }],
      ] as const) {
        const res = await h.call(ADMIN, method, path, body);
        expect(res.statusCode, `${method} ${path}`).toBe(400);
        const { code, details } = json<{ code: string; details: Array<{ field: string; reason: string }> }>(res);
        expect(code).toBe('VALIDATION_FAILED');
        expect(details[0]!.field).toBe('body/kubeconfig');
        expect(res.body).not.toMatch(/kn-pwned|jwt-secret|cluster-admin-token/);
      }
    }
    expect(r.calls).toHaveLength(1);
  });
});
