// Web console benchmark (not a test), in Debian's Chromium against the real server on an
// embedded store (no cluster: statuses are written to the store as the reconcilers would):
//   (a) JavaScript shipped for the first load of /ui/, gzipped (goal ≤ 250 KB);
//   (b) time to a usable tenant home with BENCH_APPS apps in the tenant: from navigation to the
//       first page of app rows (50, read with the API's paging) with the apps' total, the
//       quotas (hard and used per cluster) and the projects on screen (goal ≤ 1 s), measured by
//       the page's own clock at the first frame showing all of them;
//   (c) delay from the phase change in the store of an app shown on that first page to the page
//       showing it, through the server's event stream (goal p95 ≤ 1 s).
//
//   npm run bench:console    BENCH_APPS=1000 BENCH_LOADS=20 BENCH_CHANGES=50 by default
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { gzipSync } from 'node:zlib';
import { buildServer } from '../src/api/server.js';
import { PROJECT_LABEL } from '../src/domain/ownership.js';
import type { Phase, ResourceStatus } from '../src/domain/resource.js';
import { createLogger } from '../src/observability/logger.js';
import { createMetrics } from '../src/observability/metrics.js';
import { createTokenVerifier } from '../src/security/auth.js';
import { mintToken } from '../src/security/auth-token.js';
import { createStore } from '../src/store/index.js';
import { ensureConsoleBuilt, launchBrowser } from '../test/support/browser.js';

const APPS = Number(process.env.BENCH_APPS ?? 1000);
const LOADS = Number(process.env.BENCH_LOADS ?? 20);
const CHANGES = Number(process.env.BENCH_CHANGES ?? 50);
const TENANT = 'acme';
/** Apps per page of the tenant home (APPS_PER_PAGE in console/src/pages/TenantApps.tsx). */
const FIRST_PAGE = 50;
const PROJECT = 'acme-web';
const DIST = new URL('../dist/console/', import.meta.url).pathname;

const quantile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
const summary = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return `median ${quantile(s, 0.5).toFixed(0)} ms, p95 ${quantile(s, 0.95).toFixed(0)} ms, max ${s.at(-1)!.toFixed(0)} ms (n=${s.length})`;
};

/** The scripts the index page loads at once (entry and module preloads), gzipped. */
async function firstLoadJs(): Promise<{ files: string[]; raw: number; gzip: number }> {
  const html = await readFile(join(DIST, 'index.html'), 'utf8');
  const files = [...html.matchAll(/(?:src|href)="\/ui\/(assets\/[^"]+\.js)"/g)].map((m) => m[1]!);
  let raw = 0;
  let gzip = 0;
  for (const f of files) {
    const body = await readFile(join(DIST, f));
    raw += body.length;
    gzip += gzipSync(body).length;
  }
  return { files, raw, gzip };
}

const status = (phase: Phase): ResourceStatus => ({ phase, conditions: [], observedGeneration: 1 });

