import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createLicensingTenant, FLEET, licensingSnapshot, MS, type LicensingTenant } from '../support/fixtures.js';
import { requestHash } from '../../src/api/plugins/idempotency.js';
import { createTestApp, type TestApp } from '../support/test-app.js';

/** The admin API of issue #2 §7: overview, product page, Manage product licenses, one user's licenses. */
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

const call = (method: 'GET' | 'POST' | 'PUT', url: string, payload?: unknown, headers: Record<string, string> = {}) =>
  t.inject({ method, url, tenant: tenant.tenantId, headers: { ...headers }, ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }) });

interface BulkBody {
  applied: boolean;
  canApply: boolean;
  seatDeltas: { skuId: string; delta: number; available: number; shortBy: number }[];
  licensesToBuy: { skuId: string; count: number }[];
  users: { id: string; added: string[]; removed: string[]; kept: { skuId: string; reason: string }[]; servicesLost: { servicePlanId: string; name: string }[]; conflicts: { code: string; message: string }[] }[];
}

const users = (count: number, prefix: string, usageLocation: string | null = 'NL') => Promise.all(Array.from({ length: count }, (_, index) => tenant.user(`${prefix}${index}`, usageLocation)));

describe('Billing > Licenses', () => {
  it('sums each product over its subscriptions', async () => {
    await t.services.subscriptions.recordSubscription(tenant.context, { skuId: MS.e3, totalLicenses: 8 });
    const [user] = await users(1, 'ov');
    await call('POST', `/admin/licenses/${MS.e3}/assign`, { userIds: [user] });
    const response = await call('GET', '/admin/licenses');
    expect(response.statusCode).toBe(200);
    const e3 = response.json<{ value: { skuId: string; assigned: number; available: number; total: number; subscriptions: unknown[] }[] }>().value.find((product) => product.skuId === MS.e3);
    expect(e3).toMatchObject({ assigned: 1, available: 10, total: 11 });
    expect(e3?.subscriptions).toHaveLength(2);
  });

  it('lists a product’s licensed users, searchable and paged', async () => {
    const ids = await users(5, 'fleetuser');
    const response = await call('POST', `/admin/licenses/${FLEET.standard}/assign`, { userIds: ids });
    expect(response.json<BulkBody>().applied).toBe(true);
    const page1 = await call('GET', `/admin/licenses/${FLEET.standard}/users?top=3`);
    const body1 = page1.json<{ count: number; skiptoken: string | null; value: { id: string }[] }>();
    expect(body1.count).toBe(5);
    expect(body1.value).toHaveLength(3);
    const page2 = await call('GET', `/admin/licenses/${FLEET.standard}/users?top=3&skiptoken=${encodeURIComponent(body1.skiptoken ?? '')}`);
    const body2 = page2.json<{ skiptoken: string | null; value: { id: string }[] }>();
    expect(body2.value).toHaveLength(2);
    expect(body2.skiptoken).toBeNull();
    expect(new Set([...body1.value, ...body2.value].map((user) => user.id))).toEqual(new Set(ids));
    const searched = await call('GET', `/admin/licenses/${FLEET.standard}/users?search=fleetuser3`);
    expect(searched.json<{ value: { id: string }[] }>().value.map((user) => user.id)).toEqual([ids[3]]);
  });
});

