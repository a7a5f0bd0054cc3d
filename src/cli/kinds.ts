// The one table that drives every generic command: each KubeNova kind with its names on the
// command line (singular, plural, short aliases), its API paths and its kind-specific columns.
import type { Kind } from '../domain/resource.js';
import { usageError } from './errors.js';

/** An API object as the CLI sees it: the shared shape, every field optional (it is read over HTTP). */
export interface ApiObject {
  kind?: string;
  name: string;
  tenant?: string;
  labels?: Record<string, string>;
  spec?: Record<string, unknown>;
  status?: { phase?: string; observedGeneration?: number; [k: string]: unknown };
  generation?: number;
  resourceVersion?: string;
  createdAt?: string;
  updatedAt?: string;
  deletionTimestamp?: string;
  finalizers?: string[];
  [extra: string]: unknown;
}

export interface Column {
  header: string;
  value(obj: ApiObject): string | undefined;
}

/** A parent whose URL lists (or creates) children: `/tenants/{t}/projects`, `/projects/{p}/apps`. */
export type ParentScope = 'tenant' | 'project';

export interface KindDescriptor {
  kind: Kind;
  /** Lower-case singular, used in `-o name` and messages: `tenant/acme`. */
  singular: string;
  /** URL segment: `/api/v1/{plural}`. */
  plural: string;
  aliases: readonly string[];
  /** Whether objects belong to a tenant (shows the TENANT column). */
  tenantScoped: boolean;
  /** Write-only top-level body fields beside name/labels/spec (a cluster's kubeconfig). Responses
   *  only describe them (`{set, keyId}`); only string values are ever sent. */
  writeOnlyFields: readonly string[];
  /** Parents whose URL lists this kind: `get <kind> --tenant t` / `--project p`. */
  listParents: readonly ParentScope[];
  /** Created inside their tenant's URL (`POST /tenants/{t}/projects`) when a tenant is given. */
  createdInTenant: boolean;
  /** Kind-specific columns, shown after PHASE in tables. */
  columns: readonly Column[];
}

const seg = encodeURIComponent;

export function collectionPath(d: KindDescriptor): string {
  return `/${d.plural}`;
}

const PARENT_PLURAL: Record<ParentScope, string> = { tenant: 'tenants', project: 'projects' };

/** The children of one parent: `/tenants/acme/apps`. */
export function childCollectionPath(d: KindDescriptor, parent: ParentScope, parentName: string): string {
  return `/${PARENT_PLURAL[parent]}/${seg(parentName)}/${d.plural}`;
}

export function objectPath(d: KindDescriptor, name: string): string {
  return `/${d.plural}/${seg(name)}`;
}

/** A custom method on an object: `/apps/{name}:rollback`. */
export function methodPath(d: KindDescriptor, name: string, method: string): string {
  return `${objectPath(d, name)}:${method}`;
}

