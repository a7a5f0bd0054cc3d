// Request ids, structured logs with their context, metrics, health and readiness, and secrets
// that never reach a response or a log line.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Writable } from 'node:stream';
import { createLogger } from '../../src/observability/logger.js';
import { kubeconfigB64 } from '../support/kubeconfig.js';
import { ADMIN, json, startHarness, type Harness } from './support/harness.js';
import { CALLERS, seedWorld, uniq } from './support/world.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
  await seedWorld(h);
});
afterAll(() => h?.close());

const logLines = () =>
  h.logs
    .flatMap((l) => l.split('\n'))
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('request ids', () => {
  it("keep a safe inbound X-Request-Id as the client's (echoed, logged beside), never as the correlation id", async () => {
    const res = await h.app.inject({ method: 'GET', url: '/healthz', headers: { 'x-request-id': 'abc.DEF_123-xyz:1' } });
    expect(res.headers['x-request-id']).toBe('abc.DEF_123-xyz:1');
    const correlationId = String(res.headers['x-correlation-id']);
    expect(correlationId).toMatch(UUID);
    const line = logLines().find((l) => l.request_id === correlationId && l.msg === 'request completed');
    expect(line).toMatchObject({ client_request_id: 'abc.DEF_123-xyz:1' });
    expect(logLines().some((l) => l.request_id === 'abc.DEF_123-xyz:1')).toBe(false);
  });

  it('without one, both headers carry KubeNova’s id', async () => {
    const res = await h.app.inject({ method: 'GET', url: '/healthz' });
    expect(res.headers['x-correlation-id']).toMatch(UUID);
    expect(res.headers['x-request-id']).toBe(res.headers['x-correlation-id']);
  });

  it.each([
    ['too long', 'a'.repeat(129)],
    ['with spaces', 'a b'],
    ['with a newline (log injection)', 'a\nb'],
    ['with quotes', '"x"'],
    ['with markup', '<img src=x onerror=alert(1)>'],
    ['with non-ASCII', 'ré'],
    ['empty', ''],
  ])('drop an unsafe one (%s): neither echoed nor logged', async (_what, inbound) => {
    const res = await h.app.inject({ method: 'GET', url: '/healthz', headers: { 'x-request-id': inbound } });
    expect(res.headers['x-request-id']).toMatch(UUID);
    expect(res.headers['x-request-id']).toBe(res.headers['x-correlation-id']);
    expect(logLines().some((l) => l.request_id === inbound || l.client_request_id === inbound)).toBe(false);
  });

  it('exactly 128 safe characters are kept', async () => {
    const id = 'x'.repeat(128);
    expect((await h.app.inject({ method: 'GET', url: '/healthz', headers: { 'x-request-id': id } })).headers['x-request-id']).toBe(id);
  });

  it('a client cannot choose the correlation id: two requests with the same X-Request-Id get their own', async () => {
    const stolen = 'same-id-for-both';
    const [a, b] = await Promise.all([1, 2].map(() => h.call(ADMIN, 'POST', '/api/v1/tenants', { name: uniq('t') }, { 'x-request-id': stolen })));
    expect(a!.headers['x-request-id']).toBe(stolen);
    expect(b!.headers['x-request-id']).toBe(stolen);
    expect(a!.headers['x-correlation-id']).toMatch(UUID);
    expect(a!.headers['x-correlation-id']).not.toBe(b!.headers['x-correlation-id']);
  });

  it('are on error responses too, and the write in the store carries the correlation id and the client’s', async () => {
    const changes: { correlationId?: string; clientRequestId?: string }[] = [];
    const stop = h.store.objects.onChange((e) => changes.push(e));
    const res = await h.call(ADMIN, 'POST', '/api/v1/tenants', { name: uniq('t') }, { 'x-request-id': 'corr-1' });
    stop();
    expect(res.headers['x-request-id']).toBe('corr-1');
    expect(changes.at(-1)).toMatchObject({ correlationId: res.headers['x-correlation-id'], clientRequestId: 'corr-1' });
    const bad = await h.app.inject({ method: 'GET', url: '/api/v1/%ZZ', headers: { 'x-request-id': 'corr-2' } });
    expect(bad.headers['x-request-id']).toBe('corr-2');
    expect(bad.headers['x-correlation-id']).toMatch(UUID);
    const nowhere = await h.app.inject({ method: 'GET', url: '/nowhere', headers: { 'x-request-id': 'corr-3' } });
    expect(nowhere.headers['x-request-id']).toBe('corr-3');
    expect(nowhere.headers['x-correlation-id']).toMatch(UUID);
  });
});