describe('product page assign and unassign', () => {
  it('assigns to many users with a service off, and unassigns', async () => {
    const ids = await users(3, 'pp');
    const response = await call('POST', `/admin/licenses/${FLEET.premium}/assign`, { userIds: ids, disabledPlans: [FLEET.planAnalytics] });
    expect(response.statusCode).toBe(200);
    const licensed = await t.services.licensing.getLicensedUser(tenant.context, ids[0]!);
    expect(licensed.assignments.map((assignment) => assignment.disabledPlans)).toEqual([[FLEET.planAnalytics]]);
    const unassigned = await call('POST', `/admin/licenses/${FLEET.premium}/unassign`, { userIds: ids.slice(0, 2) });
    expect(unassigned.json<BulkBody>().users.map((user) => user.removed)).toEqual([[FLEET.premium], [FLEET.premium], []].slice(0, 2));
    const overview = (await t.services.licenseAdmin.overview(tenant.context)).find((product) => product.sku.skuId === FLEET.premium);
    expect(overview?.assigned).toBe(1);
  });

  it('takes at most 20 users', async () => {
    const ids = Array.from({ length: 21 }, (_, index) => `00000000-0000-4000-8000-${String(index).padStart(12, '0')}`);
    const response = await call('POST', `/admin/licenses/${MS.e3}/assign`, { userIds: ids });
    expect(response.statusCode).toBe(400);
    expect(response.json<{ error: { message: string } }>().error.message).toBe('At most 20 users per request.');
  });

  it('refuses the whole batch when one user conflicts, changing nothing', async () => {
    const ids = await users(2, 'conf');
    const noLocation = await tenant.user('conf-noloc', null);
    const before = await licensingSnapshot(t.handle.db, tenant.tenantId);
    const response = await call('POST', `/admin/licenses/${FLEET.standard}/assign`, { userIds: [...ids, noLocation] });
    expect(response.statusCode).toBe(400);
    const error = response.json<{ error: { message: string; details: { code: string; target: string }[] } }>().error;
    expect(error.message).toBe('No licenses were changed: 1 user cannot get this change.');
    expect(error.details).toContainEqual(expect.objectContaining({ code: 'InvalidUsageLocation', target: expect.stringContaining('conf-noloc') as unknown }));
    expect(await licensingSnapshot(t.handle.db, tenant.tenantId)).toEqual(before);
  });
});

describe('Manage product licenses', () => {
  it('previews a Replace: seat deltas, licenses to buy, services lost, kept licenses; changes nothing', async () => {
    const ids = await users(4, 'rep');
    for (const id of ids) {
      expect((await call('POST', `/v1.0/users/${id}/assignLicense`, { addLicenses: [{ skuId: FLEET.standard, disabledPlans: [] }], removeLicenses: [] })).statusCode).toBe(200);
    }
    // One user also holds Power BI Pro from a colleague's self-service purchase: Replace leaves it.
    const buyer = await tenant.user('buyer');
    await t.services.subscriptions.recordSubscription(tenant.context, { skuId: MS.powerBiPro, totalLicenses: 2, channel: 'selfService', purchasedByUserId: buyer });
    await t.services.licensing.assignLicense(tenant.context, { userKey: ids[0]!, add: [{ skuId: MS.powerBiPro, disabledPlans: [] }], remove: [], pool: { kind: 'selfService', purchaserUserId: buyer } });
    const before = await licensingSnapshot(t.handle.db, tenant.tenantId);

    const response = await call('POST', '/admin/users/manage-licenses', { userIds: ids, mode: 'replace', licenses: [{ skuId: MS.e3, disabledPlans: [] }], dryRun: true });

    expect(response.statusCode).toBe(200);
    const body = response.json<BulkBody>();
    expect(body.applied).toBe(false);
    expect(body.canApply).toBe(false);
    expect(body.seatDeltas).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ skuId: MS.e3, delta: 4, available: 3, shortBy: 1 }),
        expect.objectContaining({ skuId: FLEET.standard, delta: -4, shortBy: 0 }),
      ]),
    );
    expect(body.licensesToBuy).toEqual([{ skuId: MS.e3, displayName: 'Office 365 E3', count: 1 }]);
    const first = body.users.find((user) => user.id === ids[0]);
    expect(first?.removed).toEqual([FLEET.standard]);
    expect(first?.kept).toEqual([expect.objectContaining({ skuId: MS.powerBiPro, reason: 'selfService' })]);
    expect(first?.servicesLost).toEqual([{ servicePlanId: FLEET.planStandard, name: 'Fleet tracking (Standard)' }]);
    expect(await licensingSnapshot(t.handle.db, tenant.tenantId)).toEqual(before);

    // Applying it is refused as a whole, naming the shortage.
    const refused = await call('POST', '/admin/users/manage-licenses', { userIds: ids, mode: 'replace', licenses: [{ skuId: MS.e3, disabledPlans: [] }] });
    expect(refused.statusCode).toBe(400);
    expect(refused.json<{ error: { message: string; details: { message: string }[] } }>().error.details[0]?.message).toBe(
      'Office 365 E3: this change needs 4 more licenses and 3 are available. Buy 1 more, or select fewer users.',
    );
    expect(await licensingSnapshot(t.handle.db, tenant.tenantId)).toEqual(before);

    // Three users fit: applied, with one audit entry per changed user.
    const applied = await call('POST', '/admin/users/manage-licenses', { userIds: ids.slice(0, 3), mode: 'replace', licenses: [{ skuId: MS.e3, disabledPlans: [] }] });
    expect(applied.json<BulkBody>().applied).toBe(true);
    const holder = await t.services.licensing.getLicensedUser(tenant.context, ids[0]!);
    expect(holder.assignments.map((assignment) => assignment.skuId).sort()).toEqual([MS.e3, MS.powerBiPro].sort());
    expect(await t.services.subscriptions.verifyCounters(tenant.context)).toEqual({ mismatches: [] });
  });

  it('Unassign all removes direct licenses only', async () => {
    const [user] = await users(1, 'ua');
    await call('POST', `/v1.0/users/${user}/assignLicense`, { addLicenses: [{ skuId: MS.e3, disabledPlans: [] }, { skuId: FLEET.premium, disabledPlans: [] }], removeLicenses: [] });
    const response = await call('POST', '/admin/users/manage-licenses', { userIds: [user], mode: 'removeAll' });
    expect(response.json<BulkBody>().users[0]?.removed.sort()).toEqual([MS.e3, FLEET.premium].sort());
    expect((await t.services.licensing.getLicensedUser(tenant.context, user!)).assignments).toEqual([]);
  });

  it('refuses more than 1,000 users and Replace without licenses', async () => {
    const many = Array.from({ length: 1001 }, (_, index) => `00000000-0000-4000-8000-${String(index).padStart(12, '0')}`);
    expect((await call('POST', '/admin/users/manage-licenses', { userIds: many, mode: 'removeAll' })).json<{ error: { message: string } }>().error.message).toBe('At most 1000 users per request.');
    const [user] = await users(1, 'nolic');
    const response = await call('POST', '/admin/users/manage-licenses', { userIds: [user], mode: 'replace', licenses: [] });
    expect(response.statusCode).toBe(400);
    expect(response.json<{ error: { message: string } }>().error.message).toBe('Mode replace needs at least one license.');
  });
});

