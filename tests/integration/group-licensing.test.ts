import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DIRECT_SOURCE } from '../../src/domain/ids.js';
import { createLicensingTenant, EXTRA, FLEET, MS, type LicensingTenant } from '../support/fixtures.js';
import { createTestApp, type TestApp } from '../support/test-app.js';

/**
 * Group-based licensing semantics (graph-licensing.md §3.3–§3.4) through the services, on the
 * engine of the project: one seat per SKU whatever the sources, the union of enabled plans,
 * all or nothing per group, inherited licenses not removable directly, errors per user × group,
 * earliest members first when seats are short, and contributions kept for a dependency.
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

let minute = 0;
/** A group with members added one minute apart, in the order given (membership order decides seats). */
async function group(name: string, memberIds: readonly string[]): Promise<string> {
  const groupId = randomUUID();
  await sql`INSERT INTO directory_group (tenant_id, group_id, display_name, mail_nickname, created_at)
            VALUES (${tenant.tenantId}, ${groupId}, ${name}, ${name.toLowerCase().replaceAll(' ', '')}, now())`.execute(t.handle.db);
  for (const memberId of memberIds) {
    await addMember(groupId, memberId);
  }
  return groupId;
}

async function addMember(groupId: string, userId: string): Promise<void> {
  minute += 1;
  await sql`INSERT INTO group_member (tenant_id, group_id, member_id, member_type, added_at)
            VALUES (${tenant.tenantId}, ${groupId}, ${userId}, 'user', ${new Date(Date.UTC(2026, 0, 1, 0, minute))})`.execute(t.handle.db);
}

const assignToGroup = (groupId: string, add: { skuId: string; disabledPlans?: string[] }[], remove: string[] = []) =>
  t.services.groupLicensing.assignLicense(tenant.context, groupId, { add: add.map((license) => ({ skuId: license.skuId, disabledPlans: license.disabledPlans ?? [] })), remove });

interface Row {
  sku_id: string;
  source_id: string;
  state: string;
  error: string | null;
  disabled_plans: string[];
}

const rowsOf = async (userId: string): Promise<Row[]> =>
  (
    await sql<Row>`SELECT sku_id, source_id, state, error, disabled_plans FROM license_assignment
                   WHERE tenant_id = ${tenant.tenantId} AND user_id = ${userId} ORDER BY sku_id, source_id`.execute(t.handle.db)
  ).rows;

const seatsOf = async (userId: string): Promise<string[]> =>
  (await sql<{ sku_id: string }>`SELECT sku_id FROM user_license WHERE tenant_id = ${tenant.tenantId} AND user_id = ${userId} ORDER BY sku_id`.execute(t.handle.db)).rows.map(
    (row) => row.sku_id,
  );

async function expectCountersTrue(): Promise<void> {
  expect(await t.services.subscriptions.verifyCounters(tenant.context)).toEqual({ mismatches: [] });
}

