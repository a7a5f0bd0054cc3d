// Capsule's admission denials, turned into KubeNova error codes by their meaning. Capsule's
// webhooks answer 403 (sometimes 400 or 500) with `admission webhook "<name>" denied the request:
// <message>`; webhook names changed between releases, messages are the stable part, so matching
// is on the message only. Messages verified in Capsule v0.14.0 (pkg/api/errors,
// internal/webhook/{namespace,tenant,utils}, pkg/tenant, internal/webhook/rules, globalresourcequota).
import { KubeError } from '../kube/types.js';

export interface AdmissionExplanation {
  /** Stable KubeNova code, used as condition reason and API error detail. */
  code: string;
  /** What happened and what to do, in KubeNova's words; Capsule's own message follows. */
  summary: string;
  /** Capsule's message, as it said it. */
  detail: string;
}

const DENIED = /admission webhook "[^"]*" denied the request: ([\s\S]*)$/;
const WEBHOOK_DOWN = /failed calling webhook "[^"]*"/;

/** Not an administrator: KubeNova's own identity is missing from CapsuleConfiguration. */
const ADMINISTRATOR_HINT = "KubeNova's identity on this cluster must be listed in CapsuleConfiguration spec.administrators";

/** First match wins; the most specific messages come first. */
const TABLE: readonly [RegExp, string, string][] = [
  [/Cannot exceed Namespace quota/, 'TENANT_NAMESPACE_QUOTA_EXCEEDED', "the tenant's namespace quota is used up"],
  [/exceeds GlobalResourceQuota|exceeded quota|has reached quota limit/, 'TENANT_RESOURCE_QUOTA_EXCEEDED', "the tenant's resource quota would be exceeded"],
  [/tenant is protected and cannot be deleted/, 'TENANT_DELETE_PROTECTED', 'the Capsule Tenant is protected against deletion (preventDeletion)'],
  [
    /tenant is terminating and does not accept new namespaces|ownership can not change during termination/,
    'TENANT_TERMINATING',
    'the Capsule Tenant is being deleted',
  ],
  [/selected tenant is cordoned|is cordoned|tenant is cordoned/, 'TENANT_CORDONED', 'the tenant is cordoned: changes are refused until it is uncordoned'],
  [
    /regexp is not allowed; please, reach out/,
    'NAMESPACE_NAME_PROTECTED',
    'the namespace name is reserved on this cluster (CapsuleConfiguration protectedNamespaceRegex)',
  ],
  [
    /must start with '.*' when ForceTenantPrefix|doesn't match the tenant prefix|prefix matches more than one available Tenant|prefix used doesn't match any available Tenant/,
    'NAMESPACE_PREFIX_REQUIRED',
    "the namespace name must start with the tenant's name and a dash",
  ],
  [
    /can not assign the desired namespace to a non-owned Tenant|only tenant owners can create tenant-owned namespaces|You do not have any Tenant assigned|Unable to assign namespace to tenant/,
    'NOT_TENANT_OWNER',
    `the requester is neither an owner of the tenant nor a Capsule administrator (${ADMINISTRATOR_HINT})`,
  ],
  [/has tenant label .* but no Tenant ownerReference/, 'NAMESPACE_NOT_ADOPTED', `Capsule refused to adopt the namespace (${ADMINISTRATOR_HINT})`],
  [
    /has Tenant ownerReference .* but no tenant label|multiple Tenant ownerReferences|does not match owner reference|ownerReference UID mismatch|must both be set consistently/,
    'NAMESPACE_OWNERSHIP_INCONSISTENT',
    "the namespace's tenant label and Tenant ownerReference disagree",
  ],
  [
    /can not be patched into a tenant|can not remove tenant ownership|can not be migrated between tenants|tenant ownership is incomplete|denied patch request for this namespace/,
    'NAMESPACE_TENANT_IMMUTABLE',
    'the namespace belongs to another tenant (or none) and cannot be moved',
  ],
  [
    /registry .* is not allowed by namespace rule|registry is forbidden for the current Tenant|Container image .* registry is forbidden/,
    'REGISTRY_NOT_ALLOWED',
    'an image comes from a registry the tenant may not use',
  ],
  [
    /metadata (label|annotation) .* is denied by namespace rule|is forbidden for the current Tenant. Forbidden are one of|labels validation failed|annotations validation failed/,
    'FORBIDDEN_METADATA',
    'a label or annotation is forbidden for this tenant',
  ],
  [
    /(Storage|Ingress|Gateway|Device|Priority|Runtime) ?Class .* is forbidden for the current Tenant|Pod (Priority|Runtime) Class/,
    'CLASS_NOT_ALLOWED',
    'a storage, ingress, priority or runtime class is not allowed for this tenant',
  ],
  [
    /controller managed can only be done by the controller or administrators/,
    'MANAGED_LABEL_FORBIDDEN',
    "labels marking Capsule's own objects may only be set by Capsule or administrators",
  ],
  [
    /tenant name has forbidden characters|Subject Name .* is invalid|system:serviceaccount:|^rules\[\d+\]|invalid GlobalResourceQuota/,
    'TENANT_SPEC_INVALID',
    'Capsule rejected the Tenant definition',
  ],
  [/is (not allowed|denied) by namespace rule/, 'TENANT_RULE_DENIED', 'a tenant rule refused the object'],
];

/**
 * The meaning of a refused write, or undefined when the error is not an admission denial.
 * Recognises denials whatever the HTTP status (403, 400 or 500) and an unavailable webhook.
 */
export function explainAdmission(err: unknown): AdmissionExplanation | undefined {
  if (!(err instanceof KubeError)) return undefined;
  const text = err.admission?.message ?? err.message;
  if (WEBHOOK_DOWN.test(err.message)) {
    return {
      code: 'CAPSULE_WEBHOOK_UNAVAILABLE',
      summary: "Capsule's admission webhook did not answer; writes into tenants are blocked until it does",
      detail: err.message,
    };
  }
  const denied = err.admission ? err.admission.message : DENIED.exec(err.message)?.[1];
  if (err.reason !== 'AdmissionDenied' && denied === undefined) return undefined;
  const detail = (denied ?? text).trim();
  for (const [pattern, code, summary] of TABLE) {
    if (pattern.test(detail)) return { code, summary, detail };
  }
  return { code: 'ADMISSION_DENIED', summary: 'an admission webhook refused the write', detail };
}