// Field readers that tolerate any shape: columns show what is there and `<none>` otherwise.
function at(obj: unknown, ...path: string[]): unknown {
  let cur = obj;
  for (const p of path) {
    if (!cur || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[p];
  }
  return cur;
}

function str(v: unknown): string | undefined {
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return String(v);
  return undefined;
}

function first(obj: unknown, ...paths: string[][]): string | undefined {
  for (const p of paths) {
    const v = str(at(obj, ...p));
    if (v !== undefined) return v;
  }
  return undefined;
}

function listOf(v: unknown, pick?: (x: unknown) => string | undefined): string | undefined {
  if (!Array.isArray(v) || v.length === 0) return undefined;
  const names = v.map((x) => (pick ? pick(x) : str(x)) ?? '?');
  return names.length > 3 ? `${names.slice(0, 3).join(',')},+${names.length - 3}` : names.join(',');
}

const keysOf = (v: unknown): string[] | undefined => (v && typeof v === 'object' && !Array.isArray(v) ? Object.keys(v) : undefined);

export function formatLabels(labels: Record<string, string> | undefined): string | undefined {
  if (!labels) return undefined;
  const entries = Object.entries(labels);
  if (entries.length === 0) return undefined;
  return entries.map(([k, v]) => `${k}=${v}`).join(',');
}

const namedItem = (x: unknown): string | undefined => str(x) ?? first(x, ['name'], ['kind']);

const seconds = (v: unknown): string | undefined => {
  if (typeof v !== 'number') return undefined;
  if (v % 86400 === 0) return `${v / 86400}d`;
  if (v % 3600 === 0) return `${v / 3600}h`;
  if (v % 60 === 0) return `${v / 60}m`;
  return `${v}s`;
};

/** What a cluster's discovered capabilities say is there (the reconciler fills them in). */
const clusterCapabilities = (obj: ApiObject): string | undefined => {
  const caps = at(obj, 'status', 'capabilities');
  if (!caps || typeof caps !== 'object') return undefined;
  const present = Object.entries(caps as Record<string, unknown>)
    .filter(
      ([, v]) =>
        v === true ||
        (Array.isArray(v) && v.length > 0) ||
        (typeof v === 'string' && v !== '') ||
        (v !== null && typeof v === 'object' && Object.keys(v).length > 0),
    )
    .map(([k]) => k);
  return listOf(present);
};

export const KIND_DESCRIPTORS: readonly KindDescriptor[] = [
  {
    kind: 'Cluster',
    singular: 'cluster',
    plural: 'clusters',
    aliases: ['cl'],
    tenantScoped: false,
    writeOnlyFields: ['kubeconfig'],
    listParents: [],
    createdInTenant: false,
    columns: [
      { header: 'CAPSULE-PROXY', value: (o) => first(o, ['spec', 'capsuleProxy', 'url']) },
      { header: 'CAPABILITIES', value: clusterCapabilities },
      { header: 'LABELS', value: (o) => formatLabels(o.labels) },
    ],
  },
  {
    kind: 'Tenant',
    singular: 'tenant',
    plural: 'tenants',
    aliases: ['tn'],
    tenantScoped: false,
    writeOnlyFields: [],
    listParents: [],
    createdInTenant: false,
    columns: [
      { header: 'OWNERS', value: (o) => listOf(at(o, 'spec', 'owners'), namedItem) },
      // Where it is projected (status, per cluster), else where it is placed by name.
      { header: 'CLUSTERS', value: (o) => listOf(keysOf(at(o, 'status', 'clusters'))) ?? listOf(at(o, 'spec', 'placement', 'clusters')) },
    ],
  },
  {
    kind: 'Project',
    singular: 'project',
    plural: 'projects',
    aliases: ['proj', 'pj'],
    tenantScoped: true,
    writeOnlyFields: [],
    listParents: ['tenant'],
    createdInTenant: true,
    columns: [],
  },
  {
    kind: 'App',
    singular: 'app',
    plural: 'apps',
    aliases: ['application', 'applications'],
    tenantScoped: true,
    writeOnlyFields: [],
    listParents: ['tenant', 'project'],
    createdInTenant: false,
    columns: [
      { header: 'PROJECT', value: (o) => first(o, ['spec', 'project']) },
      { header: 'COMPONENTS', value: (o) => listOf(at(o, 'spec', 'components'), namedItem) },
      { header: 'REVISION', value: (o) => first(o, ['status', 'revision'], ['status', 'latestRevision'], ['status', 'latestRevision', 'name']) },
    ],
  },
  {
    kind: 'PolicySet',
    singular: 'policyset',
    plural: 'policysets',
    aliases: ['ps', 'policy-set', 'policy-sets'],
    tenantScoped: false,
    writeOnlyFields: [],
    listParents: [],
    createdInTenant: false,
    columns: [
      { header: 'POD-SECURITY', value: (o) => first(o, ['spec', 'podSecurity']) },
      { header: 'REGISTRIES', value: (o) => listOf(at(o, 'spec', 'allowedRegistries')) },
    ],
  },
  {
    kind: 'KubeconfigGrant',
    singular: 'kubeconfiggrant',
    plural: 'kubeconfiggrants',
    aliases: ['kcg', 'grant', 'grants', 'kubeconfig-grant', 'kubeconfig-grants'],
    tenantScoped: true,
    writeOnlyFields: [],
    listParents: ['tenant', 'project'],
    createdInTenant: false,
    columns: [
      { header: 'PROJECT', value: (o) => first(o, ['spec', 'project']) },
      { header: 'CLUSTER', value: (o) => first(o, ['spec', 'cluster']) },
      { header: 'SUBJECT', value: (o) => first(o, ['spec', 'subject']) },
      { header: 'ACCESS', value: (o) => first(o, ['spec', 'role']) ?? listOf(at(o, 'spec', 'verbs')) },
      { header: 'TTL', value: (o) => seconds(at(o, 'spec', 'ttlSeconds')) },
      { header: 'EXPIRES', value: (o) => first(o, ['status', 'expiresAt']) },
    ],
  },
];

const byName = new Map<string, KindDescriptor>();
for (const d of KIND_DESCRIPTORS) {
  for (const n of [d.kind, d.singular, d.plural, ...d.aliases]) byName.set(n.toLowerCase(), d);
}

/** Resolves any accepted spelling (`tenant`, `Tenants`, `tn`, `Tenant`) to its descriptor. */
export function resolveKind(input: string): KindDescriptor {
  const d = byName.get(input.trim().toLowerCase());
  if (!d) {
    const known = KIND_DESCRIPTORS.map((k) => [k.plural, ...k.aliases].join('|')).join(', ');
    throw usageError(`unknown resource kind "${input}"; known: ${known}`);
  }
  return d;
}

export function descriptorFor(kind: Kind): KindDescriptor {
  const d = KIND_DESCRIPTORS.find((k) => k.kind === kind);
  if (!d) throw new Error(`no descriptor for kind ${kind}`);
  return d;
}
