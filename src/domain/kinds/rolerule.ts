// RoleRule: who gets which KubeNova role, from the person's issuer, username and groups ("group G
// of issuer I is <role> [of tenant T [, project P]]"). Its spec schema and the type derived from it;
// the rules' meaning is security/role-rules.ts.
import { Type, type Static } from 'typebox';
import { ROLES } from '../roles.js';

const NAME = '^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$';
// Groups and usernames as IdPs spell them (emails, paths like /org/team, UUIDs); no control characters.
const PRINCIPAL_TEXT = Type.String({ minLength: 1, maxLength: 256, pattern: '^[^\\x00-\\x1f\\x7f]+$' });

/** A rule's spec, as the API and the config file take it. */
export const RoleRuleSpecSchema = Type.Object(
  {
    issuer: Type.Optional(Type.String({ pattern: NAME, maxLength: 63, description: 'Issuer name (identity config); omitted: any issuer.' })),
    group: Type.Optional({ ...PRINCIPAL_TEXT, description: 'A group, as the issuer names it after its group prefix.' }),
    user: Type.Optional({ ...PRINCIPAL_TEXT, description: 'A username, as the issuer names it after its username prefix.' }),
    anyone: Type.Optional(Type.Literal(true, { description: 'Every person the issuer signs in.' })),
    role: Type.Enum([...ROLES], { type: 'string' }),
    tenant: Type.Optional(
      Type.String({ pattern: NAME, maxLength: 63, description: 'The tenant the role applies in; omitted: platform-wide (platform-admin, read-only).' }),
    ),
    project: Type.Optional(
      Type.String({
        pattern: NAME,
        maxLength: 63,
        description: 'A project of the tenant: the role applies only to that project (its apps, grants and tokens), and lets its tenant be read.',
      }),
    ),
  },
  { additionalProperties: false },
);
export type RoleRuleSpec = Static<typeof RoleRuleSpecSchema>;
