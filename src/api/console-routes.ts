// The web console (console/, built by `npm run build` into dist/console) served by the API server
// itself at /ui/, same origin as the API. Only static files: every piece of data the console shows
// comes from the authorized /api/v1 routes with the signed-in user's own token.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';
import { ApiError } from './errors.js';

export const CONSOLE_PATH = '/ui/';

/** No inline script or style, nothing from other origins, never framed. `connectTo`: the origins
 *  of the identity providers the console signs in with (their discovery and token endpoints are
 *  called from the browser); nothing else besides this server is reachable from the page. */
export function consoleCsp(connectTo: readonly string[] = []): string {
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    ["connect-src 'self'", ...new Set(connectTo)].join(' '),
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
}

export const CONSOLE_CSP = consoleCsp();

/** dist/console beside the compiled server (dist/src/api → dist/console), or the repository's
 *  dist/console when the server runs from its TypeScript sources. */
export function defaultConsoleDir(): string {
  const here = fileURLToPath(import.meta.url);
  return fileURLToPath(new URL(/[\\/]dist[\\/]src[\\/]api[\\/]/.test(here) ? '../../console/' : '../../dist/console/', import.meta.url));
}

/** `issuers`: the sign-in providers' issuer URLs (their origins join the CSP's connect-src). */
export async function registerConsoleRoutes(app: FastifyInstance, dir = defaultConsoleDir(), issuers: readonly string[] = []): Promise<void> {
  const csp = consoleCsp(issuers.map((i) => new URL(i).origin));
  app.get('/', { schema: { hide: true } }, async (_req, reply) => reply.redirect(CONSOLE_PATH));
  const built = existsSync(`${dir}/index.html`);
  await app.register(async (ui) => {
    ui.addHook('onSend', async (_req, reply, payload) => {
      reply.header('content-security-policy', csp);
      reply.header('x-content-type-options', 'nosniff');
      reply.header('referrer-policy', 'no-referrer');
      return payload;
    });
    if (!built) {
      ui.get('/ui/*', { schema: { hide: true } }, () => {
        throw new ApiError('NOT_FOUND', 'the console is not built: run `npm run build`');
      });
      return;
    }
    // One route per built file (wildcard off), so that the catch-all below sees only the rest.
    await ui.register(fastifyStatic, { root: dir, prefix: CONSOLE_PATH, wildcard: false, index: false, serveDotFiles: false });
    ui.get('/ui', { schema: { hide: true } }, async (_req, reply) => reply.redirect(CONSOLE_PATH));
    // The console's own routes (/ui/apps/x, ...) are its index page; a missing asset is a 404.
    ui.get('/ui/*', { schema: { hide: true } }, async (req, reply) => {
      if (req.url.startsWith(`${CONSOLE_PATH}assets/`)) throw new ApiError('NOT_FOUND', 'no such console file');
      // Always asked again: it names the current build's hashed assets.
      return reply.header('cache-control', 'no-cache').sendFile('index.html');
    });
  });
}
