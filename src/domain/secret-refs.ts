// Where an object's write-only values (a cluster's kubeconfig) are: encrypted in the secret
// store, each under a ref named by the object's stored spec, `spec.secretRefs = {field: ref}`.
// The store maintains that key as it writes the values; the API hides it; reconcilers follow
// it to read a value. No I/O here.
import type { Kind, Resource } from './resource.js';

/** A secret-store address: the owning object and the field (for write-only values: the ref). */
export interface SecretRef {
  kind: Kind;
  name: string;
  field: string;
}

/** Key of the stored spec holding `{field: ref}`. */
export const SECRET_REFS = 'secretRefs';

export function secretRefsOf(spec: unknown): Record<string, string> {
  const refs = (spec as Record<string, unknown> | null | undefined)?.[SECRET_REFS];
  return refs !== null && typeof refs === 'object' ? (refs as Record<string, string>) : {};
}

/** Where the current value of `field` is, for `SecretStore.get`; undefined when it is not set. */
export function secretRefOf(obj: Pick<Resource<unknown>, 'kind' | 'name' | 'spec'>, field: string): SecretRef | undefined {
  const ref = secretRefsOf(obj.spec)[field];
  return ref === undefined ? undefined : { kind: obj.kind, name: obj.name, field: ref };
}

/** The spec naming exactly `refs` (no key at all when there are none). */
export function withSecretRefs<S>(spec: S, refs: Readonly<Record<string, string>>): S {
  const { [SECRET_REFS]: _old, ...rest } = spec as Record<string, unknown>;
  return (Object.keys(refs).length > 0 ? { ...rest, [SECRET_REFS]: { ...refs } } : rest) as S;
}
