// The production write services: cluster registration against the real cluster (tests of the
// HTTP layer alone use a double that stores the kubeconfig as given).
import { registerCluster } from '../adapters/cluster/registration.js';
import type { Logger } from '../observability/logger.js';
import type { WriteServices } from './kinds/descriptor.js';

export function clusterWriteServices(logger: Logger): WriteServices {
  return {
    async registerCluster(name, adminKubeconfig) {
      const r = await registerCluster(name, adminKubeconfig);
      logger.info(
        { cluster: name, agent: r.agent.username, tokenExpiresAt: r.agent.tokenExpiresAt.toISOString(), capsuleAdministrator: r.capsuleAdministrator, ms: r.timings },
        'cluster registered: KubeNova agent set up, admin kubeconfig discarded',
      );
      return r.credentials;
    },
  };
}
