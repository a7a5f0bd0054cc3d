// What a listing selects besides its tenant and cursor (a label selector, phases, a part of the
// name), as one SQL condition for the store's query and as a check of one object in memory (for
// listings assembled from single reads), so the two always agree.
import type { Labels, Phase } from '../domain/resource.js';
import { labelSelectorSql, matchesLabelSelector } from './label-selector.js';
import type { Params } from './sql.js';
import type { ListOptions } from './types.js';

export type ListFilters = Pick<ListOptions, 'labelSelector' | 'phases' | 'nameContains'>;

/** The filters as SQL conditions on the objects table; values only ever travel as parameters. */
export function listFiltersSql(filters: ListFilters, p: Params): string[] {
  const where: string[] = [];
  if (filters.labelSelector?.length) where.push(labelSelectorSql(filters.labelSelector, p));
  if (filters.phases) where.push(filters.phases.length === 0 ? 'FALSE' : `status ->> 'phase' IN (${filters.phases.map((ph) => p.add(ph)).join(', ')})`);
  // strpos, not LIKE: the text is matched as given, with no wildcard to escape.
  if (filters.nameContains) where.push(`strpos(name, ${p.add(filters.nameContains)}) > 0`);
  return where;
}

export function matchesListFilters(filters: ListFilters, obj: { name: string; labels: Labels; status: { phase: Phase } }): boolean {
  return (
    matchesLabelSelector(filters.labelSelector ?? [], obj.labels) &&
    (!filters.phases || filters.phases.includes(obj.status.phase)) &&
    (!filters.nameContains || obj.name.includes(filters.nameContains))
  );
}
