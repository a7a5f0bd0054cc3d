// Listing objects as the caller sees them. Tenant-owned kinds are filtered by the store query
// itself (ListOptions.tenants), so pages are exact; attached policy sets are listed by name
// from the caller's tenants.
import { KIND_OWNERSHIP, type Phase, type Resource } from '../domain/resource.js';
import { decodeCursor, encodeCursor } from '../store/cursor.js';
import { eachObject, matchesListFilters, parseLabelSelector } from '../store/index.js';
import { StoreError, type LabelSelector, type ListOptions, type ObjectStore, type Page } from '../store/types.js';
import type { CallerScope } from './caller-scope.js';
import { inScope, type Access } from '../security/authorization.js';
import { PROJECT_LABEL } from '../domain/ownership.js';
import { validationFailed } from './errors.js';
import type { KindDescriptor } from './kinds/descriptor.js';
import { DEFAULT_PAGE_SIZE } from './schemas/common.js';
import { NAME_PATTERN_SOURCE } from '../domain/schema.js';

const NAME = new RegExp(`^${NAME_PATTERN_SOURCE}$`);

export interface ListQuery {
  limit?: number;
  cursor?: string;
  labelSelector?: string;
  /** Comma-separated phases (the schema checks each). */
  phase?: string;
  nameContains?: string;
  count?: boolean;
}

/** Restrictions a route adds (a parent's tenant, its project label). */
export interface ListFilter {
  tenant?: string;
  selector?: LabelSelector;
}

function parseSelector(text: string | undefined): LabelSelector {
  if (text === undefined) return [];
  try {
    return parseLabelSelector(text);
  } catch (err) {
    if (err instanceof StoreError) throw validationFailed([{ field: 'query/labelSelector', reason: err.message }]);
    throw err;
  }
}

const INVALID_CURSOR = 'invalid cursor: pass back the nextCursor of a previous page unchanged';

/** The name a cursor continues after. Cursors are in the store's format; every KubeNova name is
 *  a DNS label, so a cursor holding anything else was not issued by us (and must not reach the
 *  database). */
function cursorPosition(d: KindDescriptor, cursor: string): string {
  let after: string;
  try {
    after = decodeCursor(d.kind, cursor);
  } catch (err) {
    if (err instanceof StoreError) throw validationFailed([{ field: 'query/cursor', reason: err.message }]);
    throw err;
  }
  if (!NAME.test(after)) throw validationFailed([{ field: 'query/cursor', reason: INVALID_CURSOR }]);
  return after;
}

export async function listVisible(
  d: KindDescriptor,
  caller: CallerScope,
  objects: ObjectStore,
  query: ListQuery,
  filter: ListFilter = {},
): Promise<Page<Resource>> {
  const access = caller.access(d.kind, 'list');
  const scope = caller.listScope(d.kind);
  const after = query.cursor === undefined ? undefined : cursorPosition(d, query.cursor);
  const opts: ListOptions = {
    limit: query.limit ?? DEFAULT_PAGE_SIZE,
    labelSelector: [...parseSelector(query.labelSelector), ...(filter.selector ?? [])],
  };
  if (query.cursor !== undefined) opts.cursor = query.cursor;
  if (filter.tenant !== undefined) opts.tenant = filter.tenant;
  if (query.phase !== undefined) opts.phases = [...new Set(query.phase.split(','))] as Phase[];
  if (query.nameContains !== undefined) opts.nameContains = query.nameContains;
  if (query.count) opts.count = true;
  if (scope !== 'all') {
    if (KIND_OWNERSHIP[d.kind] === 'platform') return opts.count ? { items: [], total: 0 } : { items: [] };
    if (KIND_OWNERSHIP[d.kind] === 'attached') return listByName(d, objects, await caller.attachedPolicySets(), after, opts);
    if (access.allowed && (access.projects?.length ?? 0) > 0) return listWithProjects(d, caller, objects, access, opts);
    opts.tenants = scope;
  }
  return objects.list(d.kind, opts);
}

/** A page for a caller with rights in single projects: the store query covers their tenants,
 *  and the page keeps what the caller reaches (a page may then hold fewer items than `limit`;
 *  its cursor still continues exactly). */
async function listWithProjects(
  d: KindDescriptor,
  caller: CallerScope,
  objects: ObjectStore,
  access: Access & { allowed: true },
  opts: ListOptions,
): Promise<Page<Resource>> {
  const tenantWide = access.scope === 'all' ? [] : access.scope;
  const projects = access.projects ?? [];
  opts.tenants = [...new Set([...tenantWide, ...projects.map((p) => p.tenant)])];
  // Only project rights: apps and grants carry their project's label, so the store narrows them.
  if (tenantWide.length === 0 && d.kind !== 'Project' && d.kind !== 'Tenant') {
    opts.labelSelector = [...(opts.labelSelector ?? []), { key: PROJECT_LABEL, op: 'In', values: [...new Set(projects.map((p) => p.project))] }];
  }
  const keep = async (o: Resource) => inScope(access.scope, o.tenant) || (await caller.reachesInProject(o, access));
  const page = await objects.list<Record<string, unknown>>(d.kind, { ...opts, count: false });
  const items: Resource[] = [];
  for (const o of page.items) if (await keep(o)) items.push(o);
  const result: Page<Resource> = { ...page, items };
  if (opts.count) {
    // The store would count what its query selects, more than the caller may reach: count
    // what the pages keep.
    const { limit: _limit, cursor: _cursor, count: _count, ...selection } = opts;
    let total = 0;
    for await (const o of eachObject(objects, d.kind, selection)) if (await keep(o)) total++;
    result.total = total;
  }
  return result;
}

/** One page of the named objects, in the store's order and with its cursor format; counted over
 *  every name when asked. */
async function listByName(d: KindDescriptor, objects: ObjectStore, names: Set<string>, after: string | undefined, opts: ListOptions): Promise<Page<Resource>> {
  const page: Page<Resource> = { items: [] };
  let total = 0;
  // Bytewise order, as the store's "C" collation sorts names.
  for (const name of [...names].sort()) {
    const ahead = after === undefined || name > after;
    if (!ahead && !opts.count) continue;
    const obj = await objects.get<Record<string, unknown>>(d.kind, name);
    if (!obj || !matchesListFilters(opts, obj)) continue;
    total++;
    if (!ahead) continue;
    if (page.items.length < opts.limit) page.items.push(obj);
    else if (page.nextCursor === undefined) {
      page.nextCursor = encodeCursor(d.kind, page.items.at(-1)!.name);
      if (!opts.count) break;
    }
  }
  if (opts.count) page.total = total;
  return page;
}
