// Observability end to end against a real cluster (tools/testenv: kube-apiserver, Capsule):
// one `POST /api/v1/tenants` followed from the API call to the cluster. Its trace holds the API
// server span, the reconcile it caused and the Kubernetes calls of that reconcile; KubeNova's
// events and the Kubernetes Events on the projected Capsule Tenant and project Namespace carry
// KubeNova's request id as correlation id; /metrics shows the seed's metrics moving.
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { SpanKind } from '@opentelemetry/api';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { releasedTenant } from '../../src/adapters/capsule/index.js';
import { KubeClusterClient } from '../../src/adapters/kube/client.js';
import type { KubeObject } from '../../src/adapters/kube/types.js';
import { clusterWriteServices } from '../../src/api/write-services.js';
import { createEventRecorder, type EventRecorder } from '../../src/observability/events.js';
import { CORRELATION_ANNOTATION } from '../../src/adapters/kube/events.js';
import { createLogger } from '../../src/observability/logger.js';
import { createMetrics } from '../../src/observability/metrics.js';
import { clusterReconcilerRegistration } from '../../src/orchestrator/reconcilers/cluster.js';
import { startRuntime, type Runtime } from '../../src/orchestrator/manager/manager.js';
import { tenancyRegistrations } from '../../src/orchestrator/reconcilers/registrations.js';
import type { EventRecord } from '../../src/store/types.js';
import { ADMIN, json, openTestStore, startHarness, type Harness } from '../api/support/harness.js';
import { inMemorySpans, parentOf, spansOfTrace } from '../support/tracing.js';

const exporter = inMemorySpans();
const shared = inject('cluster');
const suffix = randomBytes(3).toString('hex');
const logger = createLogger({ level: process.env.KUBENOVA_TEST_LOG ?? 'silent' });
const CLUSTER = `o-${suffix}`;
const TENANT = `obs-${suffix}`;
const PROJECT = `${TENANT}-web`;
const TENANT_TYPE = { apiVersion: 'capsule.clastix.io/v1beta2', kind: 'Tenant' } as const;

let h: Harness;
let runtime: Runtime | undefined;
let events: EventRecorder | undefined;
let admin: KubeClusterClient | undefined;

beforeAll(async () => {
  const { store } = await openTestStore();
  const metrics = createMetrics({ processMetrics: false });
  events = createEventRecorder({ store, logger, metrics });
  h = await startHarness({ store, metrics, events, writeServices: clusterWriteServices(logger) });
  const kubeconfig = await readFile(shared.kubeconfig, 'utf8');
  admin = await KubeClusterClient.fromKubeconfigText('admin', kubeconfig);
  const res = await h.call(ADMIN, 'POST', '/api/v1/clusters', { name: CLUSTER, kubeconfig: Buffer.from(kubeconfig).toString('base64') });
  expect(res.statusCode, res.body).toBe(201);
  runtime = startRuntime({ store, logger, metrics, events, reconcilers: [clusterReconcilerRegistration(), ...tenancyRegistrations()] });
  await vi.waitFor(async () => expect((await store.objects.get('Cluster', CLUSTER))?.status.capabilities).toBeDefined(), { timeout: 60_000, interval: 100 });
}, 180_000);

afterAll(async () => {
  // What this file projected goes: the tenant (its project first) through the API, and the
  // Capsule Tenant directly should that not finish.
  if (h && runtime) {
    await h.call(ADMIN, 'DELETE', `/api/v1/projects/${PROJECT}`);
    await h.call(ADMIN, 'DELETE', `/api/v1/tenants/${TENANT}`);
    await vi
      .waitFor(async () => expect(await h.store.objects.get('Tenant', TENANT)).toBeUndefined(), { timeout: 90_000, interval: 250 })
      .catch(() => undefined);
  }
  await runtime?.stop();
  const live = await admin?.get({ ...TENANT_TYPE, name: TENANT }).catch(() => undefined);
  if (admin && live) {
    await admin.apply(releasedTenant(live));
    await admin.delete({ ...TENANT_TYPE, name: TENANT });
  }
  admin?.close();
  events?.close();
  await h?.close();
  await h?.store.close();
}, 180_000);

async function deployed(kind: 'Tenant' | 'Project', name: string): Promise<void> {
  await vi.waitFor(
    async () => {
      const obj = await h.store.objects.get(kind, name);
      expect(obj?.status.phase, JSON.stringify(obj?.status)).toBe('Deployed');
      expect(obj!.status.observedGeneration).toBe(obj!.generation);
    },
    { timeout: 90_000, interval: 100 },
  );
}

/** The Kubernetes Events KubeNova emitted about `regarding` (kind/name) in the `default` namespace. */
async function kubeEventsAbout(kind: string, name: string): Promise<KubeObject[]> {
  const all = await admin!.list(
    { apiVersion: 'events.k8s.io/v1', kind: 'Event' },
    { namespace: 'default', labelSelector: 'app.kubernetes.io/managed-by=kubenova' },
  );
  return all.filter((e) => {
    const regarding = e.regarding as { kind?: string; name?: string } | undefined;
    return regarding?.kind === kind && regarding.name === name;
  });
}

