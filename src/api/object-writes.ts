// The write paths shared by every kind: defaults, admission, authorization by tenant, system
// labels, write-only secrets and optimistic concurrency, in that order. Routes call these; kind
// specifics come from the descriptor.
import { isDeepStrictEqual } from 'node:util';
import { Value } from 'typebox/value';
import type { Labels, Resource } from '../domain/resource.js';
import type { NewAuditRecord, RevisionAuthor, SecretValues, Store, WriteContext } from '../store/types.js';
import { type Verb, PLATFORM_FIELDS } from '../security/authorization.js';
import { annotateLogContextWith, type CallerScope } from './caller-scope.js';
import { ApiError, validationFailed, type ErrorDetail } from './errors.js';
import type { KindDescriptor, SecretsContext, Spec, WriteServices } from './kinds/descriptor.js';
import { PROJECT_LABEL, SYSTEM_LABEL_PREFIX } from './kinds/references.js';
import { apiSpec } from './representation.js';
import { specSchema } from './schemas/envelope.js';

/** Who writes, to which store, and the request id carried into change events as correlation id. */
export interface WriteRequest {
  caller: CallerScope;
  store: Store;
  requestId: string;
  services: WriteServices;
  /** The request's audit record for a write answered with `status`: written in the write's
   *  transaction (absent: the request is audited after its response). */
  audit?: (status: number) => NewAuditRecord;
  /** The tenant prefix rule (default on). */
  forceTenantPrefix?: boolean;
  /** `?force=true`: a platform admin's quota below what is used (usage-admission.ts). */
  force?: boolean;
}

/** What a successful write is answered with. */
export const WRITE_STATUS = { created: 201, updated: 200, deletionStarted: 202, deleted: 204 } as const;

/** The store's audit hook for a write answered with `status`, or `removed` when it removed the object. */
function auditOf(ctx: WriteRequest, status: number, removed: number = status): WriteContext['audit'] {
  const audit = ctx.audit;
  return audit && ((outcome) => audit(outcome.removed ? removed : status));
}

/** A body as the schemas admit it: `{name?, labels?, spec?, resourceVersion?, <secret fields>}`. */
export type WriteBody = Record<string, unknown> & { name?: string; labels?: Labels; spec?: Spec; resourceVersion?: string; reason?: string };

const specSchemas = new WeakMap<KindDescriptor, ReturnType<typeof specSchema>>();

/** The spec with every omitted field at its documented default, so that stored intents are
 *  complete and an omitted field and its default compare equal. */
export function withDefaults(d: KindDescriptor, spec: Spec): Spec {
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
  const reserved: ErrorDetail[] = Object.keys(labels).flatMap((k) => {
    const rule = d.reservedLabelPrefixes?.find((r) => k.startsWith(r.prefix));
    return rule ? [{ field: `body/labels/${k}`, reason: rule.reason }] : [];
  });
  if (reserved.length > 0) throw new ApiError('UNPROCESSABLE', reserved.map((p) => `${p.field}: ${p.reason}`).join('; '), reserved);
  return { ...labels, ...system };
}

/** Decoded write-only fields present in the body. */
function secretsIn(d: KindDescriptor, body: WriteBody): SecretValues {
  const found: Record<string, Buffer> = {};
  const problems: ErrorDetail[] = [];
  for (const [field, secret] of Object.entries(d.secretFields ?? {})) {
    const value = body[field];
    if (typeof value !== 'string') continue;
    const decoded = secret.decode(value);
    if ('problem' in decoded) problems.push({ field: `body/${field}`, reason: decoded.problem });
    else found[field] = decoded.bytes;
  }
  if (problems.length > 0) throw validationFailed(problems);
  return found;
}

/** The write-only values to store: as decoded, or what the kind makes of them (a cluster: its
 *  agent's credentials instead of the admin kubeconfig). After admission and authorization. */
async function secretsToStore(d: KindDescriptor, name: string, secrets: SecretValues, ctx: SecretsContext): Promise<SecretValues> {
  return d.secretsToStore && Object.keys(secrets).length > 0 ? d.secretsToStore(name, secrets, ctx) : secrets;
}

/** The revision a write of a kind with history records: the caller, the role that allowed it. */
export function revisionAuthor(
  d: KindDescriptor,
  caller: CallerScope,
  verb: Verb,
  change: RevisionAuthor['change'],
  reason?: string,
): RevisionAuthor | undefined {
  if (!d.history) return undefined;
  const role = caller.rolesFor(d.kind, verb)[0];
  return { actor: caller.principal.subject, ...(role && { role }), ...(reason !== undefined && { reason }), change };
}

export async function createObject(d: KindDescriptor, ctx: WriteRequest, body: WriteBody & { name: string }, fromUrl: Spec = {}): Promise<Resource> {
  const { caller, store } = ctx;
  const spec = withDefaults(d, { ...body.spec, ...fromUrl });
  const secrets = secretsIn(d, body);
  const { tenant } = await d.admit(body.name, spec, { caller, objects: store.objects, forceTenantPrefix: ctx.forceTenantPrefix, usage: store.usage });
  // The project the object lives in (apps, grants): rights held in that project count too.
  caller.requireTenant(d.kind, 'create', tenant, d.systemLabels?.(spec)[PROJECT_LABEL]);
  annotateLogContextWith({ kind: d.kind, name: body.name, tenant });
  const labels = labelsFor(d, body.labels ?? {}, spec);
  const stored = await secretsToStore(d, body.name, secrets, { services: ctx.services, spec });
  // One transaction: there is never a cluster without its kubeconfig.
  const finalizers = d.finalizers ? [...d.finalizers] : undefined;
  const revision = revisionAuthor(d, caller, 'create', { type: 'created' }, body.reason);
  return store.objects.create(
    { kind: d.kind, name: body.name, tenant, labels, spec, secrets: stored, finalizers },
    { correlationId: ctx.requestId, ...(revision && { revision }), audit: auditOf(ctx, WRITE_STATUS.created) },
  );
}

function changedFields(fields: readonly string[], before: Spec, after: Spec): string[] {
  const at = (spec: Spec, path: string) => path.split('.').reduce<unknown>((v, k) => (v as Record<string, unknown> | undefined)?.[k], spec);
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
  await d.admit(current.name, spec, {
    caller,
    objects: store.objects,
    current,
    forceTenantPrefix: ctx.forceTenantPrefix,
    usage: store.usage,
    force: ctx.force,
  });
  const labels = labelsFor(d, body.labels ?? {}, spec);
  const stored = await secretsToStore(d, current.name, secrets, { services: ctx.services, spec, current });
  // Omitted write-only fields keep their values; a value equal to the stored one changes nothing.
  const revision = revisionAuthor(d, caller, 'update', { type: 'updated' }, body.reason);
  return store.objects.update(
    d.kind,
    current.name,
    { labels, spec, secrets: stored },
    { expectedVersion, correlationId: ctx.requestId, ...(revision && { revision }), audit: auditOf(ctx, WRITE_STATUS.updated) },
  );
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
  return ctx.store.objects.delete(d.kind, current.name, {
    expectedVersion,
    correlationId: ctx.requestId,
    audit: auditOf(ctx, WRITE_STATUS.deletionStarted, WRITE_STATUS.deleted),
  });
}
