// Debian's Chromium driven by playwright-core (never a downloaded browser), for the console's
// browser tests and benchmark. The flags keep it off the network: on a closed machine Chromium
// otherwise hangs on its background connections.
import { existsSync, statSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext } from 'playwright-core';
import { build } from 'vite';

export const CHROMIUM = process.env.KUBENOVA_CHROMIUM ?? '/usr/bin/chromium';
const CONSOLE_CONFIG = new URL('../../console/vite.config.ts', import.meta.url).pathname;
const CONSOLE_SRC = new URL('../../console/src/', import.meta.url).pathname;
const CONSOLE_INDEX = new URL('../../dist/console/index.html', import.meta.url).pathname;

export interface TestBrowser {
  browser: Browser;
  /** A fresh context (own sessionStorage) at 1280×800. */
  context(): Promise<BrowserContext>;
  close(): Promise<void>;
}

export async function launchBrowser(): Promise<TestBrowser> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium`);
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
    // Playwright gives every launch a fresh temporary profile (--user-data-dir) of its own.
  });
  return {
    browser,
    context: () => browser.newContext({ viewport: { width: 1280, height: 800 } }),
    async close() {
      await browser.close();
    },
  };
}

/** Builds the console into dist/console unless a build newer than its sources is there. */
export async function ensureConsoleBuilt(): Promise<void> {
  if (existsSync(CONSOLE_INDEX) && (await newestSource()) < statSync(CONSOLE_INDEX).mtimeMs) return;
  await build({ configFile: CONSOLE_CONFIG, logLevel: 'warn' });
}

async function newestSource(): Promise<number> {
  const files = await readdir(CONSOLE_SRC, { recursive: true, withFileTypes: true });
  return Math.max(...files.filter((f) => f.isFile()).map((f) => statSync(join(f.parentPath, f.name)).mtimeMs));
}
