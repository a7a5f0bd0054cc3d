// Who may do what, in ONE place and as data: role × kind × verb, the platform operations each
// role may perform (key rotation), the scope each role acts in, what access the kubeconfigs it
// issues may carry, and which fields only the platform may set. Handlers ask `authorize()` (and
// `mayPerform()`); nothing else decides.
import { GRANT_ROLES, type GrantRole } from '../domain/grant-roles.js';
import type { Kind } from '../domain/resource.js';
import type { Principal, RoleBinding } from './auth.js';

export const VERBS = ['create', 'get', 'list', 'update', 'delete', 'rollout', 'rollback', 'control-workflow', 'issue-kubeconfig', 'bootstrap'] as const;
export type Verb = (typeof VERBS)[number];

/** Platform operations that act on no kind of object. Every role may read events (a
 *  tenant-scoped caller only its tenants', see api/event-routes.ts); the audit log is the
 *  platform admins'. */
export const OPERATIONS = ['rotate-keys', 'read-events', 'read-audit', 'whoami'] as const;
export type Operation = (typeof OPERATIONS)[number];

/** The rows of the table. A token's roles map onto them (`tableRolesOf`): `read-only` becomes
 *  `platform-reader` when the token has no `tenants` claim, `tenant-reader` when it has one. */
export type TableRole = 'platform-admin' | 'platform-reader' | 'tenant-admin' | 'tenant-dev' | 'tenant-reader';

export interface RoleRules {
  /** platform: every object. tenants: only the objects of the token's tenants; platform objects
   *  (clusters) stay invisible, except PolicySets attached to one of those tenants. */
  scope: 'platform' | 'tenants';
  verbs: Partial<Record<Kind, readonly Verb[]>>;
  operations: readonly Operation[];
  /** What a kubeconfig issued (or a KubeconfigGrant created) by this role may allow, and
   *  whether it may be for someone other than the caller. */
  grantable: { roles: readonly GrantRole[]; customVerbs: boolean; otherSubjects: boolean };
}

const CRUD = ['create', 'get', 'list', 'update', 'delete'] as const;
const READ = ['get', 'list'] as const;
/** API tokens are created and revoked (deleted), never changed. */
const TOKENS = ['create', 'get', 'list', 'delete'] as const;
const GRANT_ANY = { roles: GRANT_ROLES, customVerbs: true, otherSubjects: true };
const GRANT_NONE = { roles: [], customVerbs: false, otherSubjects: false };

export const AUTHORIZATION: Readonly<Record<TableRole, RoleRules>> = {
  'platform-admin': {
    scope: 'platform',
    verbs: {
      Cluster: [...CRUD, 'bootstrap'],
      Tenant: [...CRUD, 'issue-kubeconfig'],
      Project: [...CRUD, 'issue-kubeconfig'],
      App: [...CRUD, 'rollout', 'rollback', 'control-workflow'],
      PolicySet: CRUD,
      KubeconfigGrant: CRUD,
      Definition: CRUD,
      RoleRule: CRUD,
      ApiToken: TOKENS,
    },
    operations: ['rotate-keys', 'read-events', 'read-audit'],
    grantable: GRANT_ANY,
  },
  'platform-reader': {
    scope: 'platform',
    verbs: {
      Cluster: READ,
      Tenant: READ,
      Project: READ,
      App: [...READ, 'rollout'],
      PolicySet: READ,
      KubeconfigGrant: READ,
      Definition: READ,
      RoleRule: READ,
      ApiToken: READ,
    },
    operations: ['read-events'],
    grantable: GRANT_NONE,
  },
  'tenant-admin': {
    scope: 'tenants',
    verbs: {
      Tenant: ['get', 'list', 'update', 'issue-kubeconfig'],
      Project: [...CRUD, 'issue-kubeconfig'],
      App: [...CRUD, 'rollout', 'rollback', 'control-workflow'],
      PolicySet: READ,
      KubeconfigGrant: CRUD,
      ApiToken: TOKENS,
    },
    operations: ['read-events'],
    grantable: GRANT_ANY,
  },
  'tenant-dev': {
    scope: 'tenants',
    verbs: {
      Tenant: ['get', 'list', 'issue-kubeconfig'],
      Project: ['get', 'list', 'issue-kubeconfig'],
      App: [...CRUD, 'rollout', 'rollback', 'control-workflow'],
      PolicySet: READ,
      KubeconfigGrant: READ,
    },
    operations: ['read-events'],
    grantable: { roles: ['edit', 'view'], customVerbs: false, otherSubjects: false },
  },
  'tenant-reader': {
    scope: 'tenants',
    verbs: { Tenant: READ, Project: READ, App: [...READ, 'rollout'], PolicySet: READ, KubeconfigGrant: READ },
    operations: ['read-events'],
    grantable: GRANT_NONE,
  },
};

/** Spec fields (dotted paths) that are platform guardrails: a tenant-scoped caller allowed to
 *  update the object must leave them as they are. */
export const PLATFORM_FIELDS: Partial<Record<Kind, readonly string[]>> = {
  Tenant: ['quotas', 'networkIsolation', 'allowedRegistries', 'allowedClasses', 'policySets', 'placement', 'driftPolicy', 'namespaceOptions.forbiddenLabels'],
};

export function tableRolesOf(principal: Principal): TableRole[] {
  if (principal.bindings) return [...new Set(principal.bindings.map(tableRoleOf))];
  return principal.roles.map((role) => {
    if (role === 'read-only') return principal.tenants === undefined ? 'platform-reader' : 'tenant-reader';
    return role;
  });
}

