// PolicySet: reusable guardrails attached to tenants (allowed registries, pod security, network
// rules, default quotas and limits, allowed component types). Its spec schema and the type derived from it.
import { Type, type Static } from 'typebox';
import { List, NetworkIsolation, Patterned, Quantity, Registry, Strict, StringEnum, SubdomainName } from '../schema.js';
import { Quotas } from './tenant.js';

const Cidr = Patterned('^[0-9A-Fa-f:.]+/[0-9]{1,3}$', 'must be a CIDR such as 10.0.0.0/8', {
  maxLength: 49,
  description: 'IPv4 or IPv6 CIDR, e.g. 10.0.0.0/8.',
});

const Resources = Strict({ cpu: Type.Optional(Quantity), memory: Type.Optional(Quantity) });

/** The policy set spec's fields, as the API validates them. */
export const POLICY_SET_SPEC = {
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
};

export const PolicySetSpecSchema = Strict(POLICY_SET_SPEC);

/** The policy set intent as stored (defaults applied). Adapters read this. */
export type PolicySetSpec = Static<typeof PolicySetSpecSchema>;