async function main(): Promise<void> {
  await ensureConsoleBuilt();
  const js = await firstLoadJs();
  console.log(
    `(a) first-load JavaScript: ${(js.gzip / 1024).toFixed(1)} KB gzipped (${(js.raw / 1024).toFixed(1)} KB raw) in ${js.files.length} file(s): ${js.files.join(', ')}`,
  );

  const dir = await mkdtemp(join(tmpdir(), 'kubenova-bench-console-'));
  const store = await createStore({ kind: 'embedded', dataDir: dir });
  const secret = new Uint8Array(randomBytes(32));
  const app = await buildServer({
    store,
    verifier: createTokenVerifier({ hs256Secret: secret }),
    logger: createLogger({ level: 'silent' }),
    metrics: createMetrics({ processMetrics: false }),
    config: { bodyLimitBytes: 1024 * 1024 },
    writeServices: {} as never,
  });
  const base = await app.listen({ host: '127.0.0.1', port: 0 });
  const browser = await launchBrowser();
  try {
    await store.objects.create({
      kind: 'Tenant',
      name: TENANT,
      tenant: TENANT,
      spec: { owners: [{ kind: 'User', name: 'alice' }], quotas: { pods: 2000, cpu: '64' } },
    });
    // Placed on one cluster, whose usage report is in the store (docs/usage.md).
    await store.objects.updateStatus('Tenant', TENANT, { ...status('Deployed'), clusters: { c1: status('Deployed') } });
    await store.usage.put(TENANT, 'c1', 'quota', { resources: { pods: { hard: '2000', used: String(APPS) }, 'requests.cpu': { hard: '64', used: '25' } } });
    await store.objects.create({ kind: 'Project', name: PROJECT, tenant: TENANT, spec: { tenant: TENANT } });
    const names = Array.from({ length: APPS }, (_, i) => `${TENANT}-app-${String(i).padStart(4, '0')}`);
    const t0 = performance.now();
    for (let i = 0; i < names.length; i += 50) {
      await Promise.all(
        names.slice(i, i + 50).map(async (name) => {
          await store.objects.create({
            kind: 'App',
            name,
            tenant: TENANT,
            labels: { [PROJECT_LABEL]: PROJECT },
            spec: { project: PROJECT, components: [{ name: 'web', type: 'webservice', properties: { image: 'nginx:1.27' }, traits: [] }], policies: [] },
          });
          await store.objects.updateStatus('App', name, status('Deployed'));
        }),
      );
    }
    console.log(`    ${APPS} apps in tenant ${TENANT} written in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    // A tenant admin: the tenant home lists the tenant's projects, apps and events through the API.
    const token = await mintToken(secret, { subject: 'alice', roles: ['tenant-admin'], tenants: [TENANT], ttlSeconds: 3600 });
    const context = await browser.context();
    // Signed in already (the token in this tab's sessionStorage, as the sign-in page leaves it).
    await context.addInitScript((t) => sessionStorage.setItem('kubenova.token', t), token);
    const page = await context.newPage();

    const loads: number[] = [];
    for (let i = 0; i < LOADS; i++) {
      await page.goto(`${base}/ui/`, { waitUntil: 'commit' });
      // Checked in the page at every frame: the time is the page's own clock (0 = the navigation's
      // start), not when the benchmark's polling through the DevTools protocol noticed.
      const usable = await page.waitForFunction(
        // No named helpers inside: the function is sent to the page as text.
        ([rows, total, project]) =>
          document.querySelectorAll('tr[data-app]').length === rows &&
          [...document.querySelectorAll('[role="status"]')].some((e) => e.textContent === total) &&
          document.querySelector('table[aria-label="Quota usage"]') !== null &&
          [...document.querySelectorAll('section[aria-labelledby="s-projects"] td')].some((td) => td.textContent === project) &&
          performance.now(),
        [FIRST_PAGE, `Apps 1–${FIRST_PAGE} of ${APPS}`, PROJECT] as const,
        { polling: 'raf', timeout: 30_000 },
      );
      loads.push((await usable.jsonValue()) as number);
    }
    console.log(`(b) tenant home with ${APPS} apps, navigation → first ${FIRST_PAGE} app rows, total, quotas and projects on screen: ${summary(loads)}`);
    // Where the last load's time went: each request's start and end (Resource Timing).
    const timings = await page.evaluate(() =>
      (performance.getEntriesByType('resource') as PerformanceResourceTiming[]).map(
        (e) => `${new URL(e.name).pathname.replace(/^\/ui\/assets\/.*/, 'assets')} ${e.startTime.toFixed(0)}→${e.responseEnd.toFixed(0)}`,
      ),
    );
    console.log(`    last load, requests (ms from navigation): ${timings.filter((t) => !t.includes('/events?')).join(', ')}`);

    await page.getByRole('status').filter({ hasText: 'Live' }).waitFor();
    // The apps on screen: the first page.
    const shown = await page.locator('tr[data-app]').evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-app')!));
    if (shown.length !== FIRST_PAGE) throw new Error(`expected ${FIRST_PAGE} app rows on screen, found ${shown.length}`);
    const delays: number[] = [];
    for (let i = 0; i < CHANGES; i++) {
      const name = shown[(i * 7) % shown.length]!;
      const phase: Phase = i % 2 === 0 ? 'Drifted' : 'Deployed';
      const before = await page.locator(`tr[data-app="${name}"] .phase`).textContent();
      const want = before === phase ? 'Error' : phase;
      const start = performance.now();
      await store.objects.updateStatus('App', name, status(want));
      await page.waitForFunction(([n, p]) => document.querySelector(`tr[data-app="${n}"] .phase`)?.textContent === p, [name, want] as const, {
        polling: 'raf',
        timeout: 10_000,
      });
      delays.push(performance.now() - start);
    }
    console.log(`(c) phase change in the store of an app on the first page → shown on the tenant home (${APPS} apps): ${summary(delays)}`);
  } finally {
    await browser.close();
    await app.close();
    await store.close();
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
