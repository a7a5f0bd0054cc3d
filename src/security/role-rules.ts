// Role rules: who gets which KubeNova role is decided here, from the person's issuer, username
// and groups, never from role claims an identity provider would have to invent. A rule says
// "group G (or user U, or anyone) of issuer I is <role> [of tenant T [, project P]]". Pure: no I/O.
import type { RoleRuleSpec } from '../domain/kinds/rolerule.js';
import type { Role } from '../domain/roles.js';
import { type Identity, type RoleBinding } from './auth.js';

export interface RoleRule {
  name: string;
  spec: RoleRuleSpec;
  /** How whoami names it; default `rule/<name>` (a RoleRule object). */
  source?: string;
}

/** What is wrong with a schema-valid rule, as [field, reason] pairs (empty: nothing). */
export function ruleProblems(spec: RoleRuleSpec): { field: string; reason: string }[] {
  const problems: { field: string; reason: string }[] = [];
  const whom = [spec.group, spec.user, spec.anyone].filter((v) => v !== undefined).length;
  if (whom !== 1) problems.push({ field: 'spec', reason: 'must name exactly one of group, user or anyone' });
  const tenant = tenantProblem(spec.role, spec.tenant);
  if (tenant) problems.push({ field: 'spec/tenant', reason: tenant });
  const project = projectProblem(spec.role, spec.tenant, spec.project);
  if (project) problems.push({ field: 'spec/project', reason: project });
  return problems;
}

/** Whether a role may apply in one project (of its tenant); undefined when it is fine. */
export function projectProblem(role: Role, tenant: string | undefined, project: string | undefined): string | undefined {
  if (project === undefined) return undefined;
  if (role === 'platform-admin') return 'must be omitted for platform-admin';
  if (tenant === undefined) return "requires tenant (the project's tenant)";
  return undefined;
}

/** Whether a role may (tenant roles: must) apply in one tenant; undefined when it is fine. */
export function tenantProblem(role: Role, tenant: string | undefined): string | undefined {
  if ((role === 'tenant-admin' || role === 'tenant-dev') && tenant === undefined) return `is required for ${role}`;
  if (role === 'platform-admin' && tenant !== undefined) return 'must be omitted for platform-admin';
  return undefined;
}

function matches(spec: RoleRuleSpec, who: Identity): boolean {
  if (spec.issuer !== undefined && spec.issuer !== who.issuer) return false;
  if (spec.anyone) return true;
  if (spec.user !== undefined) return spec.user === who.username;
  return spec.group !== undefined && who.groups.includes(spec.group);
}

/** The rights the rules give this person, each naming its rule. */
export function bindingsFor(rules: readonly RoleRule[], who: Identity): RoleBinding[] {
  return rules
    .filter((r) => matches(r.spec, who))
    .map((r) => ({
      role: r.spec.role,
      ...(r.spec.tenant !== undefined && { tenant: r.spec.tenant }),
      ...(r.spec.project !== undefined && { project: r.spec.project }),
      source: r.source ?? `rule/${r.name}`,
    }));
}