describe('Idempotency-Key', () => {
  it('replays the stored answer, refuses another body (422) and a key in flight (409)', async () => {
    const [a, b] = await users(2, 'idem');
    const request = { userIds: [a], mode: 'addMore', licenses: [{ skuId: MS.e3, disabledPlans: [] }] };
    const first = await call('POST', '/admin/users/manage-licenses', request, { 'idempotency-key': 'key-1' });
    expect(first.statusCode).toBe(200);
    const snapshot = await licensingSnapshot(t.handle.db, tenant.tenantId);
    const replay = await call('POST', '/admin/users/manage-licenses', request, { 'idempotency-key': 'key-1' });
    expect(replay.statusCode).toBe(200);
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect(replay.json()).toEqual(first.json());
    expect(await licensingSnapshot(t.handle.db, tenant.tenantId)).toEqual(snapshot);

    const other = await call('POST', '/admin/users/manage-licenses', { ...request, userIds: [b] }, { 'idempotency-key': 'key-1' });
    expect(other.statusCode).toBe(422);

    // A request still running holds its key: claim one exactly as the first request would.
    const validated = { userIds: [b], mode: 'addMore', licenses: [{ skuId: MS.e3, disabledPlans: [] }], dryRun: false };
    const client = await t.appHeaders(tenant.tenantId);
    const appId = (JSON.parse(Buffer.from(client.authorization?.split('.')[1] ?? '', 'base64url').toString()) as { appid: string }).appid;
    const operator = { ...tenant.context, principal: { kind: 'app' as const, id: appId, displayName: 'Test client', permissions: [] } };
    expect(await t.services.idempotency.begin(operator, 'key-2', requestHash('POST', '/admin/users/manage-licenses', validated))).toBeUndefined();
    const inFlight = await call('POST', '/admin/users/manage-licenses', { ...request, userIds: [b] }, { 'idempotency-key': 'key-2', ...client });
    expect(inFlight.statusCode).toBe(409);
    expect(inFlight.json<{ error: { message: string } }>().error.message).toBe('A request with this Idempotency-Key is still being processed. Retry after it finishes.');
  });
});

