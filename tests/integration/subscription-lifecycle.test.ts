import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DAY_MS } from '../../src/domain/clock.js';
import { createJobRunner, type JobReport } from '../../src/services/jobs/job-runner.js';
import { lifecycleJobs } from '../../src/services/jobs/index.js';
import { testEngine } from '../support/engine.js';
import { createLicensingTenant, licensingSnapshot, MS, type LicensingTenant } from '../support/fixtures.js';
import { expectGraphError } from '../support/graph-error.js';
import { createTestApp, TEST_NOW, type TestApp } from '../support/test-app.js';

/**
 * A subscription walked through its lifecycle by the scheduler on a moving clock: what admins may
 * assign and what users can use at each state, and what happens to seats when units go away.
 */
let t: TestApp;

beforeAll(async () => {
  t = await createTestApp();
});
afterAll(async () => {
  await t.close();
});

const SKU = MS.powerBiPro;
const day = (days: number) => new Date(TEST_NOW.getTime() + days * DAY_MS);

const tick = async (at: Date): Promise<JobReport[]> => {
  t.clock.set(at);
  const runner = createJobRunner({ db: t.handle.db, clock: t.clock, jobs: lifecycleJobs(t.deps), intervalMs: 60_000 });
  return runner.runOnce(at);
};

const call = (tenant: LicensingTenant, method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: object, headers?: Record<string, string>) =>
  t.inject({ method, url, tenant: tenant.tenantId, ...(payload === undefined ? {} : { payload }), ...(headers === undefined ? {} : { headers }) });

const assign = (tenant: LicensingTenant, userId: string, skuId = SKU) => call(tenant, 'POST', `/v1.0/users/${userId}/assignLicense`, { addLicenses: [{ skuId, disabledPlans: [] }], removeLicenses: [] });

const subscription = async (tenant: LicensingTenant, id: string) => (await call(tenant, 'GET', `/admin/subscriptions/${id}`)).json<Record<string, unknown>>();

const record = async (tenant: LicensingTenant, body: Record<string, unknown>): Promise<string> => {
  t.clock.set(TEST_NOW);
  const response = await call(tenant, 'POST', '/admin/subscriptions', { skuId: SKU, ...body });
  expect(response.statusCode, response.body).toBe(201);
  return response.json<{ id: string }>().id;
};

const userLicenses = async (tenant: LicensingTenant, userId: string) => {
  const user = (await call(tenant, 'GET', `/v1.0/users/${userId}?$select=assignedLicenses,assignedPlans,licenseAssignmentStates`)).json<{
    assignedLicenses: { skuId: string }[];
    assignedPlans: { capabilityStatus: string }[];
    licenseAssignmentStates: { assignedByGroup: string | null; state: string; error: string }[];
  }>();
  const details = (await call(tenant, 'GET', `/v1.0/users/${userId}/licenseDetails`)).json<{ value: { servicePlans: { provisioningStatus: string }[] }[] }>();
  return { ...user, provisioning: details.value.flatMap((license) => license.servicePlans.map((plan) => plan.provisioningStatus)) };
};

const prepaid = async (tenant: LicensingTenant) => {
  const skus = (await call(tenant, 'GET', '/v1.0/subscribedSkus')).json<{ value: { skuId: string; prepaidUnits: Record<string, number>; capabilityStatus: string; consumedUnits: number }[] }>();
  return skus.value.find((sku) => sku.skuId === SKU);
};

const counters = async (tenant: LicensingTenant) => (await t.services.subscriptions.verifyCounters(tenant.context)).mismatches;

