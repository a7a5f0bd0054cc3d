// What a cluster serves: API groups and versions, the resources of a group version (to turn
// apiVersion + kind into a URL), and the server's version. Resource lists are cached per group
// version; a kind not found is looked up again (at most every few seconds), because CRDs come
// and go while KubeNova runs.
import type { KubeRest } from './rest.js';
import { KubeError } from './types.js';

export interface ResourceInfo {
  /** '' for the core group. */
  group: string;
  version: string;
  kind: string;
  /** The URL segment (`namespaces`, `tenants`). */
  plural: string;
  namespaced: boolean;
  verbs: string[];
}

export interface ServedGroup {
  /** '' for the core group. */
  name: string;
  versions: string[];
  preferredVersion?: string;
}

export interface ServerVersion {
  /** e.g. `v1.36.3`. */
  gitVersion: string;
  major: string;
  minor: string;
  platform?: string;
}

const MISS_REFRESH_MS = 5_000;

/** Aggregated discovery first; servers without it answer with the plain lists. */
const AGGREGATED_ACCEPT = 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json;q=0.9';

interface AggregatedList {
  kind: 'APIGroupDiscoveryList';
  items?: Array<{
    metadata?: { name?: string };
    versions?: Array<{
      version: string;
      resources?: Array<{ resource: string; responseKind?: { kind?: string }; scope?: string; verbs?: string[] }>;
    }>;
  }>;
}
type LegacyList = { kind?: string };

const isAggregated = (b: AggregatedList | LegacyList | undefined): b is AggregatedList => b?.kind === 'APIGroupDiscoveryList';

export function splitApiVersion(apiVersion: string): { group: string; version: string } {
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? { group: '', version: apiVersion } : { group: apiVersion.slice(0, slash), version: apiVersion.slice(slash + 1) };
}

function groupVersionPath(group: string, version: string): string {
  return group === '' ? `/api/${version}` : `/apis/${group}/${version}`;
}

/** `/apis/<group>/<version>[/namespaces/<ns>]/<plural>`; cluster-wide for namespaced kinds without a namespace. */
export function collectionPath(r: ResourceInfo, namespace?: string): string {
  const ns = r.namespaced && namespace ? `/namespaces/${encodeURIComponent(namespace)}` : '';
  return `${groupVersionPath(r.group, r.version)}${ns}/${r.plural}`;
}

export function objectPath(r: ResourceInfo, name: string, namespace?: string): string {
  if (r.namespaced && !namespace) throw new KubeError('Invalid', `${r.kind} "${name}" is namespaced: a namespace is required`);
  return `${collectionPath(r, namespace)}/${encodeURIComponent(name)}`;
}

interface CachedList {
  fetchedAt: number;
  /** undefined: the group version is not served. */
  resources: ResourceInfo[] | undefined;
}

export class Discovery {
  private readonly cache = new Map<string, Promise<CachedList>>();

  constructor(
    private readonly rest: KubeRest,
    private readonly now: () => number = Date.now,
  ) {}

  /** The resource of `kind` in `apiVersion`; KubeError NotFound if the cluster does not serve it. */
  async resource(apiVersion: string, kind: string, signal?: AbortSignal): Promise<ResourceInfo> {
    const find = (list: CachedList) => list.resources?.find((r) => r.kind === kind);
    let list = await this.list(apiVersion, signal, false);
    let found = find(list);
    if (!found && this.now() - list.fetchedAt > MISS_REFRESH_MS) {
      list = await this.list(apiVersion, signal, true);
      found = find(list);
    }
    if (!found) throw new KubeError('NotFound', `the cluster does not serve ${kind} in ${apiVersion}`, 404);
    return found;
  }

  /** The resources of a group version (fresh), or undefined when it is not served. */
  async resources(apiVersion: string, signal?: AbortSignal): Promise<ResourceInfo[] | undefined> {
    return (await this.list(apiVersion, signal, true)).resources;
  }