describe('logs', () => {
  it('are JSON lines with request_id, tenant and the access fields', async () => {
    await h.call(
      CALLERS['tenant-admin'],
      'POST',
      '/api/v1/apps',
      { name: uniq('acme-a'), spec: { project: 'acme-web', components: [{ name: 'c', type: 'webservice' }] } },
      { 'x-request-id': 'log-1' },
    );
    const line = logLines().find((l) => l.client_request_id === 'log-1' && l.msg === 'request completed');
    expect(line).toMatchObject({ level: 'info', service: 'kubenova', tenant: 'acme', method: 'POST', route: '/api/v1/apps', status: 201, subject: 'alice' });
    expect(typeof line?.duration_ms).toBe('number');
    expect(typeof line?.time).toBe('string');
  });

  it('name the tenant (or cluster) of platform callers once the object is resolved', async () => {
    await h.call(ADMIN, 'POST', '/api/v1/tenants/globex/projects', { name: uniq('globex-p') }, { 'x-request-id': 'log-2' });
    expect(logLines().find((l) => l.client_request_id === 'log-2' && l.msg === 'request completed')?.tenant).toBe('globex');
    await h.call(ADMIN, 'GET', '/api/v1/clusters/c1', undefined, { 'x-request-id': 'log-3' });
    expect(logLines().find((l) => l.client_request_id === 'log-3' && l.msg === 'request completed')?.cluster).toBe('c1');
  });

  it('redact credentials wherever they appear in a logged object', () => {
    const lines: string[] = [];
    const logger = createLogger({
      destination: new Writable({
        write(chunk, _e, cb) {
          lines.push(String(chunk));
          cb();
        },
      }),
    });
    logger.info({ headers: { authorization: 'Bearer SECRET1' }, kubeconfig: 'SECRET2', cluster: { kubeconfig: 'SECRET3' }, token: 'SECRET4' }, 'x');
    expect(lines.join('')).not.toMatch(/SECRET/);
    expect(lines.join('')).toContain('[REDACTED]');
  });
});

describe('secrets', () => {
  const credential = 'super-secret-cluster-token-0123456789';

  it('a kubeconfig is never returned nor logged, whatever the request does', async () => {
    const kubeconfig = kubeconfigB64({ server: 'https://10.0.0.1:6443', token: credential });
    const token = await h.token(ADMIN);
    const name = uniq('c');
    const responses = [
      await h.call(token, 'POST', '/api/v1/clusters', { name, kubeconfig, labels: { a: 'b' } }),
      await h.call(token, 'GET', `/api/v1/clusters/${name}`),
      await h.call(token, 'GET', '/api/v1/clusters'),
      await h.call(token, 'PUT', `/api/v1/clusters/${name}`, { kubeconfig: kubeconfigB64({ server: 'https://10.0.0.2:6443', token: `${credential}-2` }) }),
      await h.call(token, 'PUT', `/api/v1/clusters/${name}`, { kubeconfig, unknown: 1 }),
      await h.call(token, 'POST', '/api/v1/clusters', { name: 'Bad Name', kubeconfig }),
      await h.call(token, 'POST', '/api/v1/clusters', { name: uniq('c'), kubeconfig: Buffer.from(`not a kubeconfig ${credential}`).toString('base64') }),
      await h.app.inject({
        method: 'POST',
        url: '/api/v1/clusters',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        payload: `{"name":"x","kubeconfig":"${credential}`,
      }),
      await h.app.inject({ method: 'POST', url: '/api/v1/clusters', headers: { authorization: `Bearer ${token}x` }, payload: { name: 'x', kubeconfig } }),
    ];
    const got = json<{ kubeconfig: unknown; spec: unknown }>(responses[1]!);
    expect(got.kubeconfig).toEqual({ set: true, keyId: expect.any(String), updatedAt: expect.any(String) });
    expect(JSON.stringify(got.spec)).not.toContain('secretRefs');
    for (const res of responses) {
      expect(res.body).not.toContain(credential);
      expect(res.body).not.toContain(kubeconfig.slice(0, 40));
    }
    const logs = h.logs.join('');
    expect(logs).not.toContain(credential);
    expect(logs).not.toContain(kubeconfig.slice(0, 40));
    expect(logs).not.toContain(token);
    expect(logs).not.toContain(token.split('.')[2]!);
  });

  it('a new kubeconfig is stored under a new reference, bumps the generation, and the old value is gone', async () => {
    const name = uniq('c');
    const created = json<{ generation: number }>(await h.call(ADMIN, 'POST', '/api/v1/clusters', { name, kubeconfig: kubeconfigB64() }));
    const before = (await h.store.objects.get<{ secretRefs: { kubeconfig: string } }>('Cluster', name))!.spec.secretRefs.kubeconfig;
    const updated = json<{ generation: number }>(
      await h.call(ADMIN, 'PUT', `/api/v1/clusters/${name}`, { kubeconfig: kubeconfigB64({ server: 'https://new:6443' }) }),
    );
    const after = (await h.store.objects.get<{ secretRefs: { kubeconfig: string } }>('Cluster', name))!.spec.secretRefs.kubeconfig;
    expect(updated.generation).toBe(created.generation + 1);
    expect(after).not.toBe(before);
    expect(await h.store.secrets.get({ kind: 'Cluster', name, field: before })).toBeUndefined();
    expect((await h.store.secrets.get({ kind: 'Cluster', name, field: after }))!.toString()).toContain('https://new:6443');
    // An update without a kubeconfig keeps it.
    await h.call(ADMIN, 'PUT', `/api/v1/clusters/${name}`, { labels: { x: 'y' } });
    expect((await h.store.objects.get<{ secretRefs: { kubeconfig: string } }>('Cluster', name))!.spec.secretRefs.kubeconfig).toBe(after);
  });

  it('the same kubeconfig again changes nothing: same version, same generation, same reference', async () => {
    const name = uniq('c');
    const kubeconfig = kubeconfigB64({ server: 'https://same:6443' });
    const created = json<{ resourceVersion: string }>(await h.call(ADMIN, 'POST', '/api/v1/clusters', { name, kubeconfig }));
    const ref = (await h.store.objects.get<{ secretRefs: { kubeconfig: string } }>('Cluster', name))!.spec.secretRefs.kubeconfig;
    const again = await h.call(ADMIN, 'PUT', `/api/v1/clusters/${name}`, { kubeconfig });
    expect(again.statusCode).toBe(200);
    expect(json(again)).toMatchObject({ resourceVersion: created.resourceVersion, generation: 1 });
    const relabeled = json<{ generation: number }>(await h.call(ADMIN, 'PUT', `/api/v1/clusters/${name}`, { kubeconfig, labels: { x: 'y' } }));
    expect(relabeled.generation).toBe(1);
    expect((await h.store.objects.get<{ secretRefs: { kubeconfig: string } }>('Cluster', name))!.spec.secretRefs.kubeconfig).toBe(ref);
  });

  it('a conflicting update leaves the stored kubeconfig as it was', async () => {
    const name = uniq('c');
    await h.call(ADMIN, 'POST', '/api/v1/clusters', { name, kubeconfig: kubeconfigB64({ server: 'https://one:6443' }) });
    const res = await h.call(ADMIN, 'PUT', `/api/v1/clusters/${name}`, { kubeconfig: kubeconfigB64({ server: 'https://two:6443' }) }, { 'if-match': '"1"' });
    expect(res.statusCode).toBe(409);
    const ref = (await h.store.objects.get<{ secretRefs: { kubeconfig: string } }>('Cluster', name))!.spec.secretRefs.kubeconfig;
    expect((await h.store.secrets.get({ kind: 'Cluster', name, field: ref }))!.toString()).toContain('https://one:6443');
  });
});

