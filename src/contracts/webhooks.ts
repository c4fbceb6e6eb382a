import { z } from 'zod';
import { GuidSchema } from './common.js';

/** Webhooks (subscriptions of a tenant's receivers to Allot's events) and the event outbox, in the admin API. */

export const WebhookParamsSchema = z.object({ id: GuidSchema.describe('The webhook id') });

export const WebhookDeliveryParamsSchema = z.object({
  id: GuidSchema.describe('The webhook id'),
  deliveryId: GuidSchema.describe('The delivery id'),
});

// Checked in full (scheme, credentials, addresses) by the service, whose error says what is wrong.
const UrlSchema = z.string().trim().min(1).max(2048).describe('Where Allot posts events: https (or http) on a public address');

// Names are checked against Allot's event types by the service, whose error lists the valid ones.
const EventTypesSchema = z.array(z.string().min(1).max(100)).min(1).max(20).describe('Event types to receive (licenses.changed, subscription.lifecycleChanged…)');

const DescriptionSchema = z.string().trim().max(500).describe('What the receiver is, for admins');

export const CreateWebhookRequestSchema = z
  .object({
    url: UrlSchema,
    eventTypes: EventTypesSchema,
    description: DescriptionSchema.optional(),
  })
  .strict()
  .describe('Subscribe a receiver to event types; the answer carries the signing secret, shown once');

export const UpdateWebhookRequestSchema = z
  .object({
    url: UrlSchema.optional(),
    eventTypes: EventTypesSchema.optional().describe('The full new list (replaces the current one)'),
    description: DescriptionSchema.nullable().optional(),
    enabled: z.boolean().optional().describe('A disabled webhook gets no deliveries for events while it is disabled; its pending ones wait'),
  })
  .strict()
  .refine((body) => Object.values(body).some((value) => value !== undefined), { error: 'Send url, eventTypes, description or enabled.' })
  .describe('Change a webhook');

const TOP_MESSAGE = 'The $top parameter must be a whole number from 1 to 999.';
const top = (fallback: number) =>
  z.coerce
    .number({ error: TOP_MESSAGE })
    .int({ error: TOP_MESSAGE })
    .min(1, { error: TOP_MESSAGE })
    .max(999, { error: TOP_MESSAGE })
    .default(fallback)
    .describe(`Page size (1–999, default ${fallback})`);

/** Unknown parameters are refused, so a misspelt filter does not silently widen the answer. */
const unknownParameter = (issue: { code?: string; keys?: string[] }) =>
  issue.code === 'unrecognized_keys' ? `Unknown query parameter: ${(issue.keys ?? []).join(', ')}.` : undefined;

export const WebhookDeliveriesQuerySchema = z.strictObject(
  {
    state: z.enum(['pending', 'delivered', 'failed']).optional().describe('Only deliveries in this state'),
    $top: top(50),
    $skiptoken: z.string().max(2000).optional().describe('Continuation token of the previous page (its @odata.nextLink carries it)'),
  },
  { error: unknownParameter },
);

const SEQUENCE_MESSAGE = 'The afterSequence parameter must be a whole number (the sequence of the last event you read).';

export const EventsQuerySchema = z.strictObject(
  {
    type: z.string().min(1).max(100).optional().describe('Only events of this type'),
    afterSequence: z
      .string()
      .regex(/^\d{1,18}$/, { error: SEQUENCE_MESSAGE })
      .optional()
      .describe('Events after this sequence number (exclusive): a poller passes the last sequence it read'),
    $top: top(100),
  },
  { error: unknownParameter },
);
