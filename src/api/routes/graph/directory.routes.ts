import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { GuidSchema } from '../../../contracts/common.js';
import { createCatalogue } from '../../../domain/catalogue.js';
import type { LicensedUser } from '../../../services/licensing.service.js';
import { presentUser } from '../../presenters/user.presenter.js';
import { graphContext } from '../../urls.js';
import type { RouteDeps } from '../route-deps.js';

const DeletedItemParamsSchema = z.object({ id: GuidSchema.describe('Object id of the deleted user') });

// A deleted user holds no licenses: it is presented without catalogue lookups.
const emptyCatalogue = createCatalogue({ skus: [], plans: [], rules: [] });

/** Deleted users and the organization object. */
export function directoryRoutes(app: FastifyInstance, { services, urls }: RouteDeps): void {
  const api = app.withTypeProvider<ZodTypeProvider>();
  const asDeleted = (user: LicensedUser['user']) => ({ '@odata.type': '#microsoft.graph.user', ...presentUser({ user, assignments: [], catalogue: emptyCatalogue }, { full: true }) });

  api.get('/v1.0/directory/deletedItems/microsoft.graph.user', { config: { action: 'users.read' }, schema: { tags: ['directory'], summary: 'Users deleted in the last 30 days' } }, async (request) => {
    const users = await services.users.listDeletedUsers(request.context);
    return { '@odata.context': graphContext(urls, request, 'users'), value: users.map(asDeleted) };
  });

  api.get('/v1.0/directory/deletedItems/:id', { config: { action: 'users.read' }, schema: { params: DeletedItemParamsSchema, tags: ['directory'], summary: 'A deleted user' } }, async (request) => {
    const user = await services.users.getDeletedUser(request.context, request.params.id);
    return { '@odata.context': graphContext(urls, request, 'directory/deletedItems/$entity'), ...asDeleted(user) };
  });

  api.post(
    '/v1.0/directory/deletedItems/:id/restore',
    { config: { action: 'users.restore' }, schema: { params: DeletedItemParamsSchema, tags: ['directory'], summary: 'Restore a deleted user; licenses are re-applied where seats allow' } },
    async (request) => {
      const { user, notRestored } = await services.users.restoreUser(request.context, request.params.id);
      return {
        '@odata.context': graphContext(urls, request, 'directoryObjects/$entity'),
        '@odata.type': '#microsoft.graph.user',
        ...presentUser(user, { full: true }),
        // Allot's addition: what could not be re-applied, so the admin knows whom to relicense.
        '@allot.licensesNotRestored': notRestored,
      };
    },
  );

  api.delete('/v1.0/directory/deletedItems/:id', { config: { action: 'users.purge' }, schema: { params: DeletedItemParamsSchema, tags: ['directory'], summary: 'Permanently delete a deleted user' } }, async (request, reply) => {
    await services.users.purgeDeletedUser(request.context, request.params.id);
    return reply.status(204).send();
  });

  api.get('/v1.0/organization', { config: { action: 'organization.read' }, schema: { tags: ['organization'], summary: 'The organization (tenant)' } }, async (request) => {
    const tenant = await services.tenants.getTenant(request.context.tenantId);
    const skus = await services.subscriptions.listSubscribedSkus(request.context);
    const assignedPlans = skus
      .filter((view) => view.capabilityStatus !== 'Deleted')
      .flatMap((view) =>
        view.plans.map((plan) => ({
          assignedDateTime: (view.subscriptions[0]?.createdAt ?? tenant.createdAt).toISOString().replace(/\.\d{3}Z$/, 'Z'),
          capabilityStatus: view.capabilityStatus,
          service: plan.service,
          servicePlanId: plan.servicePlanId,
        })),
      );
    return {
      '@odata.context': graphContext(urls, request, 'organization'),
      value: [
        {
          id: tenant.tenantId,
          displayName: tenant.displayName,
          countryLetterCode: tenant.defaultUsageLocation,
          createdDateTime: tenant.createdAt.toISOString().replace(/\.\d{3}Z$/, 'Z'),
          verifiedDomains: tenant.domains.map((domain) => ({
            capabilities: 'Email, OfficeCommunicationsOnline',
            isDefault: domain.isDefault,
            isInitial: domain.isInitial,
            name: domain.domain,
            type: 'Managed',
          })),
          assignedPlans,
        },
      ],
    };
  });
}

