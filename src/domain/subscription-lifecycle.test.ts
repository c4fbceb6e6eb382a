import { describe, expect, it } from 'vitest';
import { DAY_MS } from './clock.js';
import type { SubscriptionRecord } from './seats.js';
import {
  dueTransition,
  isInCancellationWindow,
  overAssignmentDeadline,
  planCancellation,
  planExplicitDelete,
  planSelfServiceEnd,
  planTrialExtension,
} from './subscription-lifecycle.js';

const START = new Date('2026-01-01T00:00:00Z');
const day = (days: number) => new Date(START.getTime() + days * DAY_MS);

const subscription = (extra: Partial<SubscriptionRecord> = {}): SubscriptionRecord => ({
  subscriptionId: 's1',
  commerceSubscriptionId: 'c1',
  skuId: 'sku',
  totalLicenses: 10,
  consumedUnits: 4,
  status: 'Enabled',
  isTrial: false,
  channel: 'admin',
  purchasedByUserId: null,
  createdAt: START,
  nextLifecycleAt: day(30),
  termStartAt: START,
  termEndAt: day(30),
  recurringBilling: false,
  cancellationWindowDays: 7,
  warningDays: 30,
  suspendedDays: 90,
  trialExtended: false,
  refundEligible: false,
  cancelledAt: null,
  statusChangedAt: START,
  lifecycleCause: null,
  overAssignedSince: null,
  ...extra,
});

describe('dueTransition', () => {
  it('is nothing before the date, and nothing for a subscription without one or already deleted', () => {
    expect(dueTransition(subscription(), day(29))).toBeUndefined();
    expect(dueTransition(subscription({ nextLifecycleAt: null }), day(1000))).toBeUndefined();
    expect(dueTransition(subscription({ status: 'Deleted' }), day(1000))).toBeUndefined();
  });

  it('expires at the term end without recurring billing, counting Warning from the due date (not the tick)', () => {
    const transition = dueTransition(subscription(), day(32));
    expect(transition).toMatchObject({ from: 'Enabled', to: 'Warning', cause: 'termEnd', rebindSeats: false, endSeats: false });
    expect(transition?.change.nextLifecycleAt).toEqual(day(60));
    expect(transition?.change.statusChangedAt).toEqual(day(32));
  });

  it('renews with recurring billing for a term of the same length', () => {
    const transition = dueTransition(subscription({ recurringBilling: true }), day(30));
    expect(transition).toMatchObject({ from: 'Enabled', to: 'Enabled', cause: 'renewal' });
    expect(transition?.change).toMatchObject({ termStartAt: day(30), termEndAt: day(60), nextLifecycleAt: day(60) });
  });

  it('names the cause: trial end, cancel outside the window', () => {
    expect(dueTransition(subscription({ isTrial: true, recurringBilling: true }), day(30))?.cause).toBe('trialEnd');
    expect(dueTransition(subscription({ cancelledAt: day(10) }), day(30))?.cause).toBe('cancelOutsideWindow');
  });

  it('moves Warning to Suspended (seats move away) and Suspended to Deleted (seats end)', () => {
    const warning = dueTransition(subscription({ status: 'Warning', nextLifecycleAt: day(60), lifecycleCause: 'termEnd' }), day(60));
    expect(warning).toMatchObject({ to: 'Suspended', cause: 'termEnd', rebindSeats: true, endSeats: false });
    expect(warning?.change.nextLifecycleAt).toEqual(day(150));
    const suspended = dueTransition(subscription({ status: 'Suspended', nextLifecycleAt: day(150) }), day(150));
    expect(suspended).toMatchObject({ to: 'Deleted', rebindSeats: true, endSeats: true });
    expect(suspended?.change.nextLifecycleAt).toBeNull();
  });
});

describe('cancellation', () => {
  it('inside the window disables at once with a refund', () => {
    expect(isInCancellationWindow(subscription(), day(6.9))).toBe(true);
    const outcome = planCancellation(subscription(), day(3));
    expect(outcome.kind).toBe('disabledWithRefund');
    if (outcome.kind === 'disabledWithRefund') {
      expect(outcome.transition).toMatchObject({ to: 'Suspended', cause: 'cancelInWindow' });
      expect(outcome.transition.change).toMatchObject({ refundEligible: true, recurringBilling: false, cancelledAt: day(3), nextLifecycleAt: day(93) });
    }
  });

  it('outside the window stops recurring billing and runs to the term end', () => {
    expect(isInCancellationWindow(subscription(), day(7))).toBe(false);
    expect(planCancellation(subscription({ recurringBilling: true }), day(8))).toEqual({
      kind: 'runsToTermEnd',
      endsAt: day(30),
      change: { recurringBilling: false, cancelledAt: day(8), lifecycleCause: 'cancelOutsideWindow', nextLifecycleAt: day(30) },
    });
  });

  it('counts the window from the last renewal, and ends at once without a term end', () => {
    expect(isInCancellationWindow(subscription({ termStartAt: day(365) }), day(367))).toBe(true);
    expect(planCancellation(subscription({ termEndAt: null, nextLifecycleAt: null }), day(40))).toMatchObject({ kind: 'runsToTermEnd', endsAt: day(40) });
  });
});

describe('other plans', () => {
  it('extends a trial from its current end', () => {
    expect(planTrialExtension(subscription({ isTrial: true }), 30)).toEqual({ trialExtended: true, termEndAt: day(60), nextLifecycleAt: day(60) });
  });

  it('deletes explicitly and ends self-service purchases', () => {
    expect(planExplicitDelete(subscription(), day(3))).toMatchObject({ to: 'Deleted', cause: 'explicitDelete', endSeats: true });
    expect(planSelfServiceEnd(subscription(), day(3), 'takeOver')).toMatchObject({ to: 'Deleted', cause: 'takeOver' });
    expect(planSelfServiceEnd(subscription(), day(3), 'cancel')).toMatchObject({ to: 'Suspended', cause: 'selfServiceCancelled', endSeats: false });
  });

  it('gives an over-assignment 90 days', () => {
    expect(overAssignmentDeadline({ overAssignedSince: day(1) })).toEqual(day(91));
    expect(overAssignmentDeadline({ overAssignedSince: null })).toBeNull();
  });
});
