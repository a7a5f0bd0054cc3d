// What one caller can see and touch, applied to actual objects: the authorization table
// (security/authorization.ts) decides per kind and verb; this decides per object, by tenant.
// An object outside the caller's view is reported exactly like a missing one.
import { KIND_OWNERSHIP, type Kind, type Resource } from '../domain/resource.js';
import type { ObjectStore } from '../store/types.js';
import type { Principal } from '../security/auth.js';
import { authorize, inScope, reaches, type Access, type Scope, type TableRole, type Verb } from '../security/authorization.js';
import { PROJECT_LABEL } from '../domain/ownership.js';
import { annotateLogContext } from '../observability/context.js';
import { ApiError, notFound } from './errors.js';

/** Names the object's tenant (and a cluster's name) in the log lines of the request. */
export function annotateLogContextWith(obj: Pick<Resource, 'kind' | 'name' | 'tenant'>): void {
  annotateLogContext({ tenant: obj.tenant, cluster: obj.kind === 'Cluster' ? obj.name : undefined });
}

export class CallerScope {
  private readonly accessCache = new Map<string, Access>();
  private attached: Promise<Set<string>> | undefined;
  private readonly projectTenants = new Map<string, Promise<string | undefined>>();

  constructor(
    readonly principal: Principal,
    private readonly objects: ObjectStore,
  ) {}

  access(kind: Kind, verb: Verb, tenant?: string, project?: string): Access {
    const key = `${kind} ${verb} ${tenant ?? ''} ${project ?? ''}`;
    let a = this.accessCache.get(key);
    if (!a) this.accessCache.set(key, (a = authorize(this.principal, kind, verb, tenant, project)));
    return a;
  }

  /** The caller's table roles that allow `verb` on `kind` (in `tenant`, and in `project` of it, if
   *  given: rights held in one project count only there). */
  rolesFor(kind: Kind, verb: Verb, tenant?: string, project?: string): TableRole[] {
    const a = this.access(kind, verb, tenant, project);
    return a.allowed ? a.roles : [];
  }

  /** Whether an allowed access reaches this object through a right held in its project. Such a
   *  right reaches its tenant only while the project exists in that tenant: a rule naming a
   *  project under the wrong tenant reaches nothing. */
  async reachesInProject(obj: Pick<Resource, 'kind' | 'name' | 'tenant' | 'labels'>, access: Access): Promise<boolean> {
    if (!access.allowed || !access.projects?.length) return false;
    if (obj.kind !== 'Tenant') return reaches({ ...access, scope: [] }, obj.kind, obj.tenant, projectOf(obj));
    for (const p of access.projects) {
      if (p.tenant === obj.name && (await this.tenantOfProject(p.project)) === p.tenant) return true;
    }
    return false;
  }

  private tenantOfProject(project: string): Promise<string | undefined> {
    let t = this.projectTenants.get(project);
    if (!t) this.projectTenants.set(project, (t = this.objects.get('Project', project).then((p) => p?.tenant)));
    return t;
  }

  /** The tenants a list of `kind` is restricted to; 'all' for platform-wide callers. */
  listScope(kind: Kind): Scope {
    const a = this.access(kind, 'list');
    return a.allowed ? a.scope : [];
  }

  /** Whether `obj` lies within `scope`: by its tenant, or (policy sets) by attachment. */
  async covers(obj: Resource, scope: Scope): Promise<boolean> {
    if (scope === 'all') return true;
    switch (KIND_OWNERSHIP[obj.kind]) {
      case 'tenant':
        return inScope(scope, obj.tenant);
      case 'attached':
        return (await this.attachedPolicySets()).has(obj.name);
      case 'platform':
        return false;
    }
  }

  private async may(obj: Resource, verb: Verb): Promise<boolean> {
    const a = this.access(obj.kind, verb);
    return a.allowed && ((await this.covers(obj, a.scope)) || (await this.reachesInProject(obj, a)));
  }

  /** The object, if it exists and the caller may see it (get). */
  async find<S = Record<string, unknown>>(kind: Kind, name: string): Promise<Resource<S> | undefined> {
    const obj = await this.objects.get<S>(kind, name);
    return obj && (await this.may(obj as Resource, 'get')) ? obj : undefined;
  }

  /** The object the caller wants to `verb`: NOT_FOUND if it does not exist or the caller cannot
   *  see it; FORBIDDEN if they can see it but not `verb` it. */
  async require<S = Record<string, unknown>>(kind: Kind, name: string, verb: Verb): Promise<Resource<S>> {
    const obj = await this.objects.get<S>(kind, name);
    if (obj && (await this.may(obj as Resource, verb))) {
      annotateLogContextWith(obj);
      return obj;
    }
    if (obj && verb !== 'get' && (await this.may(obj as Resource, 'get'))) {
      throw new ApiError('FORBIDDEN', `you may not ${verb} ${kind} "${name}"`);
    }
    throw notFound(kind, name);
  }

  /** FORBIDDEN unless the caller may `verb` objects of `kind` owned by `tenant` (in `project`: a
   *  right held in that project counts too) (which the caller
   *  could already see, or it would not have been resolved). */
  requireTenant(kind: Kind, verb: Verb, tenant: string | undefined, project?: string): void {
    const a = this.access(kind, verb);
    if (!reaches(a, kind, tenant, project)) {
      const where = tenant ? ` in tenant "${tenant}"` : '';
      throw new ApiError('FORBIDDEN', `you may not ${verb} ${kind} objects${where}`);
    }
  }

  /** Names of the policy sets attached to the caller's tenants (a tenant scope is always the
   *  token's tenants, whatever the verb). */
  attachedPolicySets(): Promise<Set<string>> {
    this.attached ??= (async () => {
      const names = new Set<string>();
      for (const t of this.principal.tenants ?? []) {
        const tenant = await this.objects.get<{ policySets?: string[] }>('Tenant', t);
        for (const p of tenant?.spec.policySets ?? []) names.add(p);
      }
      return names;
    })();
    return this.attached;
  }
}

/** The project an object lives in: a project is its own; apps, grants and API tokens carry
 *  their project's system label (set by KubeNova only, see object-writes.ts). */
export function projectOf(obj: Pick<Resource, 'kind' | 'name' | 'labels'>): string | undefined {
  return obj.kind === 'Project' ? obj.name : obj.labels[PROJECT_LABEL];
}