describe('one write followed from the API to the cluster', () => {
  it('POST /api/v1/tenants: API span → reconcile span → Kubernetes calls, one trace', { timeout: 180_000 }, async () => {
    const res = await h.call(
      ADMIN,
      'POST',
      '/api/v1/tenants',
      { name: TENANT, spec: { owners: [{ kind: 'User', name: `alice-${suffix}` }], placement: { clusters: [CLUSTER] } } },
      { 'x-request-id': `obs-create-${suffix}` },
    );
    expect(res.statusCode, res.body).toBe(201);
    // KubeNova's own id of the request, whatever X-Request-Id the client sent.
    const requestId = String(res.headers['x-correlation-id']);
    await deployed('Tenant', TENANT);

    const server = exporter.getFinishedSpans().find((s) => s.attributes['kubenova.request_id'] === requestId)!;
    expect(server).toBeDefined();
    expect(server.kind).toBe(SpanKind.SERVER);
    const trace = spansOfTrace(server.spanContext().traceId);
    const reconcile = trace.find((s) => s.name === 'reconcile Tenant' && parentOf(s) === server.spanContext().spanId);
    expect(reconcile, trace.map((s) => s.name).join(', ')).toBeDefined();
    expect(reconcile!.attributes['kubenova.correlation_id']).toBe(requestId);
    // The Kubernetes calls of that reconcile are its descendants, client spans naming the cluster.
    const byId = new Map(trace.map((s) => [s.spanContext().spanId, s]));
    const under = (s: (typeof trace)[number], ancestor: string): boolean => {
      for (let p = parentOf(s); p; p = byId.get(p) && parentOf(byId.get(p)!)) if (p === ancestor) return true;
      return false;
    };
    const kubeCalls = trace.filter((s) => s.kind === SpanKind.CLIENT && under(s, reconcile!.spanContext().spanId));
    const applies = kubeCalls.filter((s) => s.name === 'kube PATCH capsule.clastix.io/v1beta2 tenants');
    expect(applies.length, kubeCalls.map((s) => s.name).join(', ')).toBeGreaterThan(0);
    expect(applies[0]!.attributes).toMatchObject({ 'http.request.method': 'PATCH', 'kubenova.cluster': CLUSTER });
    expect([200, 201]).toContain(applies[0]!.attributes['http.response.status_code']); // 201: created by the apply
    expect(applies[0]!.attributes['url.path']).toBe(`/apis/capsule.clastix.io/v1beta2/tenants/${TENANT}`);

    // KubeNova's events of this write: created, then the phases, all with its request id.
    // The transition to Deployed carries this id when the reconcile this write started reaches it;
    // under load a later reconcile, woken by the cluster's own watch, may reach it under its own id.
    await vi.waitFor(
      async () => {
        const page = json<{ items: EventRecord[] }>(await h.call(ADMIN, 'GET', `/api/v1/events?correlationId=${requestId}&kind=Tenant`));
        const reasons = page.items.map((e) => `${e.reason}${e.cluster ? `@${e.cluster}` : ''}`);
        expect(reasons[0]).toBe('Created');
        expect(reasons).toContain('Applying');
        const all = json<{ items: EventRecord[] }>(await h.call(ADMIN, 'GET', `/api/v1/events?kind=Tenant&name=${TENANT}`));
        const deployed = all.items.filter((e) => e.reason === 'Deployed').map((e) => `${e.reason}${e.cluster ? `@${e.cluster}` : ''}`);
        expect(deployed).toContain('Deployed');
        expect(deployed).toContain(`Deployed@${CLUSTER}`);
        for (const e of all.items) expect(e.correlationId).toBeTruthy();
      },
      { timeout: 10_000 },
    );

    // And the Kubernetes Event on the projected Capsule Tenant, with the same id.
    await vi.waitFor(
      async () => {
        const found = await kubeEventsAbout('Tenant', TENANT);
        const deployedEvent = found.find((e) => e.reason === 'Deployed');
        expect(deployedEvent, JSON.stringify(found.map((e) => e.reason))).toBeDefined();
        expect(deployedEvent).toMatchObject({ reportingController: 'kubenova', type: 'Normal', action: 'Reconcile' });
        expect(deployedEvent!.metadata.annotations?.[CORRELATION_ANNOTATION]).toBe(requestId);
        expect(String(deployedEvent!.note)).toContain(`correlation id ${requestId}`);
      },
      { timeout: 30_000, interval: 250 },
    );
  });

  it('a project: the Kubernetes Event on its namespace carries the project write’s id', { timeout: 180_000 }, async () => {
    const res = await h.call(ADMIN, 'POST', `/api/v1/tenants/${TENANT}/projects`, { name: PROJECT }, { 'x-request-id': `obs-project-${suffix}` });
    expect(res.statusCode, res.body).toBe(201);
    const requestId = String(res.headers['x-correlation-id']);
    await deployed('Project', PROJECT);
    await vi.waitFor(
      async () => {
        const found = await kubeEventsAbout('Namespace', PROJECT);
        expect(found.map((e) => [e.reason, e.metadata.annotations?.[CORRELATION_ANNOTATION]])).toContainEqual(['Deployed', requestId]);
      },
      { timeout: 30_000, interval: 250 },
    );
  });

  it('/metrics shows the seed metrics moving', async () => {
    const text = (await h.app.inject({ method: 'GET', url: '/metrics' })).body;
    const value = (re: RegExp) => Number(re.exec(text)?.[1] ?? 0);
    expect(value(/kubenova_reconcile_seconds_count\{kind="Tenant",adapter="capsule",result="requeueAfter"\} (\d+)/)).toBeGreaterThan(0);
    expect(value(/kubenova_events_total\{kind="Tenant",type="Normal"\} (\d+)/)).toBeGreaterThanOrEqual(3);
    expect(value(/kubenova_events_total\{kind="Project",type="Normal"\} (\d+)/)).toBeGreaterThanOrEqual(3);
    expect(text).toMatch(/kubenova_api_request_duration_seconds_count\{method="POST",route="\/api\/v1\/tenants",status_code="201"\} [1-9]/);
    expect(text).toContain('kubenova_workqueue_depth{kind="Tenant"}');
  });
});