const licensedGroup = async (tenant: LicensingTenant, members: string[]): Promise<string> => {
  const created = await call(tenant, 'POST', '/v1.0/groups', {
    displayName: 'Analysts',
    mailEnabled: false,
    mailNickname: `analysts${Math.random().toString(36).slice(2, 8)}`,
    securityEnabled: true,
    'members@odata.bind': members.map((id) => `https://graph.microsoft.com/v1.0/directoryObjects/${id}`),
  });
  expect(created.statusCode, created.body).toBe(201);
  const groupId = created.json<{ id: string }>().id;
  const assigned = await call(tenant, 'POST', `/v1.0/groups/${groupId}/assignLicense`, { addLicenses: [{ skuId: SKU, disabledPlans: [] }], removeLicenses: [] });
  expect(assigned.statusCode, assigned.body).toBe(202);
  return groupId;
};

const audits = async (tenant: LicensingTenant, activity: string) =>
  t.handle.db.selectFrom('audit_log').select(['target_id', 'details']).where('tenant_id', '=', tenant.tenantId).where('activity', '=', activity).execute();

const events = async (tenant: LicensingTenant, type: string) =>
  (await t.handle.db.selectFrom('event_outbox').select(['payload']).where('tenant_id', '=', tenant.tenantId).where('type', '=', type).orderBy('sequence').execute()).map(
    (row) => row.payload as Record<string, unknown>,
  );

