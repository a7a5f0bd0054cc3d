// The CapsuleAdapter's plans, as tables: each case says what intent goes in, what the cluster
// offers, which objects come out, and why.
import { projectAppServiceAccount } from '../../../src/adapters/cluster/app-identity.js';
import type { ClusterPlan } from '../../../src/adapters/contract.js';
import { describe, expect, it } from 'vitest';
import type { PolicySetSpec } from '../../../src/domain/kinds/policyset.js';
import type { TenantSpec } from '../../../src/domain/kinds/tenant.js';
import {
  effectivePolicy,
  planProject,
  planTenant,
  quotaHard,
  registryExpression,
  releasedTenant,
  type TenantIntent,
} from '../../../src/adapters/capsule/index.js';
import type { ClusterCapabilities } from '../../../src/domain/capabilities.js';
import type { KubeObject } from '../../../src/adapters/kube/types.js';

const CAPSULE_V014: ClusterCapabilities = {
  resources: { 'capsule.clastix.io/v1beta2': ['tenants', 'globalresourcequotas', 'rulestatuses', 'tenantowners'], v1: ['namespaces'] },
};
const CAPSULE_OLD: ClusterCapabilities = { resources: { 'capsule.clastix.io/v1beta2': ['tenants'], v1: ['namespaces'] } };
const NO_CAPSULE: ClusterCapabilities = { resources: { v1: ['namespaces'] } };

/** A tenant as the API stores it (defaults applied). */
function tenant(spec: Partial<TenantSpec> = {}, policySets: PolicySetSpec[] = [], name = 'acme'): TenantIntent {
  return {
    name,
    spec: {
      owners: [],
      quotas: {},
      namespaceOptions: { labels: {}, annotations: {}, forbiddenLabels: [] },
      networkIsolation: 'tenant',
      allowedRegistries: [],
      allowedClasses: { storage: [], ingress: [], priority: [] },
      policySets: [],
      placement: {},
      driftPolicy: 'repair',
      ...spec,
    },
    policySets,
  };
}

const OURS = (extra: Record<string, string> = {}) => ({
  'app.kubernetes.io/managed-by': 'kubenova',
  'kubenova.io/tenant': 'acme',
  ...extra,
});

/** The Tenant's matchOwners: KubeNova's TenantOwners of tenant acme (tenant-admin grants). */
const KUBENOVA_OWNERS = { matchOwners: [{ matchLabels: { 'app.kubernetes.io/managed-by': 'kubenova', 'projectcapsule.dev/tenant': 'acme' } }] };

const objectsOf = (plan: ClusterPlan): KubeObject[] => {
  if (plan.outcome !== 'planned') throw new Error(`expected a plan, got ${plan.outcome}`);
  return plan.objects;
};
const find = (objects: KubeObject[], kind: string, namespace?: string) => objects.find((o) => o.kind === kind && o.metadata.namespace === namespace);
const specOf = (objects: KubeObject[], kind: string, namespace?: string) => find(objects, kind, namespace)?.spec as Record<string, unknown> | undefined;

