// KubeconfigGrant: the record of kubeconfig access given to a subject: tenant or project scope,
// cluster, namespaces, role or verbs, TTL. Issued (later) as a ServiceAccount token bound by
// RoleBindings, with the cluster's capsule-proxy as server; deleting the grant revokes it.
import { Type } from 'typebox';
import { requesterOf } from '../../security/identity.js';
import { DEFAULT_TTL_SECONDS, GRANT_ACCESS, GRANT_SPEC, GrantSubject, GrantTtl, type GrantSpec } from '../../domain/kinds/grant.js';
import { CLEANUP_FINALIZER } from '../../domain/ownership.js';
import type { Labels, Resource } from '../../domain/resource.js';
import { mayGrant, type TableRole } from '../../security/authorization.js';
import { ApiError } from '../errors.js';
import { Name, Strict, withDefault } from '../../domain/schema.js';
import { representFields } from '../representation.js';
import type { AdmissionContext, CustomMethod, FieldProblem, KindDescriptor, Spec } from './descriptor.js';
import { PROJECT_LABEL, rejectProblems, requirePlacedCluster, requireTenantPrefix, resolveReference, unprocessable } from './references.js';
import type { TenantSpec } from '../../domain/kinds/tenant.js';

/** The checks a grant must pass, whether stored (create) or issued directly (issue-kubeconfig).
 *  `issuersIn` gives the caller's roles that allow the issuing verb in a tenant: they bound the access given.
 *  `at` is where the grant's fields sit in the request body. Returns the tenant. */
export async function admitGrant(
  spec: GrantSpec,
  ctx: AdmissionContext,
  /** The caller's roles that may issue the grant, in the grant's tenant (and its project). */
  issuersIn: (tenant: string, project?: string) => readonly TableRole[],
  at: string,
): Promise<string> {
  const problems: FieldProblem[] = [];
  if (spec.role !== undefined && spec.verbs !== undefined) {
    problems.push({ field: `${at}verbs`, reason: 'give either role or verbs, not both' });
  }
  if (spec.role === undefined && spec.verbs === undefined) {
    problems.push({ field: `${at}role`, reason: 'one of role or verbs is required' });
  }
  const namespaces = spec.namespaces ?? [];
  if (spec.project !== undefined && namespaces.some((n) => n !== spec.project)) {
    problems.push({ field: `${at}namespaces`, reason: 'a project grant covers only its own project' });
  }
  rejectProblems(problems);

  // From a URL (issue-kubeconfig), tenant and project were already found visible.
  const tenant = await resolveReference<TenantSpec>(ctx, 'Tenant', spec.tenant, `${at}tenant`);
  const inTenant = async (project: string, field: string) => {
    const found = await resolveReference(ctx, 'Project', project, field);
    if (found.tenant !== tenant.name) throw unprocessable(field, `Project "${project}" not found in tenant "${tenant.name}"`);
  };
  if (spec.project !== undefined) await inTenant(spec.project, `${at}project`);
  else for (const [i, ns] of namespaces.entries()) await inTenant(ns, `${at}namespaces/${i}`);
  await requirePlacedCluster(ctx, tenant, spec.cluster, `${at}cluster`);

  const forSelf = spec.subject === ctx.caller.principal.subject;
  const issuers = issuersIn(tenant.name, spec.project);
  if (!mayGrant(issuers, { role: spec.role, verbs: spec.verbs, forSelf })) {
    const what = spec.verbs ? 'custom verbs' : `role "${spec.role}"`;
    throw new ApiError('FORBIDDEN', `your roles (${issuers.join(', ')}) may not grant ${what}${forSelf ? '' : ' to someone else'}`);
  }
  return tenant.name;
}

export const grantKind: KindDescriptor = {
  kind: 'KubeconfigGrant',
  plural: 'kubeconfiggrants',
  spec: GRANT_SPEC,
  // A grant is issued as it is; a different access is a new grant (and this one is revoked).
  immutable: ['tenant', 'project', 'cluster', 'subject', 'ttlSeconds', 'role', 'verbs', 'namespaces', 'requestedBy'],
  // Deleting a grant revokes it: its reconciler removes its cluster objects first.
  finalizers: [CLEANUP_FINALIZER],
  async admit(name, spec, ctx) {
    // The whole spec is immutable: an update (labels only) keeps what was admitted at creation.
    if (ctx.current) return { tenant: ctx.current.tenant };
    // Whatever the body said, the record names the caller as its requester.
    (spec as unknown as GrantSpec).requestedBy = requesterOf(ctx.caller.principal);
    const issuersIn = (tenant: string, project?: string) => ctx.caller.rolesFor('KubeconfigGrant', 'create', tenant, project);
    const tenant = await admitGrant(spec as unknown as GrantSpec, ctx, issuersIn, 'spec/');
    // Names issue-kubeconfig generates start with the project's or tenant's name: they comply.
    requireTenantPrefix(ctx, name, tenant);
    return { tenant };
  },
  systemLabels: (spec): Labels => (spec.project === undefined ? {} : { [PROJECT_LABEL]: spec.project as string }),
};

const IssueBody = Strict({
  cluster: Name,
  subject: Type.Optional({ ...GrantSubject, description: 'Default: the caller (the token subject).' }),
  ttlSeconds: Type.Optional(withDefault(GrantTtl, DEFAULT_TTL_SECONDS)),
  ...GRANT_ACCESS,
});

/** `POST /tenants/{name}:issue-kubeconfig`, `POST /projects/{name}:issue-kubeconfig`. */
export function issueKubeconfigMethod(scope: 'Tenant' | 'Project'): CustomMethod {
  return {
    name: 'issue-kubeconfig',
    verb: 'issue-kubeconfig',
    status: 201,
    summary: `Issue a kubeconfig scoped to the ${scope.toLowerCase()}, served through capsule-proxy`,
    body: IssueBody,
    async handle(target: Resource, body: Spec, ctx) {
      const spec: GrantSpec = {
        tenant: scope === 'Tenant' ? target.name : target.tenant!,
        cluster: body.cluster as string,
        subject: (body.subject as string | undefined) ?? ctx.caller.principal.subject,
        ttlSeconds: (body.ttlSeconds as number | undefined) ?? DEFAULT_TTL_SECONDS,
        namespaces: body.namespaces as string[] | undefined,
        requestedBy: requesterOf(ctx.caller.principal),
      };
      if (scope === 'Project') spec.project = target.name;
      if (body.role !== undefined) spec.role = body.role as GrantSpec['role'];
      if (body.verbs !== undefined) spec.verbs = body.verbs as GrantSpec['verbs'];
      // Neither given: the least access.
      if (spec.role === undefined && spec.verbs === undefined) spec.role = 'view';
      const tenant = await admitGrant(spec, ctx, (t, p) => ctx.caller.rolesFor(scope, 'issue-kubeconfig', t, p), '');
      const issuing = ctx.services.grants;
      if (!issuing) throw new ApiError('NOT_IMPLEMENTED', 'this server issues no kubeconfigs (no grant issuer configured)');
      const specWithDefaults: GrantSpec = { ...spec, namespaces: spec.namespaces ?? [] };
      const { grant, kubeconfig } = await issuing.issue(
        { tenant, labels: grantKind.systemLabels!(specWithDefaults), spec: specWithDefaults },
        { correlationId: ctx.requestId },
      );
      // The only response that ever carries the token.
      return { grant: representFields(grant), kubeconfig };
    },
  };
}
