// The shape every KubeNova API object shares, whatever its kind. No I/O here.

export const KINDS = ['Cluster', 'Tenant', 'Project', 'App', 'PolicySet', 'KubeconfigGrant', 'Definition', 'RoleRule', 'ApiToken'] as const;
export type Kind = (typeof KINDS)[number];

/** Who an object of a kind belongs to:
 *  - tenant: each belongs to one tenant (`Resource.tenant`);
 *  - platform: none; invisible to tenant-scoped callers (clusters);
 *  - attached: none, but visible to tenant-scoped readers of a tenant that attaches it (policy sets). */
export type Ownership = 'tenant' | 'platform' | 'attached';

export const KIND_OWNERSHIP: Readonly<Record<Kind, Ownership>> = {
  Cluster: 'platform',
  Tenant: 'tenant',
  Project: 'tenant',
  App: 'tenant',
  PolicySet: 'attached',
  KubeconfigGrant: 'tenant',
  Definition: 'platform',
  RoleRule: 'platform',
  ApiToken: 'tenant',
};

export const PHASES = ['Pending', 'Applying', 'Deployed', 'Drifted', 'Error'] as const;
export type Phase = (typeof PHASES)[number];

export interface Condition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason: string;
  message: string;
  lastTransitionTime: string;
}

export interface ResourceStatus {
  phase: Phase;
  conditions: Condition[];
  /** The spec generation the status describes; lags `generation` while a change converges. */
  observedGeneration: number;
  /** Per-cluster detail, keyed by cluster name, filled by reconcilers (plus what they add, e.g.
   *  `drift`: the fields that differ from the intent). */
  clusters?: Record<string, { phase: Phase; conditions: Condition[]; observedGeneration: number; [extra: string]: unknown }>;
  [extra: string]: unknown;
}

export type Labels = Record<string, string>;

export interface Resource<Spec = Record<string, unknown>> {
  kind: Kind;
  name: string;
  /** The tenant the object belongs to (Tenant: itself; Project/App/KubeconfigGrant: their tenant;
   *  Cluster/PolicySet/Definition: undefined, platform-scoped). Tenant-scoped callers only ever see objects
   *  of their own tenants. */
  tenant?: string;
  labels: Labels;
  spec: Spec;
  status: ResourceStatus;
  /** Bumped on every change of `spec` (and only then). */
  generation: number;
  /** Opaque, changes on every write (spec, labels, status, finalizers); the ETag. */
  resourceVersion: string;
  createdAt: string;
  updatedAt: string;
  /** Set when deletion was requested while finalizers remain; the object is gone once they are. */
  deletionTimestamp?: string;
  finalizers: string[];
}

export function initialStatus(): ResourceStatus {
  return { phase: 'Pending', conditions: [], observedGeneration: 0 };
}

/** The work-queue key of an object of KubeNova's: `<Kind>/<name>`. */
export const reconcileKey = (kind: Kind, name: string): string => `${kind}/${name}`;
