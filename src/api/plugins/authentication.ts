import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest, RouteOptions } from 'fastify';
import type { Action } from '../../domain/authorization.js';
import { INSUFFICIENT_PRIVILEGES, requireAllowed, type RequestContext } from '../../domain/context.js';
import { AppError } from '../../domain/errors.js';
import type { Services } from '../../services/index.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** What the route does, checked against the permission table before the body is validated. */
    action?: Action;
    /** Reachable without signing in (token endpoint, discovery, sign-in, invitation redemption). */
    public?: true;
  }
  interface FastifyInstance {
    /** Every /v1.0, /admin and public route with what it declares (the authorization tests walk it). */
    declaredRoutes: DeclaredRoute[];
  }
  interface FastifyRequest {
    /** Tenant, principal and request id of an authenticated request (set before validation). */
    context: RequestContext;
  }
}

export interface DeclaredRoute {
  method: string;
  url: string;
  action: Action | undefined;
  public: boolean;
}

export const SESSION_COOKIE = 'allot_session';
export const CSRF_HEADER = 'x-csrf-token';

/** The prefixes whose every route must declare an action or be marked public. */
const PROTECTED_PREFIXES = ['/v1.0', '/admin'];
const isProtectedPath = (url: string): boolean => PROTECTED_PREFIXES.some((prefix) => url === prefix || url.startsWith(`${prefix}/`));

/** What a session whose generated password must still be changed may reach. */
const PASSWORD_CHANGE_ROUTES = new Set(['GET /auth/session', 'GET /v1.0/me', 'POST /v1.0/me/changePassword']);

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

const sameSecret = (given: string, expected: string): boolean => {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
};

/** Graph's answer to a request without a usable token. */
const missingCredentials = () => new AppError('unauthenticated', 'Access token is empty.');

function bearerToken(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (header === undefined) {
    return undefined;
  }
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (!match?.[1]) {
    throw new AppError('unauthenticated', 'Access token validation failure: the Authorization header must be "Bearer <token>".');
  }
  return match[1];
}

/**
 * Authentication and the route-level authorization of every /v1.0 and /admin request. A caller
 * proves who it is with a bearer token (apps, client credentials) or the session cookie of the web
 * sign-in (admins; mutations also need the CSRF header). The route's declared action is checked
 * against the permission table here; services repeat the check with the loaded target for the
 * target- and field-level rules. Both run in `onRequest`, before the body is validated, so an
 * unauthorized caller learns nothing about the shape of a request.
 */
export function registerAuthentication(app: FastifyInstance, services: Services): void {
  app.decorateRequest('context', null as unknown as RequestContext);

  app.decorate('declaredRoutes', [] as DeclaredRoute[]);
  app.addHook('onRoute', (route: RouteOptions) => {
    const config = route.config;
    if (isProtectedPath(route.url) && config?.action === undefined && config?.public !== true) {
      throw new Error(`Route ${String(route.method)} ${route.url} declares no action: add config.action (or config.public).`);
    }
    for (const method of [route.method].flat()) {
      if (method !== 'HEAD' && (config?.action !== undefined || config?.public === true)) {
        app.declaredRoutes.push({ method, url: route.url, action: config?.action, public: config?.public === true });
      }
    }
  });

  app.addHook('onRequest', async (request: FastifyRequest) => {
    const config = request.routeOptions.config;
    const routeUrl = request.routeOptions.url;
    if (config.public === true) {
      return;
    }
    // Unknown paths under /v1.0 and /admin still need a caller, so they reveal nothing to anonymous ones.
    const action = config.action;
    if (action === undefined && !(routeUrl === undefined && isProtectedPath(request.url))) {
      return;
    }
    request.context = await authenticate(request, routeUrl);
    if (action !== undefined) {
      request.context = requireAllowed(request.context, { action });
    }
  });

  async function authenticate(request: FastifyRequest, routeUrl: string | undefined): Promise<RequestContext> {
    const token = bearerToken(request);
    if (token !== undefined) {
      const { tenantId, principal } = await services.tokens.verifyAccessToken(token);
      return { tenantId, principal, requestId: request.id, clientAddress: request.ip };
    }
    const cookie = request.cookies[SESSION_COOKIE];
    if (cookie === undefined || cookie === '') {
      throw missingCredentials();
    }
    const session = await services.sessions.authenticate(cookie);
    if (!SAFE_METHODS.has(request.method)) {
      const csrf = request.headers[CSRF_HEADER];
      if (typeof csrf !== 'string' || !sameSecret(csrf, session.csrfToken)) {
        throw new AppError('forbidden', INSUFFICIENT_PRIVILEGES, [
          { code: 'CsrfTokenMissing', target: CSRF_HEADER, message: `A request signed in by cookie must send the session's CSRF token in the ${CSRF_HEADER} header.` },
        ]);
      }
    }
    if (session.mustChangePassword && !PASSWORD_CHANGE_ROUTES.has(`${request.method} ${routeUrl ?? ''}`)) {
      throw new AppError('forbidden', INSUFFICIENT_PRIVILEGES, [
        { code: 'PasswordChangeRequired', message: 'Change the generated password first: POST /v1.0/me/changePassword.' },
      ]);
    }
    return { tenantId: session.tenantId, principal: session.principal, requestId: request.id, clientAddress: request.ip };
  }
}
