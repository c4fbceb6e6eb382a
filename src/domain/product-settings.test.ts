import { describe, expect, it } from 'vitest';
import { DAY_MS } from './clock.js';
import { actionsForPatch, applySettingsPatch, attentionItems, defaultProductSettings, lowSeatTransition, selfServicePurchaseRefusal, settingsChanges, type ProductUsage } from './product-settings.js';
import type { SubscriptionRecord } from './seats.js';

const NOW = new Date('2026-11-01T09:00:00Z');
const inDays = (days: number) => new Date(NOW.getTime() + days * DAY_MS);

const subscription = (overrides: Partial<SubscriptionRecord> = {}): SubscriptionRecord => ({
  subscriptionId: 's1',
  commerceSubscriptionId: 'c1',
  skuId: 'sku',
  totalLicenses: 10,
  consumedUnits: 0,
  status: 'Enabled',
  channel: 'admin',
  purchasedByUserId: null,
  createdAt: inDays(-100),
  nextLifecycleAt: null,
  isTrial: false,
  termStartAt: inDays(-100),
  termEndAt: null,
  recurringBilling: true,
  cancellationWindowDays: 7,
  warningDays: 30,
  suspendedDays: 90,
  trialExtended: false,
  refundEligible: false,
  cancelledAt: null,
  statusChangedAt: inDays(-100),
  lifecycleCause: null,
  overAssignedSince: null,
  ...overrides,
});

const product = (overrides: Partial<ProductUsage> = {}): ProductUsage => ({
  skuId: 'sku',
  skuPartNumber: 'SKU',
  displayName: 'Product',
  assigned: 1,
  available: 9,
  total: 10,
  lowSeatThreshold: null,
  subscriptions: [subscription({ consumedUnits: 1 })],
  ...overrides,
});

describe('self-service purchase policy', () => {
  it('allows everything, trials only, or nothing', () => {
    expect(selfServicePurchaseRefusal('allow', false)).toBeUndefined();
    expect(selfServicePurchaseRefusal('trialsOnly', true)).toBeUndefined();
    expect(selfServicePurchaseRefusal('trialsOnly', false)).toMatch(/trials only/);
    expect(selfServicePurchaseRefusal('deny', true)).toMatch(/turned off/);
    expect(selfServicePurchaseRefusal('deny', false)).toMatch(/turned off/);
  });

  it('defaults new products to allow', () => {
    expect(defaultProductSettings('x').selfServicePolicy).toBe('allow');
  });
});

describe('settings patch', () => {
  it('needs the policy action only when the policy is sent', () => {
    expect(actionsForPatch({ selfServicePolicy: 'deny' })).toEqual(['selfService.policy']);
    expect(actionsForPatch({ inactivityDays: 60, lowSeatThreshold: null })).toEqual(['subscriptions.manage']);
    expect(actionsForPatch({ selfServicePolicy: 'allow', currency: 'EUR' })).toEqual(['selfService.policy', 'subscriptions.manage']);
    expect(actionsForPatch({})).toEqual([]);
  });

  it('refuses a price without a currency and closes the open alert when the threshold changes', () => {
    const before = { ...defaultProductSettings('x'), lowSeatThreshold: 3, lowSeatAlertedAt: NOW };
    expect(applySettingsPatch(before, { monthlyPrice: 5 })).toEqual({ problem: 'A monthlyPrice needs a currency (an ISO 4217 code such as EUR).' });
    const result = applySettingsPatch(before, { lowSeatThreshold: 1 });
    expect('after' in result && result.after).toMatchObject({ lowSeatThreshold: 1, lowSeatAlertedAt: null });
    const unchanged = applySettingsPatch(before, { lowSeatThreshold: 3 });
    expect('after' in unchanged && unchanged.after.lowSeatAlertedAt).toEqual(NOW);
    expect('after' in unchanged && settingsChanges(before, unchanged.after)).toEqual([]);
  });
});

describe('low-seat alerts', () => {
  it('alerts once at or below the threshold and clears above it', () => {
    expect(lowSeatTransition({ lowSeatThreshold: 2, lowSeatAlertedAt: null }, 3)).toBe('none');
    expect(lowSeatTransition({ lowSeatThreshold: 2, lowSeatAlertedAt: null }, 2)).toBe('alert');
    expect(lowSeatTransition({ lowSeatThreshold: 2, lowSeatAlertedAt: NOW }, 0)).toBe('none');
    expect(lowSeatTransition({ lowSeatThreshold: 2, lowSeatAlertedAt: NOW }, 3)).toBe('clear');
    expect(lowSeatTransition({ lowSeatThreshold: null, lowSeatAlertedAt: NOW }, 0)).toBe('clear');
    expect(lowSeatTransition({ lowSeatThreshold: null, lowSeatAlertedAt: null }, 0)).toBe('none');
  });
});

describe('needs attention', () => {
  it('lists low seats before nearly full, and a healthy product not at all', () => {
    expect(attentionItems([product()], [], NOW)).toEqual([]);
    expect(attentionItems([product({ assigned: 9, available: 1, lowSeatThreshold: 1 })], [], NOW).map((item) => item.kind)).toEqual(['lowSeats']);
    expect(attentionItems([product({ assigned: 9, available: 1 })], [], NOW).map((item) => item.kind)).toEqual(['nearlyFull']);
  });

  it('gives an over-assigned subscription its deadline 90 days on', () => {
    const items = attentionItems([product({ assigned: 12, total: 10, available: 0, subscriptions: [subscription({ consumedUnits: 12, overAssignedSince: inDays(-10) })] })], [], NOW);
    expect(items).toContainEqual({ kind: 'overAssigned', skuId: 'sku', displayName: 'Product', overAssignedBy: 2, subscriptionId: 's1', deadline: inDays(80) });
  });

  it('lists subscriptions ending without renewal within 30 days, lapsing ones, and trials ending within 14 days', () => {
    const items = attentionItems(
      [
        product({
          subscriptions: [
            subscription({ subscriptionId: 'ends', recurringBilling: false, termEndAt: inDays(20), nextLifecycleAt: inDays(20) }),
            subscription({ subscriptionId: 'later', recurringBilling: false, termEndAt: inDays(40), nextLifecycleAt: inDays(40) }),
            subscription({ subscriptionId: 'renews', recurringBilling: true, termEndAt: inDays(5), nextLifecycleAt: inDays(5) }),
            subscription({ subscriptionId: 'warning', status: 'Warning', nextLifecycleAt: inDays(25) }),
            subscription({ subscriptionId: 'trial', isTrial: true, recurringBilling: false, nextLifecycleAt: inDays(10) }),
            subscription({ subscriptionId: 'long-trial', isTrial: true, recurringBilling: false, nextLifecycleAt: inDays(20) }),
            subscription({ subscriptionId: 'gone', status: 'Deleted', recurringBilling: false, nextLifecycleAt: inDays(1) }),
          ],
        }),
      ],
      [{ groupId: 'g', displayName: 'Sales', usersInError: 3 }],
      NOW,
    );
    expect(items.map((item) => [item.kind, 'subscriptionId' in item ? item.subscriptionId : 'groupId' in item ? item.groupId : null])).toEqual([
      ['subscriptionExpiring', 'ends'],
      ['subscriptionExpiring', 'warning'],
      ['trialEnding', 'trial'],
      ['groupLicenseErrors', 'g'],
    ]);
  });
});
