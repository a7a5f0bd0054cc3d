// Admission checks of an App beyond its schema, before anything is stored or applied:
// - no KubeVela metadata keys (VELA_METADATA_PREFIXES) and no tenant-identity keys
//   (`kubenova.io/*` and the tenancy engine's: domain/metadata-keys.ts) anywhere in
//   properties: a labels or annotations trait would stamp them on the app's objects, which
//   KubeNova and Capsule then take for another owner's;
// - every component, trait, policy and workflow-step type is a Definition each target cluster
//   has (as discovered; clusters not discovered yet pass and wait in Pending);
// - component types are allowed by every policy set of the tenant that restricts them.
import { appCapabilityGaps, VELA_METADATA_PREFIXES } from '../../adapters/vela/index.js';
import { capabilitiesOf } from '../../domain/capabilities.js';
import { reservedClass } from '../../adapters/capsule/metadata-keys.js';
import { placedClusters, type Placement } from '../../domain/placement.js';
import type { ObjectStore } from '../../store/types.js';
import { ApiError, pointerToken } from '../errors.js';
import type { AppSpec } from '../../domain/kinds/app.js';
import type { FieldProblem } from './descriptor.js';
import type { PolicySetSpec } from '../../domain/kinds/policyset.js';
import { registeredClusters } from './tenancy.js';

/** Why a key may not appear in properties, or undefined. The key itself is not quoted: it is
 *  the client's text, named only through the field's pointer (plain keys only). */
function keyProblem(key: string): string | undefined {
  if (VELA_METADATA_PREFIXES.some((p) => key.startsWith(p)))
    return `KubeVela metadata keys (${VELA_METADATA_PREFIXES.map((p) => `${p}*`).join(', ')}) are set by KubeNova and KubeVela only`;
  return reservedClass(key) === 'identity' ? 'reserved for KubeNova and Capsule (tenant identity); no one may set it' : undefined;
}

/** Object keys that may not appear in properties, at any depth of `value`. */
function reservedKeys(value: unknown, field: string): FieldProblem[] {
  if (Array.isArray(value)) return value.flatMap((v, i) => reservedKeys(v, `${field}/${i}`));
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([k, v]) => {
    const reason = keyProblem(k);
    return [...(reason ? [{ field: `${field}/${pointerToken(k)}`, reason }] : []), ...reservedKeys(v, `${field}/${pointerToken(k)}`)];
  });
}

export function metadataProblems(spec: AppSpec): FieldProblem[] {
  return [
    ...spec.components.flatMap((c, i) => [
      ...reservedKeys(c.properties, `spec/components/${i}/properties`),
      ...(c.traits ?? []).flatMap((t, j) => reservedKeys(t.properties, `spec/components/${i}/traits/${j}/properties`)),
    ]),
    ...(spec.policies ?? []).flatMap((p, i) => reservedKeys(p.properties, `spec/policies/${i}/properties`)),
    ...(spec.workflow?.steps ?? []).flatMap((s, i) => reservedKeys(s.properties, `spec/workflow/steps/${i}/properties`)),
  ];
}

/** The clusters an app goes to: those it names, or all of its tenant's. */
export async function appClusters(spec: Pick<AppSpec, 'clusters'>, placement: Placement | undefined, objects: ObjectStore): Promise<string[]> {
  if (spec.clusters && spec.clusters.length > 0) return [...spec.clusters].sort();
  return placedClusters(placement, await registeredClusters(objects));
}

/** 422 naming each type a target cluster lacks, and the cluster. */
export async function requireAppCapabilities(spec: AppSpec, clusters: readonly string[], objects: ObjectStore): Promise<void> {
  const problems: FieldProblem[] = [];
  for (const name of clusters) {
    const cluster = await objects.get('Cluster', name);
    const caps = cluster && capabilitiesOf(cluster);
    if (!caps) continue;
    for (const { field, need } of appCapabilityGaps(spec, caps)) {
      problems.push({ field: `body/${field ?? 'spec/clusters'}`, reason: `cluster "${name}" lacks ${need.description} [${need.capability}]` });
    }
  }
  if (problems.length > 0)
    throw new ApiError('UNPROCESSABLE', `the app cannot be deployed: ${problems.map((p) => `${p.field.slice(5)}: ${p.reason}`).join('; ')}`, problems);
}

/** 422 for component types a policy set of the tenant does not allow (`allowedComponentTypes`). */
export async function requireAllowedComponentTypes(spec: AppSpec, policySets: readonly string[], objects: ObjectStore): Promise<void> {
  const problems: FieldProblem[] = [];
  for (const name of policySets) {
    const allowed = (await objects.get<PolicySetSpec>('PolicySet', name))?.spec.allowedComponentTypes ?? [];
    if (allowed.length === 0) continue;
    spec.components.forEach((c, i) => {
      if (!allowed.includes(c.type)) {
        problems.push({
          field: `body/spec/components/${i}/type`,
          reason: `component type "${c.type}" is not allowed by policy set "${name}" (allowedComponentTypes: ${allowed.join(', ')})`,
        });
      }
    });
  }
  if (problems.length > 0) throw new ApiError('UNPROCESSABLE', problems.map((p) => p.reason).join('; '), problems);
}