describe('planTenant: the Capsule Tenant', () => {
  const cases: { reason: string; intent: TenantIntent; caps?: ClusterCapabilities; expected: Record<string, unknown> }[] = [
    {
      reason:
        "a bare tenant is a Tenant with no owners, guarded against deletion, selecting KubeNova's TenantOwners of the tenant (so Capsule re-reconciles it when one comes or goes), and nothing else",
      intent: tenant(),
      expected: { owners: [], preventDeletion: true, permissions: KUBENOVA_OWNERS },
    },
    {
      reason: 'owners keep their kind and name; Capsule gives them its default cluster roles',
      intent: tenant({
        owners: [
          { kind: 'User', name: 'alice' },
          { kind: 'Group', name: 'acme-devs' },
        ],
      }),
      expected: {
        owners: [
          { kind: 'User', name: 'alice' },
          { kind: 'Group', name: 'acme-devs' },
        ],
        preventDeletion: true,
        permissions: KUBENOVA_OWNERS,
      },
    },
    {
      reason: 'the namespaces quota is the stable namespaceOptions.quota; the rest becomes one quota rule (GlobalResourceQuota) counting requests',
      intent: tenant({ quotas: { namespaces: 3, pods: 10, cpu: '2', memory: '4Gi', storage: '10Gi' } }),
      expected: {
        owners: [],
        preventDeletion: true,
        permissions: KUBENOVA_OWNERS,
        namespaceOptions: { quota: 3 },
        rules: [
          { quota: [{ name: 'kubenova', hard: { pods: '10', 'requests.cpu': '2', 'requests.memory': '4Gi', 'requests.storage': '10Gi' } }], permissions: {} },
        ],
      },
    },
    {
      reason: 'on a Capsule without rules the same quota goes to the deprecated tenant-scoped resourceQuotas',
      intent: tenant({ quotas: { namespaces: 3, pods: 10 } }),
      caps: CAPSULE_OLD,
      expected: {
        owners: [],
        preventDeletion: true,
        permissions: KUBENOVA_OWNERS,
        namespaceOptions: { quota: 3 },
        resourceQuotas: { scope: 'Tenant', items: [{ hard: { pods: '10' } }] },
      },
    },
    {
      reason: 'allowed registries become an allow rule: anything not matching one expression is refused',
      intent: tenant({ allowedRegistries: ['ghcr.io/acme', 'registry.local:5000'] }),
      expected: {
        owners: [],
        preventDeletion: true,
        permissions: KUBENOVA_OWNERS,
        rules: [
          {
            enforce: {
              action: 'allow',
              ingress: {},
              services: {},
              workloads: { registries: [{ exp: '^ghcr\\.io/acme/' }, { exp: '^registry\\.local:5000/' }] },
            },
            permissions: {},
          },
        ],
      },
    },
    {
      reason:
        'forbidden labels are a deny rule on namespaces for Capsule users only (administrators, KubeNova included, are not the audience); keys are escaped to match exactly',
      intent: tenant({ namespaceOptions: { labels: {}, annotations: {}, forbiddenLabels: ['acme.io/tier'] } }),
      expected: {
        owners: [],
        preventDeletion: true,
        permissions: KUBENOVA_OWNERS,
        rules: [
          {
            audience: [{ kind: 'Custom', name: 'CapsuleUser' }],
            enforce: {
              action: 'deny',
              ingress: {},
              services: {},
              workloads: {},
              metadata: [{ kinds: ['Namespace'], labels: { 'acme\\.io/tier': { values: [{ exp: '.*' }] } } }],
            },
            permissions: {},
          },
        ],
      },
    },
    {
      reason:
        "namespace labels and annotations, and the policy sets' pod security level, are managed metadata Capsule stamps on every namespace of the tenant (concrete keys: not escaped)",
      intent: tenant({ namespaceOptions: { labels: { team: 'blue' }, annotations: { 'acme.io/owner': 'ops' }, forbiddenLabels: [] } }, [
        { podSecurity: 'restricted' },
      ]),
      expected: {
        owners: [],
        preventDeletion: true,
        permissions: KUBENOVA_OWNERS,
        rules: [
          {
            permissions: {},
            enforce: {
              ingress: {},
              services: {},
              workloads: {},
              metadata: [
                {
                  kinds: ['Namespace'],
                  labels: {
                    team: { managed: 'blue' },
                    'pod-security.kubernetes.io/enforce': { managed: 'restricted' },
                    'pod-security.kubernetes.io/warn': { managed: 'restricted' },
                    'pod-security.kubernetes.io/audit': { managed: 'restricted' },
                  },
                  annotations: { 'acme.io/owner': { managed: 'ops' } },
                },
              ],
            },
          },
        ],
      },
    },
    {
      reason: 'legacy clusters get the same metadata, forbidden labels and registries through the deprecated fields',
      intent: tenant({ allowedRegistries: ['ghcr.io/acme'], namespaceOptions: { labels: { team: 'blue' }, annotations: {}, forbiddenLabels: ['x.io/y'] } }),
      caps: CAPSULE_OLD,
      expected: {
        owners: [],
        preventDeletion: true,
        permissions: KUBENOVA_OWNERS,
        namespaceOptions: { additionalMetadata: { labels: { team: 'blue' } }, forbiddenLabels: { denied: ['x.io/y'] } },
        containerRegistries: { allowedRegex: '(?:^ghcr\\.io/acme/)' },
      },
    },
    {
      reason:
        "tenant-identity keys stored in the spec (written before the API refused them) never reach Capsule: a tenant's namespaces never carry another tenant's identity",
      intent: tenant({
        namespaceOptions: {
          labels: { 'capsule.clastix.io/tenant': 'globex', 'kubenova.io/tenant': 'globex', 'projectcapsule.dev/x': 'y', team: 'blue' },
          annotations: { 'kubenova.io/project': 'globex-web', 'scheduler.alpha.kubernetes.io/node-selector': 'pool=acme' },
          forbiddenLabels: [],
        },
      }),
      expected: {
        owners: [],
        preventDeletion: true,
        permissions: KUBENOVA_OWNERS,
        rules: [
          {
            permissions: {},
            enforce: {
              ingress: {},
              services: {},
              workloads: {},
              metadata: [
                {
                  kinds: ['Namespace'],
                  labels: { team: { managed: 'blue' } },
                  annotations: { 'scheduler.alpha.kubernetes.io/node-selector': { managed: 'pool=acme' } },
                },
              ],
            },
          },
        ],
      },
    },
    {
      reason: 'the same on legacy clusters: identity keys are dropped from the additional metadata',
      intent: tenant({
        namespaceOptions: {
          labels: { 'capsule.clastix.io/tenant': 'globex', team: 'blue' },
          annotations: { 'kubenova.io/tenant': 'globex' },
          forbiddenLabels: [],
        },
      }),
      caps: CAPSULE_OLD,
      expected: { owners: [], preventDeletion: true, permissions: KUBENOVA_OWNERS, namespaceOptions: { additionalMetadata: { labels: { team: 'blue' } } } },
    },
    {
      reason: 'class allow-lists use the stable fields; an empty list means no restriction (Capsule would refuse every class otherwise)',
      intent: tenant({ allowedClasses: { storage: ['fast'], ingress: ['nginx'], priority: [] } }),
      expected: {
        owners: [],
        preventDeletion: true,
        permissions: KUBENOVA_OWNERS,
        storageClasses: { allowed: ['fast'] },
        ingressOptions: { allowedClasses: { allowed: ['nginx'] } },
      },
    },
  ];

  it("every rule carries the empty objects Capsule's webhook writes, so re-applying changes nothing", () => {
    const objects = objectsOf(planTenant(tenant({ quotas: { pods: 1 }, allowedRegistries: ['ghcr.io'] }), CAPSULE_V014));
    for (const r of (find(objects, 'Tenant')!.spec as { rules: Record<string, unknown>[] }).rules) {
      expect(r.permissions).toEqual({});
      if (r.enforce) expect(r.enforce).toMatchObject({ ingress: {}, services: {}, workloads: expect.any(Object) });
    }
  });

  for (const c of cases) {
    it(c.reason, () => {
      const objects = objectsOf(planTenant(c.intent, c.caps ?? CAPSULE_V014));
      const t = find(objects, 'Tenant')!;
      expect(t.apiVersion).toBe('capsule.clastix.io/v1beta2');
      expect(t.metadata).toEqual({ name: 'acme', labels: OURS() });
      expect(t.spec).toEqual(c.expected);
    });
  }
});

