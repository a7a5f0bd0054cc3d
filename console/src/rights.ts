// What the signed-in user may do, from `GET /api/v1/whoami` and the server's own role table
// (imported, not copied: src/security/authorization.ts is data with type-only imports). The
// console hides what a role may not use; the API still decides, and a 403 is shown as such.
import { createContext, useContext } from 'react';
import { AUTHORIZATION, type TableRole, type Verb } from '../../src/security/authorization.js';
import type { Kind } from '../../src/domain/resource.js';

export interface Right {
  role: string;
  tenant?: string;
  source?: string;
}

export interface Rights {
  subject: string;
  rights: Right[];
  /** Whether some right allows `verb` on `kind` (in `tenant`, when given). */
  can(kind: Kind, verb: Verb, tenant?: string): boolean;
  /** A platform-wide role (admin or reader): sees clusters and every tenant. */
  platform: boolean;
  platformAdmin: boolean;
}

const tableRole = (r: Right): TableRole | undefined => {
  if (r.role === 'read-only') return r.tenant === undefined ? 'platform-reader' : 'tenant-reader';
  return r.role in AUTHORIZATION ? (r.role as TableRole) : undefined;
};

export function rightsOf(whoami: { subject: string; rights: Right[] }): Rights {
  const rows = whoami.rights.flatMap((r) => {
    const role = tableRole(r);
    return role ? [{ role, tenant: r.tenant, rules: AUTHORIZATION[role] }] : [];
  });
  return {
    subject: whoami.subject,
    rights: whoami.rights,
    platform: rows.some((r) => r.rules.scope === 'platform'),
    platformAdmin: rows.some((r) => r.role === 'platform-admin'),
    can: (kind, verb, tenant) =>
      rows.some((r) => (r.rules.verbs[kind] ?? []).includes(verb) && (r.rules.scope === 'platform' || tenant === undefined || r.tenant === tenant)),
  };
}

export const RightsContext = createContext<Rights>(rightsOf({ subject: '', rights: [] }));
export const useRights = (): Rights => useContext(RightsContext);
