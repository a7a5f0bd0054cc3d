// The production write services: cluster registration against the real cluster (tests of the
// HTTP layer alone use a double that stores the kubeconfig as given).
import { registerCluster } from '../adapters/cluster/registration.js';
import { controlWorkflow } from '../adapters/vela/index.js';
import type { ClusterClients } from '../orchestrator/cluster-clients.js';
import type { Logger } from '../observability/logger.js';
import type { WriteServices } from './kinds/descriptor.js';

/** `clients`: the registered clusters' clients (the runtime's), for workflow control. */
export function clusterWriteServices(logger: Logger, clients?: Pick<ClusterClients, 'forCluster'>): WriteServices {
  return {
    ...(clients && {
      async controlWorkflow(cluster, app, action) {
        await controlWorkflow(await clients.forCluster(cluster), app, action);
        logger.info({ cluster, app: app.name, action }, 'workflow control applied');
      },
    }),
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