describe('planTenant: clusters that cannot take it', () => {
  it('without the Capsule Tenant API the plan names the missing capability, and plans nothing', () => {
    const plan = planTenant(tenant(), NO_CAPSULE);
    expect(plan).toEqual({
      outcome: 'unsupported',
      missing: [expect.objectContaining({ capability: 'capsule.clastix.io/v1beta2/tenants' })],
    });
  });

  it('before discovery the plan waits', () => {
    expect(planTenant(tenant(), undefined)).toEqual({ outcome: 'undiscovered' });
  });

  it('a legacy cluster is planned, with a note saying deprecated fields are used', () => {
    const plan = planTenant(tenant(), CAPSULE_OLD);
    expect(plan.outcome === 'planned' && plan.notes).toEqual([expect.stringContaining('deprecated')]);
  });
});

describe('planTenant: guards in namespaces the owners created', () => {
  it("each such namespace gets the isolation NetworkPolicy, labelled as the tenant's (no project label)", () => {
    const objects = objectsOf(planTenant(tenant(), CAPSULE_V014, ['acme-scratch']));
    const np = find(objects, 'NetworkPolicy', 'acme-scratch')!;
    expect(np.metadata).toEqual({ name: 'kubenova-network', namespace: 'acme-scratch', labels: OURS() });
  });

  it('no namespaces, no guards: only the Tenant', () => {
    expect(objectsOf(planTenant(tenant(), CAPSULE_V014)).map((o) => o.kind)).toEqual(['Tenant']);
  });
});

