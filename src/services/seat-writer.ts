import { planDirectChange, requireFreeSeat, type DirectChangePlan } from '../domain/assignment.js';
import type { Catalogue } from '../domain/catalogue.js';
import { AppError } from '../domain/errors.js';
import { DIRECT_SOURCE } from '../domain/ids.js';
import type { GroupLicensingPlan } from '../domain/group-licensing.js';
import { ADMIN_POOL, allocateSeats, assignableUnits, freeSeats, otherPoolUnits, type SeatPool } from '../domain/seats.js';
import type { SkuSeats } from '../domain/assignment.js';
import type { Repositories } from '../db/repositories/index.js';
import type { SeatBinding } from '../db/repositories/assignment.repository.js';
import type { SubscriptionRecord } from '../db/repositories/subscription.repository.js';
import type { IdGenerator } from '../domain/ids.js';
import { recordLicenseEffects, type LicenseChangeCause } from './license-effects.js';

/** Seat numbers per SKU for the pool, from the (locked) subscriptions and counters. */
export function seatsBySku(subscriptions: readonly SubscriptionRecord[], counters: ReadonlyMap<string, number>, pool: SeatPool): Map<string, SkuSeats> {
  const seats = new Map<string, SkuSeats>();
  for (const [skuId, consumed] of counters) {
    const ofSku = subscriptions.filter((subscription) => subscription.skuId === skuId);
    seats.set(skuId, { skuId, consumed, assignable: assignableUnits(ofSku, pool), free: freeSeats(ofSku, pool), selfServiceUnits: otherPoolUnits(ofSku, pool) });
  }
  return seats;
}

/** Per user, the SKUs whose seat comes from a self-service purchase (admins leave those alone). */
export function selfServiceSeatSkus(seats: readonly SeatBinding[], subscriptions: readonly SubscriptionRecord[]): Map<string, Set<string>> {
  const selfService = new Set(subscriptions.filter((subscription) => subscription.channel === 'selfService').map((subscription) => subscription.subscriptionId));
  const byUser = new Map<string, Set<string>>();
  for (const seat of seats) {
    if (selfService.has(seat.subscriptionId)) {
      byUser.set(seat.userId, (byUser.get(seat.userId) ?? new Set<string>()).add(seat.skuId));
    }
  }
  return byUser;
}

/**
 * Frees and takes seats, set-based: releases the freed ones, binds each taken one to a subscription
 * by the allocation policy (against the counters as they are after the releases), and moves the
 * counters. The caller holds the locks of every SKU involved and of every user.
 */
async function moveSeats(options: {
  repos: Repositories;
  taken: readonly { userId: string; skuId: string }[];
  freed: readonly { userId: string; skuId: string }[];
  subscriptions: readonly SubscriptionRecord[];
  pool: SeatPool;
  catalogue: Catalogue;
  at: Date;
}): Promise<void> {
  const { repos, pool, catalogue } = options;
  const released = await repos.assignments.releaseSeats(options.freed);
  const bySubscription = new Map<string, number>();
  const bySku = new Map<string, number>();
  const add = (map: Map<string, number>, key: string, delta: number) => map.set(key, (map.get(key) ?? 0) + delta);
  for (const seat of released) {
    add(bySubscription, seat.subscriptionId, -1);
    add(bySku, seat.skuId, -1);
  }
  const working = options.subscriptions.map((subscription) => ({
    ...subscription,
    consumedUnits: subscription.consumedUnits + (bySubscription.get(subscription.subscriptionId) ?? 0),
  }));
  const takers = new Map<string, string[]>();
  for (const { userId, skuId } of options.taken) {
    const list = takers.get(skuId);
    if (list === undefined) {
      takers.set(skuId, [userId]);
    } else {
      list.push(userId);
    }
  }
  const bindings: SeatBinding[] = [];
  for (const [skuId, userIds] of takers) {
    const ofSku = working.filter((subscription) => subscription.skuId === skuId);
    const picks = allocateSeats(ofSku, pool, userIds.length);
    if (picks === undefined) {
      // The planner checked seats already; reaching this means the counters moved under us.
      const consumed = ofSku.reduce((sum, subscription) => sum + subscription.consumedUnits, 0);
      requireFreeSeat(skuId, { skuId, consumed, assignable: assignableUnits(ofSku, pool), free: freeSeats(ofSku, pool), selfServiceUnits: otherPoolUnits(ofSku, pool) }, catalogue, userIds.length);
      throw new AppError('internal', `Seat allocation for ${skuId} failed.`);
    }
    userIds.forEach((userId, index) => {
      const subscriptionId = picks[index] as string;
      bindings.push({ userId, skuId, subscriptionId });
      add(bySubscription, subscriptionId, 1);
      add(bySku, skuId, 1);
    });
  }
  await repos.assignments.bindSeats(bindings, options.at);
  await repos.subscriptions.addConsumed(bySubscription, bySku);
}

