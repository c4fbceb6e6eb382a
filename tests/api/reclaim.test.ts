import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DAY_MS } from '../../src/domain/clock.js';
import { createLicensingTenant, FLEET, licensingSnapshot, MS, type LicensingTenant } from '../support/fixtures.js';
import { expectGraphError } from '../support/graph-error.js';
import { createTestApp, TEST_NOW, type TestApp } from '../support/test-app.js';

/** Activity reports from product backends, the reclaim report (paged and CSV) and the one-step unassign. */

interface Holder {
  id: string;
  displayName: string;
  userPrincipalName: string;
  lastActivityDateTime: string | null;
  source: { assignedDirectly: boolean; inheritedFrom: { id: string; displayName: string }[]; selfService: boolean; freesSeat: boolean };
}

interface ReclaimBody {
  skuId: string;
  days: number;
  inactiveSinceDateTime: string;
  totals: { inactiveUsers: number; assignedDirectly: number; keptBySource: number; seatsFreed: number; monthlyCost: { amount: number; currency: string } | null };
  value: Holder[];
  '@odata.nextLink'?: string;
}

interface UnassignBody {
  applied: boolean;
  canApply: boolean;
  seatsFreed: number;
  monthlyCost: { amount: number; currency: string } | null;
  seatDeltas: { skuId: string; delta: number }[];
  users: { id: string; removed: string[] }[];
  skipped: { id: string; reason: string; inheritedFrom: { id: string; displayName: string }[] }[];
  moreRemaining: boolean;
}

let t: TestApp;
let tenant: LicensingTenant;
const people: Record<string, string> = {};
let groupId: string;

const daysAgo = (days: number) => new Date(TEST_NOW.getTime() - days * DAY_MS).toISOString();
const call = (method: 'GET' | 'POST' | 'PATCH', url: string, payload?: object, headers?: Record<string, string>) =>
  t.inject({ method, url, tenant: tenant.tenantId, ...(headers ? { headers } : {}), ...(payload ? { payload } : {}) });
const report = async (query: string) => {
  const response = await call('GET', `/admin/reclaim?skuId=${FLEET.standard}${query}`);
  expect(response.statusCode, response.body).toBe(200);
  return response.json<ReclaimBody>();
};
const namesOf = (holders: readonly Holder[]) => holders.map((holder) => holder.displayName).sort();
const activityRows = async () =>
  (await sql<{ user_id: string; service_plan_id: string; last_active_at: Date }>`SELECT user_id, service_plan_id, last_active_at FROM plan_activity WHERE tenant_id = ${tenant.tenantId} ORDER BY 1, 2`.execute(t.handle.db)).rows.map(
    (row) => ({ ...row, last_active_at: new Date(row.last_active_at).toISOString() }),
  );

beforeAll(async () => {
  t = await createTestApp();
  tenant = await createLicensingTenant(t.services, { [FLEET.standard]: 20 });
  for (const name of ['active10', 'active40', 'active100', 'never', 'inherited', 'both', 'unlicensed']) {
    people[name] = await tenant.user(name);
  }
  const direct = ['active10', 'active40', 'active100', 'never', 'both'].map((name) => people[name] as string);
  expect((await call('POST', `/admin/licenses/${FLEET.standard}/assign`, { userIds: direct })).statusCode).toBe(200);
  const group = await t.services.groups.createGroup(tenant.context, { displayName: 'Fleet drivers', mailNickname: 'drivers', mailEnabled: false, securityEnabled: true }, [
    `https://graph.microsoft.com/v1.0/directoryObjects/${people.inherited}`,
    `https://graph.microsoft.com/v1.0/directoryObjects/${people.both}`,
  ]);
  groupId = group.group.groupId;
  await t.services.groupLicensing.assignLicense(tenant.context, groupId, { add: [{ skuId: FLEET.standard, disabledPlans: [] }], remove: [] });
  const activities = [
    { userId: people.active10, servicePlanId: FLEET.planStandard, lastActiveDateTime: daysAgo(10) },
    { userId: people.active40, servicePlanId: FLEET.planStandard, lastActiveDateTime: daysAgo(40) },
    { userId: people.active100, servicePlanId: FLEET.planStandard, lastActiveDateTime: daysAgo(100) },
    // Activity in another product's plan does not count for Fleet Standard.
    { userId: people.never, servicePlanId: MS.planExchangeEnterprise, lastActiveDateTime: daysAgo(1) },
  ];
  const response = await call('POST', '/admin/activity', { activities });
  expect(response.json()).toEqual({ accepted: 4, rejected: [] });
});
afterAll(async () => {
  await t.close();
});

