/**
 * The seat model: every held SKU draws its seat from one subscription of that SKU. Which one is a
 * policy: the subscription that ends first, then the oldest, so per-subscription numbers are exact
 * and expiring subscriptions empty first.
 */
export type SubscriptionStatus = 'Enabled' | 'Warning' | 'Suspended' | 'LockedOut' | 'Deleted';
export type SubscriptionChannel = 'admin' | 'selfService';

export interface SubscriptionSeats {
  subscriptionId: string;
  skuId: string;
  totalLicenses: number;
  consumedUnits: number;
  status: SubscriptionStatus;
  channel: SubscriptionChannel;
  purchasedByUserId: string | null;
  createdAt: Date;
  nextLifecycleAt: Date | null;
}

/** Why a subscription is in its lifecycle state (docs/LIFECYCLE.md has the table). */
export type LifecycleCause =
  | 'termEnd'
  | 'cancelInWindow'
  | 'cancelOutsideWindow'
  | 'seatReduction'
  | 'takeOver'
  | 'explicitDelete'
  | 'trialEnd'
  | 'selfServiceCancelled'
  | 'reactivated';

/** The term and lifecycle settings of a subscription. */
export interface SubscriptionLifecycle {
  /** Start of the current term (creation or last renewal): the cancellation window counts from it. */
  termStartAt: Date;
  /** End of the current term; null for a subscription without an end (entered without a term). */
  termEndAt: Date | null;
  recurringBilling: boolean;
  cancellationWindowDays: number;
  /** Days in Warning (Expired) and in Suspended (Disabled) before the next state. */
  warningDays: number;
  suspendedDays: number;
  trialExtended: boolean;
  refundEligible: boolean;
  cancelledAt: Date | null;
  statusChangedAt: Date;
  lifecycleCause: LifecycleCause | null;
  /** A billing system reduced the quantity below what is assigned: 90 days to fix it from here. */
  overAssignedSince: Date | null;
}

/** A subscription as the services and presenters see it. */
export interface SubscriptionRecord extends SubscriptionSeats, SubscriptionLifecycle {
  commerceSubscriptionId: string;
  isTrial: boolean;
}

/** Whose seats an assigning operation may use: the admins' pool, or one purchaser's own purchases. */
export type SeatPool = { kind: 'admin' } | { kind: 'selfService'; purchaserUserId: string };

export const ADMIN_POOL: SeatPool = { kind: 'admin' };

const ASSIGNABLE: ReadonlySet<SubscriptionStatus> = new Set(['Enabled', 'Warning']);

export const isAssignableStatus = (status: SubscriptionStatus): boolean => ASSIGNABLE.has(status);

export function drawsFromPool(subscription: SubscriptionSeats, pool: SeatPool): boolean {
  if (!isAssignableStatus(subscription.status)) {
    return false;
  }
  return pool.kind === 'admin'
    ? subscription.channel === 'admin'
    : subscription.channel === 'selfService' && subscription.purchasedByUserId === pool.purchaserUserId;
}

const allocationOrder = (a: SubscriptionSeats, b: SubscriptionSeats): number => {
  const endA = a.nextLifecycleAt?.getTime() ?? Number.POSITIVE_INFINITY;
  const endB = b.nextLifecycleAt?.getTime() ?? Number.POSITIVE_INFINITY;
  if (endA !== endB) {
    return endA - endB;
  }
  const created = a.createdAt.getTime() - b.createdAt.getTime();
  return created !== 0 ? created : a.subscriptionId.localeCompare(b.subscriptionId);
};

/**
 * Picks a subscription for each of `count` new seats of one SKU, or returns undefined when the pool
 * has fewer free units. Does not mutate its input.
 */
