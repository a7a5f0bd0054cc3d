// How KubeNova recognises what it projected into a cluster: every object it applies carries these
// labels, so it can be found (watches, pruning, deletion) and so that objects without them are
// never touched. No I/O here.

export const MANAGED_BY_LABEL = 'app.kubernetes.io/managed-by';
export const MANAGED_BY_VALUE = 'kubenova';
/** The KubeNova tenant an object was projected for. */
export const TENANT_LABEL = 'kubenova.io/tenant';
/** The KubeNova project an object was projected for (namespace-scoped projections of a project). */
export const PROJECT_LABEL = 'kubenova.io/project';
/** The KubeNova app an object was projected for (an app's objects carry its project's labels too). */
export const APP_LABEL = 'kubenova.io/app';

/** Finalizer of every intent projected into clusters: set at creation, removed by its reconciler
 *  once what it projected is gone from every cluster (then the store deletes the object). */
export const CLEANUP_FINALIZER = 'kubenova.io/cleanup';

/** The label selector every KubeNova watch on a cluster uses. */
export const MANAGED_SELECTOR = `${MANAGED_BY_LABEL}=${MANAGED_BY_VALUE}`;

/** KubeNova's objects of any project that belong to the project itself, not to one of its apps
 *  (its namespace, the identity its apps run as). */
export const PROJECT_OBJECTS_SELECTOR = `${MANAGED_SELECTOR},${PROJECT_LABEL},!${APP_LABEL}`;

/** The KubeNova Definition a platform-wide object (a KubeVela definition in vela-system) was
 *  projected for. Such objects carry no tenant label. */
export const DEFINITION_LABEL = 'kubenova.io/definition';

/** Who an object belongs to in KubeNova: a tenant, a project of a tenant, an app of a project, or (platform-wide
 *  intents, no tenant) a Definition. */
export type Owner = TenancyOwner | { definition: string };
export type TenancyOwner = { tenant: string; project?: string; app?: string };

/** How messages name an owner's kind. */
export const ownerNoun = (owner: Owner): string =>
  'definition' in owner ? 'definition' : owner.app !== undefined ? 'app' : owner.project !== undefined ? 'project' : 'tenant';

export function ownershipLabels(owner: Owner): Record<string, string> {
  if ('definition' in owner) return { [MANAGED_BY_LABEL]: MANAGED_BY_VALUE, [DEFINITION_LABEL]: owner.definition };
  return {
    [MANAGED_BY_LABEL]: MANAGED_BY_VALUE,
    [TENANT_LABEL]: owner.tenant,
    ...(owner.project !== undefined && { [PROJECT_LABEL]: owner.project }),
    ...(owner.app !== undefined && { [APP_LABEL]: owner.app }),
  };
}

/** The selector that finds exactly what one owner projected. A tenant's own objects are those
 *  without a project label, a project's those without an app label: the narrower owners' objects
 *  belong to their own reconcilers. */
export function ownershipSelector(owner: Owner): string {
  if ('definition' in owner) return `${MANAGED_SELECTOR},${DEFINITION_LABEL}=${owner.definition},!${TENANT_LABEL}`;
  const base = `${MANAGED_SELECTOR},${TENANT_LABEL}=${owner.tenant}`;
  if (owner.project === undefined) return `${base},!${PROJECT_LABEL}`;
  const project = `${base},${PROJECT_LABEL}=${owner.project}`;
  return owner.app !== undefined ? `${project},${APP_LABEL}=${owner.app}` : `${project},!${APP_LABEL}`;
}

/** Whether labels say the object was projected by KubeNova for exactly this owner. */
export function isOwnedBy(labels: Record<string, string> | undefined, owner: Owner): boolean {
  if ('definition' in owner) {
    return labels?.[MANAGED_BY_LABEL] === MANAGED_BY_VALUE && labels[DEFINITION_LABEL] === owner.definition && labels[TENANT_LABEL] === undefined;
  }
  return (
    labels?.[MANAGED_BY_LABEL] === MANAGED_BY_VALUE &&
    labels[TENANT_LABEL] === owner.tenant &&
    labels[PROJECT_LABEL] === owner.project &&
    labels[APP_LABEL] === owner.app
  );
}

/** The work-queue key of the intent that owns a projected object (`App/<a>`, `Project/<p>` or
 *  `Tenant/<t>`), from its labels; undefined for objects KubeNova did not project. */
export function ownerKeyOf(labels: Record<string, string> | undefined): string | undefined {
  if (labels?.[MANAGED_BY_LABEL] !== MANAGED_BY_VALUE) return undefined;
  if (labels[APP_LABEL]) return `App/${labels[APP_LABEL]}`;
  if (labels[DEFINITION_LABEL] && !labels[TENANT_LABEL]) return `Definition/${labels[DEFINITION_LABEL]}`;
  if (labels[PROJECT_LABEL]) return `Project/${labels[PROJECT_LABEL]}`;
  if (labels[TENANT_LABEL]) return `Tenant/${labels[TENANT_LABEL]}`;
  return undefined;
}
