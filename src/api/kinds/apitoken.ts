// ApiToken: the stored half of an API token (security/api-tokens.ts). Not served by the generic
// resource routes (a token is created with its secret, listed without it, and revoked; never
// edited): see api/apitoken-routes.ts. Tenant-owned when scoped to a tenant, so tenant-admins
// see and revoke only their tenants' tokens; platform-wide tokens only platform-admins see.
import type { ApiTokenRecord } from '../../domain/kinds/apitoken.js';
import type { ObjectStore } from '../../store/types.js';
import type { KindDescriptor } from './descriptor.js';

export const apiTokenKind: KindDescriptor = {
  kind: 'ApiToken',
  plural: 'apitokens',
  spec: {},
  admit() {
    return Promise.resolve({});
  },
};

/** The record of a token name, unless there is none or it is being deleted (revoked). */
export async function lookupApiToken(objects: ObjectStore, name: string): Promise<ApiTokenRecord | undefined> {
  const obj = await objects.get<ApiTokenRecord>('ApiToken', name);
  return obj && obj.deletionTimestamp === undefined ? obj.spec : undefined;
}
