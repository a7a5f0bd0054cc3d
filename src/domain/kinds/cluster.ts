// Cluster: a registered Kubernetes cluster. Its spec schema (the kubeconfig is a write-only
// secret field beside the spec, not part of it) and the type derived from it.
import { Type, type Static } from 'typebox';
import { Base64, Patterned, Strict } from '../schema.js';

const CapsuleProxy = Strict(
  {
    url: Patterned('^https://[^\\s/?#]+(?:/[^\\s]*)?$', 'must be an https:// URL', {
      maxLength: 2048,
      description: 'capsule-proxy endpoint tenants are given.',
    }),
    caData: Type.Optional(Base64(64 * 1024, "Base64 PEM bundle of the CA that signed capsule-proxy's serving certificate.")),
  },
  { description: 'Where tenants reach this cluster: their kubeconfigs point at capsule-proxy, never at the API server.' },
);

/** The cluster spec's fields, as the API validates them. */
export const CLUSTER_SPEC = {
  capsuleProxy: Type.Optional(CapsuleProxy),
};

export const ClusterSpecSchema = Strict(CLUSTER_SPEC);

export type ClusterSpec = Static<typeof ClusterSpecSchema>;