describe('activity reports', () => {
  it('keeps the later time (GREATEST), also within one batch, and names users by id or user principal name', async () => {
    const user = await tenant.user('greatest');
    const upn = (await t.handle.db.selectFrom('directory_user').select('user_principal_name').where('tenant_id', '=', tenant.tenantId).where('user_id', '=', user).executeTakeFirstOrThrow()).user_principal_name.toUpperCase();
    let response = await call('POST', '/admin/activity', {
      activities: [
        { userId: user, servicePlanId: FLEET.planStandard, lastActiveDateTime: daysAgo(5) },
        { userPrincipalName: upn, servicePlanId: FLEET.planStandard, lastActiveDateTime: daysAgo(3) },
        { userId: user, servicePlanId: FLEET.planStandard, lastActiveDateTime: daysAgo(8) },
      ],
    });
    expect(response.json()).toEqual({ accepted: 3, rejected: [] });
    const stored = async () => (await activityRows()).filter((row) => row.user_id === user);
    expect(await stored()).toEqual([{ user_id: user, service_plan_id: FLEET.planStandard, last_active_at: daysAgo(3) }]);
    response = await call('POST', '/admin/activity', { activities: [{ userId: user, servicePlanId: FLEET.planStandard.toUpperCase(), lastActiveDateTime: daysAgo(20) }] });
    expect(response.statusCode).toBe(200);
    expect(await stored()).toEqual([{ user_id: user, service_plan_id: FLEET.planStandard, last_active_at: daysAgo(3) }]);
    response = await call('POST', '/admin/activity', { activities: [{ userId: user, servicePlanId: FLEET.planStandard, lastActiveDateTime: '2026-11-01T08:00:00+01:00' }] });
    expect(response.json()).toEqual({ accepted: 1, rejected: [] });
    expect(await stored()).toEqual([{ user_id: user, service_plan_id: FLEET.planStandard, last_active_at: '2026-11-01T07:00:00.000Z' }]);
  });

  it('records the known items and returns unknown users, unknown plans and future times by position, unrecorded', async () => {
    const user = await tenant.user('partial');
    const deleted = await tenant.user('gone');
    await t.services.users.deleteUser(tenant.context, deleted);
    const before = await activityRows();
    const response = await call('POST', '/admin/activity', {
      activities: [
        { userId: '00000000-0000-4000-8000-00000000abcd', servicePlanId: FLEET.planStandard, lastActiveDateTime: daysAgo(1) },
        { userId: user, servicePlanId: FLEET.planStandard, lastActiveDateTime: daysAgo(1) },
        { userPrincipalName: 'nobody@example.com', servicePlanId: FLEET.planStandard, lastActiveDateTime: daysAgo(1) },
        { userId: user, servicePlanId: '00000000-0000-4000-8000-0000000000ff', lastActiveDateTime: daysAgo(1) },
        { userId: deleted, servicePlanId: FLEET.planStandard, lastActiveDateTime: daysAgo(1) },
        { userId: user, servicePlanId: FLEET.planPremium, lastActiveDateTime: new Date(TEST_NOW.getTime() + DAY_MS).toISOString() },
      ],
    });
    expect(response.statusCode, response.body).toBe(200);
    const body = response.json<{ accepted: number; rejected: { index: number; code: string; message: string }[] }>();
    expect(body.accepted).toBe(1);
    expect(body.rejected.map((item) => [item.index, item.code])).toEqual([
      [0, 'UserNotFound'],
      [2, 'UserNotFound'],
      [3, 'ServicePlanNotFound'],
      [4, 'UserNotFound'],
      [5, 'FutureTime'],
    ]);
    expect(body.rejected[1]?.message).toBe("No user 'nobody@example.com' in this tenant.");
    expect(await activityRows()).toEqual([...before, { user_id: user, service_plan_id: FLEET.planStandard, last_active_at: daysAgo(1) }].sort((a, b) => a.user_id.localeCompare(b.user_id) || a.service_plan_id.localeCompare(b.service_plan_id)));
    const audit = await sql<{ details: Record<string, number> }>`SELECT details FROM audit_log WHERE tenant_id = ${tenant.tenantId} AND activity = 'Report product activity' ORDER BY occurred_at DESC, audit_id`.execute(t.handle.db);
    expect(audit.rows.map((row) => row.details)).toContainEqual({ accepted: 1, rejected: 5, users: 1 });
  });

  it('refuses a batch above 1,000 items, an empty one and an item naming its user twice, changing nothing', async () => {
    const before = await activityRows();
    const item = { userId: people.active10, servicePlanId: FLEET.planStandard, lastActiveDateTime: daysAgo(0) };
    expectGraphError(await call('POST', '/admin/activity', { activities: Array.from({ length: 1001 }, () => item) }), 400, 'Request_BadRequest', 'At most 1000 activities per request; send the rest in another request.');
    expectGraphError(await call('POST', '/admin/activity', { activities: [] }), 400, 'Request_BadRequest', 'Send at least one activity.');
    expectGraphError(await call('POST', '/admin/activity', { activities: [{ ...item, userPrincipalName: 'x@example.com' }] }), 400, 'Request_BadRequest', 'Name the user by exactly one of userId and userPrincipalName.');
    expectGraphError(await call('POST', '/admin/activity', { activities: [{ ...item, lastActiveDateTime: 'yesterday' }] }), 400, 'Request_BadRequest', /lastActiveDateTime must be an ISO 8601/);
    expect(await activityRows()).toEqual(before);
    const full = await call('POST', '/admin/activity', { activities: Array.from({ length: 1000 }, () => ({ ...item, lastActiveDateTime: daysAgo(50) })) });
    expect(full.json()).toEqual({ accepted: 1000, rejected: [] });
    expect(await activityRows()).toEqual(before);
  });

  it('is for product backends (Allot.Activity.ReadWrite.All), not license administrators', async () => {
    const payload = { activities: [{ userId: people.active10, servicePlanId: FLEET.planStandard, lastActiveDateTime: daysAgo(10) }] };
    const backend = await t.appHeaders(tenant.tenantId, ['Allot.Activity.ReadWrite.All']);
    expect((await call('POST', '/admin/activity', payload, backend)).statusCode).toBe(200);
    const { headers } = await t.adminHeaders(tenant.tenantId, ['License Administrator']);
    expectGraphError(await call('POST', '/admin/activity', payload, headers), 403, 'Authorization_RequestDenied');
  });

  it('counts a sign-in to Allot as activity for every product', async () => {
    const admin = await t.adminHeaders(tenant.tenantId, ['Global Reader']);
    const row = await t.handle.db.selectFrom('directory_user').select('last_sign_in_at').where('tenant_id', '=', tenant.tenantId).where('user_id', '=', admin.userId).executeTakeFirstOrThrow();
    expect(new Date(row.last_sign_in_at ?? 0).toISOString()).toBe(TEST_NOW.toISOString());
  });
});

