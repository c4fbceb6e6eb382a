import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import {
  CreateWebhookRequestSchema,
  EventsQuerySchema,
  UpdateWebhookRequestSchema,
  WebhookDeliveriesQuerySchema,
  WebhookDeliveryParamsSchema,
  WebhookParamsSchema,
} from '../../../contracts/webhooks.js';
import { AppError } from '../../../domain/errors.js';
import { presentDelivery, presentEvent, presentEventTypes, presentWebhook, presentWebhookWithSecret } from '../../presenters/webhook.presenter.js';
import { nextLink } from '../../urls.js';
import type { RouteDeps } from '../route-deps.js';

/** A replayed answer would have to be stored, and the secret with it: Allot stores no answer carrying a secret. */
const refuseIdempotencyKey = (request: FastifyRequest, _reply: unknown, done: (error?: Error) => void): void => {
  done(
    request.headers['idempotency-key'] === undefined
      ? undefined
      : new AppError('invalidRequest', 'Idempotency-Key is not accepted here: the answer carries a signing secret shown once, which Allot does not store.'),
  );
};

/** Webhooks (Allot's own, not Graph's /subscriptions), their deliveries, and the event outbox. */
export function adminWebhookRoutes(app: FastifyInstance, { services, urls }: RouteDeps): void {
  const api = app.withTypeProvider<ZodTypeProvider>();
  const tags = ['admin: webhooks'];

  api.get('/admin/webhooks', { config: { action: 'webhooks.read' }, schema: { tags, summary: 'Webhooks of the tenant (receivers of events)' } }, async (request) => ({
    value: (await services.webhooks.list(request.context)).map(presentWebhook),
  }));

  api.get('/admin/webhooks/event-types', { config: { action: 'webhooks.read' }, schema: { tags, summary: 'The event types a webhook may subscribe to, with what each means' } }, () => ({
    value: presentEventTypes(),
  }));

  api.post(
    '/admin/webhooks',
    {
      config: { action: 'webhooks.manage' },
      schema: { body: CreateWebhookRequestSchema, tags, summary: 'Subscribe a receiver to event types (the signing secret is in this answer only)' },
      onRequest: refuseIdempotencyKey,
    },
    async (request, reply) => reply.status(201).header('cache-control', 'no-store').send(presentWebhookWithSecret(await services.webhooks.create(request.context, request.body))),
  );

  api.get('/admin/webhooks/:id', { config: { action: 'webhooks.read' }, schema: { params: WebhookParamsSchema, tags, summary: 'One webhook' } }, async (request) =>
    presentWebhook(await services.webhooks.get(request.context, request.params.id)),
  );

  api.patch(
    '/admin/webhooks/:id',
    { config: { action: 'webhooks.manage' }, schema: { params: WebhookParamsSchema, body: UpdateWebhookRequestSchema, tags, summary: 'Change a webhook\'s URL, event types, description, or enable or disable it' } },
    async (request) => presentWebhook(await services.webhooks.update(request.context, request.params.id, request.body)),
  );

  api.delete(
    '/admin/webhooks/:id',
    { config: { action: 'webhooks.manage' }, schema: { params: WebhookParamsSchema, tags, summary: 'Delete a webhook with its deliveries' } },
    async (request, reply) => {
      await services.webhooks.delete(request.context, request.params.id);
      return reply.status(204).send();
    },
  );

  api.post(
    '/admin/webhooks/:id/rotate-secret',
    {
      config: { action: 'webhooks.manage' },
      schema: { params: WebhookParamsSchema, tags, summary: 'Replace the signing secret (the new one is in this answer only and signs every attempt from now on)' },
      onRequest: refuseIdempotencyKey,
    },
    async (request, reply) => reply.header('cache-control', 'no-store').send(presentWebhookWithSecret(await services.webhooks.rotateSecret(request.context, request.params.id))),
  );

  api.get(
    '/admin/webhooks/:id/deliveries',
    {
      config: { action: 'webhooks.read' },
      schema: { params: WebhookParamsSchema, querystring: WebhookDeliveriesQuerySchema, tags, summary: 'Deliveries of a webhook, newest first, with their attempts; keyset-paged' },
    },
    async (request) => {
      const { state, $top, $skiptoken } = request.query;
      const page = await services.webhooks.listDeliveries(request.context, request.params.id, {
        top: $top,
        ...(state === undefined ? {} : { state }),
        ...($skiptoken === undefined ? {} : { skipToken: $skiptoken }),
      });
      return { ...nextLink(urls, request, page.nextSkipToken), value: page.deliveries.map(presentDelivery) };
    },
  );

  api.post(
    '/admin/webhooks/:id/deliveries/:deliveryId/redeliver',
    { config: { action: 'webhooks.manage' }, schema: { params: WebhookDeliveryParamsSchema, tags, summary: 'Send a delivery again (a failed or delivered one goes back to pending, due now)' } },
    async (request, reply) => {
      const redelivery = await services.webhooks.redeliver(request.context, request.params.id, request.params.deliveryId);
      return reply.status(202).send({ id: redelivery.deliveryId, state: redelivery.state, nextAttemptDateTime: redelivery.nextAttemptAt.toISOString() });
    },
  );

  api.get(
    '/admin/events',
    {
      config: { action: 'webhooks.read' },
      schema: { querystring: EventsQuerySchema, tags, summary: 'The event outbox in sequence order, for backends that poll instead of receiving webhooks' },
    },
    async (request) => {
      const { type, afterSequence, $top } = request.query;
      const page = await services.webhooks.listEvents(request.context, {
        top: $top,
        ...(type === undefined ? {} : { type }),
        ...(afterSequence === undefined ? {} : { afterSequence }),
      });
      return { ...nextLink(urls, request, page.nextAfterSequence, 'afterSequence'), value: page.events.map(presentEvent) };
    },
  );
}
