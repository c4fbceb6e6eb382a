import { describe, expect, it } from 'vitest';
import {
  ADMIN_POOL,
  allocateSeats,
  assignableUnits,
  capabilityStatus,
  drawsFromPool,
  freeSeats,
  otherPoolUnits,
  prepaidUnits,
  type SeatPool,
  type SubscriptionSeats,
} from './seats.js';

const day = (n: number): Date => new Date(Date.UTC(2025, 0, 1 + n));

const sub = (subscriptionId: string, totalLicenses: number, consumedUnits: number, extra: Partial<SubscriptionSeats> = {}): SubscriptionSeats => ({
  subscriptionId,
  skuId: 'sku-e3',
  totalLicenses,
  consumedUnits,
  status: 'Enabled',
  channel: 'admin',
  purchasedByUserId: null,
  createdAt: day(0),
  nextLifecycleAt: day(365),
  ...extra,
});

const selfService = (purchaserUserId: string): SeatPool => ({ kind: 'selfService', purchaserUserId });
const bought = (id: string, purchaser: string, total: number, consumed: number, extra: Partial<SubscriptionSeats> = {}): SubscriptionSeats =>
  sub(id, total, consumed, { channel: 'selfService', purchasedByUserId: purchaser, ...extra });

describe('allocateSeats', () => {
  it('draws from the subscription that ends first', () => {
    const subscriptions = [sub('a', 5, 0, { nextLifecycleAt: day(200) }), sub('b', 5, 0, { nextLifecycleAt: day(100) }), sub('c', 5, 0, { nextLifecycleAt: null })];
    expect(allocateSeats(subscriptions, ADMIN_POOL, 1)).toEqual(['b']);
    expect(allocateSeats(subscriptions, ADMIN_POOL, 12)).toEqual([...Array<string>(5).fill('b'), ...Array<string>(5).fill('a'), 'c', 'c']);
  });

  it('draws from a subscription without an end date last', () => {
    expect(allocateSeats([sub('a', 5, 0, { nextLifecycleAt: null }), sub('b', 5, 0, { nextLifecycleAt: day(900) })], ADMIN_POOL, 1)).toEqual(['b']);
  });

  it('breaks ties by the oldest subscription, then by id', () => {
    expect(allocateSeats([sub('a', 5, 0, { createdAt: day(10) }), sub('b', 5, 0, { createdAt: day(5) })], ADMIN_POOL, 1)).toEqual(['b']);
    expect(allocateSeats([sub('b', 5, 0), sub('a', 5, 0)], ADMIN_POOL, 1)).toEqual(['a']);
  });

  it('spreads seats over subscriptions in order, skipping full and over-assigned ones', () => {
    const subscriptions = [sub('a', 3, 1, { nextLifecycleAt: day(10) }), sub('b', 2, 4, { nextLifecycleAt: day(20) }), sub('c', 3, 3, { nextLifecycleAt: day(30) }), sub('d', 5, 0, { nextLifecycleAt: day(40) })];
    // Pool: 13 units, 8 consumed → 5 free; 'a' has 2, 'd' has 5.
    expect(allocateSeats(subscriptions, ADMIN_POOL, 3)).toEqual(['a', 'a', 'd']);
    expect(allocateSeats(subscriptions, ADMIN_POOL, 5)).toEqual(['a', 'a', 'd', 'd', 'd']);
    expect(allocateSeats(subscriptions, ADMIN_POOL, 6)).toBeUndefined();
  });

  it('skips Suspended, LockedOut and Deleted subscriptions and other pools', () => {
    const subscriptions = [
      sub('suspended', 5, 0, { status: 'Suspended', nextLifecycleAt: day(1) }),
      sub('locked', 5, 0, { status: 'LockedOut', nextLifecycleAt: day(1) }),
      sub('deleted', 5, 0, { status: 'Deleted', nextLifecycleAt: day(1) }),
      bought('bought', 'user-1', 5, 0, { nextLifecycleAt: day(1) }),
      sub('warning', 1, 0, { status: 'Warning', nextLifecycleAt: day(50) }),
      sub('enabled', 1, 0, { nextLifecycleAt: day(60) }),
    ];
    expect(allocateSeats(subscriptions, ADMIN_POOL, 2)).toEqual(['warning', 'enabled']);
    expect(allocateSeats(subscriptions, ADMIN_POOL, 3)).toBeUndefined();
    expect(allocateSeats(subscriptions, selfService('user-1'), 2)).toEqual(['bought', 'bought']);
    expect(allocateSeats(subscriptions, selfService('user-2'), 1)).toBeUndefined();
  });

  it('returns undefined rather than a partial allocation', () => {
    expect(allocateSeats([sub('a', 2, 1)], ADMIN_POOL, 2)).toBeUndefined();
    expect(allocateSeats([], ADMIN_POOL, 1)).toBeUndefined();
  });

  it('returns [] for zero seats, even from an empty or full pool', () => {
    expect(allocateSeats([sub('a', 2, 1)], ADMIN_POOL, 0)).toEqual([]);
    expect(allocateSeats([sub('a', 2, 2)], ADMIN_POOL, 0)).toEqual([]);
    expect(allocateSeats([], ADMIN_POOL, 0)).toEqual([]);
  });

  it('does not hand out seats that suspended subscriptions still owe', () => {
    // 3 users still sit on the suspended subscription: they will be rebound to 'b', so only 1 is free.
    const subscriptions = [sub('a', 5, 3, { status: 'Suspended' }), sub('b', 5, 1)];
    expect(allocateSeats(subscriptions, ADMIN_POOL, 1)).toEqual(['b']);
    expect(allocateSeats(subscriptions, ADMIN_POOL, 2)).toBeUndefined();
  });

  it('does not mutate its input', () => {
    const subscriptions = [sub('b', 5, 0), sub('a', 5, 0)];
    const copy = structuredClone(subscriptions);
    allocateSeats(subscriptions, ADMIN_POOL, 3);
    expect(subscriptions).toEqual(copy);
  });
});

