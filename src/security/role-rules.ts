// Role rules: who gets which KubeNova role is decided here, from the person's issuer, username
// and groups, never from role claims an identity provider would have to invent. A rule says
// "group G (or user U, or anyone) of issuer I is <role> [of tenant T [, project P]]". Pure: no I/O.
import { Type, type Static } from 'typebox';
import { ROLES, type Identity, type Role, type RoleBinding } from './auth.js';

const NAME = '^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$';
// Groups and usernames as IdPs spell them (emails, paths like /org/team, UUIDs); no control characters.
const PRINCIPAL_TEXT = Type.String({ minLength: 1, maxLength: 256, pattern: '^[^\\x00-\\x1f\\x7f]+$' });

/** A rule's spec, as the API and the config file take it. */
export const RoleRuleSpecSchema = Type.Object(
  {
    issuer: Type.Optional(Type.String({ pattern: NAME, maxLength: 63, description: 'Issuer name (identity config); omitted: any issuer.' })),
    group: Type.Optional({ ...PRINCIPAL_TEXT, description: 'A group, as the issuer names it after its group prefix.' }),
    user: Type.Optional({ ...PRINCIPAL_TEXT, description: 'A username, as the issuer names it after its username prefix.' }),
    anyone: Type.Optional(Type.Literal(true, { description: 'Every person the issuer signs in.' })),
    role: Type.Enum([...ROLES], { type: 'string' }),
    tenant: Type.Optional(
      Type.String({ pattern: NAME, maxLength: 63, description: 'The tenant the role applies in; omitted: platform-wide (platform-admin, read-only).' }),
    ),
    project: Type.Optional(
      Type.String({
        pattern: NAME,
        maxLength: 63,
        description: 'A project of the tenant: the role applies only to that project (its apps, grants and tokens), and lets its tenant be read.',
      }),
    ),
  },
  { additionalProperties: false },
);
export type RoleRuleSpec = Static<typeof RoleRuleSpecSchema>;

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
