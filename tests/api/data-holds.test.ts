import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLicensingTenant, MS, type LicensingTenant } from '../support/fixtures.js';
import { expectGraphError } from '../support/graph-error.js';
import { createTestApp, TEST_NOW, type TestApp } from '../support/test-app.js';

/** The data lifecycle admin API: holds, a user's records, records by state, the deletion preview. */

let t: TestApp;
let a: LicensingTenant;
let b: LicensingTenant;

const asA = (method: 'GET' | 'POST' | 'DELETE', url: string, payload?: object, headers: Record<string, string> = {}) =>
  t.inject({ method, url, tenant: a.tenantId, headers, ...(payload ? { payload } : {}) });

const holdRows = async (tenantId: string) => (await sql`SELECT hold_id, kind, user_id, data_classes, name FROM data_hold WHERE tenant_id = ${tenantId} ORDER BY hold_id`.execute(t.handle.db)).rows;

const audit = async (activity: string) =>
  (await sql<{ target_type: string; target_id: string; category: string }>`
    SELECT target_type, target_id, category FROM audit_log WHERE tenant_id = ${a.tenantId} AND activity = ${activity}`.execute(t.handle.db)).rows;

beforeAll(async () => {
  t = await createTestApp();
  a = await createLicensingTenant(t.services);
  b = await createLicensingTenant(t.services);
});
afterAll(async () => {
  await t.close();
});

describe('holds', () => {
  it('creates, lists and removes a litigation hold and a retention policy, with audit entries', async () => {
    const user = await a.user('custodian');
    const litigation = await asA('POST', '/admin/data/holds', { kind: 'litigationHold', userId: user, dataClasses: ['files', 'mailbox', 'files'], name: ' Case 17 ' });
    expect(litigation.statusCode, litigation.body).toBe(201);
    expect(litigation.json()).toEqual({ id: expect.any(String), kind: 'litigationHold', userId: user, dataClasses: ['mailbox', 'files'], name: 'Case 17', createdDateTime: TEST_NOW.toISOString() });
    const policy = await asA('POST', '/admin/data/holds', { kind: 'retentionPolicy', name: 'Keep mail', dataClasses: ['mailbox'] });
    expect(policy.json()).toMatchObject({ kind: 'retentionPolicy', userId: null, dataClasses: ['mailbox'] });

    const listed = await asA('GET', '/admin/data/holds');
    expect(listed.json<{ value: { id: string }[] }>().value.map((hold) => hold.id).sort()).toEqual([litigation.json<{ id: string }>().id, policy.json<{ id: string }>().id].sort());
    expect(await audit('Add litigation hold')).toEqual([{ target_type: 'User', target_id: user, category: 'UserManagement' }]);
    expect(await audit('Add retention policy')).toEqual([{ target_type: 'Tenant', target_id: a.tenantId, category: 'DirectoryManagement' }]);

    const data = await asA('GET', `/admin/users/${user}/data`);
    expect(data.json()).toEqual({ userId: user, userPrincipalName: expect.stringMatching(/^custodian@/), deleted: false, value: [] });

    expect((await asA('DELETE', `/admin/data/holds/${policy.json<{ id: string }>().id}`)).statusCode).toBe(204);
    expect(await audit('Remove retention policy')).toHaveLength(1);
    expect(await holdRows(a.tenantId)).toHaveLength(1);
  });

  it('refuses bad bodies (400) and unknown users or holds (404), creating nothing', async () => {
    const before = await holdRows(a.tenantId);
    expectGraphError(await asA('POST', '/admin/data/holds', { kind: 'litigationHold', dataClasses: ['mailbox'], name: 'No user' }), 400, 'Request_BadRequest');
    expectGraphError(await asA('POST', '/admin/data/holds', { kind: 'retentionPolicy', userId: randomUUID(), name: 'Too narrow' }), 400, 'Request_BadRequest');
    expectGraphError(await asA('POST', '/admin/data/holds', { kind: 'retentionPolicy', dataClasses: [], name: 'Nothing' }), 400, 'Request_BadRequest', /Name at least one data class/);
    expectGraphError(await asA('POST', '/admin/data/holds', { kind: 'retentionPolicy', dataClasses: ['calendar'], name: 'Calendar' }), 400, 'Request_BadRequest');
    expectGraphError(await asA('POST', '/admin/data/holds', { kind: 'forever', name: 'x' }), 400, 'Request_BadRequest');
    expectGraphError(await asA('POST', '/admin/data/holds', { kind: 'retentionPolicy', name: '  ' }), 400, 'Request_BadRequest', /A hold needs a name/);
    const unknown = randomUUID();
    expectGraphError(await asA('POST', '/admin/data/holds', { kind: 'litigationHold', userId: unknown, name: 'Ghost' }), 404, 'Request_ResourceNotFound');
    // Another tenant's user is unknown here.
    expectGraphError(await asA('POST', '/admin/data/holds', { kind: 'litigationHold', userId: await b.user('foreign'), name: 'Foreign' }), 404, 'Request_ResourceNotFound');
    expectGraphError(await asA('DELETE', `/admin/data/holds/${unknown}`), 404, 'Request_ResourceNotFound', `Hold '${unknown}' does not exist.`);
    expectGraphError(await asA('DELETE', '/admin/data/holds/not-a-guid'), 400, 'Request_BadRequest');
    expect(await holdRows(a.tenantId)).toEqual(before);
  });

  it('refuses callers without the permission (403) and changes nothing', async () => {
    const before = await holdRows(a.tenantId);
    const { headers } = await t.adminHeaders(a.tenantId, ['License Administrator']);
    expectGraphError(await asA('GET', '/admin/data/holds', undefined, headers), 403, 'Authorization_RequestDenied', 'Insufficient privileges to complete the operation.');
    const reader = await t.adminHeaders(a.tenantId, ['User Administrator']);
    expect((await asA('GET', '/admin/data/holds', undefined, reader.headers)).statusCode).toBe(200);
    expectGraphError(await asA('POST', '/admin/data/holds', { kind: 'retentionPolicy', name: 'Not mine' }, reader.headers), 403, 'Authorization_RequestDenied');
    const app = await t.appHeaders(a.tenantId, ['Allot.DataLifecycle.Read.All']);
    expectGraphError(await asA('POST', '/admin/data/holds', { kind: 'retentionPolicy', name: 'Not mine' }, app), 403, 'Authorization_RequestDenied');
    expect(await holdRows(a.tenantId)).toEqual(before);
  });
});

