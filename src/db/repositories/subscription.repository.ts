import { sql, type Kysely, type Selectable } from 'kysely';
import type { SubscriptionRecord, SubscriptionSeats } from '../../domain/seats.js';
import type { Database, SubscriptionTable } from '../schema.js';

const subscriptionColumns = [
  'subscription_id',
  'commerce_subscription_id',
  'sku_id',
  'total_licenses',
  'consumed_units',
  'status',
  'is_trial',
  'channel',
  'purchased_by_user_id',
  'created_at',
  'next_lifecycle_at',
] as const;

export type { SubscriptionRecord };

const toRecord = (row: Pick<Selectable<SubscriptionTable>, (typeof subscriptionColumns)[number]>): SubscriptionRecord => ({
  subscriptionId: row.subscription_id,
  commerceSubscriptionId: row.commerce_subscription_id,
  skuId: row.sku_id,
  totalLicenses: row.total_licenses,
  consumedUnits: row.consumed_units,
  status: row.status,
  isTrial: row.is_trial,
  channel: row.channel,
  purchasedByUserId: row.purchased_by_user_id,
  createdAt: new Date(row.created_at),
  nextLifecycleAt: row.next_lifecycle_at === null ? null : new Date(row.next_lifecycle_at),
});

export interface NewSubscription {
  subscriptionId: string;
  commerceSubscriptionId: string;
  skuId: string;
  totalLicenses: number;
  status: SubscriptionSeats['status'];
  isTrial: boolean;
  channel: SubscriptionSeats['channel'];
  purchasedByUserId: string | null;
  createdAt: Date;
  nextLifecycleAt: Date | null;
}

/**
 * Subscriptions and the per-SKU seat counters. Locking rule: a change to any seat counter or
 * subscription of a SKU first locks that SKU's `sku_seat` row (`lockSkus`, in skuId order).
 */
export function createSubscriptionRepository(db: Kysely<Database>, tenantId: string) {
  const subscriptions = () => db.selectFrom('subscription').select(subscriptionColumns).where('tenant_id', '=', tenantId);
  return {
    async list(): Promise<SubscriptionRecord[]> {
      return (await subscriptions().orderBy('sku_id').orderBy('created_at').execute()).map(toRecord);
    },

    async listForSkus(skuIds: readonly string[]): Promise<SubscriptionRecord[]> {
      if (skuIds.length === 0) {
        return [];
      }
      return (await subscriptions().where('sku_id', 'in', [...skuIds]).execute()).map(toRecord);
    },

    async findById(subscriptionId: string): Promise<SubscriptionRecord | undefined> {
      const row = await subscriptions()
        .where((eb) => eb.or([eb('subscription_id', '=', subscriptionId), eb('commerce_subscription_id', '=', subscriptionId)]))
        .executeTakeFirst();
      return row && toRecord(row);
    },

    /** SKUs the tenant has subscriptions for (its "company licenses"). */
    async listSkuIds(): Promise<string[]> {
      const rows = await db.selectFrom('sku_seat').select('sku_id').where('tenant_id', '=', tenantId).execute();
      return rows.map((row) => row.sku_id);
    },

    /** Per-SKU consumed counters, without locking. */
    async listSeatCounters(): Promise<Map<string, number>> {
      const rows = await db.selectFrom('sku_seat').select(['sku_id', 'consumed_units']).where('tenant_id', '=', tenantId).execute();
      return new Map(rows.map((row) => [row.sku_id, row.consumed_units]));
    },

    /** Locks the SKUs' seat counters in skuId order; returns the SKUs that exist. */
    async lockSkus(skuIds: readonly string[]): Promise<Map<string, number>> {
      if (skuIds.length === 0) {
        return new Map();
      }
      const rows = await db
        .selectFrom('sku_seat')
        .select(['sku_id', 'consumed_units'])
        .where('tenant_id', '=', tenantId)
        .where('sku_id', 'in', [...skuIds])
        .orderBy('sku_id')
        .forUpdate()
        .execute();
      return new Map(rows.map((row) => [row.sku_id, row.consumed_units]));
    },

    async insert(subscription: NewSubscription): Promise<void> {
      await db
        .insertInto('sku_seat')
        .values({ tenant_id: tenantId, sku_id: subscription.skuId })
        .onConflict((oc) => oc.columns(['tenant_id', 'sku_id']).doNothing())
        .execute();
      await db
        .insertInto('subscription')
        .values({
          tenant_id: tenantId,
          subscription_id: subscription.subscriptionId,
          commerce_subscription_id: subscription.commerceSubscriptionId,
          sku_id: subscription.skuId,
          total_licenses: subscription.totalLicenses,
          status: subscription.status,
          is_trial: subscription.isTrial,
          channel: subscription.channel,
          purchased_by_user_id: subscription.purchasedByUserId,
          created_at: subscription.createdAt,
          next_lifecycle_at: subscription.nextLifecycleAt,
        })
        .execute();
    },

    async setTotalLicenses(subscriptionId: string, totalLicenses: number): Promise<void> {
      await db
        .updateTable('subscription')
        .set({ total_licenses: totalLicenses })
        .where('tenant_id', '=', tenantId)
        .where('subscription_id', '=', subscriptionId)
        .execute();
    },

    /**
     * Adds signed deltas to subscription and SKU counters in two statements, whatever the batch
     * size. Callers hold the SKU locks.
     */
    async addConsumed(bySubscription: ReadonlyMap<string, number>, bySku: ReadonlyMap<string, number>): Promise<void> {
      const subscriptionDeltas = [...bySubscription].filter(([, delta]) => delta !== 0);
      if (subscriptionDeltas.length > 0) {
        await sql`
          UPDATE subscription s SET consumed_units = s.consumed_units + d.delta
          FROM unnest(${subscriptionDeltas.map(([id]) => id)}::uuid[], ${subscriptionDeltas.map(([, delta]) => delta)}::int[]) AS d(id, delta)
          WHERE s.tenant_id = ${tenantId} AND s.subscription_id = d.id`.execute(db);
      }
      const skuDeltas = [...bySku].filter(([, delta]) => delta !== 0);
      if (skuDeltas.length > 0) {
        await sql`
          UPDATE sku_seat s SET consumed_units = s.consumed_units + d.delta
          FROM unnest(${skuDeltas.map(([id]) => id)}::uuid[], ${skuDeltas.map(([, delta]) => delta)}::int[]) AS d(id, delta)
          WHERE s.tenant_id = ${tenantId} AND s.sku_id = d.id`.execute(db);
      }
    },

    /** Recount of seats from user_license, per subscription: the check that counters are exact. */
    async recount(): Promise<{ subscriptionId: string; skuId: string; counter: number; actual: number }[]> {
      const result = await sql<{ subscription_id: string; sku_id: string; counter: number; actual: number }>`
        SELECT s.subscription_id, s.sku_id, s.consumed_units AS counter,
               (SELECT count(*)::int FROM user_license ul
                 WHERE ul.tenant_id = s.tenant_id AND ul.subscription_id = s.subscription_id) AS actual
        FROM subscription s WHERE s.tenant_id = ${tenantId}`.execute(db);
      return result.rows.map((row) => ({ subscriptionId: row.subscription_id, skuId: row.sku_id, counter: row.counter, actual: row.actual }));
    },
  };
}

export type SubscriptionRepository = ReturnType<typeof createSubscriptionRepository>;
