// The metadata key rules of tenancy with Capsule: Capsule's own domains are tenant identity (a
// namespace labelled `capsule.clastix.io/tenant=b` is let into tenant b's network by b's
// NetworkPolicy), beside KubeNova's. The rules themselves are the domain's (domain/metadata-keys.ts).
import { metadataKeyRules } from '../../domain/metadata-keys.js';

export const CAPSULE_IDENTITY_DOMAINS = ['capsule.clastix.io', 'projectcapsule.dev'] as const;

export const { reservedClass, withoutIdentityKeys, identityKeyReason, reservedKeyProblems } = metadataKeyRules(CAPSULE_IDENTITY_DOMAINS);