/** A rule-given right's row: `read-only` of a tenant reads that tenant, of none the platform. */
function tableRoleOf(binding: RoleBinding): TableRole {
  if (binding.role === 'read-only') return binding.tenant === undefined ? 'platform-reader' : 'tenant-reader';
  return binding.role;
}

/** Which objects a permission reaches: every one, or those of these tenants. */
export type Scope = 'all' | readonly string[];

/** A right held in one project of a tenant (a project-scoped role rule or API token). */
export interface ProjectScope {
  tenant: string;
  project: string;
}

/** `projects`: beyond `scope`, the projects whose objects the permission reaches (and whose
 *  tenant it may read). */
export type Access = { allowed: false } | { allowed: true; scope: Scope; roles: TableRole[]; projects?: readonly ProjectScope[] };

/** Kinds whose objects live in one project: the project itself, its apps and grants, and API
 *  tokens scoped to it. */
const PROJECT_KINDS: readonly Kind[] = ['Project', 'App', 'KubeconfigGrant', 'ApiToken'];

/** What a role held in one project allows: the role's verbs on that project's objects, except
 *  creating or deleting the project itself, and reading (only) its tenant, so the project can
 *  be found. Nothing platform-wide, nothing tenant-wide. */
export function projectRightAllows(role: TableRole, kind: Kind, verb: Verb): boolean {
  const allowed = AUTHORIZATION[role].verbs[kind]?.includes(verb) ?? false;
  if (kind === 'Tenant') return allowed && (verb === 'get' || verb === 'list');
  if (kind === 'Project' && (verb === 'create' || verb === 'delete')) return false;
  return allowed && PROJECT_KINDS.includes(kind);
}

/** Whether the principal may `verb` objects of `kind` at all, and over which tenants (and
 *  projects): the union over the roles that allow it. With `tenant`, only the roles that apply
 *  in that tenant count (what a tenant-admin of one tenant may hand out is not what a tenant-dev
 *  of another may); a right held in one project counts only when `project` names it too. */
export function authorize(principal: Principal, kind: Kind, verb: Verb, tenant?: string, project?: string): Access {
  const allows = (r: TableRole) => AUTHORIZATION[r].verbs[kind]?.includes(verb) ?? false;
  const platformWide = (r: TableRole) => AUTHORIZATION[r].scope === 'platform';
  if (principal.bindings) {
    // Each right with its own tenant: tenant-admin of A and tenant-dev of B is not admin of B.
    const rights = principal.bindings
      .map((b) => ({ role: tableRoleOf(b), tenant: b.tenant, project: b.project }))
      .filter((b) =>
        b.project === undefined
          ? allows(b.role) && (tenant === undefined || platformWide(b.role) || b.tenant === tenant)
          : projectRightAllows(b.role, kind, verb) && (tenant === undefined || (b.tenant === tenant && (kind === 'Tenant' || b.project === project))),
      );
    if (rights.length === 0) return { allowed: false };
    const roles = [...new Set(rights.map((b) => b.role))];
    if (roles.some(platformWide)) return { allowed: true, scope: 'all', roles };
    const tenantWide = rights.filter((b) => b.project === undefined);
    const projects = rights.filter((b) => b.project !== undefined).map((b) => ({ tenant: b.tenant!, project: b.project! }));
    return { allowed: true, scope: [...new Set(tenantWide.map((b) => b.tenant!))], roles, ...(projects.length > 0 && { projects }) };
  }
  const inTenant = (r: TableRole) => tenant === undefined || platformWide(r) || (principal.tenants ?? []).includes(tenant);
  const roles = tableRolesOf(principal).filter((r) => allows(r) && inTenant(r));
  if (roles.length === 0) return { allowed: false };
  const platform = roles.some(platformWide);
  return { allowed: true, scope: platform ? 'all' : (principal.tenants ?? []), roles };
}

/** Whether an allowed access reaches an object of `kind` in `tenant` (and `project`: a project's
 *  own name, or the project an object lives in). */
export function reaches(access: Access, kind: Kind, tenant: string | undefined, project: string | undefined): boolean {
  if (!access.allowed) return false;
  if (inScope(access.scope, tenant)) return true;
  return (access.projects ?? []).some((p) => p.tenant === tenant && (kind === 'Tenant' || p.project === project));
}

/** Whether one of the principal's roles may perform `operation`. */
export function mayPerform(principal: Principal, operation: Operation): boolean {
  // Every authenticated caller may see who they are and what they may do, rights or none.
  if (operation === 'whoami') return true;
  return tableRolesOf(principal).some((r) => AUTHORIZATION[r].operations.includes(operation));
}

export function inScope(scope: Scope, tenant: string | undefined): boolean {
  return scope === 'all' || (tenant !== undefined && scope.includes(tenant));
}

export interface RequestedAccess {
  role?: GrantRole;
  verbs?: readonly string[];
  /** Whether the kubeconfig is for the caller (the token subject). */
  forSelf: boolean;
}

/** Whether one of `roles` (those that allowed the issuing verb) may hand out this access. */
export function mayGrant(roles: readonly TableRole[], access: RequestedAccess): boolean {
  return roles.some((r) => {
    const g = AUTHORIZATION[r].grantable;
    if (access.verbs !== undefined && !g.customVerbs) return false;
    if (!access.forSelf && !g.otherSubjects) return false;
    return access.role === undefined || g.roles.includes(access.role);
  });
}
