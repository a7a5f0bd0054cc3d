// ApiToken: the stored half of an API token for automation (security/api-tokens.ts makes and
// checks tokens). Never written through the generic resource routes, so it has no request schema.
import type { Role } from '../roles.js';

/** What is stored for one token (never the secret). */
export interface ApiTokenRecord {
  role: Role;
  tenant?: string;
  /** A project of `tenant`: the token acts only on that project's objects. */
  project?: string;
  expiresAt: string;
  /** base64url SHA-256 of the secret. */
  digest: string;
  /** Who created it (their principal subject). */
  createdBy: string;
  description?: string;
}
