// Reading Capsule's state back and explaining its refusals, as tables with reasons.
import { describe, expect, it } from 'vitest';
import { explainAdmission, namespaceAdoption, TENANCY_WATCHES, tenantDetail, tenantNamespaces, tenantReadiness } from '../../../src/adapters/capsule/index.js';
import { tenantSignificant } from '../../../src/adapters/capsule/observe.js';
import { KubeError, type KubeObject } from '../../../src/adapters/kube/types.js';

const capsuleTenant = (meta: Partial<KubeObject['metadata']>, status?: Record<string, unknown>): KubeObject => ({
  apiVersion: 'capsule.clastix.io/v1beta2',
  kind: 'Tenant',
  metadata: { name: 'acme', generation: 2, ...meta },
  ...(status && { status }),
});
const ready = (status: string, reason = 'Succeeded', message = 'reconciled') => ({ type: 'Ready', status, reason, message });

describe('tenantReadiness', () => {
  const cases: { reason: string; tenant: KubeObject | undefined; state: string; why: string }[] = [
    {
      reason: 'Ready=True for the applied generation: ready',
      tenant: capsuleTenant({}, { observedGeneration: 2, conditions: [ready('True')] }),
      state: 'ready',
      why: 'TenantReady',
    },
    {
      reason: 'Ready=True but for an older generation: Capsule has not seen the change yet',
      tenant: capsuleTenant({}, { observedGeneration: 1, conditions: [ready('True')] }),
      state: 'progressing',
      why: 'CapsuleReconciling',
    },
    { reason: 'no status yet (just created): progressing', tenant: capsuleTenant({}), state: 'progressing', why: 'CapsuleReconciling' },
    {
      reason: 'Ready=False/Failed is an error Capsule reports, passed on',
      tenant: capsuleTenant({}, { observedGeneration: 2, conditions: [ready('False', 'Failed', 'rules[0].quota[0].name "x" is duplicated')] }),
      state: 'failed',
      why: 'CapsuleReconcileFailed',
    },
    {
      reason: 'a Tenant being deleted is not ready',
      tenant: capsuleTenant({ deletionTimestamp: '2026-01-01T00:00:00Z' }),
      state: 'progressing',
      why: 'TenantTerminating',
    },
    { reason: 'no Tenant at all', tenant: undefined, state: 'progressing', why: 'TenantMissing' },
  ];
  for (const c of cases) {
    it(c.reason, () => expect(tenantReadiness(c.tenant)).toMatchObject({ state: c.state, reason: c.why }));
  }

  it("passes Capsule's failure message on", () => {
    const r = tenantReadiness(capsuleTenant({}, { observedGeneration: 2, conditions: [ready('False', 'Failed', 'boom')] }));
    expect(r.message).toContain('boom');
  });

  it("the per-cluster detail is the Tenant's state and sorted namespaces", () => {
    expect(tenantDetail(capsuleTenant({}, { state: 'Active', namespaces: ['b', 'a'] }))).toEqual({ state: 'Active', namespaces: ['a', 'b'] });
    expect(tenantDetail(undefined)).toEqual({ namespaces: [] });
  });

  it('namespaces come from status.namespaces (what Capsule counts by ownerReference)', () => {
    expect(tenantNamespaces(capsuleTenant({}, { namespaces: ['a', 'b'] }))).toEqual(['a', 'b']);
    expect(tenantNamespaces(undefined)).toEqual([]);
  });
});

