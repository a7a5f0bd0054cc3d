// Admission checks shared by several kinds: references to other objects, placement, uniqueness.
// A reference the caller cannot see fails exactly like a missing one (422, same message), so
// references never reveal another tenant's objects.
import { placementSelects, type Placement } from '../../domain/placement.js';
import type { Kind, Resource } from '../../domain/resource.js';
import { ApiError, validationFailed } from '../errors.js';
import type { AdmissionContext, FieldProblem } from './descriptor.js';

/** The label KubeNova puts on objects of a project (apps, grants): lists by project use it. */
export { PROJECT_LABEL } from '../../domain/ownership.js';
/** Label keys under this prefix are set by KubeNova, never by clients. */
export const SYSTEM_LABEL_PREFIX = 'kubenova.io/';

/** A key as one token of a JSON pointer (`/` and `~` escaped), for error `field`s. */
export const jsonPointerToken = (key: string): string => key.replace(/~/g, '~0').replace(/\//g, '~1');

export function unprocessable(field: string, reason: string): ApiError {
  return new ApiError('UNPROCESSABLE', reason, [{ field: `body/${field}`, reason }]);
}

/** The referenced object, if it exists and the caller can see it; 422 otherwise. */
export async function resolveReference<S = Record<string, unknown>>(ctx: AdmissionContext, kind: Kind, name: string, field: string): Promise<Resource<S>> {
  const found = await ctx.caller.find<S>(kind, name);
  if (!found) throw unprocessable(field, `${kind} "${name}" not found`);
  return found;
}

/** 422 unless the cluster exists and the tenant is placed on it. Both cases give one message:
 *  tenants do not learn which clusters exist outside their placement. */
export async function requirePlacedCluster(ctx: AdmissionContext, tenant: Resource<{ placement?: Placement }>, cluster: string, field: string): Promise<void> {
  const found = await ctx.objects.get('Cluster', cluster);
  if (!found || !placementSelects(tenant.spec.placement, found)) {
    throw unprocessable(field, `cluster "${cluster}" is not in the placement of tenant "${tenant.name}"`);
  }
}

/**
 * The tenant prefix rule (Capsule's `forceTenantPrefix`): a new project, app or kubeconfig grant
 * of tenant `t` is named `t-...`, and no tenant's name is another's plus `-...`
 * (`requireDisjointPrefix`). So names of different tenants never collide: a 409 only ever
 * concerns the caller's own objects, and no tenant can probe or squat another's names. Names are
 * fixed at creation, so only creates are checked (objects named before the rule keep theirs).
 */
export function requireTenantPrefix(ctx: AdmissionContext, name: string, tenant: string): void {
  if (ctx.current || ctx.forceTenantPrefix === false || name.startsWith(`${tenant}-`)) return;
  const reason = `must start with "${tenant}-"`;
  throw new ApiError('UNPROCESSABLE', `name ${reason}: names of a tenant's projects, apps and grants start with the tenant's name and a dash`, [
    { field: 'body/name', reason },
  ]);
}

/** With the tenant prefix rule on, 422 for a new tenant whose name is another's plus `-...` (or
 *  the other way round): the two would share names under the rule. */
export async function requireDisjointPrefix(ctx: AdmissionContext, name: string): Promise<void> {
  if (ctx.current || ctx.forceTenantPrefix === false) return;
  const overlap = (other: string) => {
    const reason = `overlaps tenant "${other}": with the tenant prefix rule, one tenant's name may not start with another's and a dash`;
    return new ApiError('UNPROCESSABLE', `name ${reason}`, [{ field: 'body/name', reason }]);
  };
  // One question to the store, never a read of every tenant: the first in name order of the
  // tenants `name` starts with (plus a dash) and those starting with `name-`, the one named when
  // every tenant was read in order.
  const prefixes = [...name.matchAll(/-/g)].map((dash) => name.slice(0, dash.index));
  const other = await ctx.objects.firstName('Tenant', { names: prefixes, namePrefix: `${name}-` });
  if (other !== undefined) throw overlap(other);
}

/** Duplicate `name`s in a list of named items, as problems. */
export function duplicateNames(items: readonly { name: string }[] | undefined, field: string): FieldProblem[] {
  const seen = new Set<string>();
  const problems: FieldProblem[] = [];
  items?.forEach((item, i) => {
    if (seen.has(item.name)) problems.push({ field: `${field}/${i}/name`, reason: `duplicate name "${item.name}"` });
    seen.add(item.name);
  });
  return problems;
}

/** Throws VALIDATION_FAILED listing the problems, if any. */
export function rejectProblems(problems: readonly FieldProblem[]): void {
  if (problems.length > 0) throw validationFailed(problems.map((p) => ({ field: `body/${p.field}`, reason: p.reason })));
}