describe('planProject', () => {
  const cases: { reason: string; intent: TenantIntent; kinds: string[]; network?: unknown; limits?: unknown }[] = [
    {
      reason: "tenant isolation (the default): the namespace admits traffic only from the tenant's namespaces, by Capsule's tenant label",
      intent: tenant(),
      kinds: ['Namespace', 'NetworkPolicy'],
      network: {
        podSelector: {},
        policyTypes: ['Ingress'],
        ingress: [{ from: [{ namespaceSelector: { matchLabels: { 'capsule.clastix.io/tenant': 'acme' } } }] }],
      },
    },
    {
      reason: 'project isolation: only pods of the same namespace',
      intent: tenant({ networkIsolation: 'project' }),
      kinds: ['Namespace', 'NetworkPolicy'],
      network: { podSelector: {}, policyTypes: ['Ingress'], ingress: [{ from: [{ podSelector: {} }] }] },
    },
    {
      reason: 'no isolation: no NetworkPolicy at all',
      intent: tenant({ networkIsolation: 'none' }),
      kinds: ['Namespace'],
    },
    {
      reason: 'a policy set stricter than the tenant wins (project over tenant), and its ingress CIDRs are let in',
      intent: tenant({}, [{ network: { isolation: 'project', allowedIngressCIDRs: ['10.0.0.0/8'] } }]),
      kinds: ['Namespace', 'NetworkPolicy'],
      network: { podSelector: {}, policyTypes: ['Ingress'], ingress: [{ from: [{ podSelector: {} }, { ipBlock: { cidr: '10.0.0.0/8' } }] }] },
    },
    {
      reason: 'egress CIDRs restrict egress to the isolation scope, those CIDRs and cluster DNS',
      intent: tenant({}, [{ network: { allowedEgressCIDRs: ['192.168.0.0/16'] } }]),
      kinds: ['Namespace', 'NetworkPolicy'],
      network: {
        podSelector: {},
        policyTypes: ['Ingress', 'Egress'],
        ingress: [{ from: [{ namespaceSelector: { matchLabels: { 'capsule.clastix.io/tenant': 'acme' } } }] }],
        egress: [
          { to: [{ namespaceSelector: { matchLabels: { 'capsule.clastix.io/tenant': 'acme' } } }, { ipBlock: { cidr: '192.168.0.0/16' } }] },
          {
            to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } } }],
            ports: [
              { protocol: 'UDP', port: 53 },
              { protocol: 'TCP', port: 53 },
            ],
          },
        ],
      },
    },
    {
      reason: "a policy set's default limits become the namespace's LimitRange",
      intent: tenant({ networkIsolation: 'none' }, [{ defaultLimits: { default: { cpu: '500m' }, defaultRequest: { cpu: '100m', memory: '128Mi' } } }]),
      kinds: ['Namespace', 'LimitRange'],
      limits: { limits: [{ type: 'Container', default: { cpu: '500m' }, defaultRequest: { cpu: '100m', memory: '128Mi' } }] },
    },
  ];

  for (const c of cases) {
    it(c.reason, () => {
      const objects = objectsOf(planProject('acme-web', c.intent, CAPSULE_V014));
      // Every project also holds the identity its apps run as (its own test below).
      expect(objects.map((o) => o.kind)).toEqual([...c.kinds, 'ServiceAccount', 'RoleBinding']);
      if (c.network) expect(specOf(objects, 'NetworkPolicy', 'acme-web')).toEqual(c.network);
      if (c.limits) expect(specOf(objects, 'LimitRange', 'acme-web')).toEqual(c.limits);
    });
  }

  it("the namespace carries Capsule's tenant label (for adoption) and KubeNova's project labels; nothing named like Capsule's own objects", () => {
    const objects = objectsOf(planProject('acme-web', tenant({}, [{ defaultLimits: { max: { cpu: '2' } } }]), CAPSULE_V014));
    expect(find(objects, 'Namespace')!.metadata).toEqual({
      name: 'acme-web',
      labels: { ...OURS({ 'kubenova.io/project': 'acme-web' }), 'capsule.clastix.io/tenant': 'acme' },
    });
    for (const o of objects) {
      expect(o.metadata.labels).toMatchObject(OURS({ 'kubenova.io/project': 'acme-web' }));
      expect(o.metadata.name).not.toMatch(/^capsule-/);
    }
  });

  it("holds the identity its apps run as: a ServiceAccount in kubenova-system, bound in the project's namespace only, by one RoleBinding to the role aggregating admin and the app-runner role", () => {
    const objects = objectsOf(planProject('acme-web', tenant(), CAPSULE_V014));
    const subject = { kind: 'ServiceAccount', name: projectAppServiceAccount('acme-web'), namespace: 'kubenova-system' };
    expect(objects.filter((o) => o.kind === 'ServiceAccount').map((o) => `${o.metadata.namespace}/${o.metadata.name}`)).toEqual([
      `kubenova-system/${projectAppServiceAccount('acme-web')}`,
    ]);
    expect(
      objects.filter((o) => o.kind === 'RoleBinding').map((o) => [o.metadata.namespace, o.metadata.name, (o.roleRef as { name: string }).name, o.subjects]),
    ).toEqual([['acme-web', 'kubenova-apps', 'kubenova-app-identity', [subject]]]);
  });

  it('a project on a cluster without Capsule is unsupported, like its tenant', () => {
    expect(planProject('acme-web', tenant(), NO_CAPSULE).outcome).toBe('unsupported');
  });

  it('planning is pure: the same input gives the same objects', () => {
    const intent = tenant({ quotas: { pods: 3 } }, [{ podSecurity: 'baseline' }]);
    expect(planProject('p', intent, CAPSULE_V014)).toEqual(planProject('p', intent, CAPSULE_V014));
    expect(planTenant(intent, CAPSULE_V014, ['b', 'a'])).toEqual(planTenant(intent, CAPSULE_V014, ['a', 'b']));
  });
});

