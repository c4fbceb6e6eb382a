import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createLicensingTenant, EXTRA, FLEET, licensingSnapshot, MS, type LicensingTenant } from '../support/fixtures.js';
import { createTestApp, type TestApp } from '../support/test-app.js';

/**
 * Every rule of direct assignment (issue #2 §5) over HTTP: status, Graph code and message, and the
 * database unchanged after a refusal.
 */
let t: TestApp;
let tenant: LicensingTenant;

beforeAll(async () => {
  t = await createTestApp();
});
afterAll(async () => {
  await t.close();
});
beforeEach(async () => {
  tenant = await createLicensingTenant(t.services);
});

interface Body {
  addLicenses?: unknown;
  removeLicenses?: unknown;
}

const assign = (userId: string, body: Body) =>
  t.inject({ method: 'POST', url: `/v1.0/users/${userId}/assignLicense`, tenant: tenant.tenantId, payload: body });

const add = (skuId: string, disabledPlans: string[] = []) => ({ skuId, disabledPlans });

/** Sends a request that must be refused and checks that nothing changed. */
async function expectRefused(userId: string, body: Body, status: number, code: string, message: string | RegExp) {
  const before = await licensingSnapshot(t.handle.db, tenant.tenantId);
  const response = await assign(userId, body);
  expect(response.statusCode).toBe(status);
  const error = response.json<{ error: { code: string; message: string; details?: { code: string; message: string }[]; innerError: Record<string, string> } }>().error;
  expect(error.code).toBe(code);
  if (typeof message === 'string') {
    expect(error.message).toBe(message);
  } else {
    expect(error.message).toMatch(message);
  }
  expect(error.innerError['request-id']).toBe(response.headers['request-id']);
  expect(await licensingSnapshot(t.handle.db, tenant.tenantId)).toEqual(before);
  return error;
}

describe('request shape', () => {
  it('requires addLicenses, with Graph’s missing-parameter message', async () => {
    const user = await tenant.user('shape1');
    await expectRefused(user, { removeLicenses: [] }, 400, 'Request_BadRequest', "One or more parameters of the operation 'assignLicense' are missing from the request payload. The missing parameters are: addLicenses.");
  });

  it('requires removeLicenses, with Graph’s missing-parameter message', async () => {
    const user = await tenant.user('shape2');
    await expectRefused(user, { addLicenses: [add(MS.e3)] }, 400, 'Request_BadRequest', "One or more parameters of the operation 'assignLicense' are missing from the request payload. The missing parameters are: removeLicenses.");
  });

  it('refuses a skuId that is not a GUID', async () => {
    const user = await tenant.user('shape3');
    await expectRefused(user, { addLicenses: [add('not-a-guid')], removeLicenses: [] }, 400, 'Request_BadRequest', "Cannot convert the literal 'not-a-guid' to the expected type 'Edm.Guid'.");
  });

  it('refuses the same SKU twice in addLicenses and a SKU both added and removed', async () => {
    const user = await tenant.user('shape4');
    await expectRefused(user, { addLicenses: [add(MS.e3), add(MS.e3)], removeLicenses: [] }, 400, 'Request_BadRequest', `License ${MS.e3} appears more than once in addLicenses.`);
    await expectRefused(user, { addLicenses: [add(MS.e3)], removeLicenses: [MS.e3] }, 400, 'Request_BadRequest', `License ${MS.e3} cannot be both added and removed in one request.`);
  });

  it('answers 404 for an unknown user', async () => {
    const response = await assign('11111111-2222-4333-8444-555555555555', { addLicenses: [add(MS.e3)], removeLicenses: [] });
    expect(response.statusCode).toBe(404);
    expect(response.json<{ error: { code: string } }>().error.code).toBe('Request_ResourceNotFound');
  });
});

describe('products', () => {
  it('refuses a SKU the organization has no subscription for', async () => {
    const user = await tenant.user('sku1');
    await expectRefused(user, { addLicenses: [add(EXTRA.unknown)], removeLicenses: [] }, 400, 'Request_BadRequest', `License ${EXTRA.unknown} does not correspond to a valid company License.`);
    // A real Microsoft product the tenant does not own is not a company license either.
    await expectRefused(user, { addLicenses: [add(MS.powerBiPro)], removeLicenses: [] }, 400, 'Request_BadRequest', `License ${MS.powerBiPro} does not correspond to a valid company License.`);
  });

  it('refuses a tenant-wide (appliesTo Company) SKU', async () => {
    const user = await tenant.user('sku2');
    const error = await expectRefused(user, { addLicenses: [add(EXTRA.site)], removeLicenses: [] }, 400, 'Request_BadRequest', `License ${EXTRA.site} cannot be assigned to a user.`);
    expect(error.details?.[0]?.message).toContain('Fabrikam Site License');
  });

  it('refuses disabledPlans that are not in the SKU', async () => {
    const user = await tenant.user('sku3');
    const error = await expectRefused(user, { addLicenses: [add(MS.e3, [FLEET.planStandard])], removeLicenses: [] }, 400, 'Request_BadRequest', `License assignment failed because service plan(s) ${FLEET.planStandard} do not belong to license ${MS.e3}.`);
    expect(error.details?.[0]?.message).toContain('Fleet tracking (Standard)');
  });
});

