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
