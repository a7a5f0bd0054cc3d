// The console under test, as the console's browser tests share it: the built console served by an
// in-process API server (the harness, on the real store), Debian's Chromium, and pages signed in
// the way a user does it (a token pasted on the sign-in page). One per test file:
//
//   let ui: ConsoleUnderTest;
//   beforeAll(async () => { ui = await startConsole(); ... }, 300_000);
//   afterAll(() => ui?.close());
import { mkdir } from 'node:fs/promises';
import type { Page } from 'playwright-core';
import { startHarness, type Caller, type Harness } from '../api/support/harness.js';
import { ensureConsoleBuilt, launchBrowser, type TestBrowser } from './browser.js';

const ARTIFACTS = new URL('../../test-artifacts/', import.meta.url).pathname;

export interface ConsoleUnderTest {
  h: Harness;
  /** The server's address; the console is at `${base}/ui/`. */
  base: string;
  browser: TestBrowser;
  /** A new browser context (its own sessionStorage) at `/ui<path>`, signed in as `caller`. */
  signedIn(caller: Caller, path?: string): Promise<Page>;
  close(): Promise<void>;
}

export async function startConsole(opts: Parameters<typeof startHarness>[0] = {}): Promise<ConsoleUnderTest> {
  await ensureConsoleBuilt();
  const h = await startHarness(opts);
  let base: string;
  let browser: TestBrowser;
  try {
    base = await h.app.listen({ host: '127.0.0.1', port: 0 });
    browser = await launchBrowser();
  } catch (err) {
    await h.close();
    throw err;
  }
  return {
    h,
    base,
    browser,
    async signedIn(caller, path = '/') {
      const page = await (await browser.context()).newPage();
      page.on('pageerror', (err) => process.stderr.write(`[console] page error: ${err.message}\n`));
      await page.goto(`${base}/ui${path}`);
      await page.getByLabel('Access token').fill(await h.token(caller));
      await page.getByRole('button', { name: 'Sign in' }).click();
      return page;
    },
    async close() {
      await browser.close();
      await h.close();
    },
  };
}

/** A screenshot of the page as shown (1280×800) or whole, as test-artifacts/<name>.png. */
export async function screenshot(page: Page, name: string, opts: { fullPage?: boolean } = {}): Promise<void> {
  await mkdir(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: `${ARTIFACTS}${name}.png`, ...opts });
}
