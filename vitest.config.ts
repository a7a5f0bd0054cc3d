import { defineConfig } from 'vitest/config';

// Two projects: `unit` needs at most a PostgreSQL server; `cluster` talks to real Kubernetes,
// Capsule and KubeVela started from tools/testenv. `npx vitest run --project unit` skips the cluster.
const CLUSTER_TESTS = ['test/testenv/**/*.test.ts', 'test/e2e/**/*.test.ts'];

export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 300_000,
    pool: 'forks',
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['test/**/*.test.ts'],
          exclude: CLUSTER_TESTS,
          globalSetup: ['test/support/postgres-setup.ts'],
        },
      },
      {
        extends: true,
        test: {
          name: 'cluster',
          include: CLUSTER_TESTS,
          globalSetup: ['test/support/postgres-setup.ts', 'test/support/cluster-setup.ts'],
          // Cluster tests share one cluster and the 2 cores: run their files one at a time.
          poolOptions: { forks: { singleFork: true } },
        },
      },
    ],
  },
});
