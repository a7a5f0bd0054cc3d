// What the usage tracker reads from Capsule's objects: the GlobalResourceQuota generated from
// KubeNova's quota rule (status.total and namespaceUsage) and the Tenant's namespace count.
// Objects are shaped as Capsule v0.14 writes them (api/v1beta2/globalresourcequota_status.go).
import { describe, expect, it } from 'vitest';
import { usageReport } from '../../../src/adapters/capsule/usage.js';
import type { KubeObject } from '../../../src/adapters/kube/types.js';

const grq = (name: string, status: unknown, labels?: Record<string, string>): KubeObject => ({
  apiVersion: 'capsule.clastix.io/v1beta2',
  kind: 'GlobalResourceQuota',
  metadata: { name, ...(labels && { labels }) },
  spec: { quota: { hard: { pods: '5' } } },
  status,
});

describe('usageReport', () => {
  it("reads hard and used from the quota's total, and each namespace's used", () => {
    const r = usageReport(
      grq(
        'acme-kubenova',
        {
          total: { hard: { pods: '5', 'requests.cpu': '2' }, used: { pods: '3', 'requests.cpu': '300m' }, available: { pods: '2' } },
          namespaceUsage: { 'acme-web': { used: { pods: '3', 'requests.cpu': '300m' } } },
        },
        { 'projectcapsule.dev/tenant': 'acme', 'projectcapsule.dev/rule-quota': 'kubenova' },
      ),
    );
    expect(r).toEqual({
      tenant: 'acme',
      source: 'quota',
      usage: {
        resources: { pods: { hard: '5', used: '3' }, 'requests.cpu': { hard: '2', used: '300m' } },
        namespaces: { 'acme-web': { pods: '3', 'requests.cpu': '300m' } },
      },
    });
  });

  it('the tenant comes from the name when the label is missing', () => {
    expect(usageReport(grq('team-x-kubenova', { total: { used: { pods: '0' } } }))?.tenant).toBe('team-x');
  });

  it('reports nothing before Capsule wrote a used figure (never a guess)', () => {
    expect(usageReport(grq('acme-kubenova', {}))).toBeUndefined();
    expect(usageReport(grq('acme-kubenova', { total: { hard: { pods: '5' } } }))).toBeUndefined();
  });

  it('a resource in hard without used is left out until it is reported', () => {
    const r = usageReport(grq('acme-kubenova', { total: { hard: { pods: '5', 'requests.cpu': '2' }, used: { pods: '1' } } }));
    expect(Object.keys(r!.usage.resources)).toEqual(['pods']);
  });

  it("a Tenant's namespace count against its namespace quota", () => {
    const tenant: KubeObject = {
      apiVersion: 'capsule.clastix.io/v1beta2',
      kind: 'Tenant',
      metadata: { name: 'acme' },
      spec: { namespaceOptions: { quota: 3 } },
      status: { size: 2, namespaces: ['acme-a', 'acme-b'] },
    };
    expect(usageReport(tenant)).toEqual({ tenant: 'acme', source: 'namespaces', usage: { resources: { namespaces: { hard: '3', used: '2' } } } });
    // Without a namespace quota there is nothing to report (an earlier figure is withdrawn).
    expect(usageReport({ ...tenant, spec: {} })).toEqual({ tenant: 'acme', source: 'namespaces', usage: { resources: {} } });
  });

  it('other objects report nothing', () => {
    expect(usageReport({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'x' } })).toBeUndefined();
  });
});
