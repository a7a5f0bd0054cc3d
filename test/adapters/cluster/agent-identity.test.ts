import { describe, expect, it } from 'vitest';
import { AGENT, AGENT_CLUSTER_RULES, agentObjects } from '../../../src/adapters/cluster/agent-identity.js';

describe("the agent's identity", () => {
  it('is applied in two stages: namespaces first, then what lives in them and the RBAC', () => {
    const [first, second] = agentObjects();
    expect(first!.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual(['Namespace/kubenova-system', 'Namespace/kubenova-grants']);
    const common = [
      'ServiceAccount/kubenova-system/kubenova-agent',
      'ClusterRole//kubenova-agent',
      'ClusterRole//kubenova-app-runner',
      'ClusterRoleBinding//kubenova-agent',
      // What grants with custom verbs bind (the agent may bind exactly these).
      ...['get', 'list', 'watch', 'create', 'update', 'patch', 'delete', 'deletecollection'].map((v) => `ClusterRole//kubenova-grant-${v}`),
      'Role/kubenova-system/kubenova-agent',
      'RoleBinding/kubenova-system/kubenova-agent',
      'Role/kubenova-grants/kubenova-agent',
      'RoleBinding/kubenova-grants/kubenova-agent',
    ];
    const names = (objs: readonly { kind: string; metadata: { name: string; namespace?: string } }[]) =>
      objs.map((o) => `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`);
    expect(names(second!)).toEqual(common);
    // With KubeVela in the cluster: a Role in vela-system for the Definitions KubeNova installs.
    expect(names(agentObjects({ kubevela: true })[1]!)).toEqual([...common, 'Role/vela-system/kubenova-agent', 'RoleBinding/vela-system/kubenova-agent']);
  });

  it('never gets wildcards, secrets cluster-wide, or RBAC role writes', () => {
    for (const rule of AGENT_CLUSTER_RULES) {
      expect(rule.verbs).not.toContain('*');
      expect(rule.resources).not.toContain('*');
      expect(rule.apiGroups).not.toContain('*');
      expect(rule.resources).not.toContain('secrets');
      if (rule.resources.includes('clusterroles')) expect(rule).toMatchObject({ verbs: ['bind'], resourceNames: expect.any(Array) });
      expect(rule.resources).not.toContain('roles');
      expect(rule.resources).not.toContain('clusterrolebindings');
    }
  });

  it("may mint tokens only for itself, and impersonate only ServiceAccounts of its own namespace (apps' identities)", () => {
    const self = agentObjects()[1]!.find((o) => o.kind === 'Role' && o.metadata.namespace === AGENT.namespace)!;
    expect(self.rules).toEqual([
      { apiGroups: [''], resources: ['serviceaccounts/token'], verbs: ['create'], resourceNames: ['kubenova-agent'] },
      { apiGroups: [''], resources: ['serviceaccounts'], verbs: ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete', 'impersonate'] },
    ]);
    for (const rule of AGENT_CLUSTER_RULES) expect(rule.verbs).not.toContain('impersonate');
  });
});
