// Stored objects as API objects. The stored spec may carry `secretRefs` (where the current
// value of each write-only field lives in the secret store, domain/secret-refs.ts); responses
// never show it, only a description of each secret (set, key id, when) beside the spec.
import type { Resource } from '../domain/resource.js';
import { SECRET_REFS, secretRefOf } from '../domain/secret-refs.js';
import type { SecretStore } from '../store/types.js';
import type { KindDescriptor, Spec } from './kinds/descriptor.js';

/** The spec as clients see it. */
export function apiSpec(spec: Spec): Spec {
  const { [SECRET_REFS]: _refs, ...rest } = spec;
  return rest;
}

export type ApiObject = Record<string, unknown>;

export async function represent(d: KindDescriptor, obj: Resource, secrets: SecretStore): Promise<ApiObject> {
  const out = representFields(obj);
  for (const field of Object.keys(d.secretFields ?? {})) {
    const ref = secretRefOf(obj, field);
    const info = ref && (await secrets.describe(ref));
    out[field] = info ? { set: true, keyId: info.keyId, updatedAt: info.updatedAt } : { set: false };
  }
  return out;
}

/** The object without its secret fields' descriptions (enough for kinds that have none). */
export function representFields(obj: Resource): ApiObject {
  return {
    kind: obj.kind,
    name: obj.name,
    ...(obj.tenant !== undefined && { tenant: obj.tenant }),
    labels: obj.labels,
    spec: apiSpec(obj.spec),
    status: obj.status,
    generation: obj.generation,
    resourceVersion: obj.resourceVersion,
    createdAt: obj.createdAt,
    updatedAt: obj.updatedAt,
    ...(obj.deletionTimestamp !== undefined && { deletionTimestamp: obj.deletionTimestamp }),
    finalizers: obj.finalizers,
  };
}

/** The strong ETag of a version. */
export const etagOf = (obj: Resource): string => `"${obj.resourceVersion}"`;
