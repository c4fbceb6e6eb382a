import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { UpdateSettingsRequestSchema } from '../../../contracts/settings.js';
import type { RouteDeps } from '../route-deps.js';

/** Company settings (Org settings in the admin center). */
export function adminSettingsRoutes(app: FastifyInstance, { services }: RouteDeps): void {
  const api = app.withTypeProvider<ZodTypeProvider>();
  const tags = ['admin: settings'];

  api.get('/admin/settings', { config: { action: 'organization.read' }, schema: { tags, summary: "The organization's settings" } }, async (request) =>
    services.settings.get(request.context),
  );

  api.patch(
    '/admin/settings',
    { config: { action: 'settings.update' }, schema: { body: UpdateSettingsRequestSchema, tags, summary: "Change the organization's settings (Global Administrator)" } },
    async (request) => {
      const { guestLicensingRequiresGlobalAdmin } = request.body;
      return services.settings.update(request.context, guestLicensingRequiresGlobalAdmin === undefined ? {} : { guestLicensingRequiresGlobalAdmin });
    },
  );
}
