import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { SkuParamsSchema } from '../../../contracts/admin.js';
import { UpdateProductSettingsRequestSchema } from '../../../contracts/products.js';
import { presentProductSettings } from '../../presenters/product-usage.presenter.js';
import type { RouteDeps } from '../route-deps.js';

/** Per-product settings: self-service purchase policy, low-seat threshold, inactivity window, price. */
export function adminProductRoutes(app: FastifyInstance, { services }: RouteDeps): void {
  const api = app.withTypeProvider<ZodTypeProvider>();
  const tags = ['admin: products'];

  api.get('/admin/products', { config: { action: 'subscriptions.read' }, schema: { tags, summary: 'Every product the tenant has subscriptions for, with its settings' } }, async (request) => ({
    value: (await services.productSettings.list(request.context)).map(presentProductSettings),
  }));

  api.get(
    '/admin/products/:skuId/settings',
    { config: { action: 'subscriptions.read' }, schema: { params: SkuParamsSchema, tags, summary: "A product's settings (defaults for a product never configured)" } },
    async (request) => presentProductSettings(await services.productSettings.get(request.context, request.params.skuId)),
  );

  api.patch(
    '/admin/products/:skuId/settings',
    {
      // The lower of the two actions; the service asks for selfService.policy (Global Administrator) when the policy is sent.
      config: { action: 'subscriptions.manage' },
      schema: { params: SkuParamsSchema, body: UpdateProductSettingsRequestSchema, tags, summary: "Change a product's settings (the self-service policy: Global Administrator only)" },
    },
    async (request) => {
      const body = request.body;
      return presentProductSettings(
        await services.productSettings.update(request.context, request.params.skuId, {
          ...(body.selfServicePolicy === undefined ? {} : { selfServicePolicy: body.selfServicePolicy }),
          ...(body.lowSeatThreshold === undefined ? {} : { lowSeatThreshold: body.lowSeatThreshold }),
          ...(body.inactivityDays === undefined ? {} : { inactivityDays: body.inactivityDays }),
          ...(body.monthlyPrice === undefined ? {} : { monthlyPrice: body.monthlyPrice }),
          ...(body.currency === undefined ? {} : { currency: body.currency }),
        }),
      );
    },
  );
}
