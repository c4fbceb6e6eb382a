import type { Kysely } from 'kysely';
import type { RequestContext } from '../domain/context.js';
import { overAssignmentDeadline, type Transition } from '../domain/subscription-lifecycle.js';
import type { SubscriptionRecord } from '../domain/seats.js';
import type { Repositories } from '../db/repositories/index.js';
import type { Database } from '../db/schema.js';
import { loadTenantCatalogue } from './catalogue.service.js';
import type { ServiceDeps } from './deps.js';
import { fillWaitlist } from './group-reapply.js';
import { endSeats, rebindSeatsAway } from './subscription-seats.js';

const iso = (date: Date | null | undefined): string | null => (date === null || date === undefined ? null : date.toISOString());

/**
 * Applies a lifecycle transition to a subscription whose SKU the caller has locked: writes the
 * status and dates, moves the seats of a subscription that stops granting access into its pool's
 * other subscriptions where there is room, ends the rest when it is deleted, fills group waitlists
 * when it becomes usable again, and records the audit entry and the event.
 */
export async function applyTransition(
  deps: ServiceDeps,
  repos: Repositories,
  trx: Kysely<Database>,
  context: RequestContext,
  subscription: SubscriptionRecord,
  transition: Transition,
): Promise<{ seatsMoved: number; usersLosingSeats: number }> {
  const at = deps.clock.now();
  await repos.subscriptions.update(subscription.subscriptionId, transition.change);
  let seatsMoved = 0;
  let usersLosingSeats = 0;
  if (transition.rebindSeats) {
    const ofSku = await repos.subscriptions.listForSkus([subscription.skuId]);
    const current = ofSku.find((candidate) => candidate.subscriptionId === subscription.subscriptionId) ?? subscription;
    seatsMoved = (await rebindSeatsAway(repos, current, ofSku)).length;
  }
  if (transition.endSeats) {
    const left = await repos.assignments.seatsOfSubscription(subscription.subscriptionId);
    usersLosingSeats = (await endSeats(deps, repos, trx, context, left, { subscriptionId: subscription.subscriptionId, cause: `subscription${transition.to}` })).usersAffected.length;
  }
  if (transition.to === 'Enabled' && transition.from !== 'Enabled') {
    await fillWaitlist(deps, repos, trx, context, [subscription.skuId]);
  }
  const name = (await loadTenantCatalogue(deps.microsoftCatalogue, repos)).findSku(subscription.skuId)?.displayName ?? subscription.skuId;
  const after = { ...subscription, ...transition.change };
  await repos.audit.record(
    context,
    [
      {
        category: 'SubscriptionManagement',
        activity: transition.cause === 'renewal' ? 'Renew subscription' : 'Change subscription status',
        target: { type: 'Subscription', id: subscription.subscriptionId, name },
        changes: [
          { property: 'Status', before: subscription.status, after: after.status },
          { property: 'NextLifecycleDateTime', before: iso(subscription.nextLifecycleAt), after: iso(after.nextLifecycleAt) },
        ],
        details: { cause: transition.cause, seatsMoved, usersLosingSeats },
      },
    ],
    at,
    deps.ids,
  );
  await repos.events.emit(
    [
      {
        type: transition.cause === 'renewal' ? 'subscription.changed' : 'subscription.lifecycleChanged',
        data: {
          subscriptionId: subscription.subscriptionId,
          commerceSubscriptionId: subscription.commerceSubscriptionId,
          skuId: subscription.skuId,
          from: subscription.status,
          to: after.status,
          cause: transition.cause,
          nextLifecycleDateTime: iso(after.nextLifecycleAt),
          seatsMoved,
          usersLosingSeats,
        },
      },
    ],
    at,
    deps.ids,
  );
  return { seatsMoved, usersLosingSeats };
}

/**
 * A billing system's reduction left the subscription over-assigned. Fixed (consumed ≤ total) clears
 * the mark; once the grace is over, the newest seats beyond the total first move to other
 * subscriptions with room, then end. Returns the seats ended.
 */
export async function settleOverAssignment(
  deps: ServiceDeps,
  repos: Repositories,
  trx: Kysely<Database>,
  context: RequestContext,
  subscription: SubscriptionRecord,
  now: Date,
): Promise<{ cleared: boolean; ended: number }> {
  if (subscription.consumedUnits <= subscription.totalLicenses) {
    await repos.subscriptions.update(subscription.subscriptionId, { overAssignedSince: null });
    return { cleared: true, ended: 0 };
  }
  const deadline = overAssignmentDeadline(subscription);
  if (deadline === null || deadline.getTime() > now.getTime()) {
    return { cleared: false, ended: 0 };
  }
  const ofSku = await repos.subscriptions.listForSkus([subscription.skuId]);
  const excess = subscription.consumedUnits - subscription.totalLicenses;
  const moved = await rebindSeatsAway(repos, subscription, ofSku);
  const stillOver = excess - moved.length;
  const seats = stillOver > 0 ? await repos.assignments.seatsOfSubscription(subscription.subscriptionId, stillOver) : [];
  await endSeats(deps, repos, trx, context, seats, { subscriptionId: subscription.subscriptionId, cause: 'overAssignmentDeadline' });
  await repos.subscriptions.update(subscription.subscriptionId, { overAssignedSince: null });
  const name = (await loadTenantCatalogue(deps.microsoftCatalogue, repos)).findSku(subscription.skuId)?.displayName ?? subscription.skuId;
  await repos.audit.record(
    context,
    [
      {
        category: 'SubscriptionManagement',
        activity: 'End over-assigned licenses',
        target: { type: 'Subscription', id: subscription.subscriptionId, name },
        changes: [{ property: 'ConsumedUnits', before: subscription.consumedUnits, after: subscription.totalLicenses }],
        details: { deadline: deadline.toISOString(), seatsMoved: moved.length, seatsEnded: seats.length },
      },
    ],
    deps.clock.now(),
    deps.ids,
  );
  return { cleared: true, ended: seats.length };
}
