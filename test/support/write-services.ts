// A double of the API's write services for tests of the HTTP layer alone (no cluster): a
// cluster's kubeconfig is stored as given instead of being used to register the cluster. The
// real registration is tested against real clusters in test/e2e/clusters.test.ts.
import type { WriteServices } from '../../src/api/kinds/descriptor.js';

export const storeKubeconfigAsGiven: WriteServices = {
  registerCluster: (_name, adminKubeconfig) => Promise.resolve(adminKubeconfig),
};
