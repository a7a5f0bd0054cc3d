// KubeconfigGrant: kubeconfig access given to a subject: tenant or project scope, cluster,
// namespaces, role or verbs, TTL. Its spec schema and the type derived from it.
import { Type, type Static } from 'typebox';
import { GRANT_ROLES } from '../grant-roles.js';
import { List, Name, Patterned, Strict, StringEnum } from '../schema.js';

export const MIN_TTL_SECONDS = 600;
export const MAX_TTL_SECONDS = 7 * 24 * 3600;
export const DEFAULT_TTL_SECONDS = 3600;

const KUBERNETES_VERBS = ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete', 'deletecollection'] as const;

/** The access fields shared by grants and the issue-kubeconfig methods. */
export const GRANT_ACCESS = {
  role: Type.Optional(StringEnum(GRANT_ROLES, { description: 'Kubernetes ClusterRole bound in the namespaces. Give role or verbs.' })),
  verbs: Type.Optional(
    List(StringEnum(KUBERNETES_VERBS), KUBERNETES_VERBS.length, {
      minItems: 1,
      uniqueItems: true,
      description: 'Verbs on all namespaced resources, instead of a role.',
    }),
  ),
  namespaces: Type.Optional(
    List(Name, 64, {
      default: [],
      uniqueItems: true,
      description:
        "Projects of the tenant the access covers; empty: all of the scope's projects. Only namespaces that exist on the cluster and are in the tenant are bound; the others are listed in status.skippedNamespaces ({namespace, reason, message}) and bound once they exist.",
    }),
  ),
};

export const GrantSubject = Patterned('^[\\x21-\\x7E]+$', 'must be printable ASCII without spaces', {
  minLength: 1,
  maxLength: 253,
  description: 'Who the kubeconfig is for (user name).',
});
const RequestedBy = Strict(
  {
    subject: Type.String({ description: 'As the audit log names the caller (a person: oidc:<issuer>:<sub>).' }),
    issuer: Type.Optional(Type.String({ description: 'The identity config issuer name (api-token for API tokens).' })),
    username: Type.Optional(Type.String()),
  },
  { description: 'Set by KubeNova at creation (any value sent is replaced): who requested the grant. Also annotated on its ServiceAccount.' },
);

/** Who requested a grant (the caller, as KubeNova authenticated it). */
export type Requester = Static<typeof RequestedBy>;

export const GrantTtl = Type.Integer({
  minimum: MIN_TTL_SECONDS,
  maximum: MAX_TTL_SECONDS,
  description: 'Lifetime of the issued token, in seconds.',
});

/** The grant spec's fields, as the API validates them. */
export const GRANT_SPEC = {
  tenant: Name,
  project: Type.Optional({ ...Name, description: 'Limits the grant to this project of the tenant.' }),
  cluster: Name,
  subject: GrantSubject,
  ttlSeconds: GrantTtl,
  ...GRANT_ACCESS,
  requestedBy: Type.Optional(RequestedBy),
};

export const GrantSpecSchema = Strict(GRANT_SPEC);

export type GrantSpec = Static<typeof GrantSpecSchema>;
