// `kubenova usage tenant <name>` against a real server (embedded store): usage written into the
// store as the usage tracker writes it; the table has a bar per cluster and resource, the totals,
// and the QuotaPressure message; another tenant's admin gets the API's 404.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { usageBar } from '../../src/cli/commands/usage.js';
import { kubenova } from './io.js';
import { startServer, type TestServer } from './server.js';

let server: TestServer;
let admin: Record<string, string>;

beforeAll(async () => {
  server = await startServer();
  admin = server.env(await server.token({ roles: ['platform-admin'], subject: 'admin' }));
  expect((await kubenova(admin, ['create', 'tenant', 'acme'])).code).toBe(0);
  expect((await kubenova(admin, ['create', 'tenant', 'zeta'])).code).toBe(0);
  const t = (await server.store.objects.get('Tenant', 'acme'))!;
  const entry = { phase: 'Deployed' as const, conditions: [], observedGeneration: 1 };
  await server.store.objects.updateStatus('Tenant', 'acme', { ...t.status, clusters: { 'prod-a': entry, 'prod-b': entry } });
  await server.store.usage.put('acme', 'prod-a', 'quota', { resources: { pods: { hard: '10', used: '8' } } });
  await server.store.usage.put('acme', 'prod-b', 'quota', { resources: { pods: { hard: '10', used: '1' } } });
});
afterAll(async () => {
  await server?.close();
});

describe('usageBar', () => {
  it('fills one cell per 5 % and says the percentage; past 100 % it stays full', () => {
    expect(usageBar(0.8)).toBe(`${'█'.repeat(16)}${'·'.repeat(4)} 80%`);
    expect(usageBar(0)).toBe(`${'·'.repeat(20)} 0%`);
    expect(usageBar(1.25)).toBe(`${'█'.repeat(20)} 125%`);
  });
});

describe('kubenova usage tenant', () => {
  it('prints a row with a bar per cluster and resource, and the totals', async () => {
    const r = await kubenova(admin, ['usage', 'tenant', 'acme']);
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout
      .trimEnd()
      .split('\n')
      .map((l) => l.split(/\s{2,}/));
    expect(lines[0]).toEqual(['CLUSTER', 'RESOURCE', 'USED', 'HARD', 'USAGE']);
    expect(lines).toContainEqual(['prod-a', 'pods', '8', '10', usageBar(0.8)]);
    expect(lines).toContainEqual(['prod-b', 'pods', '1', '10', usageBar(0.1)]);
    expect(lines).toContainEqual(['(total)', 'pods', '9', '20', usageBar(0.45)]);
  });

  it('-o json prints the API answer', async () => {
    const r = await kubenova(admin, ['usage', 'tenant', 'acme', '-o', 'json']);
    expect(JSON.parse(r.stdout)).toMatchObject({ tenant: 'acme', total: { pods: { usedValue: 9, hardValue: 20 } } });
  });

  it("another tenant's admin is told the tenant is not found", async () => {
    const zeta = server.env(await server.token({ roles: ['tenant-admin'], tenants: ['zeta'], subject: 'zed' }));
    const r = await kubenova(zeta, ['usage', 'tenant', 'acme']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/not found/i);
  });
});