describe('usage location', () => {
  it('is required for a direct assignment', async () => {
    const user = await tenant.user('loc1', null);
    const error = await expectRefused(user, { addLicenses: [add(MS.e3)], removeLicenses: [] }, 400, 'Request_BadRequest', 'License assignment cannot be done for user with invalid usage location.');
    expect(error.details?.[0]?.code).toBe('InvalidUsageLocation');
  });

  it('refuses a plan prohibited in the user’s location, and accepts it with that plan off', async () => {
    const user = await tenant.user('loc2', 'CU');
    const error = await expectRefused(user, { addLicenses: [add(EXTRA.restricted)], removeLicenses: [] }, 400, 'Request_BadRequest', 'License assignment cannot be done for user with invalid usage location.');
    expect(error.details?.[0]?.code).toBe('ProhibitedInUsageLocationViolation');
    expect(error.details?.[0]?.message).toContain('Export tools (EXPORT_TOOLS) may not be used in CU');
    expect((await assign(user, { addLicenses: [add(EXTRA.restricted, [EXTRA.planRestricted])], removeLicenses: [] })).statusCode).toBe(200);
  });
});

describe('seats', () => {
  it('never assigns more than the assignable units', async () => {
    const users = await Promise.all(['seat1', 'seat2'].map((alias) => tenant.user(alias)));
    expect((await assign(users[0]!, { addLicenses: [add(MS.e5)], removeLicenses: [] })).statusCode).toBe(200);
    const error = await expectRefused(users[1]!, { addLicenses: [add(MS.e5)], removeLicenses: [] }, 400, 'Request_BadRequest', `Subscription with SKU ${MS.e5} does not have any available licenses.`);
    expect(error.details?.[0]).toMatchObject({ code: 'CountViolation' });
    expect(error.details?.[0]?.message).toContain('Office 365 E5 has 0 available licenses');
  });

  it('consumes one seat per SKU: re-adding a held SKU changes its disabledPlans only', async () => {
    const user = await tenant.user('seat3');
    await assign(user, { addLicenses: [add(MS.e5)], removeLicenses: [] });
    const response = await assign(user, { addLicenses: [add(MS.e5, [MS.planTeams])], removeLicenses: [] });
    expect(response.statusCode).toBe(200);
    const body = response.json<{ assignedLicenses: { skuId: string; disabledPlans: string[] }[]; assignedPlans: { servicePlanId: string }[] }>();
    expect(body.assignedLicenses).toEqual([{ skuId: MS.e5, disabledPlans: [MS.planTeams] }]);
    expect(body.assignedPlans.map((plan) => plan.servicePlanId)).not.toContain(MS.planTeams);
    // Switching it back on: disabledPlans [] enables every service.
    const again = await assign(user, { addLicenses: [add(MS.e5)], removeLicenses: [] });
    expect(again.json<{ assignedLicenses: unknown[] }>().assignedLicenses).toEqual([{ skuId: MS.e5, disabledPlans: [] }]);
    const skus = await t.services.subscriptions.listSubscribedSkus(tenant.context);
    expect(skus.find((view) => view.sku.skuId === MS.e5)?.consumedUnits).toBe(1);
  });

  it('swaps one SKU for another atomically with one free seat each', async () => {
    const user = await tenant.user('swap1');
    await assign(user, { addLicenses: [add(MS.e3)], removeLicenses: [] });
    const response = await assign(user, { addLicenses: [add(MS.e5)], removeLicenses: [MS.e3] });
    expect(response.statusCode).toBe(200);
    expect(response.json<{ assignedLicenses: { skuId: string }[] }>().assignedLicenses.map((license) => license.skuId)).toEqual([MS.e5]);
    const counters = new Map((await t.services.subscriptions.listSubscribedSkus(tenant.context)).map((view) => [view.sku.skuId, view.consumedUnits]));
    expect(counters.get(MS.e3)).toBe(0);
    expect(counters.get(MS.e5)).toBe(1);
    // A failing part fails the whole request: the E3 seat is not freed when E5 is out of seats.
    const other = await tenant.user('swap2');
    await assign(other, { addLicenses: [add(MS.e3)], removeLicenses: [] });
    await expectRefused(other, { addLicenses: [add(MS.e5)], removeLicenses: [MS.e3] }, 400, 'Request_BadRequest', `Subscription with SKU ${MS.e5} does not have any available licenses.`);
  });

  it('tells an admin that a self-service purchase must be taken over', async () => {
    const buyer = await tenant.user('buyer');
    await t.services.subscriptions.recordSubscription(tenant.context, { skuId: MS.powerBiPro, totalLicenses: 3, channel: 'selfService', purchasedByUserId: buyer });
    const user = await tenant.user('selfservice1');
    const error = await expectRefused(user, { addLicenses: [add(MS.powerBiPro)], removeLicenses: [] }, 400, 'Request_BadRequest', `Subscription with SKU ${MS.powerBiPro} does not have any available licenses.`);
    expect(error.details?.[0]?.code).toBe('SelfServiceSubscription');
    expect(error.details?.[0]?.message).toContain('take over the subscription');
  });

  it('leaves licenses assigned from a self-service purchase to their purchaser', async () => {
    const buyer = await tenant.user('buyer2');
    await t.services.subscriptions.recordSubscription(tenant.context, { skuId: MS.powerBiPro, totalLicenses: 3, channel: 'selfService', purchasedByUserId: buyer });
    const colleague = await tenant.user('colleague');
    await t.services.licensing.assignLicense(tenant.context, { userKey: colleague, add: [{ skuId: MS.powerBiPro, disabledPlans: [] }], remove: [], pool: { kind: 'selfService', purchaserUserId: buyer } });
    const message = `License ${MS.powerBiPro} was assigned from a self-service purchase and cannot be changed by an administrator.`;
    const error = await expectRefused(colleague, { addLicenses: [], removeLicenses: [MS.powerBiPro] }, 400, 'Request_BadRequest', message);
    expect(error.details?.[0]?.code).toBe('SelfServiceSubscription');
    await expectRefused(colleague, { addLicenses: [add(MS.powerBiPro, [])], removeLicenses: [] }, 400, 'Request_BadRequest', message);
  });
});

