import { sql, type Kysely, type Selectable } from 'kysely';
import { isGuid } from '../../domain/ids.js';
import type { LifecycleCause, SubscriptionLifecycle, SubscriptionRecord, SubscriptionSeats } from '../../domain/seats.js';
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
  'term_start_at',
  'term_end_at',
  'recurring_billing',
  'cancellation_window_days',
  'warning_days',
  'suspended_days',
  'trial_extended',
  'refund_eligible',
  'cancelled_at',
  'status_changed_at',
  'lifecycle_cause',
  'over_assigned_since',
] as const;

const dateOrNull = (value: Date | string | null): Date | null => (value === null ? null : new Date(value));

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
  nextLifecycleAt: dateOrNull(row.next_lifecycle_at),
  termStartAt: new Date(row.term_start_at),
  termEndAt: dateOrNull(row.term_end_at),
  recurringBilling: row.recurring_billing,
  cancellationWindowDays: row.cancellation_window_days,
  warningDays: row.warning_days,
  suspendedDays: row.suspended_days,
  trialExtended: row.trial_extended,
  refundEligible: row.refund_eligible,
  cancelledAt: dateOrNull(row.cancelled_at),
  statusChangedAt: new Date(row.status_changed_at),
  lifecycleCause: row.lifecycle_cause as LifecycleCause | null,
  overAssignedSince: dateOrNull(row.over_assigned_since),
});

/** The lifecycle columns a transition or an admin action may change. */
export type SubscriptionChange = Partial<SubscriptionLifecycle & Pick<SubscriptionSeats, 'status' | 'nextLifecycleAt' | 'totalLicenses'> & { isTrial: boolean }>;

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
  termEndAt?: Date | null;
  recurringBilling?: boolean;
  cancellationWindowDays?: number;
  warningDays?: number;
  suspendedDays?: number;
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
      // Both keys are uuid columns: anything else names no subscription (and would not cast).
      if (!isGuid(subscriptionId)) {
        return undefined;
      }
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
          term_start_at: subscription.createdAt,
          status_changed_at: subscription.createdAt,
          term_end_at: subscription.termEndAt ?? null,
          ...(subscription.recurringBilling === undefined ? {} : { recurring_billing: subscription.recurringBilling }),
          ...(subscription.cancellationWindowDays === undefined ? {} : { cancellation_window_days: subscription.cancellationWindowDays }),
          ...(subscription.warningDays === undefined ? {} : { warning_days: subscription.warningDays }),
          ...(subscription.suspendedDays === undefined ? {} : { suspended_days: subscription.suspendedDays }),
        })
        .execute();
    },

    /** Writes lifecycle changes of one subscription (the caller holds its SKU's lock). */
    async update(subscriptionId: string, change: SubscriptionChange): Promise<void> {
      const columns: Record<string, unknown> = {};
      const map: Record<keyof SubscriptionChange, string> = {
        status: 'status',
        nextLifecycleAt: 'next_lifecycle_at',
        totalLicenses: 'total_licenses',
        isTrial: 'is_trial',
        termStartAt: 'term_start_at',
        termEndAt: 'term_end_at',
        recurringBilling: 'recurring_billing',
        cancellationWindowDays: 'cancellation_window_days',
        warningDays: 'warning_days',
        suspendedDays: 'suspended_days',
        trialExtended: 'trial_extended',
        refundEligible: 'refund_eligible',
        cancelledAt: 'cancelled_at',
        statusChangedAt: 'status_changed_at',
        lifecycleCause: 'lifecycle_cause',
        overAssignedSince: 'over_assigned_since',
      };
      for (const [key, value] of Object.entries(change)) {
        if (value !== undefined) {
          columns[map[key as keyof SubscriptionChange]] = value;
        }
      }
      if (Object.keys(columns).length === 0) {
        return;
      }
      await db.updateTable('subscription').set(columns).where('tenant_id', '=', tenantId).where('subscription_id', '=', subscriptionId).execute();
    },

    /** The scheduler's work list: subscriptions whose next lifecycle date has come, and over-assigned ones. */
    async listDue(now: Date): Promise<SubscriptionRecord[]> {
      return (
        await subscriptions()
          .where((eb) => eb.or([eb('next_lifecycle_at', '<=', now), eb('over_assigned_since', 'is not', null)]))
          .orderBy('sku_id')
          .orderBy('subscription_id')
          .execute()
      ).map(toRecord);
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
