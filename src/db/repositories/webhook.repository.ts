import { sql, type Kysely, type Selectable } from 'kysely';
import type { Database, WebhookTable } from '../schema.js';

export interface WebhookRecord {
  webhookId: string;
  url: string;
  eventTypes: string[];
  description: string | null;
  /** The HMAC key (read by the service for the hint and by the delivery worker to sign; never listed). */
  signingSecret: string;
  enabled: boolean;
  createdAt: Date;
}

export type DeliveryState = 'pending' | 'delivered' | 'failed';

export interface WebhookAttemptRecord {
  attemptedAt: Date;
  statusCode: number | null;
  error: string | null;
  durationMs: number;
}

export interface WebhookDeliveryRecord {
  deliveryId: string;
  webhookId: string;
  eventId: string;
  eventType: string;
  state: DeliveryState;
  /** Attempts of the current run (a redelivery starts a new run). */
  attempts: number;
  nextAttemptAt: Date | null;
  createdAt: Date;
  deliveredAt: Date | null;
  /** The latest attempts, newest first (every run). */
  attemptLog: WebhookAttemptRecord[];
}

/** Where a page of deliveries ends: created_at as stored (microseconds, ISO text) and the id. */
export interface DeliveryCursor {
  createdAt: string;
  deliveryId: string;
}

/** A delivery claimed by a worker: everything it needs to send the request. */
export interface ClaimedDelivery {
  deliveryId: string;
  webhookId: string;
  attempts: number;
  url: string;
  signingSecret: string;
  event: { eventId: string; type: string; occurredAt: Date; payload: Record<string, unknown> };
}

export type DeliveryOutcome = { state: 'delivered' } | { state: 'pending'; nextAttemptAt: Date } | { state: 'failed' };

/** Attempts listed per delivery: enough to see what went wrong, bounded whatever the redeliveries. */
const ATTEMPT_LOG_LIMIT = 50;

// text[] travels as jsonb: one parameter form that both drivers (pg, PGlite) encode the same way.
const textArray = (values: readonly string[]) => sql<string[]>`ARRAY(SELECT jsonb_array_elements_text(${JSON.stringify(values)}::jsonb))`;

const toWebhook = (row: Selectable<WebhookTable>): WebhookRecord => ({
  webhookId: row.webhook_id,
  url: row.url,
  eventTypes: row.event_types,
  description: row.description,
  signingSecret: row.signing_secret,
  enabled: row.enabled,
  createdAt: new Date(row.created_at),
});

