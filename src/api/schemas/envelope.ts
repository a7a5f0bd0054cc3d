// The request and response shapes of one kind, built from its descriptor: the bodies clients
// write (`{name, labels, spec}` plus write-only secret fields such as a cluster's kubeconfig) and
// the object they read back (the same, wrapped with status and server-owned fields).
import { Type, type TObject, type TProperties } from 'typebox';
import type { KindDescriptor } from '../kinds/descriptor.js';
import { Labels, Name, Strict } from '../../domain/schema.js';
import { SecretInfo, Status } from './common.js';

/** The spec schema; `optional` names spec fields a route fills itself (from its URL). */
export function specSchema(d: KindDescriptor, optional: readonly string[] = []): TObject {
  const props: TProperties = { ...d.spec };
  for (const f of optional) props[f] = Type.Optional(d.spec[f]!);
  return Strict(props);
}

/** `spec` may be left out of a body when none of its fields is required. */
const specField = (spec: TObject) => (spec.required?.length ? spec : Type.Optional(spec));

function secretFields(d: KindDescriptor, required: boolean): TProperties {
  const props: TProperties = {};
  for (const [name, field] of Object.entries(d.secretFields ?? {})) {
    const schema = { ...field.schema, description: field.description };
    props[name] = required ? schema : Type.Optional(schema);
  }
  return props;
}

/** Kinds with a revision history take the reason of a change with the change. */
const historyFields = (d: KindDescriptor): TProperties =>
  d.history ? { reason: Type.Optional(Type.String({ maxLength: 1024, description: 'Why: recorded with the revision this write makes.' })) } : {};

export function createBody(d: KindDescriptor, filledFromUrl: readonly string[] = []): TObject {
  return Strict(
    {
      name: Name,
      labels: Type.Optional(Labels),
      spec: specField(specSchema(d, filledFromUrl)),
      ...historyFields(d),
      ...secretFields(d, true),
    },
    { title: `New${d.kind}` },
  );
}

export function updateBody(d: KindDescriptor): TObject {
  return Strict(
    {
      name: Type.Optional({ ...Name, description: 'If given, must be the name in the URL.' }),
      labels: Type.Optional({ ...Labels, description: 'Replaces all labels; omitted: no labels (KubeNova keeps its own).' }),
      spec: specField(specSchema(d)),
      resourceVersion: Type.Optional(
        Type.String({ minLength: 1, maxLength: 64, description: 'Update only if this is still the current version (like If-Match).' }),
      ),
      ...historyFields(d),
      ...secretFields(d, false),
    },
    { title: `${d.kind}Update`, description: 'Replaces labels and spec. Omitted write-only fields keep their value.' },
  );
}

export function objectSchema(d: KindDescriptor): TObject {
  const secrets: TProperties = {};
  for (const name of Object.keys(d.secretFields ?? {})) secrets[name] = SecretInfo;
  return Strict(
    {
      kind: Type.Literal(d.kind),
      name: Name,
      tenant: Type.Optional({ ...Name, description: 'The owning tenant (tenant-owned kinds).' }),
      labels: Labels,
      spec: specSchema(d),
      status: Status,
      generation: Type.Integer({ description: 'Incremented on every spec change.' }),
      resourceVersion: Type.String({ description: 'Changes on every write; also the ETag.' }),
      createdAt: Type.String({ format: 'date-time' }),
      updatedAt: Type.String({ format: 'date-time' }),
      deletionTimestamp: Type.Optional(Type.String({ format: 'date-time', description: 'Set while deletion waits for finalizers.' })),
      finalizers: Type.Array(Type.String()),
      ...secrets,
    },
    { title: d.kind },
  );
}

export function pageSchema(d: KindDescriptor): TObject {
  return Strict({
    items: Type.Array(objectSchema(d)),
    nextCursor: Type.Optional(Type.String({ description: 'Pass as `cursor` for the next page; absent on the last page.' })),
    total: Type.Optional(Type.Integer({ minimum: 0, description: 'With `count=true`: how many objects the listing selects over all its pages.' })),
  });
}
