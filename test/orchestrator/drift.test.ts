import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../src/adapters/kube/types.js';
import { formatPath, otherWriter, ownedDiff, parsePath } from '../../src/orchestrator/projection/drift.js';
import { DriftFighting } from '../../src/orchestrator/projection/drift-fighting.js';

const labels = { 'app.kubernetes.io/managed-by': 'kubenova', 'capsule.clastix.io/tenant': 'acme' };
const ns = (l: Record<string, string>, extra: Partial<KubeObject['metadata']> = {}): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Namespace',
  metadata: { name: 'acme-web', labels: l, ...extra },
});
const tenant = (spec: Record<string, unknown>, extra: Partial<KubeObject> = {}): KubeObject => ({
  apiVersion: 'capsule.clastix.io/v1beta2',
  kind: 'Tenant',
  metadata: { name: 'acme', labels },
  spec,
  ...extra,
});
const desiredTenant = tenant({ owners: [{ kind: 'User', name: 'alice' }], preventDeletion: true, namespaceOptions: { quota: 3 } });

describe('ownedDiff (plain comparison)', () => {
  const cases: Array<{ reason: string; desired: KubeObject; live: KubeObject | undefined; fields: string[] }> = [
    {
      reason: 'defaults others add (webhook fields in list elements, more spec, labels, status, metadata) are not drift',
      desired: desiredTenant,
      live: tenant(
        {
          owners: [{ kind: 'User', name: 'alice', clusterRoles: ['admin', 'capsule-namespace-deleter'] }],
          preventDeletion: true,
          cordoned: false,
          namespaceOptions: { quota: 3, managedMetadataOnly: false },
        },
        { status: { state: 'Active' }, metadata: { name: 'acme', uid: 'u1', generation: 4, labels: { ...labels, 'projectcapsule.dev/x': 'y' } } },
      ),
      fields: [],
    },
    {
      reason: 'a changed value KubeNova set',
      desired: desiredTenant,
      live: tenant({ ...(desiredTenant.spec as object), namespaceOptions: { quota: 99 } }),
      fields: ['spec.namespaceOptions.quota'],
    },
    {
      reason: 'a removed label KubeNova set',
      desired: ns(labels),
      live: ns({ 'app.kubernetes.io/managed-by': 'kubenova', team: 'x' }),
      fields: ['metadata.labels["capsule.clastix.io/tenant"]'],
    },
    {
      reason: 'an element added to a list KubeNova set',
      desired: desiredTenant,
      live: tenant({
        ...(desiredTenant.spec as object),
        owners: [
          { kind: 'User', name: 'alice' },
          { kind: 'User', name: 'mallory' },
        ],
      }),
      fields: ['spec.owners'],
    },
    { reason: 'a deleted object', desired: ns(labels), live: undefined, fields: ['*'] },
    { reason: 'an object being deleted', desired: ns(labels), live: ns(labels, { deletionTimestamp: '2026-01-01T00:00:00Z' }), fields: ['*'] },
  ];
  for (const c of cases) {
    it(c.reason, () => {
      expect(ownedDiff(c.desired, c.live).map((f) => f.field)).toEqual(c.fields);
    });
  }

  it('names the object and shows both values', () => {
    expect(ownedDiff(desiredTenant, tenant({ ...(desiredTenant.spec as object), namespaceOptions: { quota: 99 } }))).toEqual([
      { object: 'Tenant acme', field: 'spec.namespaceOptions.quota', desired: 3, live: 99 },
    ]);
    expect(ownedDiff(ns(labels), ns({}))).toEqual([
      { object: 'Namespace acme-web', field: 'metadata.labels["app.kubernetes.io/managed-by"]', desired: 'kubenova', live: null },
      { object: 'Namespace acme-web', field: 'metadata.labels["capsule.clastix.io/tenant"]', desired: 'acme', live: null },
    ]);
  });
});

