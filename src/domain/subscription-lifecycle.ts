import { DAY_MS } from './clock.js';
import type { LifecycleCause, SubscriptionRecord, SubscriptionStatus } from './seats.js';

/**
 * The subscription lifecycle (graph-licensing.md §5.5, docs/LIFECYCLE.md): Enabled (Active) →
 * Warning (Expired) → Suspended (Disabled) → Deleted. Pure: the scheduler and the admin actions
 * compute what changes here and the services write it.
 */

/** Days a billing-system reduction below what is assigned may stay unfixed (as Microsoft 365). */
export const OVER_ASSIGNMENT_DAYS = 90;
export const DEFAULT_TRIAL_DAYS = 30;

const addDays = (at: Date, days: number): Date => new Date(at.getTime() + days * DAY_MS);

/** What a change does to a subscription's lifecycle columns (the repository's SubscriptionChange). */
export interface LifecycleChange {
  status?: SubscriptionStatus;
  nextLifecycleAt?: Date | null;
  termStartAt?: Date;
  termEndAt?: Date | null;
  recurringBilling?: boolean;
  isTrial?: boolean;
  trialExtended?: boolean;
  refundEligible?: boolean;
  cancelledAt?: Date | null;
  statusChangedAt?: Date;
  lifecycleCause?: LifecycleCause | null;
  overAssignedSince?: Date | null;
}

/** A transition the scheduler applies, with what it means for the seats. */
export interface Transition {
  from: SubscriptionStatus;
  to: SubscriptionStatus;
  cause: LifecycleCause | 'renewal';
  change: LifecycleChange;
  /** Seats leave the subscription: to another assignable one of the SKU where there is room. */
  rebindSeats: boolean;
  /** Seats that found no other subscription end (Deleted): direct ones go, group ones turn to CountViolation. */
  endSeats: boolean;
}

const enter = (subscription: SubscriptionRecord, to: SubscriptionStatus, cause: LifecycleCause, now: Date, next: Date | null): Transition => ({
  from: subscription.status,
  to,
  cause,
  change: { status: to, statusChangedAt: now, lifecycleCause: cause, nextLifecycleAt: next },
  rebindSeats: to === 'Suspended' || to === 'Deleted',
  endSeats: to === 'Deleted',
});

/** Why an Enabled subscription leaves at its term end. */
function termEndCause(subscription: SubscriptionRecord): LifecycleCause {
  if (subscription.isTrial) {
    return 'trialEnd';
  }
  return subscription.cancelledAt === null ? 'termEnd' : 'cancelOutsideWindow';
}

/**
 * The transition due at `now`, or undefined. A paid subscription with recurring billing renews at its
 * term end for another term of the same length; every other Enabled one expires (Warning); Warning
 * and Suspended last their configured days; Deleted is terminal.
 */
export function dueTransition(subscription: SubscriptionRecord, now: Date): Transition | undefined {
  const due = subscription.nextLifecycleAt;
  if (due === null || due.getTime() > now.getTime()) {
    return undefined;
  }
  switch (subscription.status) {
    case 'Enabled': {
      if (subscription.recurringBilling && !subscription.isTrial && subscription.termEndAt !== null) {
        const length = Math.max(DAY_MS, subscription.termEndAt.getTime() - subscription.termStartAt.getTime());
        const termEndAt = new Date(subscription.termEndAt.getTime() + length);
        return {
          from: 'Enabled',
          to: 'Enabled',
          cause: 'renewal',
          change: { termStartAt: subscription.termEndAt, termEndAt, nextLifecycleAt: termEndAt, refundEligible: false },
          rebindSeats: false,
          endSeats: false,
        };
      }
      return enter(subscription, 'Warning', termEndCause(subscription), now, addDays(due, subscription.warningDays));
    }
    case 'Warning':
      return enter(subscription, 'Suspended', subscription.lifecycleCause ?? 'termEnd', now, addDays(due, subscription.suspendedDays));
    case 'Suspended':
    case 'LockedOut':
      return enter(subscription, 'Deleted', subscription.lifecycleCause ?? 'termEnd', now, null);
    case 'Deleted':
      return undefined;
  }
}

