/**
 * Events Allot publishes to webhooks. Each is written to the outbox in the transaction of the change
 * it describes, so an event exists exactly when its change committed. Bulk and group work write one
 * event per batch listing the users.
 */
export const EVENT_TYPES = [
  /** Licenses of one or more users were added, removed or had services switched (one batch). */
  'licenses.changed',
  /** A subscription was recorded, or its quantity, billing or trial settings changed. */
  'subscription.changed',
  /** A subscription moved to another lifecycle state (Enabled, Warning, Suspended, Deleted). */
  'subscription.lifecycleChanged',
  /** A billing system reduced a subscription below what is assigned: 90 days to fix it. */
  'subscription.overAssigned',
  /** A self-service purchase was taken over or cancelled by an admin (the purchaser is told here). */
  'subscription.selfServiceEnded',
  /** A user's data (mailbox, files) entered its grace period, was retained by a hold, made inactive, purged, or restored by a new license. */
  'data.lifecycleChanged',
  /** A product's free seats fell to its low-seat threshold. */
  'seats.low',
] as const;

export type EventType = (typeof EVENT_TYPES)[number];

export const isEventType = (value: string): value is EventType => (EVENT_TYPES as readonly string[]).includes(value);

export interface DomainEvent {
  type: EventType;
  /** The event's data (JSON); webhooks receive {id, type, tenantId, occurredAt, data}. */
  data: Record<string, unknown>;
}

/** One user's license change inside a licenses.changed event. */
export interface UserLicenseChange {
  userId: string;
  /** SKUs the user gained a seat of. */
  added: string[];
  /** SKUs the user lost. */
  removed: string[];
  /** SKUs the user keeps whose enabled services or sources changed. */
  updated: string[];
}
