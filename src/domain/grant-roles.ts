// The access a KubeconfigGrant gives, as a Kubernetes ClusterRole name. Apart from the grant's
// schema (kinds/grant.ts) so that the role table (and the web console, which reads it) does not
// pull in the schema library.
export const GRANT_ROLES = ['admin', 'edit', 'view'] as const;
export type GrantRole = (typeof GRANT_ROLES)[number];
