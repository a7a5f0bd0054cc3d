// Global setup: one real PostgreSQL server per test run, for the store's PostgreSQL backend.
import type { TestProject } from 'vitest/node';
import { startPostgres } from './postgres.js';
import './provided.js';

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const postgres = await startPostgres();
  project.provide('postgresUrl', postgres.url);
  project.provide('postgresDataDir', postgres.dataDir);
  return () => postgres.stop();
}
