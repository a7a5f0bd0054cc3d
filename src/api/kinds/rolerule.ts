// RoleRule: who gets which KubeNova role, decided by the people's issuer, username and groups
// (security/role-rules.ts). Platform-scoped: only platform admins see and write them, and like
// every write each change is audited. Rules seeded from the identity config are in force too,
// but are not objects of this kind (they change with the config file).
import { RoleRuleSpecSchema, type RoleRuleSpec } from '../../domain/kinds/rolerule.js';
import { ruleProblems, type RoleRule } from '../../security/role-rules.js';
import type { ObjectStore } from '../../store/types.js';
import { listAll } from '../../store/paging.js';
import type { KindDescriptor } from './descriptor.js';
import { rejectProblems } from './references.js';

export const roleRuleKind: KindDescriptor = {
  kind: 'RoleRule',
  plural: 'rolerules',
  spec: RoleRuleSpecSchema.properties,
  admit(_name, spec) {
    rejectProblems(ruleProblems(spec as RoleRuleSpec));
    return Promise.resolve({});
  },
};

/** The rules managed through the API, as the verifier reads them (on every sign-in token, so a
 *  change applies to the next request). */
export async function managedRoleRules(objects: ObjectStore): Promise<RoleRule[]> {
  const items = await listAll<RoleRuleSpec>(objects, 'RoleRule');
  return items.filter((r) => r.deletionTimestamp === undefined).map((r) => ({ name: r.name, spec: r.spec }));
}
