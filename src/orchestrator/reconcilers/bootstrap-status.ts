// Bootstrap progress on the Cluster object: `status.bootstrap` (phase, per component status,
// version, timings, error), written after every step so that `GET /clusters/{name}` shows it
// while it runs. Values are left out (only their digest): overrides may hold anything.
import type { BootstrapReport } from '../../adapters/cluster/bootstrap.js';
import type { ResourceStatus } from '../../domain/resource.js';
import { StoreError, type ObjectStore } from '../../store/types.js';

export type BootstrapStatus = Omit<BootstrapReport, 'components'> & {
  components: Omit<BootstrapReport['components'][number], 'values'>[];
};

export function bootstrapStatusOf(report: BootstrapReport): BootstrapStatus {
  return { ...report, components: report.components.map(({ values: _values, ...rest }) => rest) };
}

/** Writes `status.bootstrap`, keeping the rest of the status as the ClusterReconciler wrote it
 *  (read-modify-write guarded by the resourceVersion, retried on conflict). */
export async function recordBootstrap(objects: ObjectStore, name: string, report: BootstrapReport): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    const obj = await objects.get('Cluster', name);
    if (!obj) return;
    const status: ResourceStatus = { ...obj.status, bootstrap: bootstrapStatusOf(report) };
    try {
      await objects.updateStatus('Cluster', name, status, { expectedVersion: obj.resourceVersion });
      return;
    } catch (err) {
      if (!(err instanceof StoreError && err.code === 'CONFLICT') || attempt >= 10) throw err;
    }
  }
}
