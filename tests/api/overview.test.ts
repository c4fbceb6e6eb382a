import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DAY_MS } from '../../src/domain/clock.js';
import { createLicensingTenant, FLEET, MS, type LicensingTenant } from '../support/fixtures.js';
import { createTestApp, TEST_NOW, type TestApp } from '../support/test-app.js';

/** The Home page: seat usage per product and the "needs attention" list. */

interface OverviewBody {
  products: { skuId: string; assigned: number; available: number; total: number; lowSeatThreshold: number | null }[];
  needsAttention: ({ kind: string; skuId?: string; groupId?: string; subscriptionId?: string | null } & Record<string, unknown>)[];
}

let t: TestApp;
let tenant: LicensingTenant;
const inDays = (days: number) => new Date(TEST_NOW.getTime() + days * DAY_MS);

const overview = async () => {
  const response = await t.inject({ method: 'GET', url: '/admin/overview', tenant: tenant.tenantId });
  expect(response.statusCode, response.body).toBe(200);
  return response.json<OverviewBody>();
};

beforeAll(async () => {
  t = await createTestApp();
  tenant = await createLicensingTenant(t.services, { [MS.e3]: 10, [FLEET.premium]: 1 });
});
afterAll(async () => {
  await t.close();
});

describe('overview', () => {
  it('sums seat usage per product over its subscriptions', async () => {
    const users = await Promise.all(['a', 'b', 'c'].map((name) => tenant.user(name)));
    await t.inject({ method: 'POST', url: `/admin/licenses/${MS.e3}/assign`, tenant: tenant.tenantId, payload: { userIds: users } });
    await t.services.subscriptions.recordSubscription(tenant.context, { skuId: MS.e3, totalLicenses: 5 });
    const e3 = (await overview()).products.find((product) => product.skuId === MS.e3);
    expect(e3).toEqual({ skuId: MS.e3, skuPartNumber: 'ENTERPRISEPACK', displayName: expect.any(String) as string, assigned: 3, available: 12, total: 15, lowSeatThreshold: null, subscriptions: expect.any(Array) as unknown[] });
  });

  it('lists low seats, nearly full and over-assigned products, expiring subscriptions, ending trials and groups in error', async () => {
    // Fleet Standard ×5: 4 assigned (80 %) and a threshold of 1 free seat.
    const fleetUsers = await Promise.all(['f1', 'f2', 'f3', 'f4'].map((name) => tenant.user(name)));
    await t.inject({ method: 'POST', url: `/admin/licenses/${FLEET.standard}/assign`, tenant: tenant.tenantId, payload: { userIds: fleetUsers } });
    expect((await overview()).needsAttention.filter((item) => item.skuId === FLEET.standard)).toEqual([]);
    await t.inject({ method: 'PATCH', url: `/admin/products/${FLEET.standard}/settings`, tenant: tenant.tenantId, payload: { lowSeatThreshold: 1 } });
    expect((await overview()).needsAttention.filter((item) => item.skuId === FLEET.standard)).toEqual([{ kind: 'lowSeats', skuId: FLEET.standard, displayName: expect.any(String) as string, available: 1, threshold: 1 }]);

    // E5 ×1, fully assigned: nearly full; then a billing system takes its license away: over-assigned.
    const e5User = await tenant.user('e5');
    await t.inject({ method: 'POST', url: `/admin/licenses/${MS.e5}/assign`, tenant: tenant.tenantId, payload: { userIds: [e5User] } });
    expect((await overview()).needsAttention.filter((item) => item.skuId === MS.e5).map((item) => item.kind)).toEqual(['nearlyFull']);
    const e5 = (await t.services.subscriptions.listSubscriptions(tenant.context)).find((view) => view.subscription.skuId === MS.e5)?.subscription;
    await t.services.subscriptions.changeLicenseCount(tenant.context, e5?.subscriptionId ?? '', -1, { billingSystem: true });
    const overAssigned = (await overview()).needsAttention.filter((item) => item.skuId === MS.e5);
    expect(overAssigned).toContainEqual({ kind: 'overAssigned', skuId: MS.e5, displayName: expect.any(String) as string, overAssignedBy: 1, subscriptionId: e5?.subscriptionId, deadlineDateTime: inDays(90).toISOString() });

    // A subscription ending in 20 days without renewal, one renewing, a trial ending in 10 days.
    const ending = await t.services.subscriptions.recordSubscription(tenant.context, { skuId: MS.audioConferencing, totalLicenses: 2, recurringBilling: false, termEndAt: inDays(20) });
    await t.services.subscriptions.recordSubscription(tenant.context, { skuId: MS.audioConferencing, totalLicenses: 2, recurringBilling: true, termEndAt: inDays(20) });
    const trial = await t.services.subscriptions.recordSubscription(tenant.context, { skuId: MS.powerBiPro, totalLicenses: 5, isTrial: true, termEndAt: inDays(10) });

    // A group whose two members cannot both get Fleet Premium's one seat.
    const members = await Promise.all(['g1', 'g2'].map((name) => tenant.user(name)));
    const group = await t.services.groups.createGroup(
      tenant.context,
      { displayName: 'Short of seats', mailNickname: 'short', mailEnabled: false, securityEnabled: true },
      members.map((id) => `https://graph.microsoft.com/v1.0/directoryObjects/${id}`),
    );

    const items = (await overview()).needsAttention;
    expect(items.filter((item) => item.kind === 'subscriptionExpiring')).toEqual([
      { kind: 'subscriptionExpiring', skuId: MS.audioConferencing, displayName: expect.any(String) as string, subscriptionId: ending.subscriptionId, status: 'Enabled', endDateTime: inDays(20).toISOString() },
    ]);
    expect(items.filter((item) => item.kind === 'trialEnding')).toEqual([
      { kind: 'trialEnding', skuId: MS.powerBiPro, displayName: expect.any(String) as string, subscriptionId: trial.subscriptionId, endDateTime: inDays(10).toISOString() },
    ]);
    expect(items.filter((item) => item.kind === 'groupLicenseErrors')).toEqual([]);
    await t.services.groupLicensing.assignLicense(tenant.context, group.group.groupId, { add: [{ skuId: FLEET.premium, disabledPlans: [] }], remove: [] });
    expect((await overview()).needsAttention.filter((item) => item.kind === 'groupLicenseErrors')).toEqual([
      { kind: 'groupLicenseErrors', groupId: group.group.groupId, displayName: 'Short of seats', usersInError: 1 },
    ]);
  });

  it('is for license readers', async () => {
    const { headers } = await t.adminHeaders(tenant.tenantId, ['Guest Inviter']);
    expect((await t.inject({ method: 'GET', url: '/admin/overview', tenant: tenant.tenantId, headers })).statusCode).toBe(403);
  });
});