describe('metrics', () => {
  it('expose the API histogram by route template and the seed metrics', async () => {
    await h.call(ADMIN, 'GET', '/api/v1/tenants/acme');
    const res = await h.app.inject({ method: 'GET', url: '/metrics' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('text/plain');
    expect(res.body).toContain('kubenova_api_request_duration_seconds_bucket{le="0.005",method="GET",route="/api/v1/tenants/:name",status_code="200"}');
    for (const name of ['kubenova_reconcile_seconds', 'kubenova_events_total', 'kubenova_adapter_errors_total']) {
      expect(res.body).toContain(`# TYPE ${name} `);
    }
    expect(res.body).not.toContain('/api/v1/tenants/acme"');
  });

  it('record the seed metrics with their labels', async () => {
    h.metrics.reconcileSeconds.observe({ kind: 'Tenant', adapter: 'capsule', result: 'success' }, 0.2);
    // Other tests of this file recorded events of tenants (KubeNova events count here too).
    const before = (await h.metrics.eventsTotal.get()).values.find((v) => v.labels.kind === 'Tenant' && v.labels.type === 'Normal')?.value ?? 0;
    h.metrics.eventsTotal.inc({ kind: 'Tenant', type: 'Normal' });
    h.metrics.adapterErrorsTotal.inc({ adapter: 'vela', operation: 'apply' });
    const text = await h.metrics.registry.metrics();
    expect(text).toContain('kubenova_reconcile_seconds_count{kind="Tenant",adapter="capsule",result="success"} 1');
    expect(text).toContain(`kubenova_events_total{kind="Tenant",type="Normal"} ${before + 1}`);
    expect(text).toContain('kubenova_adapter_errors_total{adapter="vela",operation="apply"} 1');
  });
});

describe('health', () => {
  it('/healthz answers while the process is up', async () => {
    expect(json(await h.app.inject({ method: 'GET', url: '/healthz' }))).toEqual({ status: 'ok' });
  });

  it('/readyz follows the store', async () => {
    expect(json(await h.app.inject({ method: 'GET', url: '/readyz' }))).toEqual({ status: 'ready' });
    const broken = await startHarness({ store: { ...h.store, ping: () => Promise.reject(new Error('connection refused')) } });
    try {
      const res = await broken.app.inject({ method: 'GET', url: '/readyz' });
      expect(res.statusCode).toBe(503);
      expect(json(res).code).toBe('UNAVAILABLE');
    } finally {
      await broken.close();
    }
  });
});
