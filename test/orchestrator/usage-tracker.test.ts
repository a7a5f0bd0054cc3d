// The usage tracker on the real store: watch events (objects shaped as Capsule v0.14 writes them)
// become stored usage, metrics, the QuotaPressure condition and its events; a deleted quota
// withdraws its figures and series; samples go to the store. test/e2e/usage.test.ts runs it on
// real clusters.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeObject } from '../../src/adapters/kube/types.js';
import { createEventRecorder, type EventRecorder } from '../../src/observability/events.js';
import { createLogger } from '../../src/observability/logger.js';
import { createMetrics, type Metrics } from '../../src/observability/metrics.js';
import { UsageTracker } from '../../src/orchestrator/usage/tracker.js';
import type { OpenedStore } from '../../src/store/index.js';
import { openTestStore } from '../api/support/harness.js';

let store: OpenedStore;
let close: () => Promise<void>;
let metrics: Metrics;
let events: EventRecorder;
let tracker: UsageTracker;
const logger = createLogger({ level: 'silent' });
const TENANT = `trk-${Date.now().toString(36)}`;

const grq = (pods: number, hard = 10): KubeObject => ({
  apiVersion: 'capsule.clastix.io/v1beta2',
  kind: 'GlobalResourceQuota',
  metadata: { name: `${TENANT}-kubenova`, labels: { 'projectcapsule.dev/tenant': TENANT } },
  spec: { quota: { hard: { pods: String(hard) } } },
  status: { total: { hard: { pods: String(hard) }, used: { pods: String(pods) } } },
});

const gauge = async (m: 'tenantQuotaUsed' | 'tenantQuotaHard', cluster: string) =>
  (await metrics[m].get()).values.find((v) => v.labels.tenant === TENANT && v.labels.cluster === cluster && v.labels.resource === 'pods')?.value;

const pressure = async () => (await store.objects.get('Tenant', TENANT))!.status.conditions.find((c) => c.type === 'QuotaPressure');
const tenantEvents = async () => (await store.events.list({ kind: 'Tenant', name: TENANT, limit: 100 })).items;

beforeAll(async () => {
  ({ store, close } = await openTestStore());
  metrics = createMetrics({ processMetrics: false });
  events = createEventRecorder({ store, logger, metrics });
  const t = await store.objects.create({ kind: 'Tenant', name: TENANT, tenant: TENANT, labels: {}, spec: { quotaWarnings: [0.8] } });
  // On cluster c1, as the tenancy reconciler reports it.
  await store.objects.updateStatus('Tenant', TENANT, { ...t.status, clusters: { c1: { phase: 'Deployed', conditions: [], observedGeneration: 1 } } });
  tracker = new UsageTracker({ store, logger, metrics, events }, { flushDelayMs: 10_000, sampleIntervalMs: 3_600_000, recheckIntervalMs: 3_600_000 });
});
afterAll(async () => {
  tracker?.close();
  events?.close();
  await close?.();
});

describe('UsageTracker', () => {
  it('stores what a watch reports and sets the metrics', async () => {
    tracker.observe('c1', 'ADDED', grq(3));
    tracker.observe('c1', 'ADDED', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'x' } });
    await tracker.flush();
    const rows = await store.usage.current(TENANT);
    expect(rows.map((r) => [r.cluster, r.source, r.usage.resources])).toEqual([['c1', 'quota', { pods: { hard: '10', used: '3' } }]]);
    expect(await gauge('tenantQuotaUsed', 'c1')).toBe(3);
    expect(await gauge('tenantQuotaHard', 'c1')).toBe(10);
    // Below every level: no condition is written at all.
    expect(await pressure()).toBeUndefined();
  });

  it('crossing a level sets QuotaPressure and records one Warning event with a correlation id', async () => {
    tracker.observe('c1', 'MODIFIED', grq(8));
    await tracker.flush();
    expect(await pressure()).toMatchObject({
      status: 'True',
      reason: 'WarningLevelReached',
      message: 'pods on cluster c1 at 80 % of its quota (warning level 80 %)',
    });
    const warnings = (await tenantEvents()).filter((e) => e.reason === 'QuotaPressure');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ type: 'Warning', cluster: 'c1', tenant: TENANT, correlationId: expect.stringMatching(/^usage-/) });
  });

  it('a condition another status write lost is set again at the next recheck', async () => {
    const t = (await store.objects.get('Tenant', TENANT))!;
    // As a reconcile that read the status before the tracker's write would write it.
    await store.objects.updateStatus('Tenant', TENANT, { ...t.status, conditions: t.status.conditions.filter((c) => c.type !== 'QuotaPressure') });
    expect(await pressure()).toBeUndefined();
    await tracker.recheckAll();
    expect(await pressure()).toMatchObject({ status: 'True', message: 'pods on cluster c1 at 80 % of its quota (warning level 80 %)' });
  });

  it('within the hysteresis band nothing is written; below it the condition clears with a Normal event', async () => {
    const before = await store.objects.get('Tenant', TENANT);
    for (const used of [85, 79, 76]) {
      tracker.observe('c1', 'MODIFIED', grq(used, 100));
      await tracker.flush();
    }
    expect((await store.objects.get('Tenant', TENANT))!.resourceVersion).toBe(before!.resourceVersion);
    expect((await tenantEvents()).filter((e) => e.reason === 'QuotaPressureCleared')).toHaveLength(0);
    tracker.observe('c1', 'MODIFIED', grq(5));
    await tracker.flush();
    expect(await pressure()).toMatchObject({ status: 'False', reason: 'BelowWarningLevels' });
    expect((await tenantEvents()).filter((e) => e.reason === 'QuotaPressureCleared')).toHaveLength(1);
  });

  it('samples the current usage into the store', async () => {
    await tracker.sample(new Date('2026-06-01T00:00:00Z'));
    expect(await store.usage.history(TENANT, '2026-05-31T00:00:00Z', 10)).toEqual([
      { at: '2026-06-01T00:00:00.000Z', tenant: TENANT, cluster: 'c1', resource: 'pods', hard: 10, used: 5 },
    ]);
  });

  it('a deleted quota withdraws its figures and its metric series', async () => {
    tracker.observe('c1', 'DELETED', grq(5));
    await tracker.flush();
    expect(await store.usage.current(TENANT)).toEqual([]);
    expect(await gauge('tenantQuotaUsed', 'c1')).toBeUndefined();
  });
});