describe('effectivePolicy: a tenant merged with its policy sets', () => {
  const cases: { reason: string; spec: Partial<TenantSpec>; sets: PolicySetSpec[]; expected: Partial<ReturnType<typeof effectivePolicy>> }[] = [
    {
      reason: "the tenant's own quotas win; a policy set fills the fields the tenant leaves out",
      spec: { quotas: { pods: 5 } },
      sets: [{ defaultQuotas: { pods: 50, cpu: '4' } }, { defaultQuotas: { memory: '8Gi', cpu: '99' } }],
      expected: { quotas: { pods: 5, cpu: '4', memory: '8Gi' } },
    },
    {
      reason: "the tenant's registry list, when it has one, replaces the policy sets' lists",
      spec: { allowedRegistries: ['ghcr.io/acme'] },
      sets: [{ allowedRegistries: ['docker.io'] }],
      expected: { registries: ['ghcr.io/acme'] },
    },
    {
      reason: "without a tenant list, the union of the policy sets' registries",
      spec: {},
      sets: [{ allowedRegistries: ['docker.io'] }, { allowedRegistries: ['quay.io', 'docker.io'] }],
      expected: { registries: ['docker.io', 'quay.io'] },
    },
    {
      reason: 'pod security: the strictest attached level; none attached, none enforced',
      spec: {},
      sets: [{ podSecurity: 'baseline' }, { podSecurity: 'restricted' }, { podSecurity: 'privileged' }],
      expected: { podSecurity: 'restricted' },
    },
    {
      reason: 'isolation: a policy set cannot loosen the tenant (none in a set does not undo tenant isolation)',
      spec: { networkIsolation: 'tenant' },
      sets: [{ network: { isolation: 'none' } }],
      expected: { isolation: 'tenant' },
    },
  ];
  for (const c of cases) {
    it(c.reason, () => {
      expect(effectivePolicy(tenant(c.spec).spec, c.sets)).toMatchObject(c.expected);
    });
  }

  it('no policy set: no pod security level, no limits', () => {
    const p = effectivePolicy(tenant().spec, []);
    expect(p.podSecurity).toBeUndefined();
    expect(p.limits).toBeUndefined();
  });
});

