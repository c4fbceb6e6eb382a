import { sql, type Kysely } from 'kysely';
import type { DomainEvent } from '../../domain/events.js';
import type { IdGenerator } from '../../domain/ids.js';
import type { Database } from '../schema.js';

/**
 * The outbox. `emit` writes the events and, in the same statement, one pending delivery per enabled
 * webhook subscribed to each event's type, so a delivery exists exactly when its event committed
 * and nothing is lost when a receiver is down (the delivery worker retries pending rows).
 */
export function createEventRepository(db: Kysely<Database>, tenantId: string) {
  return {
    async emit(events: readonly DomainEvent[], at: Date, ids: IdGenerator): Promise<string[]> {
      if (events.length === 0) {
        return [];
      }
      const eventIds = events.map(() => ids());
      await sql`
        WITH new_event AS (
          INSERT INTO event_outbox (tenant_id, event_id, type, occurred_at, payload)
          SELECT ${tenantId}, e.event_id, e.type, ${at}, e.payload
          FROM unnest(${eventIds}::uuid[], ${events.map((event) => event.type)}::text[], ${events.map((event) => JSON.stringify(event.data))}::jsonb[])
            AS e(event_id, type, payload)
          RETURNING event_id, type
        )
        INSERT INTO webhook_delivery (tenant_id, delivery_id, webhook_id, event_id, state, attempts, next_attempt_at, created_at)
        SELECT ${tenantId}, gen_random_uuid(), w.webhook_id, new_event.event_id, 'pending', 0, ${at}, ${at}
        FROM new_event
        JOIN webhook w ON w.tenant_id = ${tenantId} AND w.enabled AND new_event.type = ANY (w.event_types)`.execute(db);
      return eventIds;
    },

    /** The outbox in the order events were written (sequence), after `afterSequence`, optionally of one type. */
    async page(query: { type?: string; afterSequence?: string; top: number }): Promise<{ events: OutboxEvent[]; hasMore: boolean }> {
      let select = db
        .selectFrom('event_outbox')
        .select(['event_id', 'type', 'occurred_at', 'payload'])
        .select(sql<string>`sequence::text`.as('sequence_text'))
        .where('tenant_id', '=', tenantId);
      if (query.type !== undefined) {
        select = select.where('type', '=', query.type);
      }
      if (query.afterSequence !== undefined) {
        select = select.where(sql<boolean>`sequence > ${query.afterSequence}::bigint`);
      }
      const rows = await select
        .orderBy('sequence')
        .limit(query.top + 1)
        .execute();
      return {
        events: rows.slice(0, query.top).map((row) => ({
          eventId: row.event_id,
          sequence: row.sequence_text,
          type: row.type,
          occurredAt: new Date(row.occurred_at),
          data: row.payload as Record<string, unknown>,
        })),
        hasMore: rows.length > query.top,
      };
    },
  };
}

/** An event as stored in the outbox; `sequence` (a bigint, as text) orders the tenant's events. */
export interface OutboxEvent {
  eventId: string;
  sequence: string;
  type: string;
  occurredAt: Date;
  data: Record<string, unknown>;
}

export type EventRepository = ReturnType<typeof createEventRepository>;
