// PolicySet: reusable guardrails attached to tenants (allowed registries, pod security, network
// rules, default quotas and limits, allowed component types), projected by the adapters.
import { isIP } from 'node:net';
import { Type } from 'typebox';
import {
  List,
  NetworkIsolation,
  Patterned,
  Quantity,
  Registry,
  Strict,
  StringEnum,
  SubdomainName,
} from '../schemas/common.js';
import { eachObject } from '../../store/paging.js';
import type { FieldProblem, KindDescriptor } from './descriptor.js';
import { rejectProblems } from './references.js';
import { Quotas, type NetworkIsolationLevel, type TenantQuotas } from './tenant.js';

const Cidr = Patterned('^[0-9A-Fa-f:.]+/[0-9]{1,3}$', 'must be a CIDR such as 10.0.0.0/8', {
  maxLength: 49,
  description: 'IPv4 or IPv6 CIDR, e.g. 10.0.0.0/8.',
});

const Resources = Strict({ cpu: Type.Optional(Quantity), memory: Type.Optional(Quantity) });

type ContainerResources = { cpu?: string; memory?: string };

/** The policy set intent as stored (defaults applied). Adapters read this. */
export interface PolicySetSpec {
  allowedRegistries?: string[];
  podSecurity?: 'privileged' | 'baseline' | 'restricted';
  network?: { isolation?: NetworkIsolationLevel; allowedIngressCIDRs?: string[]; allowedEgressCIDRs?: string[] };
  defaultQuotas?: TenantQuotas;
  defaultLimits?: { default?: ContainerResources; defaultRequest?: ContainerResources; max?: ContainerResources };
  allowedComponentTypes?: string[];
}

function cidrProblems(list: string[] | undefined, field: string): FieldProblem[] {
  return (list ?? []).flatMap((cidr, i) => {
    const [address = '', prefix = ''] = cidr.split('/');
    const family = isIP(address);
    const bits = Number(prefix);
    const ok = family !== 0 && bits <= (family === 4 ? 32 : 128);
    return ok ? [] : [{ field: `${field}/${i}`, reason: 'is not a valid CIDR' }];
  });
}

export const policySetKind: KindDescriptor = {
  kind: 'PolicySet',
  plural: 'policysets',
  ownership: 'attached',
  spec: {
    allowedRegistries: Type.Optional(List(Registry, 64, { default: [], uniqueItems: true, description: 'Empty: any registry.' })),
    podSecurity: Type.Optional(
      StringEnum(['privileged', 'baseline', 'restricted'], {
        default: 'baseline',
        description: 'Pod Security Standard enforced in every namespace.',
      }),
    ),
    network: Type.Optional(
      Strict(
        {
          isolation: Type.Optional(NetworkIsolation),
          allowedIngressCIDRs: Type.Optional(List(Cidr, 64, { uniqueItems: true })),
          allowedEgressCIDRs: Type.Optional(List(Cidr, 64, { uniqueItems: true })),
        },
        { default: {} },
      ),
    ),
    defaultQuotas: Type.Optional(Quotas),
    defaultLimits: Type.Optional(
      Strict(
        { default: Type.Optional(Resources), defaultRequest: Type.Optional(Resources), max: Type.Optional(Resources) },
        { default: {}, description: 'Per-container limits and requests applied where a workload sets none, and their maximum.' },
      ),
    ),
    allowedComponentTypes: Type.Optional(
      List(SubdomainName, 64, { default: [], uniqueItems: true, description: 'App component types tenants may use; empty: any.' }),
    ),
  },
  async admit(_name, raw) {
    const spec = raw as PolicySetSpec;
    rejectProblems([
      ...cidrProblems(spec.network?.allowedIngressCIDRs, 'spec/network/allowedIngressCIDRs'),
      ...cidrProblems(spec.network?.allowedEgressCIDRs, 'spec/network/allowedEgressCIDRs'),
    ]);
    return {};
  },
  async blockingDependents(target, objects) {
    // Attachment is recorded on tenants; few enough to scan when a policy set is deleted.
    for await (const t of eachObject<{ policySets?: string[] }>(objects, 'Tenant')) {
      if (t.spec.policySets?.includes(target.name)) return `policy set "${target.name}" is attached to tenant "${t.name}"; detach it first`;
    }
    return undefined;
  },
};
