// KubeNova's roles. Who holds which is decided by tokens, role rules and API tokens
// (src/security); what each may do is the authorization table (security/authorization.ts).
export const ROLES = ['platform-admin', 'tenant-admin', 'tenant-dev', 'read-only'] as const;
export type Role = (typeof ROLES)[number];
