// `POST /clusters/{name}:bootstrap` refusing bad requests before anything touches a cluster:
// body schema, the admin kubeconfig, the chart source (directories only inside the server's
// allowed ones), roles and unknown clusters. The bootstrap itself runs against a real cluster
// in test/e2e/bootstrap.test.ts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WriteServices } from '../../src/api/kinds/descriptor.js';
import { clusterWriteServices } from '../../src/api/write-services.js';
import { createLogger } from '../../src/observability/logger.js';
import { kubeconfigB64 } from '../support/kubeconfig.js';
import { storeKubeconfigAsGiven } from '../support/write-services.js';
import { ADMIN, json, startHarness, type Harness } from './support/harness.js';

const real = clusterWriteServices(createLogger({ level: 'silent' }), {
  bootstrap: { helm: '/nonexistent/helm', chartSource: 'repository', chartDirs: ['/srv/charts'] },
});
// Registration stores the kubeconfig as given (no cluster here); bootstrap is the real service.
const services: WriteServices = { ...storeKubeconfigAsGiven, bootstrapCluster: real.bootstrapCluster!.bind(real) };

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ writeServices: services });
  expect((await h.call(ADMIN, 'POST', '/api/v1/clusters', { name: 'prod', kubeconfig: kubeconfigB64() })).statusCode).toBe(201);
});
afterAll(() => h?.close());

const bootstrap = (body: Record<string, unknown>, caller = ADMIN, cluster = 'prod') => h.call(caller, 'POST', `/api/v1/clusters/${cluster}:bootstrap`, body);

describe('POST /api/v1/clusters/{name}:bootstrap input errors', () => {
  it.each([
    ['no kubeconfig', {}, 'body/kubeconfig'],
    ['a kubeconfig that is not base64', { kubeconfig: 'not base64!' }, 'body/kubeconfig'],
    ['a base64 text that is no kubeconfig', { kubeconfig: Buffer.from('hello: world').toString('base64') }, 'body/kubeconfig'],
    ['an unknown component', { kubeconfig: kubeconfigB64(), components: ['istio'] }, 'body/components/0'],
    ['a repeated component', { kubeconfig: kubeconfigB64(), components: ['capsule', 'capsule'] }, 'body/components'],
    ['values for an unknown component', { kubeconfig: kubeconfigB64(), values: { istio: {} } }, 'body/values/istio'],
    ['a timeout below 5 s', { kubeconfig: kubeconfigB64(), timeoutSeconds: 1 }, 'body/timeoutSeconds'],
    ['dryRun that is not a boolean', { kubeconfig: kubeconfigB64(), dryRun: 'yes' }, 'body/dryRun'],
    ['an unknown field', { kubeconfig: kubeconfigB64(), force: true }, 'body/force'],
    ['a chart source of no known form', { kubeconfig: kubeconfigB64(), chartSource: 'ftp://charts.example' }, 'body/chartSource'],
    ['a relative directory', { kubeconfig: kubeconfigB64(), chartSource: 'charts/' }, 'body/chartSource'],
    ['a directory with ..', { kubeconfig: kubeconfigB64(), chartSource: '/srv/charts/../../etc' }, 'body/chartSource'],
  ])('%s: 400 naming the field', async (_why, body, field) => {
    const res = await bootstrap(body);
    expect(res.statusCode, res.body).toBe(400);
    const err = json<{ code: string; details: { field: string }[] }>(res);
    expect(err.code).toBe('VALIDATION_FAILED');
    expect(err.details.map((d) => d.field)).toContain(field);
    expect(res.body).not.toContain('cluster-admin-token');
  });

  it('a directory outside KUBENOVA_CHART_DIRS: 422', async () => {
    const res = await bootstrap({ kubeconfig: kubeconfigB64(), chartSource: '/etc' });
    expect(res.statusCode).toBe(422);
    expect(json(res)).toMatchObject({ code: 'UNPROCESSABLE', message: expect.stringContaining('/srv/charts') });
  });

  it('an unknown cluster: 404; callers that may not bootstrap: 403, or 404 for tenant callers who cannot see clusters', async () => {
    expect((await bootstrap({ kubeconfig: kubeconfigB64() }, ADMIN, 'nope')).statusCode).toBe(404);
    expect((await bootstrap({ kubeconfig: kubeconfigB64() }, { roles: ['read-only'], subject: 'r' })).statusCode).toBe(403);
    const tenant = await bootstrap({ kubeconfig: kubeconfigB64() }, { roles: ['tenant-admin'], tenants: ['acme'], subject: 't' });
    expect([403, 404]).toContain(tenant.statusCode);
  });

  it('a server without the bootstrap service: 501', async () => {
    const plain = await startHarness({ writeServices: storeKubeconfigAsGiven });
    try {
      await plain.call(ADMIN, 'POST', '/api/v1/clusters', { name: 'prod', kubeconfig: kubeconfigB64() });
      const res = await plain.call(ADMIN, 'POST', '/api/v1/clusters/prod:bootstrap', { kubeconfig: kubeconfigB64() });
      expect(res.statusCode).toBe(501);
    } finally {
      await plain.close();
    }
  });

  it('Helm missing: the request runs and every component reports it, with the Helm path to fix', async () => {
    const res = await bootstrap({ kubeconfig: kubeconfigB64(), dryRun: true, components: ['vela-core'] });
    expect(res.statusCode, res.body).toBe(200);
    const r = json<{ phase: string; components: { name: string; status: string; message: string }[] }>(res);
    expect(r.phase).toBe('Error');
    expect(r.components).toEqual([expect.objectContaining({ name: 'vela-core', status: 'Error', message: expect.stringContaining('KUBENOVA_HELM') })]);
  });
});