describe(`subscription lifecycle on ${testEngine()}`, () => {
  it('walks Enabled → Warning → Suspended → Deleted: assignable, then usable but expiring, then no access, then seats end', async () => {
    const tenant = await createLicensingTenant(t.services);
    const id = await record(tenant, { totalLicenses: 3, termEndDateTime: day(30).toISOString(), recurringBilling: false });
    const [direct, member, late] = [await tenant.user('direct'), await tenant.user('member'), await tenant.user('late')];
    expect((await assign(tenant, direct)).statusCode).toBe(200);
    const groupId = await licensedGroup(tenant, [member]);

    // Enabled.
    expect(await subscription(tenant, id)).toMatchObject({ status: 'Enabled', adminCenterStatus: 'Active', nextLifecycleDateTime: day(30).toISOString() });
    expect((await userLicenses(tenant, direct)).assignedPlans.every((plan) => plan.capabilityStatus === 'Enabled')).toBe(true);

    // Nothing due a day before the term end; at it, Expired (Warning) for 30 days.
    expect((await tick(day(29))).reduce((sum, report) => sum + report.affected, 0)).toBe(0);
    await tick(day(30));
    expect(await subscription(tenant, id)).toMatchObject({ status: 'Warning', adminCenterStatus: 'Expired', lifecycleCause: 'termEnd', nextLifecycleDateTime: day(60).toISOString() });
    expect(await prepaid(tenant)).toMatchObject({ prepaidUnits: { enabled: 0, warning: 3, suspended: 0, lockedOut: 0 }, capabilityStatus: 'Warning', consumedUnits: 2 });
    // Users keep access; admins can still assign.
    const warned = await userLicenses(tenant, direct);
    expect(warned.assignedPlans.every((plan) => plan.capabilityStatus === 'Warning')).toBe(true);
    expect(warned.provisioning.every((status) => status === 'Success')).toBe(true);
    expect((await assign(tenant, late)).statusCode).toBe(200);

    // Disabled (Suspended) for 90 days: users lose the plans, admins cannot assign.
    await tick(day(60));
    expect(await subscription(tenant, id)).toMatchObject({ status: 'Suspended', adminCenterStatus: 'Disabled', nextLifecycleDateTime: day(150).toISOString() });
    expect(await prepaid(tenant)).toMatchObject({ prepaidUnits: { enabled: 0, warning: 0, suspended: 3, lockedOut: 0 }, capabilityStatus: 'Suspended', consumedUnits: 3 });
    const suspended = await userLicenses(tenant, direct);
    expect(suspended.assignedLicenses.map((license) => license.skuId)).toEqual([SKU]);
    expect(suspended.assignedPlans.every((plan) => plan.capabilityStatus === 'Suspended')).toBe(true);
    expect(suspended.provisioning.every((status) => status === 'Disabled')).toBe(true);
    const other = await tenant.user('other');
    const before = await licensingSnapshot(t.handle.db, tenant.tenantId);
    expect((await assign(tenant, other)).statusCode).toBe(400);
    expect(await licensingSnapshot(t.handle.db, tenant.tenantId)).toEqual(before);

    // Deleted: direct licenses end; the group keeps the SKU and its member goes to CountViolation.
    await tick(day(150));
    expect(await subscription(tenant, id)).toMatchObject({ status: 'Deleted', consumedUnits: 0, nextLifecycleDateTime: null });
    expect((await userLicenses(tenant, direct)).assignedLicenses).toEqual([]);
    expect((await userLicenses(tenant, late)).assignedLicenses).toEqual([]);
    const inherited = await userLicenses(tenant, member);
    expect(inherited.assignedLicenses).toEqual([]);
    expect(inherited.licenseAssignmentStates).toMatchObject([{ assignedByGroup: groupId, state: 'Error', error: 'CountViolation' }]);
    const group = (await call(tenant, 'GET', `/v1.0/groups/${groupId}?$select=assignedLicenses`)).json<{ assignedLicenses: { skuId: string }[] }>();
    expect(group.assignedLicenses.map((license) => license.skuId)).toEqual([SKU]);
    expect(await counters(tenant)).toEqual([]);

    // One audit entry and one event per step; a rerun changes nothing.
    expect((await audits(tenant, 'Change subscription status')).filter((row) => row.target_id === id)).toHaveLength(3);
    expect((await events(tenant, 'subscription.lifecycleChanged')).map((event) => event.to)).toEqual(['Warning', 'Suspended', 'Deleted']);
    expect((await tick(day(400))).reduce((sum, report) => sum + report.affected, 0)).toBe(0);
  });

  it('renews a paid subscription with recurring billing at its term end, for a term of the same length', async () => {
    const tenant = await createLicensingTenant(t.services);
    const id = await record(tenant, { totalLicenses: 2, termEndDateTime: day(365).toISOString() });
    await tick(day(365));
    expect(await subscription(tenant, id)).toMatchObject({ status: 'Enabled', termStartDateTime: day(365).toISOString(), termEndDateTime: day(730).toISOString(), nextLifecycleDateTime: day(730).toISOString() });
    expect(await audits(tenant, 'Renew subscription')).toHaveLength(1);
  });

  it('reactivates a disabled subscription with a new term, and assigning works again', async () => {
    const tenant = await createLicensingTenant(t.services);
    const id = await record(tenant, { totalLicenses: 1, termEndDateTime: day(10).toISOString(), recurringBilling: false });
    await tick(day(10));
    await tick(day(40));
    expect(await subscription(tenant, id)).toMatchObject({ status: 'Suspended' });
    const reactivated = await call(tenant, 'POST', `/admin/subscriptions/${id}/reactivate`, { termEndDateTime: day(400).toISOString() });
    expect(reactivated.statusCode, reactivated.body).toBe(200);
    expect(reactivated.json()).toMatchObject({ status: 'Enabled', lifecycleCause: 'reactivated', recurringBilling: true, nextLifecycleDateTime: day(400).toISOString() });
    const user = await tenant.user('back');
    expect((await assign(tenant, user)).statusCode).toBe(200);

    const again = await call(tenant, 'POST', `/admin/subscriptions/${id}/reactivate`, {});
    expectGraphError(again, 400, 'Request_BadRequest', 'Only an expired or disabled subscription can be reactivated.');
  });

  it('moves the seats of a subscription that stops granting access into another of the product with room', async () => {
    const tenant = await createLicensingTenant(t.services);
    const ending = await record(tenant, { totalLicenses: 2, termEndDateTime: day(5).toISOString(), recurringBilling: false, warningDays: 0 });
    const users = [await tenant.user('one'), await tenant.user('two')];
    for (const user of users) {
      expect((await assign(tenant, user)).statusCode).toBe(200);
    }
    const spare = await record(tenant, { totalLicenses: 1 });
    await tick(day(5));
    await tick(day(5));
    // Suspended: one seat fits into the spare subscription; the user whose seat stayed loses access.
    expect(await subscription(tenant, ending)).toMatchObject({ status: 'Suspended', consumedUnits: 1 });
    expect(await subscription(tenant, spare)).toMatchObject({ consumedUnits: 1 });
    const statuses = await Promise.all(users.map(async (user) => (await userLicenses(tenant, user)).assignedPlans[0]?.capabilityStatus));
    expect(statuses.sort()).toEqual(['Enabled', 'Suspended']);
    expect(await counters(tenant)).toEqual([]);
  });

  it('cancels inside the cancellation window: disabled at once and refund-eligible', async () => {
    const tenant = await createLicensingTenant(t.services);
    const id = await record(tenant, { totalLicenses: 2, termEndDateTime: day(30).toISOString() });
    t.clock.set(day(6));
    const cancelled = await call(tenant, 'POST', `/admin/subscriptions/${id}/cancel`);
    expect(cancelled.statusCode, cancelled.body).toBe(200);
    expect(cancelled.json()).toMatchObject({ outcome: 'disabledWithRefund', status: 'Suspended', refundEligible: true, recurringBilling: false, lifecycleCause: 'cancelInWindow', nextLifecycleDateTime: day(96).toISOString() });
    expectGraphError(await call(tenant, 'POST', `/admin/subscriptions/${id}/cancel`), 400, 'Request_BadRequest', 'The subscription is already cancelled.');
  });

  it('cancels outside the window: recurring billing stops and the subscription runs to its term end, then expires', async () => {
    const tenant = await createLicensingTenant(t.services);
    const id = await record(tenant, { totalLicenses: 2, termEndDateTime: day(30).toISOString() });
    t.clock.set(day(7));
    const cancelled = await call(tenant, 'POST', `/admin/subscriptions/${id}/cancel`);
    expect(cancelled.json()).toMatchObject({ outcome: 'runsToTermEnd', status: 'Enabled', refundEligible: false, recurringBilling: false, accessEndsDateTime: day(60).toISOString() });
    await tick(day(30));
    expect(await subscription(tenant, id)).toMatchObject({ status: 'Warning', lifecycleCause: 'cancelOutsideWindow' });
  });

  it('runs a trial for 30 days, extends it once, converts it to paid; an unconverted trial expires', async () => {
    const tenant = await createLicensingTenant(t.services);
    const trial = await record(tenant, { totalLicenses: 25, isTrial: true });
    expect(await subscription(tenant, trial)).toMatchObject({ isTrial: true, recurringBilling: false, termEndDateTime: day(30).toISOString() });
    const extended = await call(tenant, 'POST', `/admin/subscriptions/${trial}/extend-trial`, { days: 30 });
    expect(extended.json()).toMatchObject({ trialExtended: true, termEndDateTime: day(60).toISOString(), nextLifecycleDateTime: day(60).toISOString() });
    expectGraphError(await call(tenant, 'POST', `/admin/subscriptions/${trial}/extend-trial`, {}), 400, 'Request_BadRequest', 'The trial was already extended once; convert it to paid to keep using it.');
    const converted = await call(tenant, 'POST', `/admin/subscriptions/${trial}/convert-trial`);
    expect(converted.json()).toMatchObject({ isTrial: false, recurringBilling: true });
    await tick(day(60));
    expect(await subscription(tenant, trial)).toMatchObject({ status: 'Enabled', termEndDateTime: day(120).toISOString() });

    const unconverted = await record(tenant, { totalLicenses: 5, isTrial: true });
    await tick(day(30));
    expect(await subscription(tenant, unconverted)).toMatchObject({ status: 'Warning', lifecycleCause: 'trialEnd' });
    expectGraphError(await call(tenant, 'POST', `/admin/subscriptions/${unconverted}/extend-trial`, {}), 400, 'Request_BadRequest', 'The trial has ended (Warning); reactivate it or buy the product.');
  });

  it('refuses an admin removing licenses below what is assigned, saying how many to unassign and who holds them', async () => {
    const tenant = await createLicensingTenant(t.services);
    const id = await record(tenant, { totalLicenses: 3 });
    const holders = [await tenant.user('a'), await tenant.user('b')];
    for (const user of holders) {
      await assign(tenant, user);
    }
    const before = await licensingSnapshot(t.handle.db, tenant.tenantId);
    const refused = await call(tenant, 'POST', `/admin/subscriptions/${id}/remove-licenses`, { count: 2 });
    const details = expectGraphError(refused, 400, 'Request_BadRequest', "Cannot remove 2 licenses: 2 of this subscription's 3 licenses are assigned.").error.details ?? [];
    expect(details[0]).toMatchObject({ code: 'LicensesInUse', message: 'Unassign 1 Power BI Pro license first (see the product\'s licensed users), or remove at most 1.' });
    expect(details.slice(1).map((detail) => detail.target).sort()).toEqual([...holders].sort());
    expect(await licensingSnapshot(t.handle.db, tenant.tenantId)).toEqual(before);
    expect((await call(tenant, 'POST', `/admin/subscriptions/${id}/remove-licenses`, { count: 1 })).json()).toMatchObject({ totalLicenses: 2, consumedUnits: 2 });
  });

  it('applies a billing system reduction below what is assigned: over-assigned for 90 days, then the newest seats end', async () => {
    const tenant = await createLicensingTenant(t.services);
    const id = await record(tenant, { totalLicenses: 3 });
    const users: string[] = [];
    for (const [index, alias] of ['first', 'second', 'third'].entries()) {
      t.clock.set(new Date(TEST_NOW.getTime() + index * 60_000));
      users.push(await tenant.user(alias));
      await assign(tenant, users[index] as string);
    }
    const admin = await t.adminHeaders(tenant.tenantId, ['Billing Administrator']);
    expectGraphError(
      await call(tenant, 'POST', `/admin/subscriptions/${id}/remove-licenses`, { count: 2, billingSystem: true }, admin.headers),
      403,
      'Authorization_RequestDenied',
      'Only a billing system (an application) removes licenses below what is assigned. Unassign licenses first, or remove fewer.',
    );
    t.clock.set(day(1));
    const reduced = await call(tenant, 'POST', `/admin/subscriptions/${id}/remove-licenses`, { count: 2, billingSystem: true });
    expect(reduced.statusCode, reduced.body).toBe(200);
    expect(reduced.json()).toMatchObject({ totalLicenses: 1, consumedUnits: 3, overAssignedSinceDateTime: day(1).toISOString(), overAssignmentFixByDateTime: day(91).toISOString() });
    expect(await events(tenant, 'subscription.overAssigned')).toMatchObject([{ overAssignedBy: 2, fixByDateTime: day(91).toISOString() }]);
    // Users keep access meanwhile.
    await tick(day(90));
    expect((await userLicenses(tenant, users[2] as string)).assignedLicenses).toHaveLength(1);
    await tick(day(91));
    expect(await subscription(tenant, id)).toMatchObject({ totalLicenses: 1, consumedUnits: 1, overAssignedSinceDateTime: null });
    const left = await Promise.all(users.map(async (user) => (await userLicenses(tenant, user)).assignedLicenses.length));
    expect(left).toEqual([1, 0, 0]);
    expect(await counters(tenant)).toEqual([]);
  });

  it('clears the over-assignment once it is fixed in time', async () => {
    const tenant = await createLicensingTenant(t.services);
    const id = await record(tenant, { totalLicenses: 2 });
    const users = [await tenant.user('x'), await tenant.user('y')];
    for (const user of users) {
      await assign(tenant, user);
    }
    await call(tenant, 'POST', `/admin/subscriptions/${id}/remove-licenses`, { count: 1, billingSystem: true });
    await call(tenant, 'POST', `/v1.0/users/${users[1]}/assignLicense`, { addLicenses: [], removeLicenses: [SKU] });
    await tick(day(2));
    expect(await subscription(tenant, id)).toMatchObject({ overAssignedSinceDateTime: null, consumedUnits: 1 });
    await tick(day(120));
    expect((await userLicenses(tenant, users[0] as string)).assignedLicenses).toHaveLength(1);
  });

  it('takes over a self-service purchase: refused while seats are missing, then users move and the purchase ends', async () => {
    const tenant = await createLicensingTenant(t.services);
    const buyer = await tenant.user('buyer');
    const purchase = await t.services.subscriptions.recordSubscription(tenant.context, { skuId: SKU, totalLicenses: 3, channel: 'selfService', purchasedByUserId: buyer });
    const team = [buyer, await tenant.user('mate1'), await tenant.user('mate2')];
    for (const user of team) {
      await t.services.licensing.assignLicense(tenant.context, { userKey: user, add: [{ skuId: SKU, disabledPlans: [] }], remove: [], pool: { kind: 'selfService', purchaserUserId: buyer } });
    }
    const own = await record(tenant, { totalLicenses: 2 });
    // Admins see who uses the purchase, a page at a time.
    const firstPage = (await call(tenant, 'GET', `/admin/subscriptions/${purchase.subscriptionId}/users?$top=2`)).json<{ value: { id: string }[]; '@odata.nextLink'?: string }>();
    expect(firstPage.value).toHaveLength(2);
    const rest = (await call(tenant, 'GET', (firstPage['@odata.nextLink'] ?? '').replace('https://allot.test', ''))).json<{ value: { id: string }[] }>();
    expect([...firstPage.value, ...rest.value].map((user) => user.id).sort()).toEqual([...team].sort());
    const before = await licensingSnapshot(t.handle.db, tenant.tenantId);
    const refused = await call(tenant, 'POST', `/admin/subscriptions/${purchase.subscriptionId}/take-over`, { action: 'moveUsers' });
    expectGraphError(refused, 400, 'Request_BadRequest', 'Not enough free Power BI Pro licenses: 3 users need one and 2 are free, so 1 more are needed.');
    expect(await licensingSnapshot(t.handle.db, tenant.tenantId)).toEqual(before);

    expect((await call(tenant, 'POST', `/admin/subscriptions/${own}/add-licenses`, { count: 1 })).statusCode).toBe(200);
    const taken = await call(tenant, 'POST', `/admin/subscriptions/${purchase.subscriptionId}/take-over`, { action: 'moveUsers', targetSubscriptionId: own });
    expect(taken.statusCode, taken.body).toBe(200);
    expect(taken.json()).toMatchObject({ status: 'Deleted', lifecycleCause: 'takeOver', usersMoved: 3, consumedUnits: 0 });
    expect(await subscription(tenant, own)).toMatchObject({ consumedUnits: 3 });
    for (const user of team) {
      expect((await userLicenses(tenant, user)).assignedPlans.every((plan) => plan.capabilityStatus === 'Enabled')).toBe(true);
    }
    expect(await events(tenant, 'subscription.selfServiceEnded')).toMatchObject([{ purchasedByUserId: buyer, action: 'moveUsers', usersMoved: 3 }]);
    expect(await counters(tenant)).toEqual([]);
  });

  it('cancels a self-service purchase: its users lose access and the purchaser is told through the event', async () => {
    const tenant = await createLicensingTenant(t.services);
    const buyer = await tenant.user('buyer');
    const purchase = await t.services.subscriptions.recordSubscription(tenant.context, { skuId: SKU, totalLicenses: 2, channel: 'selfService', purchasedByUserId: buyer });
    await t.services.licensing.assignLicense(tenant.context, { userKey: buyer, add: [{ skuId: SKU, disabledPlans: [] }], remove: [], pool: { kind: 'selfService', purchaserUserId: buyer } });
    expectGraphError(
      await call(tenant, 'POST', `/admin/subscriptions/${purchase.subscriptionId}/cancel`),
      400,
      'Request_BadRequest',
      'A self-service purchase is ended with take over: move its users or cancel it (POST …/take-over).',
    );
    const cancelled = await call(tenant, 'POST', `/admin/subscriptions/${purchase.subscriptionId}/take-over`, { action: 'cancel' });
    expect(cancelled.json()).toMatchObject({ status: 'Suspended', lifecycleCause: 'selfServiceCancelled', usersMoved: 0 });
    expect((await userLicenses(tenant, buyer)).assignedPlans.every((plan) => plan.capabilityStatus === 'Suspended')).toBe(true);
    expect(await events(tenant, 'subscription.selfServiceEnded')).toMatchObject([{ purchasedByUserId: buyer, action: 'cancel' }]);
  });

  it('records a self-service purchase only as the product\'s policy allows', async () => {
    const tenant = await createLicensingTenant(t.services);
    const buyer = await tenant.user('buyer');
    const purchase = (isTrial: boolean) => call(tenant, 'POST', '/admin/subscriptions', { skuId: SKU, totalLicenses: 1, channel: 'selfService', purchasedByUserId: buyer, isTrial });
    expect((await call(tenant, 'PATCH', `/admin/products/${SKU}/settings`, { selfServicePolicy: 'trialsOnly' })).statusCode).toBe(200);
    const before = await licensingSnapshot(t.handle.db, tenant.tenantId);
    const refused = expectGraphError(await purchase(false), 400, 'Request_BadRequest');
    expect(refused.error.details?.[0]).toMatchObject({ code: 'SelfServicePurchaseNotAllowed' });
    expect(await licensingSnapshot(t.handle.db, tenant.tenantId)).toEqual(before);
    expect((await purchase(true)).statusCode).toBe(201);
    expect((await call(tenant, 'PATCH', `/admin/products/${SKU}/settings`, { selfServicePolicy: 'deny' })).statusCode).toBe(200);
    expectGraphError(await purchase(true), 400, 'Request_BadRequest');
  });

  it('deletes a subscription explicitly, skipping Expired and Disabled', async () => {
    const tenant = await createLicensingTenant(t.services);
    const id = await record(tenant, { totalLicenses: 1 });
    const user = await tenant.user('gone');
    await assign(tenant, user);
    const deleted = await call(tenant, 'DELETE', `/admin/subscriptions/${id}`);
    expect(deleted.json()).toMatchObject({ status: 'Deleted', lifecycleCause: 'explicitDelete', consumedUnits: 0 });
    expect((await userLicenses(tenant, user)).assignedLicenses).toEqual([]);
    expectGraphError(await call(tenant, 'POST', `/admin/subscriptions/${id}/add-licenses`, { count: 1 }), 400, 'Request_BadRequest', 'The subscription is deleted; record a new subscription instead.');
    expect(await counters(tenant)).toEqual([]);
  });

  it('answers 404 for an unknown subscription and 400 for a bad body', async () => {
    const tenant = await createLicensingTenant(t.services);
    const unknown = '00000000-0000-4000-8000-000000000123';
    expect((await call(tenant, 'POST', `/admin/subscriptions/${unknown}/cancel`)).statusCode).toBe(404);
    const id = await record(tenant, { totalLicenses: 1 });
    expect((await call(tenant, 'PATCH', `/admin/subscriptions/${id}`, {})).statusCode).toBe(400);
    expect((await call(tenant, 'PATCH', `/admin/subscriptions/${id}`, { warningDays: -1 })).statusCode).toBe(400);
    expectGraphError(await call(tenant, 'PATCH', `/admin/subscriptions/${id}`, { termEndDateTime: day(-10).toISOString() }), 400, 'Request_BadRequest', `The term end must be after the term start (${TEST_NOW.toISOString()}).`);
  });
});