describe("a user's data and the records", () => {
  it('answers 404 for an unknown user, another tenant\'s user, and a purged one with no data', async () => {
    expectGraphError(await asA('GET', `/admin/users/${randomUUID()}/data`), 404, 'Request_ResourceNotFound');
    expectGraphError(await asA('GET', '/admin/users/nobody@example.com/data'), 404, 'Request_ResourceNotFound');
    expectGraphError(await asA('GET', `/admin/users/${await b.user('elsewhere')}/data`), 404, 'Request_ResourceNotFound');
    const { headers } = await t.adminHeaders(a.tenantId, ['Billing Administrator']);
    expectGraphError(await asA('GET', `/admin/users/${await a.user('private')}/data`, undefined, headers), 403, 'Authorization_RequestDenied');
  });

  it('finds a user by principal name, and pages users in grace', async () => {
    const names = ['grace-1', 'grace-2', 'grace-3'];
    const ids: string[] = [];
    for (const name of names) {
      const id = await a.user(name);
      ids.push(id);
      await t.services.licensing.assignLicense(a.context, { userKey: id, add: [{ skuId: MS.e3, disabledPlans: [] }], remove: [] });
      await t.services.licensing.assignLicense(a.context, { userKey: id, add: [], remove: [MS.e3] });
    }
    const upn = (await asA('GET', `/admin/users/${ids[0] ?? ''}/data`)).json<{ userPrincipalName: string }>().userPrincipalName;
    expect((await asA('GET', `/admin/users/${upn}/data`)).json()).toMatchObject({ userId: ids[0], value: [{ dataClass: 'mailbox', state: 'Grace' }, { dataClass: 'files', state: 'Unlicensed' }] });

    const first = await asA('GET', '/admin/data/records?state=Grace&top=2');
    expect(first.statusCode, first.body).toBe(200);
    const page1 = first.json<{ value: { userId: string; state: string; graceUntil: string; searchable: boolean }[]; skiptoken: string | null }>();
    expect(page1.value).toHaveLength(2);
    expect(page1.value.every((record) => record.state === 'Grace' && record.searchable === false && record.graceUntil === new Date(TEST_NOW.getTime() + 30 * 86_400_000).toISOString())).toBe(true);
    const second = await asA('GET', `/admin/data/records?state=Grace&top=2&skiptoken=${encodeURIComponent(page1.skiptoken ?? '')}`);
    const page2 = second.json<{ value: { userId: string }[]; skiptoken: string | null }>();
    expect(page2.skiptoken).toBeNull();
    expect([...page1.value, ...page2.value].map((record) => record.userId)).toEqual([...ids].sort());

    expectGraphError(await asA('GET', '/admin/data/records?state=Sleeping'), 400, 'Request_BadRequest');
    // A held class is Licensed without a record.
    expectGraphError(await asA('GET', '/admin/data/records?state=Licensed'), 400, 'Request_BadRequest');
    expectGraphError(await asA('GET', '/admin/data/records?skiptoken=garbage'), 400, 'Request_BadRequest', 'The skiptoken is not one this API returned. Start again without it.');
  });

  it("lists holds with their user's name, and records with the holds that keep them and what their grace leads to", async () => {
    const held = await a.user('held-after-grace');
    const free = await a.user('purged-after-grace');
    for (const id of [held, free]) {
      await t.services.licensing.assignLicense(a.context, { userKey: id, add: [{ skuId: MS.e3, disabledPlans: [] }], remove: [] });
      await t.services.licensing.assignLicense(a.context, { userKey: id, add: [], remove: [MS.e3] });
    }
    const hold = (await asA('POST', '/admin/data/holds', { kind: 'litigationHold', userId: held, dataClasses: ['mailbox'], name: 'Case 18' })).json<{ id: string }>();
    const policy = (await asA('POST', '/admin/data/holds', { kind: 'retentionPolicy', dataClasses: ['files'], name: 'Keep files' })).json<{ id: string }>();

    const holds = (await asA('GET', '/admin/data/holds')).json<{ value: { id: string; userDisplayName: string | null; userPrincipalName: string | null; userDeleted: boolean }[] }>().value;
    expect(holds.find((item) => item.id === hold.id)).toMatchObject({ userDisplayName: 'held-after-grace', userPrincipalName: expect.stringMatching(/^held-after-grace@/), userDeleted: false });
    expect(holds.find((item) => item.id === policy.id)).toMatchObject({ userDisplayName: null, userPrincipalName: null, userDeleted: false });

    type Row = { userId: string; dataClass: string; afterGrace: string | null; holds: { id: string; name: string }[] };
    const records = async () => (await asA('GET', '/admin/data/records?state=Grace&top=999')).json<{ value: Row[] }>().value;
    const mailboxOf = (rows: Row[], userId: string) => rows.find((row) => row.userId === userId && row.dataClass === 'mailbox');
    let rows = await records();
    expect(mailboxOf(rows, held)).toMatchObject({ afterGrace: 'Retained', holds: [{ id: hold.id, name: 'Case 18' }] });
    expect(mailboxOf(rows, free)).toMatchObject({ afterGrace: 'Purged', holds: [] });

    await t.services.users.deleteUser(a.context, held);
    expect((await asA('GET', '/admin/data/holds')).json<{ value: { id: string; userDeleted: boolean }[] }>().value.find((item) => item.id === hold.id)?.userDeleted).toBe(true);
    expect((await asA('DELETE', `/admin/data/holds/${hold.id}`)).statusCode).toBe(204);
    expect((await asA('DELETE', `/admin/data/holds/${policy.id}`)).statusCode).toBe(204);
    rows = await records();
    expect(mailboxOf(rows, held)).toMatchObject({ afterGrace: 'Purged', holds: [] });
  });

  it('refuses a retention on a plan that keeps no data in the custom catalogue', async () => {
    const planId = randomUUID();
    const response = await asA('POST', '/admin/catalogue', {
      products: [{ skuId: randomUUID(), skuPartNumber: 'NO_DATA', displayName: 'No data', servicePlans: [planId] }],
      servicePlans: [{ servicePlanId: planId, servicePlanName: 'NO_DATA_PLAN', friendlyName: 'No data', dataRetentionDays: 60 }],
      rules: [],
    });
    const body = expectGraphError(response, 400, 'Request_BadRequest');
    expect(body.error.details?.[0]).toMatchObject({ code: 'retentionWithoutData', target: 'servicePlans[0].dataRetentionDays' });
  });
});

describe('deletion preview', () => {
  it('answers 404 for an unknown user and 403 without users.delete, changing nothing', async () => {
    expectGraphError(await asA('POST', `/admin/users/${randomUUID()}/delete/preview`), 404, 'Request_ResourceNotFound');
    const user = await a.user('previewed');
    const { headers } = await t.adminHeaders(a.tenantId, ['License Administrator']);
    expectGraphError(await asA('POST', `/admin/users/${user}/delete/preview`, undefined, headers), 403, 'Authorization_RequestDenied');
    const preview = await asA('POST', `/admin/users/${user}/delete/preview`);
    expect(preview.json()).toMatchObject({ userId: user, seatsFreed: 0, data: [] });
    expect((await asA('GET', `/v1.0/users/${user}`)).statusCode).toBe(200);
  });
});
