import { describe, expect, it } from 'vitest';
import { AGENT, AGENT_CLUSTER_RULES, agentObjects, APP_RUNNER_RULES } from '../../../src/adapters/cluster/agent-identity.js';

describe("the agent's identity", () => {
  it('is applied in two stages: namespaces first, then what lives in them and the RBAC', () => {
    const [first, second] = agentObjects();
    expect(first!.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual(['Namespace/kubenova-system', 'Namespace/kubenova-grants']);
    const common = [
      'ServiceAccount/kubenova-system/kubenova-agent',
      'ClusterRole//kubenova-agent',
      'ClusterRole//kubenova-app-runner',
      'ClusterRole//kubenova-app-identity',
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

  it("gives the identity of a project's apps one role to be bound to: admin and the app-runner rules, aggregated by the cluster", () => {
    const roles = agentObjects()[1]!.filter((o) => o.kind === 'ClusterRole');
    const runner = roles.find((o) => o.metadata.name === 'kubenova-app-runner')!;
    expect(runner.rules).toEqual(APP_RUNNER_RULES);
    const identity = roles.find((o) => o.metadata.name === 'kubenova-app-identity')!;
    expect(identity.rules).toBeUndefined();
    const selectors = (identity.aggregationRule as { clusterRoleSelectors: { matchLabels: Record<string, string> }[] }).clusterRoleSelectors;
    // admin's own selector (so the role is admin's rights, whatever aggregates into admin), and the runner's label.
    expect(selectors).toEqual([
      { matchLabels: { 'rbac.authorization.k8s.io/aggregate-to-admin': 'true' } },
      { matchLabels: { 'kubenova.io/aggregate-to-app-identity': 'true' } },
    ]);
    expect(runner.metadata.labels).toMatchObject(selectors[1]!.matchLabels);
    // The agent may bind it, and no longer the runner role alone.
    const bindable = AGENT_CLUSTER_RULES.find((r) => r.resources.includes('clusterroles') && r.resourceNames?.includes('admin'))!;
    expect(bindable.resourceNames).toContain('kubenova-app-identity');
    expect(bindable.resourceNames).not.toContain('kubenova-app-runner');
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
