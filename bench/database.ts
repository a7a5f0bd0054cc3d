// The PostgreSQL database a benchmark runs KubeNova on: the one at KUBENOVA_DATABASE_URL, or a new
// one on a throwaway server (test/support/postgres.ts: Debian's binaries, fsync off).
export async function benchDatabase(): Promise<{ url: string; stop: () => Promise<void> }> {
  const given = process.env.KUBENOVA_DATABASE_URL;
  if (given) return { url: given, stop: async () => {} };
  // Loaded only when needed: the embedded store's runs do without the pg client.
  const { startPostgres, createTestDatabase } = await import('../test/support/postgres.js');
  const server = await startPostgres();
  return { url: await createTestDatabase(server.url), stop: () => server.stop() };
}
