// Schema building blocks of every kind's spec: names, labels, quantities, lists. Each kind's spec
// type is derived from its schema (`Static`), so validation and types cannot disagree. Every
// object schema rejects unknown fields.
import { Type, type TProperties, type TSchema } from 'typebox';

/** An object that rejects unknown fields (the default for every KubeNova schema). */
export const Strict = <P extends TProperties>(properties: P, opts: Record<string, unknown> = {}) =>
  Type.Object(properties, { additionalProperties: false, ...opts });

/** The schema with a default, applied to omitted fields before an object is stored. */
export const withDefault = <T extends TSchema>(schema: T, value: unknown): T => ({ ...schema, default: value });

/** A string enum, typed as a string in the document (TypeBox's Enum leaves the type out). */
export const StringEnum = <const V extends readonly string[]>(values: V, opts: Record<string, unknown> = {}) =>
  Type.Enum<[...V]>([...values], { type: 'string', ...opts });

// Patterns are written to match in linear time: inputs can be as long as the body limit.
const DNS_LABEL = '[a-z0-9](?:[-a-z0-9]*[a-z0-9])?';
const DNS_SUBDOMAIN = `${DNS_LABEL}(?:\\.${DNS_LABEL})*`;
const LABEL_NAME = '[A-Za-z0-9](?:[-A-Za-z0-9_.]*[A-Za-z0-9])?';
// Kubernetes label keys: an optional DNS-subdomain prefix (<= 253) and a name (<= 63).
const LABEL_KEY = `^(?:(?=[^/]{1,253}/)${DNS_SUBDOMAIN}/)?(?=[^/]{1,63}$)${LABEL_NAME}$`;

/** Why a value fails a pattern, in words, keyed by the pattern: error details explain what is
 *  expected instead of printing a regular expression. */
export const PATTERN_REASONS = new Map<string, string>();

/** A string with a pattern and the reason given when a value does not match it. */
export function Patterned(pattern: string, reason: string, opts: Record<string, unknown> = {}) {
  PATTERN_REASONS.set(pattern, reason);
  return Type.String({ ...opts, pattern });
}

/** Object names: DNS-1123 labels, as Kubernetes namespaces and most object names. */
export const Name = Patterned(`^${DNS_LABEL}$`, 'must be a DNS-1123 label: lowercase letters, digits and "-", starting and ending with a letter or digit', {
  minLength: 1,
  maxLength: 63,
  description: 'DNS-1123 label: lowercase alphanumerics and "-", at most 63 characters.',
});

/** The name pattern without anchors, for composing (custom-method paths). */
export const NAME_PATTERN_SOURCE = DNS_LABEL;

/** Kubernetes object names that may contain dots (class names, definition types). */
export const SubdomainName = Patterned(`^${DNS_SUBDOMAIN}$`, 'must be a DNS-1123 subdomain: DNS labels joined by "."', {
  minLength: 1,
  maxLength: 253,
});

export const LabelKey = Patterned(
  LABEL_KEY,
  'must be a label key: an optional DNS-subdomain prefix and "/", then 1-63 characters of [A-Za-z0-9-_.] starting and ending alphanumeric',
  { maxLength: 317 },
);

export const LabelValue = Patterned(`^(?:${LABEL_NAME})?$`, 'must be empty or 1-63 characters of [A-Za-z0-9-_.] starting and ending alphanumeric', {
  maxLength: 63,
});

/** A map with validated keys. `propertyNames` rather than `additionalProperties: false`, so a
 *  bad key is reported as a bad key, not as an unknown field. */
const KeyedMap = (values: TSchema, opts: Record<string, unknown>) =>
  Type.Unsafe<Record<string, string>>({ type: 'object', propertyNames: LabelKey, patternProperties: { '^': values }, ...opts });

export const Labels = KeyedMap(LabelValue, {
  maxProperties: 64,
  description: 'Kubernetes-style labels: `[prefix/]name` keys, values of at most 63 characters.',
});

export const Annotations = KeyedMap(Type.String({ maxLength: 4096 }), { maxProperties: 64 });

/** A Kubernetes resource quantity (`500m`, `2`, `4Gi`, `1.5`). */
export const Quantity = Patterned('^[0-9]+(?:\\.[0-9]+)?(?:m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?$', 'must be a Kubernetes quantity such as 500m, 2 or 4Gi', {
  maxLength: 32,
  description: 'Kubernetes quantity, e.g. 500m, 2, 4Gi.',
});

/** Standard base64 (kubeconfigs, CA bundles). */
export const Base64 = (maxLength: number, description: string) =>
  Patterned('^[A-Za-z0-9+/]+={0,2}$', 'must be base64 (standard alphabet)', { minLength: 4, maxLength, description });

/** An image registry with an optional path prefix: `ghcr.io/acme`, `registry.local:5000`. */
export const Registry = Patterned(`^${DNS_SUBDOMAIN}(?::[0-9]{1,5})?(?:/[a-z0-9._-]+)*$`, 'must be a registry host, optionally with port and path', {
  maxLength: 255,
});

/** A list of unique items with a bound: every array in the API is bounded. */
export const List = <T extends TSchema>(items: T, maxItems: number, opts: Record<string, unknown> = {}) => Type.Array(items, { maxItems, ...opts });

/** Free-form configuration handed to a KubeVela definition (component, trait, policy, step
 *  properties). Its shape is the definition's, not KubeNova's: the one place where unknown fields
 *  are accepted. Depth is bounded by the body-depth check. */
export const FreeForm = Type.Object(
  {},
  {
    additionalProperties: true,
    maxProperties: 256,
    description: "Properties of the KubeVela definition named by `type`; checked against the definition's schema on the cluster.",
  },
);

export const DriftPolicy = StringEnum(['repair', 'detect'], {
  default: 'repair',
  description: 'repair: changes made on the cluster are reverted; detect: they are only reported (phase Drifted).',
});

/** Tenant/project network isolation: who may reach workloads by default. */
export const NetworkIsolation = StringEnum(['none', 'tenant', 'project'], {
  description: 'none: no default NetworkPolicy; tenant: only the same tenant; project: only the same project.',
});
