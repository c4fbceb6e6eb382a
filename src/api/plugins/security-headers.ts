import helmet from '@fastify/helmet';
import type { FastifyInstance, FastifyReply, FastifyRequest, RouteOptions } from 'fastify';
import { createHash } from 'node:crypto';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The API reference page (and its script): served with its own Content-Security-Policy. */
    docsPage?: true;
  }
}

/**
 * The web app's policy. Fluent UI (Griffel) inserts style rules at run time, hence style-src
 * 'unsafe-inline' (styles only; scripts stay 'self'). No upgrade-insecure-requests: plain HTTP on
 * loopback is a supported way to run Allot.
 */
const APP_DIRECTIVES = {
  'default-src': ["'self'"],
  'script-src': ["'self'"],
  'style-src': ["'self'", "'unsafe-inline'"],
  'img-src': ["'self'", 'data:'],
  'font-src': ["'self'", 'data:'],
  'connect-src': ["'self'"],
  'frame-ancestors': ["'none'"],
  'object-src': ["'none'"],
  'base-uri': ["'self'"],
  'form-action': ["'self'"],
};

/** HSTS for a year, without includeSubDomains: a self-hosted Allot does not speak for its parent domain's other hosts. */
const HSTS = 'max-age=31536000';

// Written as helmet writes the app's policy.
const serializePolicy = (directives: Record<string, readonly string[]>): string =>
  Object.entries(directives)
    .map(([name, sources]) => `${name} ${sources.join(' ')}`)
    .join(';');

const INLINE_SCRIPT = /<script\b(?![^>]*\bsrc=)[^>]*>([\s\S]*?)<\/script>/gi;

/**
 * Scalar's page (/docs) loads its bundle from /docs/js/scalar.js and starts it with one inline
 * script holding the static configuration. That script is allowed by its hash, taken from the page
 * being sent (the page carries no request data); nothing else inline runs. Scalar also injects its
 * stylesheet at run time, and images of the document may be data: URLs.
 */
function docsPolicy(payload: unknown): string {
  const hashes = typeof payload === 'string' ? [...payload.matchAll(INLINE_SCRIPT)].map((match) => `'sha256-${createHash('sha256').update(match[1] ?? '').digest('base64')}'`) : [];
  return serializePolicy({ ...APP_DIRECTIVES, 'script-src': ["'self'", ...hashes] });
}

/**
 * Security headers on every response (@fastify/helmet): the CSP above, frame-ancestors 'none' with
 * X-Frame-Options DENY, nosniff, no referrer; Strict-Transport-Security only on HTTPS requests (on
 * plain HTTP it would be ignored at best, and pin a name to HTTPS that may not serve it at worst).
 * Register before the routes (the /docs routes are marked as they are added).
 */
export async function registerSecurityHeaders(app: FastifyInstance): Promise<void> {
  await app.register(helmet, {
    contentSecurityPolicy: { useDefaults: false, directives: APP_DIRECTIVES },
    frameguard: { action: 'deny' },
    hsts: false,
  });
  app.addHook('onRoute', (route: RouteOptions) => {
    if (route.url === '/docs' || route.url.startsWith('/docs/')) {
      route.config = { ...route.config, docsPage: true };
    }
  });
  app.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
    if (request.protocol === 'https') {
      reply.header('strict-transport-security', HSTS);
    }
  });
  app.addHook('onSend', async (request: FastifyRequest, reply: FastifyReply, payload: unknown) => {
    if (request.routeOptions.config.docsPage === true) {
      reply.header('content-security-policy', docsPolicy(payload));
    }
    return payload;
  });
}
