import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import {
  ChangeLicenseCountRequestSchema,
  ExtendTrialRequestSchema,
  MoveSeatsRequestSchema,
  ReactivateSubscriptionRequestSchema,
  RecordSubscriptionRequestSchema,
  RemoveLicensesRequestSchema,
  SubscriptionParamsSchema,
  SubscriptionUsersQuerySchema,
  TakeOverRequestSchema,
  UpdateSubscriptionRequestSchema,
} from '../../../contracts/admin.js';
import { presentSubscriptionSummary } from '../../presenters/admin.presenter.js';
import { nextLink } from '../../urls.js';
import type { RouteDeps } from '../route-deps.js';

const dateOf = (value: string | undefined): Date | undefined => (value === undefined ? undefined : new Date(value));

/** Your products: subscriptions as an admin or a billing system records and manages them, through their lifecycle. */
export function adminSubscriptionRoutes(app: FastifyInstance, { services, urls }: RouteDeps): void {
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
      ...(body.termEndDateTime === undefined ? {} : { termEndAt: new Date(body.termEndDateTime) }),
      ...(body.recurringBilling === undefined ? {} : { recurringBilling: body.recurringBilling }),
      ...(body.cancellationWindowDays === undefined ? {} : { cancellationWindowDays: body.cancellationWindowDays }),
      ...(body.warningDays === undefined ? {} : { warningDays: body.warningDays }),
      ...(body.suspendedDays === undefined ? {} : { suspendedDays: body.suspendedDays }),
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
    {
      config: { action: 'subscriptions.manage' },
      schema: { params: SubscriptionParamsSchema, body: RemoveLicensesRequestSchema, tags, summary: 'Remove licenses (an admin never below what is assigned from the subscription; a billing system may)' },
    },
    async (request) =>
      presentSubscriptionSummary(await services.subscriptions.changeLicenseCount(request.context, request.params.id, -request.body.count, { billingSystem: request.body.billingSystem })),
  );

  api.get('/admin/subscriptions/:id', { config: { action: 'subscriptions.read' }, schema: { params: SubscriptionParamsSchema, tags, summary: 'One subscription' } }, async (request) => {
    const view = await services.subscriptions.getSubscription(request.context, request.params.id);
    return { ...presentSubscriptionSummary(view.subscription), skuPartNumber: view.sku?.skuPartNumber ?? null, displayName: view.sku?.displayName ?? view.subscription.skuId };
  });

  api.get(
    '/admin/subscriptions/:id/users',
    { config: { action: 'subscriptions.read' }, schema: { params: SubscriptionParamsSchema, querystring: SubscriptionUsersQuerySchema, tags, summary: 'Users holding a seat of this subscription' } },
    async (request) => {
      const { $top, $skiptoken } = request.query;
      const page = await services.subscriptions.listSubscriptionUsers(request.context, request.params.id, { top: $top, ...($skiptoken === undefined ? {} : { after: $skiptoken }) });
      return {
        ...nextLink(urls, request, page.next),
        value: page.users.map((user) => ({ id: user.userId, userPrincipalName: user.userPrincipalName, displayName: user.displayName, assignedDateTime: user.assignedAt.toISOString() })),
      };
    },
  );

  api.patch(
    '/admin/subscriptions/:id',
    { config: { action: 'subscriptions.manage' }, schema: { params: SubscriptionParamsSchema, body: UpdateSubscriptionRequestSchema, tags, summary: 'Recurring billing, term end, cancellation window and lifecycle durations' } },
    async (request) => {
      const { termEndDateTime, ...rest } = request.body;
      const termEndAt = dateOf(termEndDateTime);
      return presentSubscriptionSummary(await services.subscriptions.updateSubscription(request.context, request.params.id, { ...rest, ...(termEndAt === undefined ? {} : { termEndAt }) }));
    },
  );

  api.post(
    '/admin/subscriptions/:id/cancel',
    { config: { action: 'subscriptions.manage' }, schema: { params: SubscriptionParamsSchema, tags, summary: 'Cancel: inside the cancellation window disabled at once with a refund, else runs to its term end' } },
    async (request) => {
      const result = await services.subscriptions.cancelSubscription(request.context, request.params.id);
      return { ...presentSubscriptionSummary(result.subscription), outcome: result.outcome, accessEndsDateTime: result.accessEndsAt?.toISOString() ?? null };
    },
  );

  api.post(
    '/admin/subscriptions/:id/reactivate',
    { config: { action: 'subscriptions.manage' }, schema: { params: SubscriptionParamsSchema, body: ReactivateSubscriptionRequestSchema, tags, summary: 'Reactivate an expired or disabled subscription with a new term' } },
    async (request) => presentSubscriptionSummary(await services.subscriptions.reactivateSubscription(request.context, request.params.id, dateOf(request.body.termEndDateTime))),
  );

  api.post(
    '/admin/subscriptions/:id/convert-trial',
    { config: { action: 'subscriptions.manage' }, schema: { params: SubscriptionParamsSchema, tags, summary: 'Convert a trial to paid (billing starts at the trial end)' } },
    async (request) => presentSubscriptionSummary(await services.subscriptions.convertTrial(request.context, request.params.id)),
  );

  api.post(
    '/admin/subscriptions/:id/extend-trial',
    { config: { action: 'subscriptions.manage' }, schema: { params: SubscriptionParamsSchema, body: ExtendTrialRequestSchema, tags, summary: 'Extend a trial (once)' } },
    async (request) => presentSubscriptionSummary(await services.subscriptions.extendTrial(request.context, request.params.id, request.body.days)),
  );

  api.post(
    '/admin/subscriptions/:id/move-seats',
    { config: { action: 'subscriptions.manage' }, schema: { params: SubscriptionParamsSchema, body: MoveSeatsRequestSchema, tags, summary: 'Move assigned seats to other subscriptions of the product (empty one before it ends)' } },
    async (request) => {
      const result = await services.subscriptions.moveSeats(request.context, request.params.id, {
        ...(request.body.targetSubscriptionId === undefined ? {} : { targetSubscriptionId: request.body.targetSubscriptionId }),
        ...(request.body.count === undefined ? {} : { count: request.body.count }),
      });
      return { ...presentSubscriptionSummary(result.subscription), seatsMoved: result.moved };
    },
  );

  api.post(
    '/admin/subscriptions/:id/take-over',
    { config: { action: 'subscriptions.manage' }, schema: { params: SubscriptionParamsSchema, body: TakeOverRequestSchema, tags, summary: 'Take control of a self-service purchase: move its users, or cancel it' } },
    async (request) => {
      const result = await services.subscriptions.takeOver(request.context, request.params.id, {
        action: request.body.action,
        ...(request.body.targetSubscriptionId === undefined ? {} : { targetSubscriptionId: request.body.targetSubscriptionId }),
      });
      return { ...presentSubscriptionSummary(result.subscription), usersMoved: result.usersMoved };
    },
  );

  api.delete(
    '/admin/subscriptions/:id',
    { config: { action: 'subscriptions.manage' }, schema: { params: SubscriptionParamsSchema, tags, summary: 'Delete a subscription now (skips Expired and Disabled; seats move where there is room, the rest end)' } },
    async (request) => presentSubscriptionSummary(await services.subscriptions.deleteSubscription(request.context, request.params.id)),
  );
}
