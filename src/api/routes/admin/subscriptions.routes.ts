import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { ChangeLicenseCountRequestSchema, RecordSubscriptionRequestSchema, SubscriptionParamsSchema } from '../../../contracts/admin.js';
import { presentSubscriptionSummary } from '../../presenters/admin.presenter.js';
import type { RouteDeps } from '../route-deps.js';

/** Subscriptions as an admin or a billing system records them (the lifecycle issue adds states). */
export function adminSubscriptionRoutes(app: FastifyInstance, { services }: RouteDeps): void {
  const api = app.withTypeProvider<ZodTypeProvider>();
  const tags = ['admin: subscriptions'];

  api.get('/admin/subscriptions', { config: { action: 'subscriptions.read' }, schema: { tags, summary: 'Every subscription (Your products)' } }, async (request) => ({
    value: (await services.subscriptions.listSubscriptions(request.context)).map((view) => ({
      ...presentSubscriptionSummary(view.subscription),
      skuPartNumber: view.sku?.skuPartNumber ?? null,
      displayName: view.sku?.displayName ?? view.subscription.skuId,
    })),
  }));

  api.post('/admin/subscriptions', { config: { action: 'subscriptions.manage' }, schema: { body: RecordSubscriptionRequestSchema, tags, summary: 'Record a subscription' } }, async (request, reply) => {
    const body = request.body;
    const subscription = await services.subscriptions.recordSubscription(request.context, {
      skuId: body.skuId,
      totalLicenses: body.totalLicenses,
      isTrial: body.isTrial,
      status: body.status,
      channel: body.channel,
      purchasedByUserId: body.purchasedByUserId ?? null,
      ...(body.commerceSubscriptionId === undefined ? {} : { commerceSubscriptionId: body.commerceSubscriptionId }),
      ...(body.nextLifecycleDateTime === undefined ? {} : { nextLifecycleAt: new Date(body.nextLifecycleDateTime) }),
    });
    return reply.status(201).send(presentSubscriptionSummary(subscription));
  });

  api.post(
    '/admin/subscriptions/:id/add-licenses',
    { config: { action: 'subscriptions.manage' }, schema: { params: SubscriptionParamsSchema, body: ChangeLicenseCountRequestSchema, tags, summary: 'Add licenses to a subscription' } },
    async (request) => presentSubscriptionSummary(await services.subscriptions.changeLicenseCount(request.context, request.params.id, request.body.count)),
  );

  api.post(
    '/admin/subscriptions/:id/remove-licenses',
    { config: { action: 'subscriptions.manage' }, schema: { params: SubscriptionParamsSchema, body: ChangeLicenseCountRequestSchema, tags, summary: 'Remove licenses (never below what is assigned from the subscription)' } },
    async (request) => presentSubscriptionSummary(await services.subscriptions.changeLicenseCount(request.context, request.params.id, -request.body.count)),
  );
}
