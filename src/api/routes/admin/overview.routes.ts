import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { presentOverview } from '../../presenters/product-usage.presenter.js';
import type { RouteDeps } from '../route-deps.js';

/** The admin center's Home page. */
export function adminOverviewRoutes(app: FastifyInstance, { services }: RouteDeps): void {
  const api = app.withTypeProvider<ZodTypeProvider>();

  api.get(
    '/admin/overview',
    { config: { action: 'licenses.read' }, schema: { tags: ['admin: overview'], summary: 'Seat usage per product and what needs attention (low seats, over-assignment, expiring subscriptions and trials, group license errors)' } },
    async (request) => presentOverview(await services.overview.get(request.context)),
  );
}
