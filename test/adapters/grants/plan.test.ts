// What a grant is on its cluster (pure): which objects, which bindings where, when a grant is a
// Capsule tenant owner, and the kubeconfig's server. Behaviour against a real API server is in
// test/e2e/grants.test.ts.
import { describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { AGENT_CLUSTER_RULES, GRANT_VERBS, grantVerbRole } from '../../../src/adapters/cluster/agent-identity.js';
import { planTenant } from '../../../src/adapters/capsule/index.js';
import type { ClusterCapabilities } from '../../../src/domain/capabilities.js';
import { grantKubeconfig, isTenantAdminGrant, planGrant, usernameOf, type GrantIntent } from '../../../src/adapters/grants/plan.js';

const CAPSULE: ClusterCapabilities = { resources: { 'capsule.clastix.io/v1beta2': ['tenants', 'globalresourcequotas', 'tenantowners'] } };
const base: GrantIntent = { name: 'g1', tenant: 't', namespaces: ['t-a', 't-b'], role: 'edit', tenantOwner: false };
const bindings = (intent: GrantIntent) =>
  planGrant(intent)
    .filter((o) => o.kind === 'RoleBinding')
    .map((o) => `${o.metadata.namespace}/${o.metadata.name}→${(o.roleRef as { name: string }).name}`);

describe('planGrant', () => {
  it('a ServiceAccount and its anchor Secret in kubenova-grants, labelled with the grant', () => {
    const [sa, secret] = planGrant(base);
    expect(sa).toMatchObject({ kind: 'ServiceAccount', metadata: { name: 'g-g1', namespace: 'kubenova-grants', labels: { 'kubenova.io/grant': 'g1' } } });
    expect(secret).toMatchObject({ kind: 'Secret', type: 'Opaque', metadata: { name: 'g-g1-anchor', namespace: 'kubenova-grants' } });
    expect(usernameOf('g1')).toBe('system:serviceaccount:kubenova-grants:g-g1');
  });

  it('the ServiceAccount is annotated with whom it is for and who requested it (person: username and issuer)', () => {
    const [sa] = planGrant({ ...base, subject: 'oidc:corp:kim', requestedBy: { subject: 'oidc:corp:kim', issuer: 'corp', username: 'kim@corp.example' } });
    expect(sa!.metadata.annotations).toEqual({
      'kubenova.io/subject': 'oidc:corp:kim',
      'kubenova.io/requested-by': 'oidc:corp:kim',
      'kubenova.io/requested-by-username': 'kim@corp.example',
      'kubenova.io/requested-by-issuer': 'corp',
    });
    // A grant recorded before requesters were kept: no annotations at all.
    expect(planGrant(base)[0]!.metadata.annotations).toBeUndefined();
  });

  it('a named role: one RoleBinding to that ClusterRole in each granted namespace, and nowhere else', () => {
    expect(bindings(base)).toEqual(['t-a/g-g1→edit', 't-b/g-g1→edit']);
  });

  it('verbs: one RoleBinding per verb to the per-verb ClusterRoles', () => {
    expect(bindings({ ...base, role: undefined, verbs: ['get', 'list'], namespaces: ['t-a'] })).toEqual([
      't-a/g-g1-get→kubenova-grant-get',
      't-a/g-g1-list→kubenova-grant-list',
    ]);
  });

  it('a TenantOwner only when the intent says so, labelled for the tenant', () => {
    expect(planGrant(base).some((o) => o.kind === 'TenantOwner')).toBe(false);
    const owner = planGrant({ ...base, role: 'admin', tenantOwner: true }).find((o) => o.kind === 'TenantOwner');
    expect(owner).toMatchObject({
      metadata: { labels: { 'projectcapsule.dev/tenant': 't' } },
      spec: { kind: 'ServiceAccount', name: 'system:serviceaccount:kubenova-grants:g-g1', aggregate: true },
    });
  });

  it("the TenantOwner is selected by its tenant's Tenant (matchOwners), and by no other tenant's", () => {
    const owner = planGrant({ ...base, role: 'admin', tenantOwner: true }).find((o) => o.kind === 'TenantOwner')!;
    const selectedBy = (tenant: string) => {
      const plan = planTenant({ name: tenant, spec: { owners: [] }, policySets: [] }, CAPSULE);
      if (plan.outcome !== 'planned') throw new Error(plan.outcome);
      const { matchOwners } = (plan.objects[0]!.spec as { permissions: { matchOwners: Array<{ matchLabels: Record<string, string> }> } }).permissions;
      return matchOwners.some((s) => Object.entries(s.matchLabels).every(([k, v]) => owner.metadata.labels?.[k] === v));
    };
    expect(selectedBy('t')).toBe(true);
    expect(selectedBy('t2')).toBe(false);
  });

  const owners: [string, Parameters<typeof isTenantAdminGrant>[0], boolean][] = [
    ['admin over the whole tenant', { role: 'admin', namespaces: [] }, true],
    ['admin over a subset of namespaces', { role: 'admin', namespaces: ['t-a'] }, false],
    ['admin of one project', { role: 'admin', project: 't-a' }, false],
    ['edit over the whole tenant (owners may create namespaces whatever their role)', { role: 'edit' }, false],
  ];
  for (const [why, spec, expected] of owners) it(`tenant owner: ${why} → ${expected}`, () => expect(isTenantAdminGrant(spec)).toBe(expected));
});

describe('agent RBAC for grants', () => {
  it('the agent may bind exactly the per-verb ClusterRoles, and holds no escalate', () => {
    const names = GRANT_VERBS.map(grantVerbRole);
    expect(AGENT_CLUSTER_RULES).toContainEqual({
      apiGroups: ['rbac.authorization.k8s.io'],
      resources: ['clusterroles'],
      verbs: ['bind'],
      resourceNames: names,
    });
    expect(AGENT_CLUSTER_RULES.some((r) => r.verbs.includes('escalate') || r.verbs.includes('*'))).toBe(false);
  });
});

describe('grantKubeconfig', () => {
  it('points at capsule-proxy with its CA, the token as bearer, the first namespace as default', () => {
    const doc = YAML.parse(
      grantKubeconfig({ grant: 'g1', cluster: 'c1', proxy: { url: 'https://proxy.example:9001', caData: 'Q0E=' }, token: 'tok', namespace: 't-a' }),
    ) as {
      clusters: [{ cluster: unknown }];
      users: [{ user: unknown }];
      contexts: [{ context: unknown }];
    };
    expect(doc.clusters[0].cluster).toEqual({ server: 'https://proxy.example:9001', 'certificate-authority-data': 'Q0E=' });
    expect(doc.users[0].user).toEqual({ token: 'tok' });
    expect(doc.contexts[0].context).toMatchObject({ namespace: 't-a' });
  });
});
