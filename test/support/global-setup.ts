// Starts, once per test run, what the suites share: a real PostgreSQL server (the store's
// multi-replica backend) and a real cluster from tools/testenv (reused when
// KUBENOVA_TEST_CLUSTER names a running one). Test files read them with vitest's inject().
import type { TestProject } from 'vitest/node';
import { ensureCluster, type ClusterInfo } from './cluster.js';
import { startPostgres } from './postgres.js';

declare module 'vitest' {
  export interface ProvidedContext {
    postgresUrl: string;
    postgresDataDir: string;
    cluster: ClusterInfo;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const [postgres, cluster] = await Promise.all([startPostgres(), ensureCluster()]);
  project.provide('postgresUrl', postgres.url);
  project.provide('postgresDataDir', postgres.dataDir);
  project.provide('cluster', cluster.info);
  return async () => {
    await Promise.allSettled([postgres.stop(), cluster.stop()]);
  };
}
