import { dueTransition, overAssignmentDeadline } from '../../domain/subscription-lifecycle.js';
import type { ServiceDeps } from '../deps.js';
import { applyTransition, settleOverAssignment } from '../subscription-lifecycle.js';
import type { Job } from './job-runner.js';

/**
 * The subscription scheduler: moves every subscription whose date has come to its next lifecycle
 * state (renewal, Warning, Suspended, Deleted) and settles over-assignments, one subscription per
 * transaction under its SKU's lock. Each transaction re-reads the subscription under the lock and
 * acts only on what is due at the tick's time, so a rerun, or a second process, finds nothing to do.
 * A subscription that was overdue by several states moves one state per tick (its audit trail shows
 * each step).
 */
export const advanceSubscriptionLifecycles = (deps: ServiceDeps): Job => ({
  name: 'advanceSubscriptionLifecycles',
  async run(ctx) {
    const due = await ctx.repos.subscriptions.listDue(ctx.now);
    const describe = (id: string, what: string) => `${id}: ${what}`;
    if (!ctx.apply) {
      const items = due.flatMap((subscription) => {
        const transition = dueTransition(subscription, ctx.now);
        const deadline = overAssignmentDeadline(subscription);
        return [
          ...(transition === undefined ? [] : [describe(subscription.subscriptionId, transition.cause === 'renewal' ? 'renews' : `${transition.from} → ${transition.to} (${transition.cause})`)]),
          ...(deadline !== null && deadline.getTime() <= ctx.now.getTime() && subscription.consumedUnits > subscription.totalLicenses
            ? [describe(subscription.subscriptionId, `ends ${subscription.consumedUnits - subscription.totalLicenses} over-assigned seats`)]
            : []),
        ];
      });
      ctx.affect(items.length, items);
      return;
    }
    // The tick's time is the time of every write, so `allot lifecycle run --now` acts as of that date.
    const tickDeps: ServiceDeps = { ...deps, clock: { now: () => ctx.now }, ids: ctx.ids };
    for (const { subscriptionId, skuId } of due) {
      const item = await ctx.transaction(async (repos, trx) => {
        await repos.subscriptions.lockSkus([skuId]);
        const subscription = await repos.subscriptions.findById(subscriptionId);
        if (subscription === undefined) {
          return undefined;
        }
        const transition = dueTransition(subscription, ctx.now);
        if (transition !== undefined) {
          await applyTransition(tickDeps, repos, trx, ctx.context, subscription, transition);
          return describe(subscriptionId, transition.cause === 'renewal' ? 'renewed' : `${transition.from} → ${transition.to} (${transition.cause})`);
        }
        if (subscription.overAssignedSince !== null) {
          const { ended } = await settleOverAssignment(tickDeps, repos, trx, ctx.context, subscription, ctx.now);
          return ended > 0 ? describe(subscriptionId, `ended ${ended} over-assigned seats`) : undefined;
        }
        return undefined;
      });
      if (item !== undefined) {
        ctx.affect(1, [item]);
      }
    }
  },
});