/** A tenant's webhooks, their deliveries and the attempt log. */
export function createWebhookRepository(db: Kysely<Database>, tenantId: string) {
  const webhooks = () => db.selectFrom('webhook').selectAll().where('tenant_id', '=', tenantId);

  return {
    async list(): Promise<WebhookRecord[]> {
      return (await webhooks().orderBy('created_at').orderBy('webhook_id').execute()).map(toWebhook);
    },

    async count(): Promise<number> {
      const row = await db.selectFrom('webhook').select((eb) => eb.fn.countAll<string>().as('n')).where('tenant_id', '=', tenantId).executeTakeFirst();
      return Number(row?.n ?? 0);
    },

    async find(webhookId: string, options: { forUpdate?: boolean } = {}): Promise<WebhookRecord | undefined> {
      let query = webhooks().where('webhook_id', '=', webhookId);
      if (options.forUpdate) {
        query = query.forUpdate();
      }
      const row = await query.executeTakeFirst();
      return row && toWebhook(row);
    },

    async insert(webhook: WebhookRecord): Promise<void> {
      await db
        .insertInto('webhook')
        .values({
          tenant_id: tenantId,
          webhook_id: webhook.webhookId,
          url: webhook.url,
          event_types: textArray(webhook.eventTypes),
          description: webhook.description,
          signing_secret: webhook.signingSecret,
          enabled: webhook.enabled,
          created_at: webhook.createdAt,
        })
        .execute();
    },

    async update(webhookId: string, changes: Partial<Pick<WebhookRecord, 'url' | 'eventTypes' | 'description' | 'enabled' | 'signingSecret'>>): Promise<void> {
      await db
        .updateTable('webhook')
        .set({
          ...(changes.url === undefined ? {} : { url: changes.url }),
          ...(changes.eventTypes === undefined ? {} : { event_types: textArray(changes.eventTypes) }),
          ...(changes.description === undefined ? {} : { description: changes.description }),
          ...(changes.enabled === undefined ? {} : { enabled: changes.enabled }),
          ...(changes.signingSecret === undefined ? {} : { signing_secret: changes.signingSecret }),
        })
        .where('tenant_id', '=', tenantId)
        .where('webhook_id', '=', webhookId)
        .execute();
    },

    /** Deletes the webhook with its deliveries and their attempts (foreign keys cascade). */
    async delete(webhookId: string): Promise<void> {
      await db.deleteFrom('webhook').where('tenant_id', '=', tenantId).where('webhook_id', '=', webhookId).execute();
    },

    /** A webhook's deliveries, newest first, keyset-paged on (created_at, delivery_id), with their latest attempts. */
    async deliveriesPage(
      webhookId: string,
      query: { state?: DeliveryState; top: number; after?: DeliveryCursor },
    ): Promise<{ deliveries: WebhookDeliveryRecord[]; next?: DeliveryCursor }> {
      let select = db
        .selectFrom('webhook_delivery as d')
        .innerJoin('event_outbox as e', (join) => join.onRef('e.tenant_id', '=', 'd.tenant_id').onRef('e.event_id', '=', 'd.event_id'))
        .select(['d.delivery_id', 'd.webhook_id', 'd.event_id', 'e.type', 'd.state', 'd.attempts', 'd.next_attempt_at', 'd.created_at', 'd.delivered_at'])
        .select(sql<string>`to_char(d.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`.as('cursor_time'))
        .where('d.tenant_id', '=', tenantId)
        .where('d.webhook_id', '=', webhookId);
      if (query.state !== undefined) {
        select = select.where('d.state', '=', query.state);
      }
      if (query.after !== undefined) {
        select = select.where(sql<boolean>`(d.created_at, d.delivery_id) < (${query.after.createdAt}::timestamptz, ${query.after.deliveryId}::uuid)`);
      }
      const rows = await select
        .orderBy('d.created_at', 'desc')
        .orderBy('d.delivery_id', 'desc')
        .limit(query.top + 1)
        .execute();
      const page = rows.slice(0, query.top);
      const attempts =
        page.length === 0
          ? []
          : await db
              .selectFrom((eb) =>
                eb
                  .selectFrom('webhook_attempt')
                  .select(['delivery_id', 'attempted_at', 'status_code', 'error', 'duration_ms'])
                  .select(sql<number>`row_number() OVER (PARTITION BY delivery_id ORDER BY attempted_at DESC, attempt_id DESC)`.as('position'))
                  .where('tenant_id', '=', tenantId)
                  .where(
                    'delivery_id',
                    'in',
                    page.map((row) => row.delivery_id),
                  )
                  .as('a'),
              )
              .selectAll()
              .where('position', '<=', ATTEMPT_LOG_LIMIT)
              .orderBy('position')
              .execute();
      const last = page.at(-1);
      return {
        deliveries: page.map((row) => ({
          deliveryId: row.delivery_id,
          webhookId: row.webhook_id,
          eventId: row.event_id,
          eventType: row.type,
          state: row.state,
          attempts: row.attempts,
          nextAttemptAt: row.next_attempt_at === null ? null : new Date(row.next_attempt_at),
          createdAt: new Date(row.created_at),
          deliveredAt: row.delivered_at === null ? null : new Date(row.delivered_at),
          attemptLog: attempts
            .filter((attempt) => attempt.delivery_id === row.delivery_id)
            .map((attempt) => ({ attemptedAt: new Date(attempt.attempted_at), statusCode: attempt.status_code, error: attempt.error, durationMs: attempt.duration_ms })),
        })),
        ...(rows.length > query.top && last !== undefined ? { next: { createdAt: last.cursor_time, deliveryId: last.delivery_id } } : {}),
      };
    },

    async findDeliveryState(webhookId: string, deliveryId: string, options: { forUpdate?: boolean } = {}): Promise<DeliveryState | undefined> {
      let query = db.selectFrom('webhook_delivery').select('state').where('tenant_id', '=', tenantId).where('webhook_id', '=', webhookId).where('delivery_id', '=', deliveryId);
      if (options.forUpdate) {
        query = query.forUpdate();
      }
      return (await query.executeTakeFirst())?.state;
    },

    /** Back to pending, due at `at`, as a new run of attempts (the attempt log keeps the earlier ones). */
    async requeueDelivery(deliveryId: string, at: Date): Promise<void> {
      await db
        .updateTable('webhook_delivery')
        .set({ state: 'pending', attempts: 0, next_attempt_at: at, delivered_at: null })
        .where('tenant_id', '=', tenantId)
        .where('delivery_id', '=', deliveryId)
        .execute();
    },

    /**
     * Claims up to `limit` due deliveries of enabled webhooks: their next attempt moves to
     * `leaseUntil`, so no other worker takes them while this one sends (SKIP LOCKED passes over
     * rows another worker is claiming right now). If this worker dies, they fall due again at the
     * lease's end: delivery is at least once. Run it in a short transaction of its own.
     */
    async claimDue(now: Date, leaseUntil: Date, limit: number): Promise<ClaimedDelivery[]> {
      const { rows } = await sql<{
        delivery_id: string;
        webhook_id: string;
        attempts: number;
        url: string;
        signing_secret: string;
        event_id: string;
        type: string;
        occurred_at: Date | string;
        payload: Record<string, unknown>;
      }>`
        WITH due AS (
          SELECT d.delivery_id
          FROM webhook_delivery d
          JOIN webhook w ON w.tenant_id = d.tenant_id AND w.webhook_id = d.webhook_id AND w.enabled
          WHERE d.tenant_id = ${tenantId} AND d.state = 'pending' AND d.next_attempt_at <= ${now}
          ORDER BY d.next_attempt_at, d.delivery_id
          LIMIT ${limit}
          FOR UPDATE OF d SKIP LOCKED
        ), claimed AS (
          UPDATE webhook_delivery d SET next_attempt_at = ${leaseUntil}
          FROM due
          WHERE d.tenant_id = ${tenantId} AND d.delivery_id = due.delivery_id
          RETURNING d.delivery_id, d.webhook_id, d.event_id, d.attempts
        )
        SELECT c.delivery_id, c.webhook_id, c.attempts, w.url, w.signing_secret, e.event_id, e.type, e.occurred_at, e.payload
        FROM claimed c
        JOIN webhook w ON w.tenant_id = ${tenantId} AND w.webhook_id = c.webhook_id
        JOIN event_outbox e ON e.tenant_id = ${tenantId} AND e.event_id = c.event_id
        ORDER BY e.occurred_at, c.delivery_id`.execute(db);
      return rows.map((row) => ({
        deliveryId: row.delivery_id,
        webhookId: row.webhook_id,
        attempts: row.attempts,
        url: row.url,
        signingSecret: row.signing_secret,
        event: { eventId: row.event_id, type: row.type, occurredAt: new Date(row.occurred_at), payload: row.payload },
      }));
    },

    /**
     * Logs an attempt and, if the delivery is still under this worker's lease (not redelivered or
     * re-claimed meanwhile), moves it on. Nothing happens when the delivery is gone (webhook
     * deleted). Run it in a transaction.
     */
    async recordAttempt(input: {
      deliveryId: string;
      attemptId: string;
      attemptedAt: Date;
      statusCode: number | null;
      error: string | null;
      durationMs: number;
      leaseUntil: Date;
      outcome: DeliveryOutcome;
    }): Promise<void> {
      const delivery = await db
        .selectFrom('webhook_delivery')
        .select(['state', 'next_attempt_at'])
        .where('tenant_id', '=', tenantId)
        .where('delivery_id', '=', input.deliveryId)
        .forUpdate()
        .executeTakeFirst();
      if (delivery === undefined) {
        return;
      }
      await db
        .insertInto('webhook_attempt')
        .values({
          tenant_id: tenantId,
          attempt_id: input.attemptId,
          delivery_id: input.deliveryId,
          attempted_at: input.attemptedAt,
          status_code: input.statusCode,
          error: input.error,
          duration_ms: input.durationMs,
        })
        .execute();
      const leased = delivery.state === 'pending' && delivery.next_attempt_at !== null && new Date(delivery.next_attempt_at).getTime() === input.leaseUntil.getTime();
      if (!leased) {
        return;
      }
      const { outcome } = input;
      await db
        .updateTable('webhook_delivery')
        .set((eb) => ({
          attempts: eb('attempts', '+', 1),
          state: outcome.state,
          next_attempt_at: outcome.state === 'pending' ? outcome.nextAttemptAt : null,
          delivered_at: outcome.state === 'delivered' ? input.attemptedAt : null,
        }))
        .where('tenant_id', '=', tenantId)
        .where('delivery_id', '=', input.deliveryId)
        .execute();
    },
  };
}

export type WebhookRepository = ReturnType<typeof createWebhookRepository>;

/**
 * The tenants with deliveries of enabled webhooks due at `now`, for the delivery worker (which serves every tenant, so
 * this one read is not bound to a tenant; the partial index holds pending deliveries only). Each
 * tenant's deliveries are then claimed through its own repository.
 */
export async function tenantsWithDueDeliveries(db: Kysely<Database>, now: Date): Promise<string[]> {
  const rows = await db
    .selectFrom('webhook_delivery as d')
    .innerJoin('webhook as w', (join) => join.onRef('w.tenant_id', '=', 'd.tenant_id').onRef('w.webhook_id', '=', 'd.webhook_id'))
    .select('d.tenant_id')
    .distinct()
    .where('d.state', '=', 'pending')
    .where('d.next_attempt_at', '<=', now)
    .where('w.enabled', '=', true)
    .execute();
  return rows.map((row) => row.tenant_id);
}