describe('what of a Capsule Tenant wakes the tenancy reconcilers', () => {
  const space = (name: string, at: string) => ({ metadata: { name }, conditions: [{ ...ready('True'), lastTransitionTime: at }] });
  const base = capsuleTenant(
    { labels: { 'app.kubernetes.io/managed-by': 'kubenova' }, resourceVersion: '10' },
    { observedGeneration: 2, state: 'Active', namespaces: ['acme-a'], size: 1, conditions: [ready('True')], spaces: [space('acme-a', 't1')] },
  );
  const withStatus = (status: Record<string, unknown>, meta: Partial<KubeObject['metadata']> = {}) =>
    ({ ...base, metadata: { ...base.metadata, resourceVersion: '11', ...meta }, status: { ...(base.status as object), ...status } }) as KubeObject;
  const same = (t: KubeObject) => expect(tenantSignificant(t)).toEqual(tenantSignificant(base));
  const differs = (t: KubeObject) => expect(tenantSignificant(t)).not.toEqual(tenantSignificant(base));

  it("ignores Capsule's per-namespace bookkeeping and condition times", () => {
    same(withStatus({ spaces: [space('acme-a', 't2')] }));
    same(withStatus({ conditions: [{ ...ready('True'), lastTransitionTime: 't3' }] }));
    same(withStatus({}, { managedFields: [{ manager: 'capsule' }] }));
  });

  it('sees readiness, state, namespaces, a new generation, drift of what KubeNova applied, and deletion', () => {
    differs(withStatus({ conditions: [ready('False', 'Failed', 'quota')] }));
    differs(withStatus({ observedGeneration: 1 }));
    differs(withStatus({ state: 'Cordoned' }));
    differs(withStatus({ namespaces: ['acme-a', 'acme-b'] }));
    differs(withStatus({}, { generation: 3 }));
    differs(withStatus({}, { labels: {} }));
    differs(withStatus({}, { annotations: { x: 'y' } }));
    differs(withStatus({}, { deletionTimestamp: '2026-01-01T00:00:00Z' }));
    differs({ ...base, spec: { owners: [] } });
  });

  it("wakes a tenant for a namespace its owners made, not for a project's", () => {
    const byLabels = TENANCY_WATCHES.find((w) => w.type.kind === 'Namespace' && w.labelSelector === 'capsule.clastix.io/tenant')!;
    const ns = (labels: Record<string, string>): KubeObject => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'acme-x', labels } });
    expect(byLabels.keysOf(ns({ 'capsule.clastix.io/tenant': 'acme' }), 'east')).toEqual(['Tenant/acme']);
    const project = {
      'capsule.clastix.io/tenant': 'acme',
      'app.kubernetes.io/managed-by': 'kubenova',
      'kubenova.io/tenant': 'acme',
      'kubenova.io/project': 'web',
    };
    expect(byLabels.keysOf(ns(project), 'east')).toEqual(['Project/web']);
    // Its project label removed by someone: the tenant looks again (it may now be the owners').
    const { 'kubenova.io/project': _, ...unlabelled } = project;
    expect(byLabels.keysOf(ns(unlabelled), 'east')).toEqual(['Tenant/acme', 'Tenant/acme']);
  });
});

describe('namespaceAdoption', () => {
  const ns = (meta: Partial<KubeObject['metadata']>): KubeObject => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'acme-web', ...meta } });
  const ref = (name: string, uid: string) => ({ apiVersion: 'capsule.clastix.io/v1beta2', kind: 'Tenant', name, uid });
  const cases: { reason: string; ns: KubeObject | undefined; state: string; why: string }[] = [
    {
      reason: 'an ownerReference to the live Tenant (same uid): adopted',
      ns: ns({ ownerReferences: [ref('acme', 'u1')] }),
      state: 'ready',
      why: 'NamespaceAdopted',
    },
    {
      reason: 'the label alone is not membership: no ownerReference means Capsule refused or skipped adoption (KubeNova not an administrator)',
      ns: ns({ labels: { 'capsule.clastix.io/tenant': 'acme' } }),
      state: 'failed',
      why: 'NamespaceNotAdopted',
    },
    {
      reason: 'an ownerReference to a Tenant of the same name but another uid (a Tenant re-created) is inconsistent',
      ns: ns({ ownerReferences: [ref('acme', 'old')] }),
      state: 'failed',
      why: 'NamespaceOwnershipInconsistent',
    },
    { reason: 'owned by another tenant', ns: ns({ ownerReferences: [ref('globex', 'u1')] }), state: 'failed', why: 'NamespaceOwnershipInconsistent' },
    {
      reason: 'terminating: wait',
      ns: ns({ deletionTimestamp: '2026-01-01T00:00:00Z', ownerReferences: [ref('acme', 'u1')] }),
      state: 'progressing',
      why: 'NamespaceTerminating',
    },
    { reason: 'missing: wait', ns: undefined, state: 'progressing', why: 'NamespaceMissing' },
  ];
  for (const c of cases) {
    it(c.reason, () => expect(namespaceAdoption(c.ns, 'acme', 'u1')).toMatchObject({ state: c.state, reason: c.why }));
  }
});