describe('freeSeats', () => {
  it('sums total − consumed over the pool', () => {
    expect(freeSeats([sub('a', 5, 2), sub('b', 3, 0, { status: 'Warning' })], ADMIN_POOL)).toBe(6);
    expect(freeSeats([], ADMIN_POOL)).toBe(0);
  });

  it('counts an over-assigned subscription against the pool', () => {
    // 10 assignable units, 7 consumed: 3 free, although 'b' alone has 5 unused units.
    expect(freeSeats([sub('a', 5, 7), sub('b', 5, 0)], ADMIN_POOL)).toBe(3);
    expect(freeSeats([sub('a', 5, 12), sub('b', 5, 0)], ADMIN_POOL)).toBe(0);
  });

  it('counts seats bound to suspended, locked-out or deleted subscriptions against the pool', () => {
    expect(freeSeats([sub('a', 5, 3, { status: 'Suspended' }), sub('b', 5, 1)], ADMIN_POOL)).toBe(1);
    expect(freeSeats([sub('a', 5, 2, { status: 'LockedOut' }), sub('b', 5, 0)], ADMIN_POOL)).toBe(3);
    expect(freeSeats([sub('a', 5, 4, { status: 'Deleted' }), sub('b', 5, 0)], ADMIN_POOL)).toBe(1);
    expect(freeSeats([sub('a', 5, 9, { status: 'Suspended' }), sub('b', 5, 0)], ADMIN_POOL)).toBe(0);
    expect(freeSeats([sub('a', 5, 0, { status: 'Suspended' })], ADMIN_POOL)).toBe(0);
  });

  it('never lets the pool consume more than its assignable units', () => {
    const cases: SubscriptionSeats[][] = [
      [sub('a', 5, 7), sub('b', 5, 0)],
      [sub('a', 5, 3, { status: 'Suspended' }), sub('b', 5, 1)],
      [sub('a', 4, 4), sub('b', 2, 0, { status: 'Warning' }), sub('c', 9, 8, { status: 'Deleted' })],
      [sub('a', 0, 2), sub('b', 1, 0)],
    ];
    for (const subscriptions of cases) {
      const free = freeSeats(subscriptions, ADMIN_POOL);
      const consumed = subscriptions.reduce((sum, s) => sum + s.consumedUnits, 0);
      expect(free).toBeGreaterThanOrEqual(0);
      if (free > 0) {
        expect(consumed + free).toBeLessThanOrEqual(assignableUnits(subscriptions, ADMIN_POOL));
      }
      // Allocation agrees with the pool's number.
      expect(allocateSeats(subscriptions, ADMIN_POOL, free)).toHaveLength(free);
      expect(allocateSeats(subscriptions, ADMIN_POOL, free + 1)).toBeUndefined();
    }
  });

  it('keeps self-service purchases in their purchaser’s own pool', () => {
    const subscriptions = [sub('admin', 10, 2), bought('p1', 'user-1', 3, 1), bought('p1b', 'user-1', 2, 0, { status: 'Suspended' }), bought('p2', 'user-2', 2, 2)];
    expect(freeSeats(subscriptions, ADMIN_POOL)).toBe(8);
    expect(freeSeats(subscriptions, selfService('user-1'))).toBe(2);
    expect(freeSeats(subscriptions, selfService('user-2'))).toBe(0);
    expect(freeSeats(subscriptions, selfService('user-3'))).toBe(0);
    // A purchaser's seats held on a suspended purchase are owed by that purchaser only.
    const owed = [sub('admin', 10, 0), bought('p1', 'user-1', 3, 0), bought('old', 'user-1', 3, 2, { status: 'Suspended' })];
    expect(freeSeats(owed, selfService('user-1'))).toBe(1);
    expect(freeSeats(owed, ADMIN_POOL)).toBe(10);
  });

  it('assignableUnits and otherPoolUnits split the assignable units between pools', () => {
    const subscriptions = [
      sub('admin', 10, 2),
      sub('warn', 4, 0, { status: 'Warning' }),
      sub('gone', 7, 0, { status: 'Suspended' }),
      bought('p1', 'user-1', 3, 1),
      bought('p2', 'user-2', 2, 2),
      bought('p2-locked', 'user-2', 6, 0, { status: 'LockedOut' }),
    ];
    expect(assignableUnits(subscriptions, ADMIN_POOL)).toBe(14);
    expect(otherPoolUnits(subscriptions, ADMIN_POOL)).toBe(5);
    expect(assignableUnits(subscriptions, selfService('user-1'))).toBe(3);
    expect(otherPoolUnits(subscriptions, selfService('user-1'))).toBe(16);
    expect(assignableUnits(subscriptions, selfService('user-9'))).toBe(0);
  });

  it('drawsFromPool needs an assignable state and the same channel and purchaser', () => {
    expect(drawsFromPool(sub('a', 1, 0), ADMIN_POOL)).toBe(true);
    expect(drawsFromPool(sub('a', 1, 0, { status: 'Warning' }), ADMIN_POOL)).toBe(true);
    for (const status of ['Suspended', 'LockedOut', 'Deleted'] as const) {
      expect(drawsFromPool(sub('a', 1, 0, { status }), ADMIN_POOL)).toBe(false);
    }
    expect(drawsFromPool(bought('a', 'user-1', 1, 0), ADMIN_POOL)).toBe(false);
    expect(drawsFromPool(bought('a', 'user-1', 1, 0), selfService('user-1'))).toBe(true);
    expect(drawsFromPool(bought('a', 'user-1', 1, 0), selfService('user-2'))).toBe(false);
    expect(drawsFromPool(sub('a', 1, 0), selfService('user-1'))).toBe(false);
  });
});

