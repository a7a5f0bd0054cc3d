// Global setup: one real cluster from tools/testenv per test run (reused when
// KUBENOVA_TEST_CLUSTER names a running one).
import type { TestProject } from 'vitest/node';
import { ensureCluster } from './cluster.js';
import './provided.js';

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const cluster = await ensureCluster();
  project.provide('cluster', cluster.info);
  return () => cluster.stop();
}