describe('ownedDiff against the dry-run result', () => {
  const lr = (cpu: string, extra: Record<string, unknown> = {}): KubeObject => ({
    apiVersion: 'v1',
    kind: 'LimitRange',
    metadata: { name: 'kubenova-defaults', namespace: 'acme-web' },
    spec: { limits: [{ type: 'Container', default: { cpu }, ...extra }] },
  });
  it('takes the server’s normalisation as the wanted value (0.5 is stored as 500m)', () => {
    const desired = lr('0.5');
    const live = lr('500m', { defaultRequest: { cpu: '500m' } });
    expect(ownedDiff(desired, live).map((f) => f.field)).toEqual(['spec.limits']);
    expect(ownedDiff(desired, live, lr('500m', { defaultRequest: { cpu: '500m' } }))).toEqual([]);
  });
  it('still finds a real change, with the server’s value as the wanted one', () => {
    const fields = ownedDiff(lr('0.5'), lr('2', { defaultRequest: { cpu: '2' } }), lr('500m', { defaultRequest: { cpu: '500m' } }));
    expect(fields).toEqual([
      {
        object: 'LimitRange acme-web/kubenova-defaults',
        field: 'spec.limits',
        desired: [{ type: 'Container', default: { cpu: '500m' }, defaultRequest: { cpu: '500m' } }],
        live: [{ type: 'Container', default: { cpu: '2' }, defaultRequest: { cpu: '2' } }],
      },
    ]);
  });
  it('keeps elements others own in a keyed list when the apply would keep them too', () => {
    const withOther = tenant({
      owners: [
        { kind: 'User', name: 'alice' },
        { kind: 'User', name: 'bob' },
      ],
    });
    expect(ownedDiff(tenant({ owners: [{ kind: 'User', name: 'alice' }] }), withOther, withOther)).toEqual([]);
  });
});

describe('paths', () => {
  it('round-trip, label keys with dots and slashes included', () => {
    const path = ['metadata', 'labels', 'capsule.clastix.io/tenant'];
    expect(formatPath(path)).toBe('metadata.labels["capsule.clastix.io/tenant"]');
    expect(parsePath(formatPath(path))).toEqual(path);
    expect(parsePath('spec.rules[2].quota')).toEqual(['spec', 'rules', 2, 'quota']);
  });
});

describe('otherWriter', () => {
  const live = (managedFields: KubeObject['metadata']['managedFields']) => ({ ...desiredTenant, metadata: { ...desiredTenant.metadata, managedFields } });
  const kubenova = {
    manager: 'kubenova',
    operation: 'Apply',
    time: '2026-01-01T00:00:03Z',
    fieldsV1: { 'f:spec': { 'f:owners': {}, 'f:preventDeletion': {} } },
  };
  it('is the manager that owns the drifted field, not KubeNova, not another field’s owner', () => {
    const found = otherWriter(
      live([
        kubenova,
        { manager: 'capsule', operation: 'Update', time: '2026-01-01T00:00:05Z', fieldsV1: { 'f:status': { 'f:state': {} } } },
        { manager: 'kubectl-edit', operation: 'Update', time: '2026-01-01T00:00:04Z', fieldsV1: { 'f:spec': { 'f:namespaceOptions': { 'f:quota': {} } } } },
      ]),
      'spec.namespaceOptions.quota',
    );
    expect(found).toEqual({ manager: 'kubectl-edit', operation: 'Update', time: '2026-01-01T00:00:04Z' });
  });
  it('falls back to the newest other writer when nobody owns the field (it was removed)', () => {
    const found = otherWriter(
      live([kubenova, { manager: 'kubectl-label', operation: 'Update', time: '2026-01-01T00:00:09Z', fieldsV1: { 'f:metadata': { 'f:annotations': {} } } }]),
      'metadata.labels["capsule.clastix.io/tenant"]',
    );
    expect(found?.manager).toBe('kubectl-label');
  });
  it('is undefined when only KubeNova wrote the object', () => {
    expect(otherWriter(live([kubenova]), 'spec.owners')).toBeUndefined();
  });
});

describe('DriftFighting', () => {
  const fight = { object: 'LimitRange a/b', field: '*', writer: 'x' };
  it('flags the third repair within the window, then makes each later one wait twice as long', () => {
    const f = new DriftFighting({ threshold: 3, windowMs: 300_000, baseBackoffMs: 1_000, maxBackoffMs: 8_000 });
    let t = 0;
    expect(f.check('k', t)).toEqual({ fighting: false });
    f.record('k', t, fight);
    expect(f.check('k', (t += 10))).toEqual({ fighting: false });
    f.record('k', t, fight);
    expect(f.check('k', (t += 10))).toEqual({ fighting: true, repairs: 2, waitMs: 0 });
    f.record('k', t, fight);
    expect(f.active('k', t)).toEqual([{ ...fight, repairs: 3 }]);
    expect(f.check('k', t)).toMatchObject({ waitMs: 1_000 });
    f.record('k', (t += 1_000), fight);
    expect(f.check('k', t)).toMatchObject({ waitMs: 2_000 });
    expect(f.check('other', t)).toEqual({ fighting: false });
  });
  it('forgets repairs older than the window', () => {
    const f = new DriftFighting({ threshold: 2, windowMs: 1_000 });
    f.record('k', 0, fight);
    expect(f.check('k', 500).fighting).toBe(true);
    expect(f.check('k', 1_500).fighting).toBe(false);
    expect(f.active('', 1_500)).toEqual([]);
    expect(f.settlesInMs('', 1_500)).toBeUndefined();
  });
});