describe('registryExpression', () => {
  const cases: { reason: string; prefix: string; match: string[]; noMatch: string[] }[] = [
    {
      reason: 'a host matches images under it only (not a longer host name)',
      prefix: 'ghcr.io',
      match: ['ghcr.io/acme/web:1', 'ghcr.io/x@sha256:abc'],
      noMatch: ['ghcr.iox/acme/web', 'evil.io/ghcr.io/x', 'ghcrXio/a'],
    },
    {
      reason: 'a host with a path matches that path as a whole segment',
      prefix: 'ghcr.io/acme',
      match: ['ghcr.io/acme/web:1'],
      noMatch: ['ghcr.io/acmeinc/web', 'ghcr.io/other/web'],
    },
    {
      reason: 'a host with a port',
      prefix: 'registry.local:5000',
      match: ['registry.local:5000/web'],
      noMatch: ['registry.local/web', 'registry.local:5001/web'],
    },
    {
      reason: "docker.io covers Docker Hub's short names, which carry no host",
      prefix: 'docker.io',
      match: ['nginx', 'nginx:1.27', 'library/nginx', 'bitnami/redis:7', 'docker.io/library/nginx', 'index.docker.io/x/y'],
      noMatch: ['ghcr.io/x', 'registry.local:5000/x'],
    },
    {
      reason: 'docker.io/library covers bare names but not other Docker Hub users',
      prefix: 'docker.io/library',
      match: ['nginx', 'nginx:1', 'library/nginx:1', 'docker.io/library/nginx'],
      noMatch: ['bitnami/redis', 'docker.io/bitnami/redis'],
    },
  ];
  for (const c of cases) {
    it(c.reason, () => {
      const re = new RegExp(registryExpression(c.prefix));
      for (const m of c.match) expect(re.test(m), m).toBe(true);
      for (const m of c.noMatch) expect(re.test(m), m).toBe(false);
    });
  }
});

describe('quotaHard and releasedTenant', () => {
  it('no quotas beyond the namespace count: no ResourceQuota hard list', () => {
    expect(quotaHard(effectivePolicy(tenant({ quotas: { namespaces: 2 } }).spec, []))).toBeUndefined();
  });

  it('the Tenant KubeNova applies before deleting it is the live one with only the deletion guard lifted', () => {
    const live: KubeObject = {
      apiVersion: 'capsule.clastix.io/v1beta2',
      kind: 'Tenant',
      metadata: { name: 'acme', uid: 'u1', labels: { ...OURS(), 'kubernetes.io/metadata.name': 'acme' } },
      spec: { owners: [{ kind: 'User', name: 'alice' }], preventDeletion: true, namespaceOptions: { quota: 2 } },
      status: { state: 'Active' },
    };
    expect(releasedTenant(live)).toEqual({
      apiVersion: 'capsule.clastix.io/v1beta2',
      kind: 'Tenant',
      metadata: { name: 'acme', labels: OURS() },
      spec: { owners: [{ kind: 'User', name: 'alice' }], preventDeletion: false, namespaceOptions: { quota: 2 } },
    });
  });
});
