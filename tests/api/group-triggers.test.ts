import { sql } from 'kysely';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createLicensingTenant, EXTRA, FLEET, MS, type LicensingTenant } from '../support/fixtures.js';
import { createTestApp, type TestApp } from '../support/test-app.js';

/**
 * The triggers of group-based licensing over HTTP: each change re-evaluates exactly the affected
 * users in its own transaction, so the answer to the request already shows the licenses.
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

const call = (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: unknown, headers: Record<string, string> = {}) =>
  t.inject({ method, url, tenant: tenant.tenantId, headers, ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }) });

const ref = (id: string) => ({ '@odata.id': `https://graph.microsoft.com/v1.0/directoryObjects/${id}` });

async function createGroup(body: Record<string, unknown>): Promise<string> {
  const response = await call('POST', '/v1.0/groups', { mailEnabled: false, securityEnabled: true, mailNickname: 'g', ...body });
  expect(response.statusCode, response.body).toBe(201);
  return response.json<{ id: string }>().id;
}

const licenseGroup = async (groupId: string, skuId: string) => {
  const response = await call('POST', `/v1.0/groups/${groupId}/assignLicense`, { addLicenses: [{ skuId, disabledPlans: [] }], removeLicenses: [] });
  expect(response.statusCode, response.body).toBe(202);
};

const seatsOf = async (userId: string): Promise<string[]> =>
  (await sql<{ sku_id: string }>`SELECT sku_id FROM user_license WHERE tenant_id = ${tenant.tenantId} AND user_id = ${userId} ORDER BY sku_id`.execute(t.handle.db)).rows.map((row) => row.sku_id);

const stateOf = async (userId: string, groupId: string) =>
  (await sql<{ state: string; error: string | null }>`SELECT state, error FROM license_assignment WHERE tenant_id = ${tenant.tenantId} AND user_id = ${userId} AND source_id = ${groupId}`.execute(t.handle.db)).rows[0];

describe('membership triggers', () => {
  it('adding a member licenses it and removing it frees the seat, in the request’s transaction', async () => {
    const anna = await tenant.user('anna');
    const sales = await createGroup({ displayName: 'Sales' });
    await licenseGroup(sales, FLEET.standard);
    expect((await call('POST', `/v1.0/groups/${sales}/members/$ref`, ref(anna))).statusCode).toBe(204);
    expect(await seatsOf(anna)).toEqual([FLEET.standard]);
    const user = await call('GET', `/v1.0/users/${anna}?$select=licenseAssignmentStates`);
    expect(user.json<{ licenseAssignmentStates: { assignedByGroup: string; state: string }[] }>().licenseAssignmentStates).toMatchObject([{ assignedByGroup: sales, state: 'Active' }]);
    expect((await call('DELETE', `/v1.0/groups/${sales}/members/${anna}/$ref`)).statusCode).toBe(204);
    expect(await seatsOf(anna)).toEqual([]);
    expect(await t.services.subscriptions.verifyCounters(tenant.context)).toEqual({ mismatches: [] });
  });

  it('adding a guest to a licensed group needs a Global Administrator, as licensing it directly does', async () => {
    const guest = await t.services.users.createUser(tenant.context, {
      userPrincipalName: `kim_fabrikam.example#EXT#@${(await t.services.tenants.getTenant(tenant.tenantId)).domains[0]?.domain ?? ''}`,
      displayName: 'Kim',
      mailNickname: 'kim',
      mail: 'kim@fabrikam.example',
      givenName: null,
      surname: null,
      jobTitle: null,
      department: null,
      usageLocation: 'NL',
      userType: 'Guest',
      accountEnabled: true,
    });
    const sales = await createGroup({ displayName: 'Sales' });
    await licenseGroup(sales, FLEET.standard);
    const { headers } = await t.adminHeaders(tenant.tenantId, ['User Administrator']);
    const refused = await t.app.inject({ method: 'POST', url: `/v1.0/groups/${sales}/members/$ref`, headers, payload: ref(guest.user.userId) });
    expect(refused.statusCode).toBe(403);
    expect(refused.json<{ error: { details: { message: string }[] } }>().error.details[0]?.message).toContain('Global Administrator');
    expect(await seatsOf(guest.user.userId)).toEqual([]);
    expect((await sql`SELECT 1 FROM group_member WHERE group_id = ${sales}`.execute(t.handle.db)).rows).toEqual([]);
  });

  it('deleting a member frees its seat for the waitlist, and restoring it puts it back in line', async () => {
    const first = await tenant.user('first');
    const second = await tenant.user('second');
    const crowd = await createGroup({ displayName: 'Crowd' });
    await licenseGroup(crowd, MS.e5);
    const licensesOfCrowd = async () => (await call('GET', `/admin/groups/${crowd}/licenses`)).json<{ value: { skuId: string; waitlist: boolean; disabledPlans: string[] }[] }>().value;
    expect(await licensesOfCrowd()).toMatchObject([{ skuId: MS.e5, waitlist: false, disabledPlans: [] }]);
    expect((await call('PATCH', `/admin/groups/${crowd}/licenses/${MS.e5}`, { waitlist: true })).statusCode).toBe(204);
    expect(await licensesOfCrowd()).toMatchObject([{ skuId: MS.e5, waitlist: true }]);
    expect((await call('GET', `/admin/groups/${tenant.tenantId}/licenses`)).statusCode).toBe(404);
    await call('POST', `/v1.0/groups/${crowd}/members/$ref`, ref(first));
    await call('POST', `/v1.0/groups/${crowd}/members/$ref`, ref(second));
    expect(await stateOf(second, crowd)).toEqual({ state: 'Error', error: 'CountViolation' });
    // The product page says where the next free seat goes.
    const products = await call('GET', '/admin/licenses');
    expect(products.json<{ value: { skuId: string; waitingForSeat: unknown }[] }>().value.find((product) => product.skuId === MS.e5)?.waitingForSeat).toEqual({ waiting: 1, waitlisted: 1 });
    expect((await call('DELETE', `/v1.0/users/${first}`)).statusCode).toBe(204);
    expect(await seatsOf(second)).toEqual([MS.e5]);
    expect((await call('POST', `/v1.0/directory/deletedItems/${first}/restore`)).statusCode).toBe(200);
    expect(await stateOf(first, crowd)).toEqual({ state: 'Error', error: 'CountViolation' });
    expect(await t.services.subscriptions.verifyCounters(tenant.context)).toEqual({ mismatches: [] });
  });
});

describe('dynamic groups', () => {
  it('licenses who matches the rule, and follows user changes and rule edits at once', async () => {
    const anna = await tenant.user('anna');
    const bram = await tenant.user('bram');
    await call('PATCH', `/v1.0/users/${anna}`, { department: 'Sales' });
    const sales = await createGroup({ displayName: 'Sales (dynamic)', groupTypes: ['DynamicMembership'], membershipRule: 'user.department -eq "Sales"', membershipRuleProcessingState: 'On' });
    await licenseGroup(sales, FLEET.standard);
    expect(await seatsOf(anna)).toEqual([FLEET.standard]);
    expect(await seatsOf(bram)).toEqual([]);

    // Bram moves to Sales: he is a member and licensed when the PATCH answers.
    expect((await call('PATCH', `/v1.0/users/${bram}`, { department: 'sales' })).statusCode).toBe(204);
    expect(await seatsOf(bram)).toEqual([FLEET.standard]);
    // Anna leaves Sales.
    await call('PATCH', `/v1.0/users/${anna}`, { department: 'Finance' });
    expect(await seatsOf(anna)).toEqual([]);
    // A rule edit that takes in Finance too.
    expect((await call('PATCH', `/v1.0/groups/${sales}`, { membershipRule: 'user.department -in ["Sales", "Finance"]' })).statusCode).toBe(204);
    expect(await seatsOf(anna)).toEqual([FLEET.standard]);
    // Explain names the path: the group, its rule, and that the user is a member through it.
    const explained = await call('GET', `/admin/users/${anna}/licenses/explain?skuId=${FLEET.standard}`);
    expect(explained.json<{ value: { sources: unknown[] }[] }>().value[0]?.sources).toEqual([
      expect.objectContaining({ kind: 'group', sourceId: sales, state: 'Active', group: { displayName: 'Sales (dynamic)', membershipRule: 'user.department -in ["Sales", "Finance"]', isMember: true } }),
    ]);
    const members = await call('GET', `/v1.0/groups/${sales}/members?$select=id`);
    expect(members.json<{ value: { id: string }[] }>().value.map((member) => member.id).sort()).toEqual([anna, bram].sort());
    expect(await t.services.subscriptions.verifyCounters(tenant.context)).toEqual({ mismatches: [] });
  });

  it('a paused rule keeps its members; a new user who matches joins at creation', async () => {
    const sales = await createGroup({ displayName: 'Sales (dynamic)', groupTypes: ['DynamicMembership'], membershipRule: 'user.jobTitle -startsWith "Account"', membershipRuleProcessingState: 'On' });
    await licenseGroup(sales, FLEET.standard);
    const created = await call('POST', '/v1.0/users', { accountEnabled: true, displayName: 'Cas', mailNickname: 'cas', userPrincipalName: `cas@${(await t.services.tenants.getTenant(tenant.tenantId)).domains[0]?.domain ?? ''}`, jobTitle: 'Account manager', usageLocation: 'NL' });
    expect(created.statusCode).toBe(201);
    const cas = created.json<{ id: string }>().id;
    expect(await seatsOf(cas)).toEqual([FLEET.standard]);
    await call('PATCH', `/v1.0/groups/${sales}`, { membershipRuleProcessingState: 'Paused' });
    await call('PATCH', `/v1.0/users/${cas}`, { jobTitle: 'Driver' });
    expect(await seatsOf(cas)).toEqual([FLEET.standard]);
  });

  it('a usage location change re-evaluates group licenses', async () => {
    const anna = await tenant.user('anna');
    const exporters = await createGroup({ displayName: 'Export' });
    await licenseGroup(exporters, EXTRA.restricted);
    await call('POST', `/v1.0/groups/${exporters}/members/$ref`, ref(anna));
    expect(await stateOf(anna, exporters)).toEqual({ state: 'Active', error: null });
    await call('PATCH', `/v1.0/users/${anna}`, { usageLocation: 'CU' });
    expect(await stateOf(anna, exporters)).toEqual({ state: 'Error', error: 'ProhibitedInUsageLocationViolation' });
    expect(await seatsOf(anna)).toEqual([]);
  });
});

describe('dry runs', () => {
  it('previews a group license change and a rule edit without changing anything', async () => {
    const anna = await tenant.user('anna');
    const bram = await tenant.user('bram');
    await call('PATCH', `/v1.0/users/${anna}`, { department: 'Sales' });
    await call('PATCH', `/v1.0/users/${bram}`, { department: 'Finance' });
    const sales = await createGroup({ displayName: 'Sales (dynamic)', groupTypes: ['DynamicMembership'], membershipRule: 'user.department -eq "Sales"', membershipRuleProcessingState: 'On' });
    const before = await sql`SELECT count(*)::int AS n FROM audit_log WHERE tenant_id = ${tenant.tenantId}`.execute(t.handle.db);

    const license = await call('POST', `/admin/groups/${sales}/licenses/preview`, { addLicenses: [{ skuId: MS.e5, disabledPlans: [] }, { skuId: FLEET.standard, disabledPlans: [] }], removeLicenses: [] });
    expect(license.statusCode, license.body).toBe(200);
    expect(license.json()).toMatchObject({ seatDeltas: [{ skuId: FLEET.standard, delta: 1 }, { skuId: MS.e5, delta: 1 }].sort((a, b) => a.skuId.localeCompare(b.skuId)), succeeded: 1, failed: 0 });
    expect(await seatsOf(anna)).toEqual([]);

    await licenseGroup(sales, FLEET.standard);
    const rule = await call('POST', `/admin/groups/${sales}/rule/preview`, { membershipRule: 'user.department -eq "Finance"' });
    expect(rule.statusCode, rule.body).toBe(200);
    expect(rule.json()).toMatchObject({ joining: [bram], leaving: [anna], seatDeltas: [] });
    expect(rule.json<{ changedUsers: { userId: string }[] }>().changedUsers.map((user) => user.userId).sort()).toEqual([anna, bram].sort());
    // Nothing changed: Anna keeps her license, Bram has none, the rule is the old one.
    expect(await seatsOf(anna)).toEqual([FLEET.standard]);
    expect(await seatsOf(bram)).toEqual([]);
    // A membership change previewed on a static group: joining takes a seat, nothing changes.
    const team = await createGroup({ displayName: 'Team' });
    await licenseGroup(team, MS.e3);
    const joining = await call('POST', `/admin/groups/${team}/members/preview`, { add: [bram] });
    expect(joining.statusCode, joining.body).toBe(200);
    expect(joining.json()).toMatchObject({ seatDeltas: [{ skuId: MS.e3, delta: 1 }], succeeded: 1, failed: 0 });
    expect(await seatsOf(bram)).toEqual([]);
    expect((await call('POST', `/admin/groups/${team}/members/preview`, { add: ['00000000-0000-4000-8000-000000000009'] })).statusCode).toBe(404);
    const broken = await call('POST', `/admin/groups/${sales}/rule/preview`, { membershipRule: 'user.department -eq' });
    expect(broken.statusCode).toBe(400);
    expect(broken.json<{ error: { message: string } }>().error.message).toMatch(/position/);
    // Before a group exists: who the rule would take in.
    const groupsBefore = (await call('GET', '/v1.0/groups?$top=999')).json<{ value: unknown[] }>().value.length;
    const unborn = await call('POST', '/admin/groups/rule/preview', { membershipRule: 'user.department -eq "Finance"' });
    expect(unborn.statusCode, unborn.body).toBe(200);
    expect(unborn.json()).toMatchObject({ matching: 1, sample: [{ id: bram }] });
    expect((await call('POST', '/admin/groups/rule/preview', { membershipRule: 'user.department -eq' })).statusCode).toBe(400);
    expect((await call('POST', '/admin/groups/rule/preview', {})).statusCode).toBe(400);
    expect((await call('GET', '/v1.0/groups?$top=999')).json<{ value: unknown[] }>().value).toHaveLength(groupsBefore);
    const after = await sql`SELECT count(*)::int AS n FROM audit_log WHERE tenant_id = ${tenant.tenantId} AND activity LIKE '%preview%'`.execute(t.handle.db);
    expect(after.rows).toEqual([{ n: 0 }]);
    expect(before.rows.length).toBe(1);
  });
});