/** When the over-assignment grace of a reduced subscription ends (null: not over-assigned). */
export const overAssignmentDeadline = (subscription: Pick<SubscriptionRecord, 'overAssignedSince'>): Date | null =>
  subscription.overAssignedSince === null ? null : addDays(subscription.overAssignedSince, OVER_ASSIGNMENT_DAYS);

export const isInCancellationWindow = (subscription: SubscriptionRecord, now: Date): boolean =>
  now.getTime() < addDays(subscription.termStartAt, subscription.cancellationWindowDays).getTime();

export type CancelOutcome =
  | { kind: 'disabledWithRefund'; transition: Transition }
  | { kind: 'runsToTermEnd'; change: LifecycleChange; endsAt: Date };

/**
 * Cancelling: inside the window (days from start or renewal) the subscription goes straight to
 * Suspended (Disabled) and is refund-eligible; outside it, recurring billing stops and the
 * subscription runs to its term end (one without a term end expires now).
 */
export function planCancellation(subscription: SubscriptionRecord, now: Date): CancelOutcome {
  if (isInCancellationWindow(subscription, now)) {
    const transition = enter(subscription, 'Suspended', 'cancelInWindow', now, addDays(now, subscription.suspendedDays));
    return { kind: 'disabledWithRefund', transition: { ...transition, change: { ...transition.change, refundEligible: true, recurringBilling: false, cancelledAt: now } } };
  }
  const endsAt = subscription.termEndAt !== null && subscription.termEndAt.getTime() > now.getTime() ? subscription.termEndAt : now;
  return { kind: 'runsToTermEnd', endsAt, change: { recurringBilling: false, cancelledAt: now, lifecycleCause: 'cancelOutsideWindow', nextLifecycleAt: endsAt } };
}

/** Reactivating a Warning or Suspended subscription (GA or Billing Administrator): a new term from now. */
export function planReactivation(subscription: SubscriptionRecord, now: Date, termEndAt: Date): Transition {
  return {
    from: subscription.status,
    to: 'Enabled',
    cause: 'reactivated',
    change: {
      status: 'Enabled',
      statusChangedAt: now,
      lifecycleCause: 'reactivated',
      termStartAt: now,
      termEndAt,
      nextLifecycleAt: termEndAt,
      recurringBilling: true,
      cancelledAt: null,
      refundEligible: false,
    },
    rebindSeats: false,
    endSeats: false,
  };
}

/** Extending a trial: once, by `days` from its current end. */
export function planTrialExtension(subscription: SubscriptionRecord, days: number): LifecycleChange {
  const end = subscription.termEndAt ?? subscription.nextLifecycleAt ?? subscription.termStartAt;
  const termEndAt = addDays(end, days);
  return { trialExtended: true, termEndAt, nextLifecycleAt: subscription.status === 'Enabled' ? termEndAt : subscription.nextLifecycleAt };
}

/** Converting a trial to paid: billing starts at the trial's end and renews from then on. */
export const planTrialConversion = (): LifecycleChange => ({ isTrial: false, recurringBilling: true });

/** Deleting explicitly skips Warning and Suspended (Microsoft 365 deletes the data at once). */
export const planExplicitDelete = (subscription: SubscriptionRecord, now: Date): Transition => enter(subscription, 'Deleted', 'explicitDelete', now, null);

/** Ending a self-service purchase: taken over (users moved first) or cancelled by an admin (users lose access). */
export const planSelfServiceEnd = (subscription: SubscriptionRecord, now: Date, how: 'takeOver' | 'cancel'): Transition =>
  how === 'takeOver'
    ? enter(subscription, 'Deleted', 'takeOver', now, null)
    : enter(subscription, 'Suspended', 'selfServiceCancelled', now, addDays(now, subscription.suspendedDays));

/** Status names of the admin center ("Your products") for Graph's. */
export const ADMIN_CENTER_STATUS: Record<SubscriptionStatus, string> = {
  Enabled: 'Active',
  Warning: 'Expired',
  Suspended: 'Disabled',
  LockedOut: 'Disabled',
  Deleted: 'Deleted',
};
