// The write paths shared by every kind: defaults, admission, authorization by tenant, system
// labels, write-only secrets and optimistic concurrency, in that order. Routes call these; kind
// specifics come from the descriptor.
import { randomUUID } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import { Value } from 'typebox/value';
import type { Labels, Resource } from '../domain/resource.js';
import type { Store } from '../store/types.js';
import { PLATFORM_FIELDS } from '../security/authorization.js';
import { annotateLogContextWith, type CallerScope } from './caller-scope.js';
import { ApiError, validationFailed, type ErrorDetail } from './errors.js';
import type { KindDescriptor, Spec } from './kinds/descriptor.js';
import { SYSTEM_LABEL_PREFIX } from './kinds/references.js';
import { apiSpec, SECRET_REFS, secretRefsOf } from './representation.js';
import { specSchema } from './schemas/envelope.js';

/** Who writes, to which store, and the request id carried into change events as correlation id. */
export interface WriteRequest {
  caller: CallerScope;
  store: Store;
  requestId: string;
}

/** A body as the schemas admit it: `{name?, labels?, spec?, resourceVersion?, <secret fields>}`. */
export type WriteBody = Record<string, unknown> & { name?: string; labels?: Labels; spec?: Spec; resourceVersion?: string };

type ObjectKey = Pick<Resource, 'kind' | 'name'>;

const specSchemas = new WeakMap<KindDescriptor, ReturnType<typeof specSchema>>();

/** The spec with every omitted field at its documented default, so that stored intents are
 *  complete and an omitted field and its default compare equal. */
function withDefaults(d: KindDescriptor, spec: Spec): Spec {
  let schema = specSchemas.get(d);
  if (!schema) specSchemas.set(d, (schema = specSchema(d)));
  return Value.Default(schema, structuredClone(spec)) as Spec;
}

/** Client labels plus KubeNova's own; clients may repeat a system label (round trips) but not set one. */
function labelsFor(d: KindDescriptor, labels: Labels, spec: Spec): Labels {
  const system = d.systemLabels?.(spec) ?? {};
  const problems: ErrorDetail[] = Object.entries(labels)
    .filter(([k, v]) => k.startsWith(SYSTEM_LABEL_PREFIX) && system[k] !== v)
    .map(([k]) => ({ field: `body/labels/${k}`, reason: `labels under ${SYSTEM_LABEL_PREFIX} are set by KubeNova` }));
  if (problems.length > 0) throw validationFailed(problems);
  return { ...labels, ...system };
}

/** Decoded write-only fields present in the body. */
function secretsIn(d: KindDescriptor, body: WriteBody): Map<string, Buffer> {
  const found = new Map<string, Buffer>();
  const problems: ErrorDetail[] = [];
  for (const [field, secret] of Object.entries(d.secretFields ?? {})) {
    const value = body[field];
    if (typeof value !== 'string') continue;
    const decoded = secret.decode(value);
    if ('problem' in decoded) problems.push({ field: `body/${field}`, reason: decoded.problem });
    else found.set(field, decoded.bytes);
  }
  if (problems.length > 0) throw validationFailed(problems);
  return found;
}

/** A fresh secret-store field for each value written (see SECRET_REFS). */
const freshRefs = (secrets: Map<string, Buffer>): Record<string, string> =>
  Object.fromEntries([...secrets.keys()].map((field) => [field, `${field}/${randomUUID()}`]));

async function putSecrets(ctx: WriteRequest, obj: ObjectKey, secrets: Map<string, Buffer>, refs: Record<string, string>) {
  for (const [field, bytes] of secrets) {
    await ctx.store.secrets.put({ kind: obj.kind, name: obj.name, field: refs[field]! }, bytes);
  }
}

async function removeSecrets(ctx: WriteRequest, obj: ObjectKey, fields: Iterable<string>): Promise<void> {
  for (const field of fields) await ctx.store.secrets.remove({ kind: obj.kind, name: obj.name, field });
}