  /** Every served group with its versions (the core group as ''), fresh. */
  async groups(signal?: AbortSignal): Promise<ServedGroup[]> {
    const [core, named] = await Promise.all([
      this.rest.request<{ versions?: string[] }>({ method: 'GET', path: '/api', signal }),
      this.rest.request<{ groups?: Array<{ name: string; versions?: Array<{ version: string }>; preferredVersion?: { version: string } }> }>({
        method: 'GET',
        path: '/apis',
        signal,
      }),
    ]);
    return [
      { name: '', versions: core.body.versions ?? [], preferredVersion: core.body.versions?.[0] },
      ...(named.body.groups ?? []).map((g) => ({
        name: g.name,
        versions: (g.versions ?? []).map((v) => v.version),
        preferredVersion: g.preferredVersion?.version,
      })),
    ];
  }

  /**
   * Everything the cluster serves in two requests (aggregated discovery, apidiscovery.k8s.io/v2,
   * Kubernetes 1.30+), or one request per group version on older servers. Refreshes the cache.
   */
  async everything(signal?: AbortSignal): Promise<{ groups: ServedGroup[]; resources: Map<string, ResourceInfo[]> }> {
    const [core, named] = await Promise.all(
      ['/api', '/apis'].map((path) =>
        this.rest.request<AggregatedList | LegacyList>({ method: 'GET', path, accept: AGGREGATED_ACCEPT, signal }).then((a) => a.body),
      ),
    );
    if (isAggregated(core) && isAggregated(named)) {
      const groups: ServedGroup[] = [];
      const resources = new Map<string, ResourceInfo[]>();
      for (const item of [...(core.items ?? []), ...(named.items ?? [])]) {
        const group = item.metadata?.name ?? '';
        const versions = (item.versions ?? []).map((v) => v.version);
        groups.push({ name: group, versions, preferredVersion: versions[0] });
        for (const v of item.versions ?? []) {
          const list = (v.resources ?? []).map((r) => ({
            group,
            version: v.version,
            kind: r.responseKind?.kind ?? '',
            plural: r.resource,
            namespaced: r.scope === 'Namespaced',
            verbs: r.verbs ?? [],
          }));
          const apiVersion = group === '' ? v.version : `${group}/${v.version}`;
          resources.set(apiVersion, list);
          this.cache.set(apiVersion, Promise.resolve({ fetchedAt: this.now(), resources: list }));
        }
      }
      return { groups, resources };
    }
    // An older server answered with plain lists: walk the group versions.
    const groups = await this.groups(signal);
    const resources = new Map<string, ResourceInfo[]>();
    await Promise.all(
      groups.flatMap((g) =>
        g.versions.map(async (version) => {
          const apiVersion = g.name === '' ? version : `${g.name}/${version}`;
          resources.set(apiVersion, (await this.resources(apiVersion, signal)) ?? []);
        }),
      ),
    );
    return { groups, resources };
  }

  /** The versions of one API group the cluster serves (empty: not served). */
  async servedVersions(group: string, signal?: AbortSignal): Promise<string[]> {
    return (await this.groups(signal)).find((g) => g.name === group)?.versions ?? [];
  }

  async serverVersion(signal?: AbortSignal): Promise<ServerVersion> {
    return (await this.rest.request<ServerVersion>({ method: 'GET', path: '/version', signal })).body;
  }

  private list(apiVersion: string, signal: AbortSignal | undefined, fresh: boolean): Promise<CachedList> {
    const cached = this.cache.get(apiVersion);
    if (cached && !fresh) return cached;
    const { group, version } = splitApiVersion(apiVersion);
    const loading = this.rest
      .request<{ resources?: Array<{ name: string; kind: string; namespaced: boolean; verbs?: string[] }> }>({
        method: 'GET',
        path: groupVersionPath(group, version),
        signal,
      })
      .then(
        ({ body }) => ({
          fetchedAt: this.now(),
          resources: (body.resources ?? [])
            .filter((r) => !r.name.includes('/'))
            .map((r) => ({ group, version, kind: r.kind, plural: r.name, namespaced: r.namespaced, verbs: r.verbs ?? [] })),
        }),
        (err: unknown) => {
          if (err instanceof KubeError && err.reason === 'NotFound') return { fetchedAt: this.now(), resources: undefined };
          throw err;
        },
      );
    this.cache.set(apiVersion, loading);
    // A failed lookup (unreachable, aborted) is not remembered.
    loading.catch(() => {
      if (this.cache.get(apiVersion) === loading) this.cache.delete(apiVersion);
    });
    return loading;
  }
}