describe('reclaim report', () => {
  it("lists holders inactive for the product's days (default 30), never-active ones and inherited ones marked", async () => {
    const body = await report('');
    expect(body.days).toBe(30);
    expect(body.inactiveSinceDateTime).toBe(daysAgo(30));
    expect(namesOf(body.value)).toEqual(['active100', 'active40', 'both', 'inherited', 'never']);
    const byName = new Map(body.value.map((holder) => [holder.displayName, holder]));
    expect(byName.get('active40')).toMatchObject({ lastActivityDateTime: daysAgo(40), source: { assignedDirectly: true, inheritedFrom: [], selfService: false, freesSeat: true } });
    expect(byName.get('never')?.lastActivityDateTime).toBeNull();
    expect(byName.get('inherited')?.source).toEqual({ assignedDirectly: false, inheritedFrom: [{ id: groupId, displayName: 'Fleet drivers' }], selfService: false, freesSeat: false });
    expect(byName.get('both')?.source).toMatchObject({ assignedDirectly: true, freesSeat: false });
    expect(body.totals).toEqual({ inactiveUsers: 5, assignedDirectly: 4, keptBySource: 1, seatsFreed: 3, monthlyCost: null });
  });

  it('filters by days and reports what the freed seats cost per month', async () => {
    await call('PATCH', `/admin/products/${FLEET.standard}/settings`, { monthlyPrice: 10.1, currency: 'EUR' });
    expect(namesOf((await report('&days=60')).value)).toEqual(['active100', 'both', 'inherited', 'never']);
    const ninety = await report('&days=90');
    expect(namesOf(ninety.value)).toEqual(['active100', 'both', 'inherited', 'never']);
    expect(ninety.totals).toMatchObject({ seatsFreed: 2, monthlyCost: { amount: 20.2, currency: 'EUR' } });
    expect(namesOf((await report('&days=5')).value)).toEqual(['active10', 'active100', 'active40', 'both', 'inherited', 'never']);
    await call('PATCH', `/admin/products/${FLEET.standard}/settings`, { inactivityDays: 90 });
    expect((await report('')).days).toBe(90);
    await call('PATCH', `/admin/products/${FLEET.standard}/settings`, { inactivityDays: 30, monthlyPrice: null });
  });

  it('pages with $top and @odata.nextLink, and refuses a token of another query', async () => {
    const first = await report('&$top=2');
    expect(first.value).toHaveLength(2);
    expect(first.totals.inactiveUsers).toBe(5);
    const seen = [...first.value];
    let next = first['@odata.nextLink'];
    while (next !== undefined) {
      const page = await call('GET', next.replace('https://allot.test', ''));
      const body = page.json<ReclaimBody>();
      seen.push(...body.value);
      next = body['@odata.nextLink'];
    }
    expect(namesOf(seen)).toEqual(['active100', 'active40', 'both', 'inherited', 'never']);
    const token = new URL(first['@odata.nextLink'] ?? '').searchParams.get('$skiptoken') ?? '';
    expectGraphError(await call('GET', `/admin/reclaim?skuId=${FLEET.standard}&days=60&$skiptoken=${token}`), 400, 'Request_BadRequest', /The \$skiptoken is invalid/);
  });

  it('exports every matching user as CSV (format=csv or Accept: text/csv)', async () => {
    for (const request of [{ url: `/admin/reclaim?skuId=${FLEET.standard}&format=csv&$top=1` }, { url: `/admin/reclaim?skuId=${FLEET.standard}&$top=1`, headers: { accept: 'text/csv' } }]) {
      const response = await t.inject({ method: 'GET', tenant: tenant.tenantId, ...request });
      expect(response.statusCode, response.body).toBe(200);
      expect(response.headers['content-type']).toBe('text/csv; charset=utf-8');
      const lines = response.body.trimEnd().split('\r\n');
      expect(lines[0]).toBe('id,displayName,userPrincipalName,lastActivityDateTime,assignedDirectly,groups,selfService,freesSeat');
      expect(lines).toHaveLength(6);
      expect(lines.find((line) => line.startsWith(people.active40 ?? ''))).toMatch(new RegExp(`^${people.active40},active40,active40@[^,]+,${daysAgo(40)},true,,false,true$`));
      expect(lines.find((line) => line.startsWith(people.inherited ?? ''))).toMatch(/,false,Fleet drivers,false,false$/);
    }
  });

  it('answers 404 for a product the tenant does not hold and 400 for bad days', async () => {
    expectGraphError(await call('GET', `/admin/reclaim?skuId=${MS.powerBiPro}`), 404, 'Request_ResourceNotFound');
    expectGraphError(await call('GET', `/admin/reclaim?skuId=${FLEET.standard}&days=0`), 400, 'Request_BadRequest', /days must be a whole number from 1 to 3650/);
    expectGraphError(await call('GET', `/admin/reclaim?skuId=${FLEET.standard}&day=30`), 400, 'Request_BadRequest', /Unknown query parameter: day/);
  });
});