/**
 * Writes a batch of planned direct changes: assignments, seats bound to subscriptions by the
 * allocation policy, counters, history and license versions, each as one set-based statement.
 * The caller holds the locks of every SKU in the plans and of every user.
 */
export async function writeDirectPlans(options: {
  repos: Repositories;
  plans: readonly DirectChangePlan[];
  subscriptions: readonly SubscriptionRecord[];
  pool: SeatPool;
  catalogue: Catalogue;
  at: Date;
  ids: IdGenerator;
  cause: Extract<LicenseChangeCause, 'direct' | 'bulk'>;
}): Promise<void> {
  const { repos, plans, at } = options;
  const changed = plans.filter((plan) => plan.isChange);
  if (changed.length === 0) {
    return;
  }
  await moveSeats({
    ...options,
    taken: changed.flatMap((plan) => plan.seatsTaken.map((skuId) => ({ userId: plan.userId, skuId }))),
    freed: changed.flatMap((plan) => plan.seatsFreed.map((skuId) => ({ userId: plan.userId, skuId }))),
  });
  await repos.assignments.delete(changed.flatMap((plan) => plan.removals.map((skuId) => ({ userId: plan.userId, skuId, sourceId: DIRECT_SOURCE }))));
  await repos.assignments.upsert(
    changed.flatMap((plan) => plan.upserts.map((upsert) => ({ userId: plan.userId, skuId: upsert.skuId, sourceId: DIRECT_SOURCE, disabledPlans: upsert.disabledPlans }))),
    at,
  );
  await repos.assignments.recordHistory(
    changed.flatMap((plan) => [
      ...plan.upserts.map((upsert) => ({ userId: plan.userId, skuId: upsert.skuId, sourceId: DIRECT_SOURCE, disabledPlans: upsert.disabledPlans })),
      ...plan.removals.map((skuId) => ({ userId: plan.userId, skuId, sourceId: DIRECT_SOURCE, disabledPlans: null })),
    ]),
    at,
  );
  await repos.users.bumpLicenseVersion(changed.map((plan) => plan.userId));
  await recordLicenseEffects(repos, { changed, cause: options.cause, catalogue: options.catalogue, at, ids: options.ids });
}

/**
 * Writes a group licensing plan the same way: group rows with their states, seats, counters,
 * history (a row in Error holds nothing, so it closes the source's interval) and license versions.
 */
export async function writeGroupPlan(options: {
  repos: Repositories;
  plan: GroupLicensingPlan;
  subscriptions: readonly SubscriptionRecord[];
  catalogue: Catalogue;
  at: Date;
  ids: IdGenerator;
}): Promise<void> {
  const { repos, plan, at } = options;
  await moveSeats({ ...options, pool: ADMIN_POOL, taken: plan.seatsTaken, freed: plan.seatsFreed });
  await repos.assignments.delete(plan.removals.map((removal) => ({ userId: removal.userId, skuId: removal.skuId, sourceId: removal.groupId })));
  await repos.assignments.upsert(
    plan.upserts.map((row) => ({ userId: row.userId, skuId: row.skuId, sourceId: row.groupId, disabledPlans: row.disabledPlans, state: row.state, error: row.error })),
    at,
  );
  await repos.assignments.recordHistory(
    [
      ...plan.upserts.map((row) => ({ userId: row.userId, skuId: row.skuId, sourceId: row.groupId, disabledPlans: row.state === 'Error' ? null : row.disabledPlans })),
      ...plan.removals.map((removal) => ({ userId: removal.userId, skuId: removal.skuId, sourceId: removal.groupId, disabledPlans: null })),
    ],
    at,
  );
  await repos.users.bumpLicenseVersion(plan.changedUsers.map((user) => user.userId));
  await recordLicenseEffects(repos, { changed: plan.changedUsers, cause: 'group', catalogue: options.catalogue, at, ids: options.ids });
}

export { planDirectChange };
