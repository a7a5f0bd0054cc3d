// Which clusters an intent is placed on. No I/O here.
import type { Labels, Resource } from './resource.js';

export interface Placement {
  clusters?: string[];
  clusterSelector?: { matchLabels: Labels };
}

/** Whether a placement selects the cluster: named, or matched by its label selector. */
export function placementSelects(placement: Placement | undefined, cluster: Pick<Resource, 'name' | 'labels'>): boolean {
  if (!placement) return false;
  if (placement.clusters?.includes(cluster.name)) return true;
  const match = placement.clusterSelector?.matchLabels;
  return match !== undefined && Object.entries(match).every(([k, v]) => cluster.labels[k] === v);
}

/** The clusters a placement selects among the registered ones, plus clusters it names that are
 *  not registered (so that callers can report them), sorted by name. */
export function placedClusters(placement: Placement | undefined, registered: readonly Pick<Resource, 'name' | 'labels'>[]): string[] {
  const names = new Set(registered.filter((c) => placementSelects(placement, c)).map((c) => c.name));
  for (const n of placement?.clusters ?? []) names.add(n);
  return [...names].sort();
}

/** The clusters a definition is placed on: those it names, or every registered one. */
export function definitionClusters(named: readonly string[] | undefined, registered: readonly Pick<Resource, 'name'>[]): string[] {
  return named ? [...named] : registered.map((c) => c.name);
}
