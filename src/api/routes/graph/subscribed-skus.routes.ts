import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ODataQuerySchema } from '../../../contracts/common.js';
import { parseSelect } from '../../odata-select.js';
import { presentSubscribedSku, presentSubscription, selectProperties } from '../../presenters/subscription.presenter.js';
import { graphContext } from '../../urls.js';
import type { RouteDeps } from '../route-deps.js';

const SUBSCRIBED_SKU_PROPERTIES = ['accountId', 'accountName', 'appliesTo', 'capabilityStatus', 'consumedUnits', 'id', 'prepaidUnits', 'servicePlans', 'skuId', 'skuPartNumber', 'subscriptionIds'];
const SUBSCRIPTION_PROPERTIES = ['id', 'commerceSubscriptionId', 'createdDateTime', 'isTrial', 'nextLifecycleDateTime', 'ownerId', 'ownerTenantId', 'ownerType', 'serviceStatus', 'skuId', 'skuPartNumber', 'status', 'totalLicenses'];

export function subscribedSkuRoutes(app: FastifyInstance, { services, urls }: RouteDeps): void {
  const api = app.withTypeProvider<ZodTypeProvider>();

  api.get('/v1.0/subscribedSkus', { config: { action: 'subscriptions.read' }, schema: { querystring: ODataQuerySchema, tags: ['subscribedSkus'], summary: 'List the products the organization has subscribed to' } }, async (request) => {
    const select = parseSelect(request.query.$select, SUBSCRIBED_SKU_PROPERTIES, 'subscribedSku');
    const tenant = await services.tenants.getTenant(request.context.tenantId);
    const views = await services.subscriptions.listSubscribedSkus(request.context);
    return {
      '@odata.context': graphContext(urls, request, select ? `subscribedSkus(${select.join(',')})` : 'subscribedSkus'),
      value: views.map((view) => selectProperties(presentSubscribedSku(view, tenant), select)),
    };
  });

  api.get(
    '/v1.0/subscribedSkus/:id',
    { config: { action: 'subscriptions.read' }, schema: { params: z.object({ id: z.string().max(100) }), querystring: ODataQuerySchema, tags: ['subscribedSkus'], summary: 'Get one subscribed product by {tenantId}_{skuId}' } },
    async (request) => {
      const select = parseSelect(request.query.$select, SUBSCRIBED_SKU_PROPERTIES, 'subscribedSku');
      const tenant = await services.tenants.getTenant(request.context.tenantId);
      const [tenantPart, skuId] = request.params.id.toLowerCase().split('_');
      // Another tenant's id answers exactly like an id that does not exist.
      const view = await services.subscriptions.getSubscribedSku(
        request.context,
        tenantPart === tenant.tenantId && skuId !== undefined ? skuId : request.params.id,
      );
      return {
        '@odata.context': graphContext(urls, request, 'subscribedSkus/$entity'),
        ...selectProperties(presentSubscribedSku(view, tenant), select),
      };
    },
  );

  api.get('/v1.0/directory/subscriptions', { config: { action: 'subscriptions.read' }, schema: { querystring: ODataQuerySchema, tags: ['directory'], summary: 'List the organization\'s subscriptions (companySubscription)' } }, async (request) => {
    const select = parseSelect(request.query.$select, SUBSCRIPTION_PROPERTIES, 'companySubscription');
    const views = await services.subscriptions.listSubscriptions(request.context);
    return {
      '@odata.context': graphContext(urls, request, 'directory/subscriptions'),
      value: views.map((view) => selectProperties(presentSubscription(view), select)),
    };
  });

  api.get(
    '/v1.0/directory/subscriptions/:id',
    { config: { action: 'subscriptions.read' }, schema: { params: z.object({ id: z.string().max(200) }), querystring: ODataQuerySchema, tags: ['directory'], summary: 'Get a subscription by id or commerceSubscriptionId' } },
    async (request) => {
      const select = parseSelect(request.query.$select, SUBSCRIPTION_PROPERTIES, 'companySubscription');
      // Either key works, as Graph accepts both the id and the commerceSubscriptionId.
      const view = await services.subscriptions.getSubscription(request.context, request.params.id);
      return { '@odata.context': graphContext(urls, request, 'directory/subscriptions/$entity'), ...selectProperties(presentSubscription(view), select) };
    },
  );
}
