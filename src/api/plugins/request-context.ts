import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { RequestContext } from '../../domain/context.js';
import { AppError } from '../../domain/errors.js';
import type { Services } from '../../services/index.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Tenant, principal and request id of a /v1.0 or admin request (set before the handler). */
    context: RequestContext;
  }
}

/** Header naming the tenant (id or domain) while sign-in does not exist yet. */
export const TENANT_HEADER = 'x-allot-tenant';

/**
 * Builds each API request's context. Until the identity issue adds sign-in, every caller is the
 * local operator (the server listens on 127.0.0.1 only) and the tenant comes from the
 * x-allot-tenant header, or is the first tenant created (the demo tenant on a fresh install).
 */
export function registerRequestContext(app: FastifyInstance, services: Services): void {
  app.decorateRequest('context', null as unknown as RequestContext);
  app.addHook('onRequest', async (request: FastifyRequest) => {
    if (!request.url.startsWith('/v1.0') && !request.url.startsWith('/admin/')) {
      return;
    }
    const named = request.headers[TENANT_HEADER];
    const tenant = typeof named === 'string' ? await services.tenants.findTenant(named) : (await services.tenants.listTenants())[0];
    if (!tenant) {
      throw new AppError(
        'notFound',
        typeof named === 'string' ? `Tenant '${named}' does not exist.` : 'No tenant exists yet. Run `allot seed` or start with ALLOT_DEMO=1.',
      );
    }
    request.context = {
      tenantId: tenant.tenantId,
      principal: { kind: 'localOperator', id: 'local-operator', displayName: 'Local operator' },
      requestId: request.id,
      clientAddress: request.ip,
    };
  });
}
