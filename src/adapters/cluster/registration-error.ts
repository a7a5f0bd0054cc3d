// Why registering a cluster failed, as the API answers it (HTTP 422 with this code). Apart from
// registration.ts so the API can map it without loading the Kubernetes client library.

export type RegistrationErrorCode = 'CLUSTER_UNREACHABLE' | 'CLUSTER_UNAUTHORIZED' | 'CLUSTER_SETUP_FAILED';

export class ClusterRegistrationError extends Error {
  override readonly name = 'ClusterRegistrationError';
  constructor(
    readonly code: RegistrationErrorCode,
    message: string,
  ) {
    super(message);
  }
}