describe('rules between service plans', () => {
  it('refuses mutually exclusive plans across the user’s licenses', async () => {
    const user = await tenant.user('excl1');
    await assign(user, { addLicenses: [add(FLEET.standard)], removeLicenses: [] });
    const error = await expectRefused(
      user,
      { addLicenses: [add(FLEET.premium)], removeLicenses: [] },
      400,
      'Request_BadRequest',
      /^License assignment failed because service plans [0-9a-f-]{36}, [0-9a-f-]{36} are mutually exclusive\.$/,
    );
    expect(error.message).toContain(FLEET.planStandard);
    expect(error.message).toContain(FLEET.planPremium);
    expect(error.details?.[0]?.message).toContain("You can't assign licenses that contain these conflicting services");
    // With the conflicting service off, both fit.
    expect((await assign(user, { addLicenses: [add(FLEET.premium, [FLEET.planPremium, FLEET.planAnalytics])], removeLicenses: [] })).statusCode).toBe(200);
  });

  it('refuses a plan whose prerequisite is missing, unless the same request adds it', async () => {
    const user = await tenant.user('dep1');
    await expectRefused(
      user,
      { addLicenses: [add(FLEET.premium, [FLEET.planPremium])], removeLicenses: [] },
      400,
      'Request_BadRequest',
      `License assignment failed because service plan ${FLEET.planAnalytics} depends on the service plan(s) ${FLEET.planPremium}`,
    );
    const audio = await tenant.user('dep2');
    const error = await expectRefused(
      audio,
      { addLicenses: [add(MS.audioConferencing)], removeLicenses: [] },
      400,
      'Request_BadRequest',
      new RegExp(`^License assignment failed because service plan ${MS.planMcoMeetAdv} depends on the service plan\\(s\\) `),
    );
    expect(error.details?.[0]?.message).toContain('Office 365 E3');
    expect((await assign(audio, { addLicenses: [add(MS.audioConferencing), add(MS.e3)], removeLicenses: [] })).statusCode).toBe(200);
  });

  it('refuses disabling or removing a plan another enabled plan needs', async () => {
    const user = await tenant.user('dep3');
    expect((await assign(user, { addLicenses: [add(MS.e3), add(MS.audioConferencing)], removeLicenses: [] })).statusCode).toBe(200);
    const removal = `License assignment failed because service plan ${MS.planMcoMeetAdv} depends on the service plan(s) `;
    await expectRefused(user, { addLicenses: [], removeLicenses: [MS.e3] }, 400, 'Request_BadRequest', new RegExp(`^${removal.replace(/[()]/g, '\\$&')}`));
    await expectRefused(user, { addLicenses: [add(MS.e3, [MS.planMcoStandard, MS.planTeams])], removeLicenses: [] }, 400, 'Request_BadRequest', new RegExp(`^${removal.replace(/[()]/g, '\\$&')}`));
    const premium = await tenant.user('dep4');
    await assign(premium, { addLicenses: [add(FLEET.premium)], removeLicenses: [] });
    await expectRefused(premium, { addLicenses: [add(FLEET.premium, [FLEET.planPremium])], removeLicenses: [] }, 400, 'Request_BadRequest', `License assignment failed because service plan ${FLEET.planAnalytics} depends on the service plan(s) ${FLEET.planPremium}`);
  });
});

