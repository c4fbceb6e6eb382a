import cookie from '@fastify/cookie';
import swagger from '@fastify/swagger';
import scalar from '@scalar/fastify-api-reference';
import Fastify, { type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { jsonSchemaTransform, serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import { randomUUID } from 'node:crypto';
import { AppError } from '../domain/errors.js';
import type { Services } from '../services/index.js';
import { registerErrorHandler, sendAppError } from './plugins/error-handler.js';
import { registerAuthentication } from './plugins/authentication.js';
import { registerIdempotency } from './plugins/idempotency.js';
import { LOG_PRIVACY } from './plugins/log-privacy.js';
import { registerNulGuard } from './plugins/nul-guard.js';
import { registerSecurityHeaders } from './plugins/security-headers.js';
import { registerWebApp, wantsWebApp } from './plugins/web-app.js';
import { adminAuditRoutes } from './routes/admin/audit.routes.js';
import { adminCatalogueRoutes } from './routes/admin/catalogue.routes.js';
import { adminDataRoutes } from './routes/admin/data.routes.js';
import { adminLicenseRoutes } from './routes/admin/licenses.routes.js';
import { adminSettingsRoutes } from './routes/admin/settings.routes.js';
import { adminSubscriptionRoutes } from './routes/admin/subscriptions.routes.js';
import { adminWebhookRoutes } from './routes/admin/webhooks.routes.js';
import { batchRoutes } from './routes/graph/batch.routes.js';
import { directoryRoutes } from './routes/graph/directory.routes.js';
import { groupRoutes } from './routes/graph/groups.routes.js';
import { groupLicensingRoutes } from './routes/graph/group-licensing.routes.js';
import { invitationRoutes } from './routes/graph/invitations.routes.js';
import { subscribedSkuRoutes } from './routes/graph/subscribed-skus.routes.js';
import { userRoutes } from './routes/graph/users.routes.js';
import { adminAppRoutes } from './routes/admin/apps.routes.js';
import { oauthRoutes } from './routes/identity/oauth.routes.js';
import { sessionRoutes } from './routes/identity/session.routes.js';
import { meRoutes } from './routes/graph/me.routes.js';
import { roleManagementRoutes } from './routes/graph/role-management.routes.js';
import { adminPasswordRoutes } from './routes/admin/passwords.routes.js';
import { adminOverviewRoutes } from './routes/admin/overview.routes.js';
import { adminProductRoutes } from './routes/admin/products.routes.js';
import { adminReclaimRoutes } from './routes/admin/reclaim.routes.js';
import type { RouteDeps } from './routes/route-deps.js';
import { createUrlBuilder } from './urls.js';

export interface AppOptions {
  services: Services;
  /** ALLOT_PUBLIC_URL: base of absolute URLs; default the listening address. */
  publicUrl?: string | undefined;
  trustProxy?: boolean;
  /** Readiness probe: resolves true when the database answers. */
  isReady: () => Promise<boolean>;
  /** Request logging (never with credentials or secrets, see plugins/log-privacy.ts); `stream` for tests. */
  logger?: false | { level: string; stream?: NodeJS.WritableStream };
  /** Certificate and key (PEM): the app then serves HTTPS, and its URLs start with https://. */
  https?: { cert: string | Buffer; key: string | Buffer } | undefined;
  /** The built admin center (dist/web): served when it holds an index.html. */
  webRoot?: string | undefined;
}

/** Graph's request-id (ours, fresh per request) and client-request-id (the caller's, else ours) on every answer. */
function echoRequestIds(request: FastifyRequest, reply: FastifyReply): void {
  reply.header('request-id', request.id);
  const clientRequestId = request.headers['client-request-id'];
  reply.header('client-request-id', typeof clientRequestId === 'string' ? clientRequestId : request.id);
}

/** Builds the HTTP application. It never listens: `main.ts` does, tests use `inject()`. */
export async function buildApp(options: AppOptions): Promise<FastifyInstance> {
  const fastifyOptions = {
    logger: options.logger ? { ...options.logger, ...LOG_PRIVACY } : false,
    trustProxy: options.trustProxy ?? false,
    bodyLimit: 1024 * 1024,
    // Graph's request-id: ours, fresh per request. The caller's client-request-id is echoed separately.
    genReqId: () => randomUUID(),
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 500 },
    // A URL the router cannot take (a malformed percent-encoding, a segment over maxParamLength) is
    // refused before any hook runs; it is answered in Graph's envelope all the same.
    frameworkErrors: (error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
      echoRequestIds(request, reply);
      const message = error.code === 'FST_ERR_MAX_PARAM_LENGTH' ? 'A segment of the request URL is too long.' : 'The request URL is not valid: it contains a malformed percent-encoding.';
      return sendAppError(request, reply, new AppError('invalidRequest', message));
    },
  };
  // Fastify types an HTTPS app by its server class; nothing Allot uses differs between the two.
  const app = options.https === undefined ? Fastify(fastifyOptions) : (Fastify({ ...fastifyOptions, https: options.https }) as unknown as FastifyInstance);
  const scheme = options.https === undefined ? 'http' : 'https';
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  registerErrorHandler(app);

  let listenUrl = `${scheme}://127.0.0.1`;
  app.addHook('onListen', (done) => {
    const address = app.server.address();
    if (address !== null && typeof address === 'object') {
      const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
      listenUrl = `${scheme}://${host}:${address.port}`;
    }
    done();
  });
  const urls = createUrlBuilder({ publicUrl: options.publicUrl, trustProxy: options.trustProxy ?? false, listenUrl: () => listenUrl });

  app.addHook('onRequest', (request, reply, done) => {
    echoRequestIds(request, reply);
    done();
  });

  await registerSecurityHeaders(app);
  await app.register(swagger, {
    openapi: {
      info: { title: 'Allot', version: '0.1.0', description: 'Microsoft Graph-compatible licensing API and Allot admin API' },
    },
    transform: jsonSchemaTransform,
  });
  // Self-hosted: the reference page calls out to no hosted service (no AI agent, MCP, telemetry).
  await app.register(scalar, {
    routePrefix: '/docs',
    configuration: { url: '/openapi.json', agent: { disabled: true }, mcp: { disabled: true }, telemetry: false, withDefaultFonts: false },
  });
  app.get('/openapi.json', { schema: { hide: true } }, () => app.swagger());

  app.get('/healthz', { schema: { hide: true } }, () => ({ status: 'ok' }));
  app.get('/readyz', { schema: { hide: true } }, async (_request, reply) =>
    (await options.isReady().catch(() => false)) ? { status: 'ready' } : reply.status(503).send({ status: 'not ready' }),
  );

  await app.register(cookie);
  registerAuthentication(app, options.services);
  registerNulGuard(app);
  registerIdempotency(app, options.services);
  const deps: RouteDeps = { services: options.services, urls };
  subscribedSkuRoutes(app, deps);
  userRoutes(app, deps);
  groupRoutes(app, deps);
  directoryRoutes(app, deps);
  groupLicensingRoutes(app, deps);
  batchRoutes(app, deps);
  adminLicenseRoutes(app, deps);
  adminSubscriptionRoutes(app, deps);
  adminCatalogueRoutes(app, deps);
  invitationRoutes(app, deps);
  adminSettingsRoutes(app, deps);
  adminAuditRoutes(app, deps);
  adminAppRoutes(app, deps);
  await oauthRoutes(app, deps);
  sessionRoutes(app, deps);
  meRoutes(app, deps);
  roleManagementRoutes(app, deps);
  adminPasswordRoutes(app, deps);
  adminDataRoutes(app, deps);
  adminWebhookRoutes(app, deps);
  adminProductRoutes(app, deps);
  adminReclaimRoutes(app, deps);
  adminOverviewRoutes(app, deps);
  const servesWebApp = await registerWebApp(app, options.webRoot);

  app.setNotFoundHandler((request, reply) => {
    if (servesWebApp && wantsWebApp(request)) {
      return reply.type('text/html').header('cache-control', 'no-cache').sendFile('index.html');
    }
    const segment = request.url.split('?')[0]?.split('/').filter(Boolean).pop() ?? '';
    // Graph answers an unknown path with 400 and names the segment it could not resolve.
    const error = request.url.startsWith('/v1.0')
      ? new AppError('invalidRequest', `Resource not found for the segment '${segment}'.`)
      : new AppError('notFound', `No route ${request.method} ${request.url.split('?')[0] ?? ''}.`);
    return sendAppError(request, reply, error);
  });
  return app;
}
