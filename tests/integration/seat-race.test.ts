import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLicensingTenant, MS, type LicensingTenant } from '../support/fixtures.js';
import { testEngine } from '../support/engine.js';
import { createTestApp, type TestApp } from '../support/test-app.js';

/**
 * Seat counts are invariants: concurrent assigning requests never push consumed above assignable.
 * On PostgreSQL these race real transactions over a pool; PGlite serialises them (and must still
 * be exact).
 */
let t: TestApp;

beforeAll(async () => {
  t = await createTestApp({ poolSize: 24 });
});
afterAll(async () => {
  await t.close();
});

const assign = (tenant: LicensingTenant, userId: string, body: { addLicenses: { skuId: string; disabledPlans: string[] }[]; removeLicenses: string[] }) =>
  t.inject({ method: 'POST', url: `/v1.0/users/${userId}/assignLicense`, tenant: tenant.tenantId, payload: body });

const consumed = async (tenant: LicensingTenant, skuId: string) =>
  (await t.services.subscriptions.listSubscribedSkus(tenant.context)).find((view) => view.sku.skuId === skuId);

describe(`seat races on ${testEngine()}`, () => {
  it('lets exactly 5 of 50 concurrent requests take the last 5 seats', async () => {
    // E3 from two subscriptions (20 + 5), 20 already assigned: the last 5 seats are contended.
    const tenant = await createLicensingTenant(t.services, { [MS.e3]: 20 });
    await t.services.subscriptions.recordSubscription(tenant.context, { skuId: MS.e3, totalLicenses: 5 });
    const holders = await Promise.all(Array.from({ length: 20 }, (_, index) => tenant.user(`holder${index}`)));
    for (const holder of holders) {
      expect((await assign(tenant, holder, { addLicenses: [{ skuId: MS.e3, disabledPlans: [] }], removeLicenses: [] })).statusCode).toBe(200);
    }
    const racers = await Promise.all(Array.from({ length: 50 }, (_, index) => tenant.user(`racer${index}`)));

    const responses = await Promise.all(racers.map((userId) => assign(tenant, userId, { addLicenses: [{ skuId: MS.e3, disabledPlans: [] }], removeLicenses: [] })));

    const statuses = responses.map((response) => response.statusCode);
    expect(statuses.filter((status) => status === 200)).toHaveLength(5);
    expect(statuses.filter((status) => status === 400)).toHaveLength(45);
    for (const response of responses.filter((candidate) => candidate.statusCode === 400)) {
      expect(response.json<{ error: { message: string } }>().error.message).toBe(`Subscription with SKU ${MS.e3} does not have any available licenses.`);
    }
    const sku = await consumed(tenant, MS.e3);
    expect(sku?.consumedUnits).toBe(25);
    expect(sku?.prepaidUnits.enabled).toBe(25);
    for (const subscription of sku?.subscriptions ?? []) {
      expect(subscription.consumedUnits).toBeLessThanOrEqual(subscription.totalLicenses);
    }
    expect(await t.services.subscriptions.verifyCounters(tenant.context)).toEqual({ mismatches: [] });
  });

  it('finishes concurrent opposite swaps (E3→E5 and E5→E3) without a server error', async () => {
    const tenant = await createLicensingTenant(t.services, { [MS.e3]: 30, [MS.e5]: 30 });
    const e3Users = await Promise.all(Array.from({ length: 12 }, (_, index) => tenant.user(`e3user${index}`)));
    const e5Users = await Promise.all(Array.from({ length: 12 }, (_, index) => tenant.user(`e5user${index}`)));
    for (const userId of e3Users) {
      await assign(tenant, userId, { addLicenses: [{ skuId: MS.e3, disabledPlans: [] }], removeLicenses: [] });
    }
    for (const userId of e5Users) {
      await assign(tenant, userId, { addLicenses: [{ skuId: MS.e5, disabledPlans: [] }], removeLicenses: [] });
    }

    const swaps = [
      ...e3Users.map((userId) => assign(tenant, userId, { addLicenses: [{ skuId: MS.e5, disabledPlans: [] }], removeLicenses: [MS.e3] })),
      ...e5Users.map((userId) => assign(tenant, userId, { addLicenses: [{ skuId: MS.e3, disabledPlans: [] }], removeLicenses: [MS.e5] })),
      // The same user swapping both ways at once: serialised on the user, each answer 200 or 400.
      ...e3Users.slice(0, 4).map((userId) => assign(tenant, userId, { addLicenses: [{ skuId: MS.e3, disabledPlans: [] }], removeLicenses: [MS.e5] })),
    ];
    const statuses = (await Promise.all(swaps)).map((response) => response.statusCode);

    expect(statuses.filter((status) => status >= 500)).toEqual([]);
    expect(statuses.slice(0, 24).every((status) => status === 200)).toBe(true);
    expect((await consumed(tenant, MS.e3))?.consumedUnits).toBeLessThanOrEqual(30);
    expect((await consumed(tenant, MS.e5))?.consumedUnits).toBeLessThanOrEqual(30);
    const total = ((await consumed(tenant, MS.e3))?.consumedUnits ?? 0) + ((await consumed(tenant, MS.e5))?.consumedUnits ?? 0);
    expect(total).toBe(24);
    expect(await t.services.subscriptions.verifyCounters(tenant.context)).toEqual({ mismatches: [] });
  });
});