describe('prepaidUnits', () => {
  it('buckets units by subscription state and leaves Deleted out', () => {
    const subscriptions = [
      sub('a', 5, 0),
      sub('b', 3, 0),
      bought('c', 'user-1', 1, 0),
      sub('d', 2, 0, { status: 'Warning' }),
      sub('e', 4, 0, { status: 'Suspended' }),
      sub('f', 6, 0, { status: 'LockedOut' }),
      sub('g', 7, 0, { status: 'Deleted' }),
    ];
    expect(prepaidUnits(subscriptions)).toEqual({ enabled: 9, warning: 2, suspended: 4, lockedOut: 6 });
    expect(prepaidUnits([])).toEqual({ enabled: 0, warning: 0, suspended: 0, lockedOut: 0 });
  });
});

describe('capabilityStatus', () => {
  it('is the best state any subscription is in', () => {
    expect(capabilityStatus([sub('a', 5, 0, { status: 'Suspended' }), sub('b', 5, 0)])).toBe('Enabled');
    expect(capabilityStatus([sub('a', 5, 0, { status: 'Suspended' }), sub('b', 5, 0, { status: 'Warning' })])).toBe('Warning');
    expect(capabilityStatus([sub('a', 5, 0, { status: 'LockedOut' }), sub('b', 5, 0, { status: 'Suspended' })])).toBe('Suspended');
    expect(capabilityStatus([sub('a', 5, 0, { status: 'Deleted' }), sub('b', 5, 0, { status: 'LockedOut' })])).toBe('LockedOut');
    expect(capabilityStatus([sub('a', 5, 0, { status: 'Deleted' })])).toBe('Deleted');
  });

  it('is Enabled only with at least one enabled unit', () => {
    expect(capabilityStatus([sub('a', 0, 0), sub('b', 5, 0, { status: 'Warning' })])).toBe('Warning');
    expect(capabilityStatus([sub('a', 0, 0), sub('b', 5, 0, { status: 'Suspended' })])).toBe('Suspended');
  });

  it('is Deleted for a SKU without subscriptions', () => {
    expect(capabilityStatus([])).toBe('Deleted');
  });
});