describe('removal', () => {
  it('refuses removing a SKU the user does not hold', async () => {
    const user = await tenant.user('rm1');
    const error = await expectRefused(user, { addLicenses: [], removeLicenses: [MS.e3] }, 400, 'Request_BadRequest', `User does not have a corresponding license for ${MS.e3}.`);
    expect(error.details?.[0]?.code).toBe('LicenseNotAssigned');
  });

  it('removes a direct license, frees its seat and records history and audit', async () => {
    const user = await tenant.user('rm2');
    await assign(user, { addLicenses: [add(MS.e3)], removeLicenses: [] });
    const response = await assign(user, { addLicenses: [], removeLicenses: [MS.e3] });
    expect(response.statusCode).toBe(200);
    expect(response.json<{ assignedLicenses: unknown[] }>().assignedLicenses).toEqual([]);
    const history = await t.handle.db.selectFrom('assignment_history').select(['valid_from', 'valid_to']).where('tenant_id', '=', tenant.tenantId).where('user_id', '=', user).execute();
    expect(history).toHaveLength(1);
    expect(history[0]?.valid_to).not.toBeNull();
    const audit = await t.handle.db.selectFrom('audit_log').select(['activity']).where('tenant_id', '=', tenant.tenantId).where('target_id', '=', user).where('activity', '=', 'Change user license').execute();
    expect(audit).toHaveLength(2);
    expect(await t.services.subscriptions.verifyCounters(tenant.context)).toEqual({ mismatches: [] });
  });
});

describe('the user object', () => {
  it('carries assignedLicenses, assignedPlans and licenseAssignmentStates; licenseDetails lists the SKU', async () => {
    const user = await tenant.user('shape5');
    const response = await assign(user, { addLicenses: [add(MS.e3, [MS.planTeams])], removeLicenses: [] });
    const body = response.json<Record<string, unknown> & { licenseAssignmentStates: Record<string, unknown>[]; assignedPlans: { service: string; servicePlanId: string; capabilityStatus: string }[] }>();
    expect(body['@odata.context']).toBe('https://allot.test/v1.0/$metadata#users/$entity');
    expect(body.licenseAssignmentStates).toEqual([
      { assignedByGroup: null, disabledPlans: [MS.planTeams], error: 'None', lastUpdatedDateTime: '2026-11-01T09:00:00Z', skuId: MS.e3, state: 'Active' },
    ]);
    expect(body.assignedPlans).toContainEqual({ assignedDateTime: '2026-11-01T09:00:00Z', capabilityStatus: 'Enabled', service: 'exchange', servicePlanId: MS.planExchangeEnterprise });
    const details = await t.inject({ method: 'GET', url: `/v1.0/users/${user}/licenseDetails`, tenant: tenant.tenantId });
    const [detail] = details.json<{ value: { skuId: string; skuPartNumber: string; servicePlans: { servicePlanId: string; provisioningStatus: string }[] }[] }>().value;
    expect(detail?.skuPartNumber).toBe('ENTERPRISEPACK');
    expect(detail?.servicePlans.find((plan) => plan.servicePlanId === MS.planTeams)?.provisioningStatus).toBe('Disabled');
    expect(detail?.servicePlans.find((plan) => plan.servicePlanId === MS.planExchangeEnterprise)?.provisioningStatus).toBe('Success');
  });
});