describe('reclaim unassign', () => {
  it('previews with dryRun: the seats it would free, inherited users skipped and listed, nothing changed', async () => {
    const before = await licensingSnapshot(t.handle.db, tenant.tenantId);
    const response = await call('POST', '/admin/reclaim/unassign', { skuId: FLEET.standard, days: 30, dryRun: true });
    expect(response.statusCode, response.body).toBe(200);
    const body = response.json<UnassignBody>();
    expect(body).toMatchObject({ applied: false, canApply: true, seatsFreed: 3, moreRemaining: false });
    expect(body.users.map((user) => user.id).sort()).toEqual(['active100', 'active40', 'both', 'never'].map((name) => people[name]).sort());
    expect(body.skipped).toEqual([{ id: people.inherited, displayName: 'inherited', userPrincipalName: expect.any(String) as string, reason: 'inherited', inheritedFrom: [{ id: groupId, displayName: 'Fleet drivers' }] }]);
    expect(await licensingSnapshot(t.handle.db, tenant.tenantId)).toEqual(before);
  });

  it('skips users asked for who are active, not licensed or inherit the license, and refuses more than 1,000', async () => {
    const before = await licensingSnapshot(t.handle.db, tenant.tenantId);
    const asked = [people.active10, people.unlicensed, people.inherited];
    const body = (await call('POST', '/admin/reclaim/unassign', { skuId: FLEET.standard, userIds: asked, dryRun: true })).json<UnassignBody>();
    expect(body.users).toEqual([]);
    expect(body.skipped.map((user) => [user.id, user.reason])).toEqual([
      [people.active10, 'recentlyActive'],
      [people.unlicensed, 'notLicensed'],
      [people.inherited, 'inherited'],
    ]);
    const ids = Array.from({ length: 1001 }, (_, index) => `00000000-0000-4000-8000-${String(index).padStart(12, '0')}`);
    expectGraphError(await call('POST', '/admin/reclaim/unassign', { skuId: FLEET.standard, userIds: ids }), 400, 'Request_BadRequest', 'At most 1000 users per request.');
    expect(await licensingSnapshot(t.handle.db, tenant.tenantId)).toEqual(before);
  });

  it('unassigns the direct licenses of inactive users, frees the seats, keeps the counters exact and audits', async () => {
    const seatsBefore = (await t.services.licenseAdmin.overview(tenant.context)).find((product) => product.sku.skuId === FLEET.standard);
    const response = await call('POST', '/admin/reclaim/unassign', { skuId: FLEET.standard, days: 30, dryRun: false });
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json<UnassignBody>()).toMatchObject({ applied: true, seatsFreed: 3 });
    const seatsAfter = (await t.services.licenseAdmin.overview(tenant.context)).find((product) => product.sku.skuId === FLEET.standard);
    expect(seatsAfter?.assigned).toBe((seatsBefore?.assigned ?? 0) - 3);
    expect((await t.services.subscriptions.verifyCounters(tenant.context)).mismatches).toEqual([]);
    // The inherited license stays; the user with both keeps the group's.
    const after = await report('');
    expect(namesOf(after.value)).toEqual(['both', 'inherited']);
    expect(after.totals.seatsFreed).toBe(0);
    expect(after.value.find((holder) => holder.displayName === 'both')?.source.assignedDirectly).toBe(false);
    const audit = await sql<{ activity: string; details: Record<string, unknown> }>`SELECT activity, details FROM audit_log WHERE tenant_id = ${tenant.tenantId} AND activity IN ('Reclaim inactive licenses', 'Change user license') AND occurred_at = ${TEST_NOW} ORDER BY activity`.execute(t.handle.db);
    expect(audit.rows.filter((row) => row.activity === 'Reclaim inactive licenses').map((row) => row.details)).toEqual([
      { inactiveDays: 30, cutoffDateTime: daysAgo(30), usersUnassigned: 4, seatsFreed: 3, usersSkipped: 1 },
    ]);
    // Nothing left to take back directly: a second call changes nothing.
    const again = await call('POST', '/admin/reclaim/unassign', { skuId: FLEET.standard, dryRun: false });
    expect(again.json<UnassignBody>()).toMatchObject({ seatsFreed: 0, users: [] });
  });
});