describe('group license assignment', () => {
  it('gives every member the group’s licenses in the same transaction, with one seat per SKU and the union of plans over sources', async () => {
    const anna = await tenant.user('anna');
    const bram = await tenant.user('bram');
    const sales = await group('Sales', [anna, bram]);
    const teams = await group('Teams users', [anna]);
    const result = await assignToGroup(sales, [{ skuId: MS.e3, disabledPlans: [MS.planTeams] }]);
    expect(result).toMatchObject({ processed: 2, succeeded: 2, failed: 0 });
    await assignToGroup(teams, [{ skuId: MS.e3, disabledPlans: [MS.planExchangeEnterprise] }]);

    const rows = await rowsOf(anna);
    expect(rows.map((row) => [row.source_id, row.state])).toEqual(expect.arrayContaining([[sales, 'Active'], [teams, 'Active']]));
    expect(await seatsOf(anna)).toEqual([MS.e3]);
    // Teams is off in Sales but on in Teams users; Exchange the other way round: both are on.
    expect(rows.filter((row) => row.sku_id === MS.e3)).toHaveLength(2);
    const details = await t.inject({ method: 'GET', url: `/v1.0/users/${anna}?$select=assignedLicenses,licenseAssignmentStates`, tenant: tenant.tenantId });
    const body = details.json<{ assignedLicenses: { skuId: string; disabledPlans: string[] }[]; licenseAssignmentStates: { assignedByGroup: string | null; state: string }[] }>();
    expect(body.assignedLicenses).toEqual([{ skuId: MS.e3, disabledPlans: [] }]);
    expect(body.licenseAssignmentStates.map((state) => state.assignedByGroup).sort()).toEqual([sales, teams].sort());
    const group_ = await sql<{ license_processing_state: string }>`SELECT license_processing_state FROM directory_group WHERE group_id = ${sales}`.execute(t.handle.db);
    expect(group_.rows[0]?.license_processing_state).toBe('ProcessingComplete');
    await expectCountersTrue();
  });

  it('keeps the license when the user leaves one of two groups, and frees the seat when it leaves the last', async () => {
    const anna = await tenant.user('anna');
    const one = await group('One', [anna]);
    const two = await group('Two', [anna]);
    await assignToGroup(one, [{ skuId: MS.e3 }]);
    await assignToGroup(two, [{ skuId: MS.e3 }]);
    await sql`DELETE FROM group_member WHERE tenant_id = ${tenant.tenantId} AND group_id = ${one}`.execute(t.handle.db);
    await t.services.groupLicensing.reprocessUser(tenant.context, anna);
    expect((await rowsOf(anna)).map((row) => row.source_id)).toEqual([two]);
    expect(await seatsOf(anna)).toEqual([MS.e3]);
    await sql`DELETE FROM group_member WHERE tenant_id = ${tenant.tenantId} AND group_id = ${two}`.execute(t.handle.db);
    await t.services.groupLicensing.reprocessUser(tenant.context, anna);
    expect(await rowsOf(anna)).toEqual([]);
    expect(await seatsOf(anna)).toEqual([]);
    await expectCountersTrue();
  });

  it('is all or nothing per group and user: a member short of one SKU gets none of the group’s SKUs', async () => {
    // E5 has one seat: the first member takes it, the second gets neither E5 nor E3 from the group.
    const first = await tenant.user('first');
    const second = await tenant.user('second');
    const bundle = await group('Bundle', [first, second]);
    const result = await assignToGroup(bundle, [{ skuId: MS.e3 }, { skuId: MS.e5 }]);
    expect(result).toMatchObject({ succeeded: 1, failed: 1 });
    expect((await rowsOf(first)).map((row) => row.state)).toEqual(['Active', 'Active']);
    expect((await rowsOf(second)).map((row) => [row.state, row.error])).toEqual([
      ['Error', 'CountViolation'],
      ['Error', 'CountViolation'],
    ]);
    expect(await seatsOf(second)).toEqual([]);
    const errors = await t.inject({ method: 'GET', url: `/v1.0/groups/${bundle}/membersWithLicenseErrors?$select=id`, tenant: tenant.tenantId });
    expect(errors.json<{ value: { id: string }[] }>().value).toEqual([{ '@odata.type': '#microsoft.graph.user', id: second }]);
    await expectCountersTrue();
  });

  it('gives short seats to the earliest members, and the rest to later ones once seats are bought and reprocessed', async () => {
    const users = [await tenant.user('u1'), await tenant.user('u2'), await tenant.user('u3'), await tenant.user('u4')];
    // Added in reverse: u4 is the earliest member.
    const crowd = await group('Crowd', [...users].reverse());
    await assignToGroup(crowd, [{ skuId: MS.e3 }]);
    const holders = [];
    for (const user of users) {
      if ((await seatsOf(user)).length > 0) {
        holders.push(user);
      }
    }
    expect(holders.sort()).toEqual([users[3], users[2], users[1]].sort());
    const subscription = (await t.services.subscriptions.listSubscriptions(tenant.context)).find((view) => view.subscription.skuId === MS.e3);
    await t.services.subscriptions.changeLicenseCount(tenant.context, subscription?.subscription.subscriptionId ?? '', 1);
    await t.services.groupLicensing.reprocessGroup(tenant.context, crowd);
    expect(await seatsOf(users[0] as string)).toEqual([MS.e3]);
    await expectCountersTrue();
  });

  it('refuses removing an inherited license directly, and removing a direct one keeps the inherited one', async () => {
    const anna = await tenant.user('anna');
    const sales = await group('Sales', [anna]);
    await assignToGroup(sales, [{ skuId: FLEET.standard }]);
    const refused = await t.inject({ method: 'POST', url: `/v1.0/users/${anna}/assignLicense`, tenant: tenant.tenantId, payload: { addLicenses: [], removeLicenses: [FLEET.standard] } });
    expect(refused.statusCode).toBe(400);
    expect(refused.json<{ error: { message: string } }>().error.message).toBe('User license is inherited from a group membership and it cannot be removed directly from the user.');
    const both = await t.inject({ method: 'POST', url: `/v1.0/users/${anna}/assignLicense`, tenant: tenant.tenantId, payload: { addLicenses: [{ skuId: FLEET.standard, disabledPlans: [] }], removeLicenses: [] } });
    expect(both.statusCode).toBe(200);
    const removed = await t.inject({ method: 'POST', url: `/v1.0/users/${anna}/assignLicense`, tenant: tenant.tenantId, payload: { addLicenses: [], removeLicenses: [FLEET.standard] } });
    expect(removed.statusCode).toBe(200);
    expect((await rowsOf(anna)).map((row) => row.source_id)).toEqual([sales]);
    expect(await seatsOf(anna)).toEqual([FLEET.standard]);
    await expectCountersTrue();
  });

  it('records conflicts and prohibited locations per user, and falls back to the tenant usage location', async () => {
    const premium = await tenant.user('premium');
    const cuban = await tenant.user('cuban', 'CU');
    const nowhere = await tenant.user('nowhere', null);
    await t.services.licensing.assignLicense(tenant.context, { userKey: premium, add: [{ skuId: FLEET.premium, disabledPlans: [] }], remove: [] });
    const fleet = await group('Fleet', [premium, nowhere]);
    await assignToGroup(fleet, [{ skuId: FLEET.standard }]);
    expect((await rowsOf(premium)).find((row) => row.source_id === fleet)).toMatchObject({ state: 'Error', error: 'MutuallyExclusiveViolation' });
    // No usage location of its own: the tenant's (NL) applies to group assignments.
    expect((await rowsOf(nowhere)).find((row) => row.source_id === fleet)).toMatchObject({ state: 'Active', error: null });
    const exporters = await group('Export', [cuban]);
    await assignToGroup(exporters, [{ skuId: EXTRA.restricted }]);
    expect((await rowsOf(cuban))[0]).toMatchObject({ state: 'Error', error: 'ProhibitedInUsageLocationViolation' });
    await expectCountersTrue();
  });

  it('keeps a contribution another source depends on, in DependencyViolation, until that is resolved', async () => {
    const anna = await tenant.user('anna');
    const sales = await group('Sales', [anna]);
    await assignToGroup(sales, [{ skuId: MS.e3 }]);
    // Audio Conferencing needs Skype for Business Online (Plan 2) or Teams, which only E3 gives her.
    await t.services.licensing.assignLicense(tenant.context, { userKey: anna, add: [{ skuId: MS.audioConferencing, disabledPlans: [] }], remove: [] });
    await sql`DELETE FROM group_member WHERE tenant_id = ${tenant.tenantId} AND group_id = ${sales}`.execute(t.handle.db);
    await t.services.groupLicensing.reprocessUser(tenant.context, anna);
    expect((await rowsOf(anna)).find((row) => row.source_id === sales)).toMatchObject({ sku_id: MS.e3, state: 'ActiveWithError', error: 'DependencyViolation' });
    expect(await seatsOf(anna)).toEqual([MS.audioConferencing, MS.e3].sort());
    await t.services.licensing.assignLicense(tenant.context, { userKey: anna, add: [], remove: [MS.audioConferencing] });
    await t.services.groupLicensing.reprocessUser(tenant.context, anna);
    expect(await rowsOf(anna)).toEqual([]);
    expect(await seatsOf(anna)).toEqual([]);
    await expectCountersTrue();
  });

  it('removing a license from the group removes only that group’s contribution', async () => {
    const anna = await tenant.user('anna');
    const sales = await group('Sales', [anna]);
    await t.services.licensing.assignLicense(tenant.context, { userKey: anna, add: [{ skuId: MS.e3, disabledPlans: [] }], remove: [] });
    await assignToGroup(sales, [{ skuId: MS.e3 }, { skuId: FLEET.standard }]);
    await assignToGroup(sales, [], [MS.e3, FLEET.standard]);
    expect((await rowsOf(anna)).map((row) => [row.sku_id, row.source_id])).toEqual([[MS.e3, DIRECT_SOURCE]]);
    expect(await seatsOf(anna)).toEqual([MS.e3]);
    await expectCountersTrue();
  });

  it('validates the group’s own licenses as Graph does, and changes nothing when it refuses', async () => {
    const anna = await tenant.user('anna');
    const sales = await group('Sales', [anna]);
    const refuse = async (add: { skuId: string; disabledPlans?: string[] }[], message: string | RegExp) => {
      await expect(assignToGroup(sales, add)).rejects.toMatchObject({ code: 'licenseAssignmentFailed', message: expect.stringMatching(message) as unknown });
    };
    await refuse([{ skuId: EXTRA.unknown }], `License ${EXTRA.unknown} does not correspond to a valid company License.`);
    await refuse([{ skuId: EXTRA.site }], `License ${EXTRA.site} cannot be assigned to a user.`);
    await refuse([{ skuId: MS.e3, disabledPlans: [FLEET.planStandard] }], /do not belong to license/);
    // An add-on whose prerequisite is not in the same group.
    await refuse([{ skuId: MS.audioConferencing }], /^License assignment failed because service plan .* depends on the service plan\(s\)/);
    expect(await rowsOf(anna)).toEqual([]);
    const grants = await sql`SELECT * FROM group_license WHERE tenant_id = ${tenant.tenantId}`.execute(t.handle.db);
    expect(grants.rows).toEqual([]);
  });

  it('answers the 202 of Graph’s group assignLicense over HTTP, already processed', async () => {
    const anna = await tenant.user('anna');
    const sales = await group('Sales', [anna]);
    const response = await t.inject({ method: 'POST', url: `/v1.0/groups/${sales}/assignLicense`, tenant: tenant.tenantId, payload: { addLicenses: [{ skuId: FLEET.standard, disabledPlans: [] }], removeLicenses: [] } });
    expect(response.statusCode).toBe(202);
    expect(response.headers.location).toBe(`https://allot.test/v1.0/groups/${sales}`);
    expect(response.json()).toMatchObject({ id: sales, groupTypes: [], securityEnabled: true });
    expect(await seatsOf(anna)).toEqual([FLEET.standard]);
    const audit = await sql<{ activity: string; details: unknown }>`SELECT activity, details FROM audit_log WHERE tenant_id = ${tenant.tenantId} AND target_id = ${sales} ORDER BY occurred_at, activity`.execute(t.handle.db);
    expect(audit.rows.map((row) => row.activity).sort()).toEqual(['Finish applying group based license to users', 'Set group license', 'Start applying group based license to users']);
  });

  it('fills the waitlist in the transaction that frees a seat, earliest member first, only where it is on', async () => {
    const holder = await tenant.user('holder');
    const early = await tenant.user('early');
    const late = await tenant.user('late');
    // E5 has one seat: the holder takes it directly; both members wait.
    await t.services.licensing.assignLicense(tenant.context, { userKey: holder, add: [{ skuId: MS.e5, disabledPlans: [] }], remove: [] });
    const waiting = await group('Waiting', [early, late]);
    await assignToGroup(waiting, [{ skuId: MS.e5 }]);
    expect((await rowsOf(early))[0]).toMatchObject({ state: 'Error', error: 'CountViolation' });

    // Without the waitlist a freed seat stays free until someone reprocesses.
    await t.services.licensing.assignLicense(tenant.context, { userKey: holder, add: [], remove: [MS.e5] });
    expect(await seatsOf(early)).toEqual([]);
    await t.services.licensing.assignLicense(tenant.context, { userKey: holder, add: [{ skuId: MS.e5, disabledPlans: [] }], remove: [] });

    const toggled = await t.inject({ method: 'PATCH', url: `/admin/groups/${waiting}/licenses/${MS.e5}`, tenant: tenant.tenantId, payload: { waitlist: true } });
    expect(toggled.statusCode).toBe(204);
    await t.services.licensing.assignLicense(tenant.context, { userKey: holder, add: [], remove: [MS.e5] });
    expect(await seatsOf(early)).toEqual([MS.e5]);
    expect((await rowsOf(early))[0]).toMatchObject({ state: 'Active', error: null });
    expect(await seatsOf(late)).toEqual([]);
    // Buying a license hands it to the next in line.
    const subscription = (await t.services.subscriptions.listSubscriptions(tenant.context)).find((view) => view.subscription.skuId === MS.e5);
    await t.services.subscriptions.changeLicenseCount(tenant.context, subscription?.subscription.subscriptionId ?? '', 1);
    expect(await seatsOf(late)).toEqual([MS.e5]);
    await expectCountersTrue();
  });
});
