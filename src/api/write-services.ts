// The production write services: cluster registration and bootstrap against the real cluster
// (tests of the HTTP layer alone use a double that stores the kubeconfig as given).
import { relative, isAbsolute } from 'node:path';
import { bootstrapCluster, type BootstrapReport } from '../adapters/cluster/bootstrap.js';
import { parseChartSource, type ChartSource } from '../adapters/cluster/bootstrap-plan.js';
import { registerCluster } from '../adapters/cluster/registration.js';
import { controlWorkflow } from '../adapters/vela/index.js';
import type { ClusterClients } from '../orchestrator/manager/cluster-clients.js';
import type { BootstrapConfig } from '../config.js';
import type { Logger } from '../observability/logger.js';
import { ApiError, validationFailed } from './errors.js';
import type { WriteServices } from './kinds/descriptor.js';

export const DEFAULT_BOOTSTRAP: BootstrapConfig = { helm: 'helm', chartSource: 'repository', chartDirs: [] };

/** Default rollout wait per component. */
export const BOOTSTRAP_TIMEOUT_SECONDS = 300;

export interface WriteServiceOptions {
  /** The registered clusters' clients (the runtime's), for workflow control; absent: none. */
  clients?: Pick<ClusterClients, 'forCluster'>;
  bootstrap?: BootstrapConfig;
}

export function clusterWriteServices(logger: Logger, { clients, bootstrap = DEFAULT_BOOTSTRAP }: WriteServiceOptions = {}): WriteServices {
  // One bootstrap per cluster at a time (per server process).
  const running = new Set<string>();
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
        {
          cluster: name,
          agent: r.agent.username,
          tokenExpiresAt: r.agent.tokenExpiresAt.toISOString(),
          capsuleAdministrator: r.capsuleAdministrator,
          ms: r.timings,
        },
        'cluster registered: KubeNova agent set up, admin kubeconfig discarded',
      );
      return r.credentials;
    },

    async bootstrapCluster(name, adminKubeconfig, request, onProgress) {
      const source = chartSourceOf(request.chartSource ?? bootstrap.chartSource, bootstrap.chartDirs);
      if (running.has(name))
        throw new ApiError('CONFLICT', `a bootstrap of cluster "${name}" is already running; wait for it (status.bootstrap shows its progress)`);
      running.add(name);
      const seen = new Map<string, string>();
      try {
        const report = await bootstrapCluster(name, adminKubeconfig, {
          helm: bootstrap.helm,
          source,
          dryRun: request.dryRun,
          components: request.components,
          values: request.values,
          timeoutSeconds: request.timeoutSeconds ?? BOOTSTRAP_TIMEOUT_SECONDS,
          async onProgress(report) {
            logTransitions(logger, name, report, seen);
            await onProgress?.(report);
          },
        });
        return report;
      } finally {
        running.delete(name);
      }
    },
  };
}

/** One log line per component status change: the bootstrap's event stream. */
function logTransitions(logger: Logger, cluster: string, report: BootstrapReport, seen: Map<string, string>): void {
  for (const c of report.components) {
    if (seen.get(c.name) === c.status) continue;
    seen.set(c.name, c.status);
    if (c.status === 'Pending') continue;
    const fields = { cluster, component: c.name, chart: c.chart, version: c.version, status: c.status, dryRun: report.dryRun, ms: c.timings };
    if (c.status === 'Error') logger.warn({ ...fields, error: c.message }, `bootstrap ${cluster}: ${c.name} failed`);
    else logger.info(fields, `bootstrap ${cluster}: ${c.name} ${c.status}`);
  }
  if (report.phase !== 'Running')
    logger.info({ cluster, phase: report.phase, changed: report.changed, dryRun: report.dryRun }, `bootstrap ${cluster}: ${report.message}`);
}

/** The request's chart source, refused unless it is well-formed and, for a directory, inside
 *  one of the directories the server allows (KUBENOVA_CHART_DIRS). */
function chartSourceOf(text: string, allowedDirs: readonly string[]): ChartSource {
  const source = parseChartSource(text);
  if ('problem' in source) throw validationFailed([{ field: 'body/chartSource', reason: source.problem }]);
  if (source.type === 'directory' && !allowedDirs.some((root) => isInside(source.path, root))) {
    throw new ApiError(
      'UNPROCESSABLE',
      allowedDirs.length > 0
        ? `chartSource: directory chart sources must be inside ${allowedDirs.join(', ')} (KUBENOVA_CHART_DIRS)`
        : 'chartSource: this server allows no directory chart sources; set KUBENOVA_CHART_DIRS',
    );
  }
  return source;
}

function isInside(path: string, root: string): boolean {
  const rel = relative(root, path);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}
