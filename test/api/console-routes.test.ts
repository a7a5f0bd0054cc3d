// The web console served by the API server at /ui/: its files with a strict CSP, its own routes
// answered with its index page, `/` sent to it, and no data without the API's authorization.
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONSOLE_CSP } from '../../src/api/console-routes.js';
import { startHarness, type Harness } from './support/harness.js';

let dir: string;
let h: Harness;
let unbuilt: Harness;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'console-'));
  await mkdir(join(dir, 'assets'));
  await writeFile(join(dir, 'index.html'), '<!doctype html><title>KubeNova</title><script type="module" src="/ui/assets/index-abc.js"></script>');
  await writeFile(join(dir, 'assets', 'index-abc.js'), 'console.log(1)');
  h = await startHarness({ consoleDir: dir });
  unbuilt = await startHarness({ consoleDir: join(dir, 'missing'), store: h.store });
});

afterAll(async () => {
  await unbuilt?.app.close();
  await h?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('the console at /ui/', () => {
  it('serves its index page with a CSP that allows no inline script', async () => {
    const res = await h.call(undefined, 'GET', '/ui/');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/text\/html/);
    expect(res.body).toContain('<title>KubeNova</title>');
    const csp = String(res.headers['content-security-policy']);
    expect(csp).toBe(CONSOLE_CSP);
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
  });

  it('answers its own routes (deep links) with the index page', async () => {
    for (const path of ['/ui/apps/acme-shop', '/ui/tenants/acme/kubeconfigs', '/ui/admin/fleet']) {
      const res = await h.call(undefined, 'GET', path);
      expect(res.statusCode, path).toBe(200);
      expect(res.body).toContain('<title>KubeNova</title>');
    }
  });

  it('serves built assets and answers a missing one with 404, not the index page', async () => {
    const asset = await h.call(undefined, 'GET', '/ui/assets/index-abc.js');
    expect(asset.statusCode).toBe(200);
    expect(asset.headers['content-type']).toMatch(/javascript/);
    const missing = await h.call(undefined, 'GET', '/ui/assets/nope.js');
    expect(missing.statusCode).toBe(404);
    expect(JSON.parse(missing.body)).toMatchObject({ code: 'NOT_FOUND' });
  });

  it('sends / and /ui to /ui/', async () => {
    for (const path of ['/', '/ui']) {
      const res = await h.call(undefined, 'GET', path);
      expect(res.statusCode, path).toBe(302);
      expect(res.headers.location).toBe('/ui/');
    }
  });

  it('opens no way around the API: data still needs a token', async () => {
    expect((await h.call(undefined, 'GET', '/api/v1/tenants')).statusCode).toBe(401);
  });

  it('says how to build it when it is not built', async () => {
    const res = await unbuilt.call(undefined, 'GET', '/ui/');
    expect(res.statusCode).toBe(404);
    expect(JSON.parse(res.body)).toMatchObject({ code: 'NOT_FOUND', message: expect.stringContaining('npm run build') });
    expect(res.body).not.toContain(dir);
  });
});
