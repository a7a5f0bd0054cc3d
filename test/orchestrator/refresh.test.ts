// The pure half of refreshes (src/orchestrator/refresh.ts): when an object read back is still in
// sync with what the last full check saw, when a full check is due, and how versions are ordered.
// The reading itself runs against a real cluster in test/e2e/apps.test.ts.
import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../src/adapters/kube/types.js';
import { newerVersion } from '../../src/orchestrator/projection/watches.js';
import { contentDigest } from '../../src/orchestrator/projection/drift.js';
import { LastChecks, stillInSync } from '../../src/orchestrator/projection/last-checks.js';

const labels = { 'app.kubernetes.io/managed-by': 'kubenova', 'kubenova.io/app': 'shop' };
const desired: KubeObject = {
  apiVersion: 'core.oam.dev/v1beta1',
  kind: 'Application',
  metadata: { name: 'shop', namespace: 'acme-web', labels },
  spec: { components: [{ name: 'web', type: 'webservice', properties: { image: 'nginx:1.27' } }] },
};
const live = (
  rv: string,
  patch: { spec?: unknown; status?: unknown; labels?: Record<string, string>; annotations?: Record<string, string>; uid?: string } = {},
): KubeObject => ({
  ...desired,
  metadata: {
    ...desired.metadata,
    uid: patch.uid ?? 'u1',
    resourceVersion: rv,
    generation: 1,
    labels: patch.labels ?? labels,
    ...(patch.annotations && { annotations: patch.annotations }),
  },
  spec: patch.spec ?? desired.spec,
  status: patch.status ?? { status: 'running' },
});
const seenAt = (obj: KubeObject) => ({ uid: obj.metadata.uid, version: obj.metadata.resourceVersion, content: contentDigest(obj) });

describe('stillInSync', () => {
  const seen = seenAt(live('100'));
  const cases: Array<{ reason: string; live: KubeObject | undefined; inSync: boolean }> = [
    { reason: 'the very version seen', live: live('100'), inSync: true },
    { reason: 'only the status changed (vela-core running the workflow)', live: live('107', { status: { status: 'runningWorkflow' } }), inSync: true },
    {
      reason: 'a field KubeNova does not set was added (an annotation of a webhook)',
      live: live('108', { annotations: { 'app.oam.dev/username': 'x' } }),
      inSync: true,
    },
    {
      reason: 'a field KubeNova sets was edited (kubectl edit of the image)',
      live: live('109', { spec: { components: [{ name: 'web', type: 'webservice', properties: { image: 'nginx:edited' } }] } }),
      inSync: false,
    },
    { reason: 'a label KubeNova sets was removed', live: live('110', { labels: { 'kubenova.io/app': 'shop' } }), inSync: false },
    { reason: 'deleted and created again (another uid), even if equal', live: live('111', { uid: 'u2' }), inSync: false },
    { reason: 'gone', live: undefined, inSync: false },
    { reason: 'being deleted', live: { ...live('112'), metadata: { ...live('112').metadata, deletionTimestamp: '2026-01-01T00:00:00Z' } }, inSync: false },
  ];
  for (const c of cases) it(`${c.inSync ? 'in sync' : 'not in sync'}: ${c.reason}`, () => expect(stillInSync(desired, c.live, seen)).toBe(c.inSync));

  it('never without a version seen by a full check', () => expect(stillInSync(desired, live('100'), undefined)).toBe(false));
});

describe('LastChecks.fresh: when a reconcile may skip the full check', () => {
  const checks = new LastChecks(60_000);
  checks.record('App/shop/c1', 'd1', 3, [live('100')], 1_000);

  it('right after a full check of the same plan and generation', () => expect(checks.fresh('App/shop/c1', 'd1', 3, 30_000)).toBe(true));
  it('not once fullCheckMs has passed (a resync checks in full)', () => expect(checks.fresh('App/shop/c1', 'd1', 3, 61_000)).toBe(false));
  it('not for another plan (digest)', () => expect(checks.fresh('App/shop/c1', 'd2', 3, 30_000)).toBe(false));
  it('not for another generation of the intent', () => expect(checks.fresh('App/shop/c1', 'd1', 4, 30_000)).toBe(false));
  it('not on a cluster never checked (newly placed; a restarted process; another replica)', () =>
    expect(checks.fresh('App/shop/c2', 'd1', 3, 30_000)).toBe(false));

  it('not after forget, exactly or by prefix', () => {
    const c = new LastChecks(60_000);
    for (const k of ['App/a/c1', 'App/a/c2', 'App/ab/c1']) c.record(k, 'd', 1, [], 0);
    c.forget('App/a/c1');
    expect(c.fresh('App/a/c1', 'd', 1, 1)).toBe(false);
    expect(c.fresh('App/a/c2', 'd', 1, 1)).toBe(true);
    c.forget('App/a/');
    expect(c.fresh('App/a/c2', 'd', 1, 1)).toBe(false);
    expect(c.fresh('App/ab/c1', 'd', 1, 1)).toBe(true);
  });
});

describe('newerVersion', () => {
  it('orders etcd revisions as numbers, not as text', () => {
    expect(newerVersion('100', '99')).toBe(1);
    expect(newerVersion('99', '100')).toBe(-1);
    expect(newerVersion('42', '42')).toBe(0);
  });
  it('does not order what is not a number, or missing', () => {
    expect(newerVersion('abc', '99')).toBeUndefined();
    expect(newerVersion(undefined, '99')).toBeUndefined();
  });
});