export function allocateSeats(subscriptions: readonly SubscriptionSeats[], pool: SeatPool, count: number): string[] | undefined {
  if (count > freeSeats(subscriptions, pool)) {
    return undefined;
  }
  const candidates = subscriptions.filter((subscription) => drawsFromPool(subscription, pool)).sort(allocationOrder);
  const picks: string[] = [];
  for (const subscription of candidates) {
    const free = Math.max(0, subscription.totalLicenses - subscription.consumedUnits);
    for (let index = 0; index < free && picks.length < count; index += 1) {
      picks.push(subscription.subscriptionId);
    }
    if (picks.length === count) {
      return picks;
    }
  }
  return count === 0 ? [] : undefined;
}

/**
 * Seats the pool can still give out. Per subscription it is total − consumed; for the pool as a
 * whole, seats still bound to its non-assignable subscriptions (over-assignment not yet rebound)
 * count against it too, so assigning never pushes the pool's consumed above its assignable units.
 */
export function freeSeats(subscriptions: readonly SubscriptionSeats[], pool: SeatPool): number {
  const inPool = subscriptions.filter((subscription) => drawsFromPool(subscription, pool));
  const perSubscription = inPool.reduce((sum, subscription) => sum + Math.max(0, subscription.totalLicenses - subscription.consumedUnits), 0);
  const sameChannel = subscriptions.filter((subscription) =>
    pool.kind === 'admin' ? subscription.channel === 'admin' : subscription.purchasedByUserId === pool.purchaserUserId,
  );
  const owed = sameChannel.reduce((sum, subscription) => sum + subscription.consumedUnits, 0);
  return Math.max(0, Math.min(perSubscription, assignableUnits(subscriptions, pool) - owed));
}

/** Assignable units for the pool (Graph: prepaidUnits.enabled + warning of those subscriptions). */
export const assignableUnits = (subscriptions: readonly SubscriptionSeats[], pool: SeatPool): number =>
  subscriptions.filter((subscription) => drawsFromPool(subscription, pool)).reduce((sum, subscription) => sum + subscription.totalLicenses, 0);

/** Units in assignable states that belong to other pools (e.g. self-service purchases, for admins). */
export const otherPoolUnits = (subscriptions: readonly SubscriptionSeats[], pool: SeatPool): number =>
  subscriptions
    .filter((subscription) => isAssignableStatus(subscription.status) && !drawsFromPool(subscription, pool))
    .reduce((sum, subscription) => sum + subscription.totalLicenses, 0);

/** Graph's licenseUnitsDetail for one SKU. */
export function prepaidUnits(subscriptions: readonly SubscriptionSeats[]): { enabled: number; warning: number; suspended: number; lockedOut: number } {
  const units = { enabled: 0, warning: 0, suspended: 0, lockedOut: 0 };
  for (const subscription of subscriptions) {
    switch (subscription.status) {
      case 'Enabled':
        units.enabled += subscription.totalLicenses;
        break;
      case 'Warning':
        units.warning += subscription.totalLicenses;
        break;
      case 'Suspended':
        units.suspended += subscription.totalLicenses;
        break;
      case 'LockedOut':
        units.lockedOut += subscription.totalLicenses;
        break;
      case 'Deleted':
        break;
    }
  }
  return units;
}

/** Graph's subscribedSku.capabilityStatus: the best state any of the SKU's subscriptions is in. */
export function capabilityStatus(subscriptions: readonly SubscriptionSeats[]): SubscriptionStatus {
  // Graph: "Enabled if prepaidUnits has at least one enabled unit"; otherwise the next state in the
  // lifecycle that any subscription is in. A SKU whose only subscriptions are empty Enabled ones
  // stays Enabled (nothing else describes it).
  const order: SubscriptionStatus[] = ['Enabled', 'Warning', 'Suspended', 'LockedOut', 'Deleted'];
  const status = order.find((candidate) =>
    subscriptions.some((subscription) => subscription.status === candidate && (candidate !== 'Enabled' || subscription.totalLicenses > 0)),
  );
  return status ?? (subscriptions.length > 0 ? 'Enabled' : 'Deleted');
}
