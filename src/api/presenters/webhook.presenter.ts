import { EVENT_TYPES, type EventType } from '../../domain/events.js';
import type { OutboxEvent, WebhookDeliveryRecord, WebhookView, WebhookWithSecret } from '../../services/webhook.service.js';

const isoOrNull = (date: Date | null): string | null => (date === null ? null : date.toISOString());

/** A webhook: never its signing secret, only a hint to recognise it by. */
export const presentWebhook = (webhook: WebhookView) => ({
  id: webhook.webhookId,
  url: webhook.url,
  eventTypes: webhook.eventTypes,
  description: webhook.description,
  enabled: webhook.enabled,
  createdDateTime: webhook.createdAt.toISOString(),
  secretHint: webhook.secretHint,
});

/** Creation and rotation: the only answers that carry the signing secret. */
export const presentWebhookWithSecret = ({ webhook, signingSecret }: WebhookWithSecret) => ({ ...presentWebhook(webhook), signingSecret });

export const presentDelivery = (delivery: WebhookDeliveryRecord) => ({
  id: delivery.deliveryId,
  eventId: delivery.eventId,
  eventType: delivery.eventType,
  state: delivery.state,
  attempts: delivery.attempts,
  nextAttemptDateTime: isoOrNull(delivery.nextAttemptAt),
  createdDateTime: delivery.createdAt.toISOString(),
  deliveredDateTime: isoOrNull(delivery.deliveredAt),
  attemptLog: delivery.attemptLog.map((attempt) => ({
    attemptedDateTime: attempt.attemptedAt.toISOString(),
    statusCode: attempt.statusCode,
    error: attempt.error,
    durationMs: attempt.durationMs,
  })),
});

/** An outbox event: the body a webhook receives, plus its sequence for pollers. */
export const presentEvent = (event: OutboxEvent) => ({
  id: event.eventId,
  sequence: event.sequence,
  type: event.type,
  occurredAt: event.occurredAt.toISOString(),
  data: event.data,
});

const EVENT_DESCRIPTIONS: Record<EventType, string> = {
  'licenses.changed': 'Licenses of one or more users were added, removed or had services switched.',
  'subscription.changed': 'A subscription was recorded, or its quantity, billing or trial settings changed.',
  'subscription.lifecycleChanged': 'A subscription moved to another lifecycle state (Enabled, Warning, Suspended, Deleted).',
  'subscription.overAssigned': 'A billing system reduced a subscription below what is assigned: 90 days to fix it.',
  'subscription.selfServiceEnded': 'An admin took over or cancelled a self-service purchase.',
  'data.lifecycleChanged': "A user's data entered its grace period, was kept by a hold, made inactive, purged or restored.",
  'seats.low': "A product's free licenses fell to its low-seat threshold.",
};

/** The event types a webhook may subscribe to, in Allot's order. */
export const presentEventTypes = () => EVENT_TYPES.map((type) => ({ type, description: EVENT_DESCRIPTIONS[type] }));