describe('explainAdmission: Capsule denials by meaning, whatever the webhook name or HTTP status', () => {
  const denied = (message: string, status = 403, webhook = 'namespaces.validating.projectcapsule.dev') =>
    new KubeError('AdmissionDenied', `namespaces "x" is forbidden: admission webhook "${webhook}" denied the request: ${message}`, status, {
      webhook,
      message,
    });
  const cases: { reason: string; err: unknown; code: string | undefined }[] = [
    {
      reason: 'namespace quota reached',
      err: denied('Cannot exceed Namespace quota: please, reach out to the system administrators'),
      code: 'TENANT_NAMESPACE_QUOTA_EXCEEDED',
    },
    {
      reason: 'the same meaning from an older release with another webhook name',
      err: denied('Cannot exceed Namespace quota: please, reach out to the system administrators', 403, 'quota.namespace.capsule.clastix.io'),
      code: 'TENANT_NAMESPACE_QUOTA_EXCEEDED',
    },
    {
      reason: 'tenant-wide resource quota (GlobalResourceQuota calculation webhook)',
      err: denied('resource exceeds GlobalResourceQuota "acme-kubenova": pods (requested=1, current=2, projected=3, hard=2, exceededBy=1)'),
      code: 'TENANT_RESOURCE_QUOTA_EXCEEDED',
    },
    {
      reason: 'label without ownerReference (500 from Capsule): KubeNova is not an administrator',
      err: denied('namespace has tenant label "acme" but no Tenant ownerReference', 500),
      code: 'NAMESPACE_NOT_ADOPTED',
    },
    { reason: 'non-owned tenant (400 from Capsule)', err: denied('can not assign the desired namespace to a non-owned Tenant', 400), code: 'NOT_TENANT_OWNER' },
    {
      reason: 'registry rule',
      err: denied('registry "nginx" at containers[0] is not allowed by namespace rule: value did not match any allowed rule'),
      code: 'REGISTRY_NOT_ALLOWED',
    },
    {
      reason: 'forbidden metadata rule',
      err: denied('metadata label "1" at metadata.labels["acme.io/tier"] is denied by namespace rule: matched denied rule exp: .*'),
      code: 'FORBIDDEN_METADATA',
    },
    { reason: 'protected tenant deletion', err: denied('tenant is protected and cannot be deleted'), code: 'TENANT_DELETE_PROTECTED' },
    { reason: 'cordoned tenant', err: denied('the selected tenant is cordoned'), code: 'TENANT_CORDONED' },
    { reason: 'moving a namespace between tenants', err: denied('namespace can not be migrated between tenants'), code: 'NAMESPACE_TENANT_IMMUTABLE' },
    {
      reason: 'prefix enforcement',
      err: denied("The Namespace name must start with 'acme-' when ForceTenantPrefix is enabled in the Tenant."),
      code: 'NAMESPACE_PREFIX_REQUIRED',
    },
    { reason: 'storage class', err: denied('Storage Class slow is forbidden for the current Tenant: allowed are fast'), code: 'CLASS_NOT_ALLOWED' },
    {
      reason: 'a Tenant rule Capsule cannot accept is an invalid tenant definition',
      err: denied(
        'rules[3].enforce.metadata[0].labels["a\\.b"] is invalid: default and managed require a concrete metadata key',
        403,
        'tenants.validating.projectcapsule.dev',
      ),
      code: 'TENANT_SPEC_INVALID',
    },
    { reason: 'an unknown denial is still an admission denial', err: denied('something new'), code: 'ADMISSION_DENIED' },
    {
      reason: "Capsule's webhook down: writes into tenants are blocked",
      err: new KubeError(
        'Unknown',
        'Internal error occurred: failed calling webhook "namespaces.mutating.projectcapsule.dev": failed to call webhook: no endpoints available',
        500,
      ),
      code: 'CAPSULE_WEBHOOK_UNAVAILABLE',
    },
    {
      reason: 'RBAC refusals are not admission denials',
      err: new KubeError('Forbidden', 'namespaces is forbidden: User "x" cannot create resource', 403),
      code: undefined,
    },
    { reason: 'not a KubeError at all', err: new Error('boom'), code: undefined },
  ];
  for (const c of cases) {
    it(c.reason, () => expect(explainAdmission(c.err)?.code).toBe(c.code));
  }

  it("keeps Capsule's own words as detail", () => {
    expect(explainAdmission(denied('Cannot exceed Namespace quota: please, reach out to the system administrators'))?.detail).toBe(
      'Cannot exceed Namespace quota: please, reach out to the system administrators',
    );
  });
});