describe("one user's licenses", () => {
  it('edits against a version: 428 without If-Match, 412 when stale, ETag moves on', async () => {
    const [user] = await users(1, 'ver');
    const get = await call('GET', `/admin/users/${user}/licenses`);
    const etag = get.headers.etag as string;
    expect(etag).toMatch(/^W\/"\d+"$/);
    expect((await call('PUT', `/admin/users/${user}/licenses`, { licenses: [] })).statusCode).toBe(428);
    const put = await call('PUT', `/admin/users/${user}/licenses`, { licenses: [{ skuId: MS.e3, disabledPlans: [] }] }, { 'if-match': etag });
    expect(put.statusCode).toBe(200);
    expect(put.headers.etag).not.toBe(etag);
    const before = await licensingSnapshot(t.handle.db, tenant.tenantId);
    const stale = await call('PUT', `/admin/users/${user}/licenses`, { licenses: [] }, { 'if-match': etag });
    expect(stale.statusCode).toBe(412);
    expect(await licensingSnapshot(t.handle.db, tenant.tenantId)).toEqual(before);
  });

  it('explains every source and the merged result', async () => {
    const [user] = await users(1, 'exp');
    await call('POST', `/v1.0/users/${user}/assignLicense`, { addLicenses: [{ skuId: MS.e3, disabledPlans: [MS.planTeams] }], removeLicenses: [] });
    const response = await call('GET', `/admin/users/${user}/licenses/explain?servicePlanId=${MS.planTeams}`);
    const [explanation] = response.json<{ value: { skuId: string; sources: { kind: string; disabledPlans: string[] }[]; plans: { servicePlanId: string; enabled: boolean; enabledBy: string[] }[] }[] }>().value;
    expect(explanation?.skuId).toBe(MS.e3);
    expect(explanation?.sources).toEqual([expect.objectContaining({ kind: 'direct', disabledPlans: [MS.planTeams] })]);
    expect(explanation?.plans).toEqual([expect.objectContaining({ servicePlanId: MS.planTeams, enabled: false, enabledBy: [] })]);
  });

  it('creates a user with licenses in one transaction, or not at all', async () => {
    const domain = (await t.services.tenants.getTenant(tenant.tenantId)).domains[0]?.domain ?? '';
    const user = { accountEnabled: true, displayName: 'New Hire', mailNickname: 'newhire', userPrincipalName: `new.hire@${domain}`, usageLocation: 'NL' };
    const refused = await call('POST', '/admin/users', { user, licenses: [{ skuId: MS.audioConferencing, disabledPlans: [] }] });
    expect(refused.statusCode).toBe(400);
    expect((await call('GET', `/v1.0/users/new.hire@${domain}`)).statusCode).toBe(404);
    const created = await call('POST', '/admin/users', { user, licenses: [{ skuId: MS.e3, disabledPlans: [] }, { skuId: MS.audioConferencing, disabledPlans: [] }] });
    expect(created.statusCode).toBe(201);
    expect(created.json<{ assignedLicenses: { skuId: string }[] }>().assignedLicenses.map((license) => license.skuId).sort()).toEqual([MS.audioConferencing, MS.e3].sort());
  });
});

describe('subscriptions', () => {
  it('adds licenses and refuses removing below what is assigned, saying how many to unassign', async () => {
    const list = await call('GET', '/admin/subscriptions');
    const e5 = list.json<{ value: { id: string; skuId: string }[] }>().value.find((subscription) => subscription.skuId === MS.e5);
    const [user] = await users(1, 'sub');
    await call('POST', `/v1.0/users/${user}/assignLicense`, { addLicenses: [{ skuId: MS.e5, disabledPlans: [] }], removeLicenses: [] });
    const added = await call('POST', `/admin/subscriptions/${e5?.id}/add-licenses`, { count: 2 });
    expect(added.json<{ totalLicenses: number }>().totalLicenses).toBe(3);
    const refused = await call('POST', `/admin/subscriptions/${e5?.id}/remove-licenses`, { count: 3 });
    expect(refused.statusCode).toBe(400);
    const error = refused.json<{ error: { message: string; details: { message: string }[] } }>().error;
    expect(error.message).toBe("Cannot remove 3 licenses: 1 of this subscription's 3 licenses are assigned.");
    expect(error.details[0]?.message).toBe('Unassign 1 Office 365 E5 license first (see the product\'s licensed users), or remove at most 2.');
    expect((await call('POST', `/admin/subscriptions/${e5?.id}/remove-licenses`, { count: 2 })).json<{ totalLicenses: number }>().totalLicenses).toBe(1);
  });
});
