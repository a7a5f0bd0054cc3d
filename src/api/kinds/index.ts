// Every kind the API serves, in the order the OpenAPI document lists them.
import type { Kind } from '../../domain/resource.js';
import { apiTokenKind } from './apitoken.js';
import { appKind } from './app.js';
import { clusterKind } from './cluster.js';
import { definitionKind } from './definition.js';
import type { KindDescriptor } from './descriptor.js';
import { grantKind } from './grant.js';
import { policySetKind } from './policyset.js';
import { projectKind } from './project.js';
import { roleRuleKind } from './rolerule.js';
import { tenantKind } from './tenant.js';

export const KIND_DESCRIPTORS: readonly KindDescriptor[] = [
  clusterKind,
  tenantKind,
  projectKind,
  appKind,
  policySetKind,
  grantKind,
  definitionKind,
  roleRuleKind,
];

// API tokens have routes of their own (api/apitoken-routes.ts), not the generic ones.
const byKind = new Map<Kind, KindDescriptor>([...KIND_DESCRIPTORS, apiTokenKind].map((d) => [d.kind, d]));

export function descriptorOf(kind: Kind): KindDescriptor {
  const d = byKind.get(kind);
  if (!d) throw new Error(`no API descriptor for kind ${kind}`);
  return d;
}

/** Nested collections: the children of one parent object, listed (and for projects, created)
 *  under the parent's URL. `via` says how children point at the parent. */
export interface SubCollection {
  parent: KindDescriptor;
  child: KindDescriptor;
  via: 'tenant' | 'project';
  /** Children can be created here; the parent fills the spec field named by `via`. */
  create: boolean;
}

export const SUB_COLLECTIONS: readonly SubCollection[] = [
  { parent: tenantKind, child: projectKind, via: 'tenant', create: true },
  { parent: tenantKind, child: appKind, via: 'tenant', create: false },
  { parent: tenantKind, child: grantKind, via: 'tenant', create: false },
  { parent: projectKind, child: appKind, via: 'project', create: false },
  { parent: projectKind, child: grantKind, via: 'project', create: false },
];