export async function createObject(
  d: KindDescriptor,
  ctx: WriteRequest,
  body: WriteBody & { name: string },
  fromUrl: Spec = {},
): Promise<Resource> {
  const { caller, store } = ctx;
  const spec = withDefaults(d, { ...body.spec, ...fromUrl });
  const secrets = secretsIn(d, body);
  const { tenant } = await d.admit(body.name, spec, { caller, objects: store.objects });
  caller.requireTenant(d.kind, 'create', tenant);
  annotateLogContextWith({ kind: d.kind, name: body.name, tenant });
  const labels = labelsFor(d, body.labels ?? {}, spec);

  // The object first: a secret belongs to an existing object (until its value is written,
  // readers find the reference but no secret, as for any value not set yet).
  const refs = freshRefs(secrets);
  const stored = await store.objects.create(
    { kind: d.kind, name: body.name, tenant, labels, spec: secrets.size > 0 ? { ...spec, [SECRET_REFS]: refs } : spec },
    { correlationId: ctx.requestId },
  );
  try {
    await putSecrets(ctx, stored, secrets, refs);
  } catch (err) {
    await store.objects.delete(d.kind, body.name, { correlationId: ctx.requestId }).catch(() => undefined);
    throw err;
  }
  return stored;
}

function changedFields(fields: readonly string[], before: Spec, after: Spec): string[] {
  const at = (spec: Spec, path: string) =>
    path.split('.').reduce<unknown>((v, k) => (v as Record<string, unknown> | undefined)?.[k], spec);
  return fields.filter((f) => !isDeepStrictEqual(at(before, f), at(after, f)));
}

export async function updateObject(
  d: KindDescriptor,
  ctx: WriteRequest,
  current: Resource,
  body: WriteBody,
  expectedVersion: string | undefined,
): Promise<Resource> {
  const { caller, store } = ctx;
  if (body.name !== undefined && body.name !== current.name) {
    throw validationFailed([{ field: 'body/name', reason: 'differs from the name in the URL (objects cannot be renamed)' }]);
  }
  const before = apiSpec(current.spec);
  const spec = withDefaults(d, body.spec ?? {});
  const immutable = changedFields(d.immutable ?? [], before, spec);
  if (immutable.length > 0) {
    throw validationFailed(immutable.map((f) => ({ field: `body/spec/${f}`, reason: 'cannot be changed after creation' })));
  }
  const access = caller.access(d.kind, 'update');
  if (access.allowed && access.scope !== 'all') {
    const guarded = changedFields(PLATFORM_FIELDS[d.kind] ?? [], before, spec);
    if (guarded.length > 0) {
      const details = guarded.map((f) => ({ field: `body/spec/${f.replace(/\./g, '/')}`, reason: 'platform-managed' }));
      throw new ApiError('FORBIDDEN', `only platform admins may change ${guarded.join(', ')}`, details);
    }
  }
  const secrets = secretsIn(d, body);
  await d.admit(current.name, spec, { caller, objects: store.objects, current });
  const labels = labelsFor(d, body.labels ?? {}, spec);

  // New secret values go to new fields first; the update then switches the spec to them, so
  // a conflicting update leaves the old value in place (and the new field is dropped).
  const oldRefs = secretRefsOf(current.spec);
  const newRefs = freshRefs(secrets);
  await putSecrets(ctx, current, secrets, newRefs);
  const refs = { ...oldRefs, ...newRefs };
  let updated: Resource;
  try {
    updated = await store.objects.update(
      d.kind,
      current.name,
      { labels, spec: Object.keys(refs).length > 0 ? { ...spec, [SECRET_REFS]: refs } : spec },
      { expectedVersion, correlationId: ctx.requestId },
    );
  } catch (err) {
    await removeSecrets(ctx, current, Object.values(newRefs)).catch(() => undefined);
    throw err;
  }
  // The replaced values are unreferenced now; if removing one fails, it goes with the object.
  const replaced = Object.keys(newRefs).flatMap((f) => (oldRefs[f] === undefined ? [] : [oldRefs[f]]));
  await removeSecrets(ctx, current, replaced).catch(() => undefined);
  return updated;
}

/** Deletes, or marks for deletion while finalizers remain (returned then). */
export async function deleteObject(
  d: KindDescriptor,
  ctx: WriteRequest,
  current: Resource,
  expectedVersion: string | undefined,
): Promise<Resource | undefined> {
  const blocked = await d.blockingDependents?.(current, ctx.store.objects);
  if (blocked) throw new ApiError('HAS_DEPENDENTS', blocked);
  return ctx.store.objects.delete(d.kind, current.name, { expectedVersion, correlationId: ctx.requestId });
}
