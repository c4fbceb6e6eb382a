import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { existsSync } from 'node:fs';
import path from 'node:path';

/** Paths the API owns: an unknown one answers the API's JSON 404, never the web app. */
const API_PREFIXES = ['/v1.0', '/admin', '/auth', '/docs', '/openapi.json', '/healthz', '/readyz'];

const isApiPath = (pathname: string): boolean =>
  API_PREFIXES.some((prefix) => pathname === prefix || pathname.startsWith(`${prefix}/`)) ||
  // The token endpoints: /{tenant}/oauth2/…, /{tenant}/v2.0/…, /common/discovery/….
  /^\/[^/]+\/(oauth2|v2\.0|discovery)(\/|$)/.test(pathname);

/**
 * Serves the built admin center (dist/web) under the app's Content-Security-Policy. Files are
 * served by name only (`wildcard: false` registers the files that exist at start); any other GET
 * that is not an API path and asks for HTML gets index.html, so deep links such as
 * /billing/licenses/{skuId} load the app, which routes in the browser.
 * Returns whether the app was found; without it the API runs alone.
 */
export async function registerWebApp(app: FastifyInstance, webRoot: string | undefined): Promise<boolean> {
  if (webRoot === undefined || !existsSync(path.join(webRoot, 'index.html'))) {
    return false;
  }
  await app.register(fastifyStatic, {
    root: path.resolve(webRoot),
    wildcard: false,
    index: ['index.html'],
    // Vite names assets by content hash: they never change under one name.
    setHeaders: (response, filePath) => {
      response.header('cache-control', filePath.includes(`${path.sep}assets${path.sep}`) ? 'public, max-age=31536000, immutable' : 'no-cache');
    },
  });
  return true;
}

/** Whether a request that matched no route should get the web app's index.html. */
export const wantsWebApp = (request: FastifyRequest): boolean =>
  request.method === 'GET' && !isApiPath(request.url.split('?')[0] ?? '') && (request.headers.accept ?? '').includes('text/html');
