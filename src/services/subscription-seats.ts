import type { Kysely } from 'kysely';
import type { RequestContext } from '../domain/context.js';
import { DIRECT_SOURCE } from '../domain/ids.js';
import { effectiveLicenses } from '../domain/licenses.js';
import { drawsFromPool, ADMIN_POOL, type SeatPool, type SubscriptionRecord } from '../domain/seats.js';
import type { Repositories } from '../db/repositories/index.js';
import type { SeatBinding } from '../db/repositories/assignment.repository.js';
import type { Database } from '../db/schema.js';
import { loadTenantCatalogue } from './catalogue.service.js';
import type { ServiceDeps } from './deps.js';
import { reapplyGroupLicensing, recordGroupOutcomes } from './group-reapply.js';
import { recordLicenseEffects } from './license-effects.js';

/**
 * Seats leaving a subscription: moved to other subscriptions of the SKU where there is room, or
 * ended. The caller holds the SKU's lock (lock order: SKU, then users).
 */

const poolOf = (subscription: SubscriptionRecord): SeatPool =>
  subscription.channel === 'admin' ? ADMIN_POOL : { kind: 'selfService', purchaserUserId: subscription.purchasedByUserId ?? '' };

/**
 * Moves up to `limit` seats of `from` (the earliest assigned first) into the subscriptions of
 * `targets` that draw from `pool`, ending first, by their free units. Counters move with them.
 * Returns the seats moved.
 */
export async function moveSeatsBetweenSubscriptions(
  repos: Repositories,
  from: SubscriptionRecord,
  targets: readonly SubscriptionRecord[],
  pool: SeatPool,
  limit = Number.POSITIVE_INFINITY,
): Promise<SeatBinding[]> {
  const candidates = targets
    .filter((target) => target.subscriptionId !== from.subscriptionId && target.skuId === from.skuId && drawsFromPool(target, pool))
    .sort((a, b) => (a.nextLifecycleAt?.getTime() ?? Infinity) - (b.nextLifecycleAt?.getTime() ?? Infinity) || a.createdAt.getTime() - b.createdAt.getTime());
  const room = candidates.reduce((sum, target) => sum + Math.max(0, target.totalLicenses - target.consumedUnits), 0);
  const count = Math.min(room, limit, from.consumedUnits);
  if (count <= 0) {
    return [];
  }
  // Newest first from the repository; the earliest assigned move, the newest stay (and may end).
  const seats = (await repos.assignments.seatsOfSubscription(from.subscriptionId)).reverse().slice(0, count);
  const moves: SeatBinding[] = [];
  const deltas = new Map<string, number>([[from.subscriptionId, 0]]);
  let next = 0;
  for (const target of candidates) {
    const free = Math.max(0, target.totalLicenses - target.consumedUnits);
    for (let taken = 0; taken < free && next < seats.length; taken += 1, next += 1) {
      const seat = seats[next] as SeatBinding;
      moves.push({ ...seat, subscriptionId: target.subscriptionId });
    }
    deltas.set(target.subscriptionId, moves.filter((move) => move.subscriptionId === target.subscriptionId).length);
  }
  deltas.set(from.subscriptionId, -moves.length);
  await repos.assignments.rebindSeats(moves);
  await repos.subscriptions.addConsumed(deltas, new Map());
  return moves;
}

/** Moves what fits of a subscription's seats into its pool's other subscriptions; the rest stay. */
export async function rebindSeatsAway(repos: Repositories, subscription: SubscriptionRecord, ofSku: readonly SubscriptionRecord[]): Promise<SeatBinding[]> {
  return moveSeatsBetweenSubscriptions(repos, subscription, ofSku, poolOf(subscription));
}

/**
 * Ends seats whose units are gone: a direct license of that SKU is removed; a license inherited from
 * a group stays on the group, and its member goes to Error / CountViolation (Entra's behaviour when
 * units vanish), re-evaluated by the group engine so all-or-nothing per group still holds.
 * One audit row per user, the licenses.changed event and the data clocks follow.
 */
export async function endSeats(
  deps: ServiceDeps,
  repos: Repositories,
  trx: Kysely<Database>,
  context: RequestContext,
  seats: readonly SeatBinding[],
  reason: { subscriptionId: string; cause: string },
): Promise<{ usersAffected: string[] }> {
  if (seats.length === 0) {
    return { usersAffected: [] };
  }
  const at = deps.clock.now();
  const userIds = [...new Set(seats.map((seat) => seat.userId))].sort();
  const users = await repos.users.lockActiveMany(userIds);
  const before = await repos.assignments.listForUsers(userIds);
  const ended = new Set(seats.map((seat) => `${seat.userId}:${seat.skuId}`));
  const endedRows = before.filter((row) => ended.has(`${row.userId}:${row.skuId}`));
  const released = await repos.assignments.releaseSeats(seats.map((seat) => ({ userId: seat.userId, skuId: seat.skuId })));
  const bySubscription = new Map<string, number>();
  const bySku = new Map<string, number>();
  for (const seat of released) {
    bySubscription.set(seat.subscriptionId, (bySubscription.get(seat.subscriptionId) ?? 0) - 1);
    bySku.set(seat.skuId, (bySku.get(seat.skuId) ?? 0) - 1);
  }
  await repos.subscriptions.addConsumed(bySubscription, bySku);
  const directRows = endedRows.filter((row) => row.sourceId === DIRECT_SOURCE);
  await repos.assignments.delete(directRows.map((row) => ({ userId: row.userId, skuId: row.skuId, sourceId: row.sourceId })));
  await repos.assignments.recordHistory(directRows.map((row) => ({ userId: row.userId, skuId: row.skuId, sourceId: row.sourceId, disabledPlans: null })), at);
  // Group rows: the engine sees a member without a seat and no free unit, so CountViolation.
  const groupMembers = [...new Set(endedRows.filter((row) => row.sourceId !== DIRECT_SOURCE).map((row) => row.userId))];
  if (groupMembers.length > 0) {
    const { plan } = await reapplyGroupLicensing(deps, repos, trx, groupMembers);
    await recordGroupOutcomes(deps, repos, context, plan, 'subscriptionUnitsEnded');
  }
  await repos.users.bumpLicenseVersion(userIds);
  const after = await repos.assignments.listForUsers(userIds);
  const catalogue = await loadTenantCatalogue(deps.microsoftCatalogue, repos);
  const changed = userIds.map((userId) => ({
    userId,
    before: effectiveLicenses(before.filter((row) => row.userId === userId)),
    after: effectiveLicenses(after.filter((row) => row.userId === userId)),
  }));
  await recordLicenseEffects(repos, { changed, cause: 'subscription', catalogue, at, ids: deps.ids });
  const names = new Map(users.map((user) => [user.userId, user.userPrincipalName]));
  await repos.audit.record(
    context,
    seats.map((seat) => ({
      category: 'UserManagement' as const,
      activity: 'Change user license',
      target: { type: 'User' as const, id: seat.userId, name: names.get(seat.userId) ?? null },
      changes: [{ property: 'AssignedLicense', before: seat.skuId, after: null }],
      details: { reason: reason.cause, subscriptionId: reason.subscriptionId, skuId: seat.skuId },
    })),
    at,
    deps.ids,
  );
  return { usersAffected: userIds };
}
