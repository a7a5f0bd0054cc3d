// PolicySet: reusable guardrails attached to tenants (allowed registries, pod security, network
// rules, default quotas and limits, allowed component types), projected by the adapters.
import { isIP } from 'node:net';
import { POLICY_SET_SPEC, type PolicySetSpec } from '../../domain/kinds/policyset.js';
import { eachObject } from '../../store/paging.js';
import type { FieldProblem, KindDescriptor } from './descriptor.js';
import { rejectProblems } from './references.js';

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
  spec: POLICY_SET_SPEC,
  admit(_name, raw) {
    const spec = raw as PolicySetSpec;
    rejectProblems([
      ...cidrProblems(spec.network?.allowedIngressCIDRs, 'spec/network/allowedIngressCIDRs'),
      ...cidrProblems(spec.network?.allowedEgressCIDRs, 'spec/network/allowedEgressCIDRs'),
    ]);
    return Promise.resolve({});
  },
  async blockingDependents(target, objects) {
    // Attachment is recorded on tenants; few enough to scan when a policy set is deleted.
    for await (const t of eachObject<{ policySets?: string[] }>(objects, 'Tenant')) {
      if (t.spec.policySets?.includes(target.name)) return `policy set "${target.name}" is attached to tenant "${t.name}"; detach it first`;
    }
    return undefined;
  },
};
