import type { LightMyRequestResponse } from 'fastify';
import { sql } from 'kysely';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_TENANT_ID, seedDemoTenant } from '../../src/services/demo-tenant.js';
import { createTestApp, TEST_NOW, type TestApp } from '../support/test-app.js';
import { expectGraphError } from '../support/graph-error.js';

/**
 * User create / read / update / delete / restore / purge over HTTP (graph-licensing.md §2.9–§2.11),
 * on the seeded demo tenant; each describe block gets its own fresh database.
 */

const BASE = 'https://allot.test';
const DOMAIN = 'contoso.onmicrosoft.com';
const BUSINESS_PREMIUM = 'cbdc14ab-d96c-4c30-b9f4-6ada7cdc1d46';
const AUDIO_CONFERENCING = '0c266dff-15dd-4b49-8397-2bb16070ed52';
const UPN_TAKEN = 'Another object with the same value for property userPrincipalName already exists.';
const BAD_DOMAIN = 'The domain portion of the userPrincipalName property is invalid. You must use one of the verified domain names in your organization.';
const notFoundMessage = (id: string): string => `Resource '${id}' does not exist or one of its queried reference-property objects are not present.`;


type UserBody = Record<string, unknown> & { id: string; assignedLicenses?: { skuId: string; disabledPlans: string[] }[] };


/** A fresh app on a fresh database with the demo tenant, for one describe block. */
function useSeededApp(): () => TestApp {
  let t: TestApp | undefined;
  beforeAll(async () => {
    t = await createTestApp();
    await seedDemoTenant(t.services);
  });
  afterAll(async () => {
    await t?.close();
  });
  return () => {
    if (t === undefined) {
      throw new Error('app not started');
    }
    return t;
  };
}

const newUser = (alias: string, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  accountEnabled: true,
  displayName: `Test ${alias}`,
  mailNickname: alias,
  userPrincipalName: `${alias}@${DOMAIN}`,
  passwordProfile: { forceChangePasswordNextSignIn: true, password: 'xWwvJ]6NMw+bWH-d' },
  ...extra,
});

async function request(t: TestApp, method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: unknown): Promise<LightMyRequestResponse> {
  return t.inject({ method, url, ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }) });
}

async function getUser(t: TestApp, key: string, select = 'id,displayName,userPrincipalName,usageLocation,jobTitle,accountEnabled,assignedLicenses'): Promise<UserBody> {
  const response = await request(t, 'GET', `/v1.0/users/${encodeURIComponent(key)}?$select=${select}`);
  expect(response.statusCode, response.body).toBe(200);
  return response.json<UserBody>();
}

async function skuUnits(t: TestApp, skuId: string): Promise<{ consumed: number; prepaid: number }> {
  const response = await request(t, 'GET', '/v1.0/subscribedSkus');
  expect(response.statusCode).toBe(200);
  const sku = response.json<{ value: { skuId: string; consumedUnits: number; prepaidUnits: { enabled: number } }[] }>().value.find((candidate) => candidate.skuId === skuId);
  if (sku === undefined) {
    throw new Error(`SKU ${skuId} not subscribed`);
  }
  return { consumed: sku.consumedUnits, prepaid: sku.prepaidUnits.enabled };
}

async function auditRows(t: TestApp, targetId: string, activity: string) {
  return t.handle.db.selectFrom('audit_log').selectAll().where('tenant_id', '=', DEMO_TENANT_ID).where('target_id', '=', targetId).where('activity', '=', activity).execute();
}

/** Exactly one audit row of `activity` for the target, written by the request that answered `response`. */
async function expectAudited(t: TestApp, targetId: string, activity: string, response: LightMyRequestResponse) {
  const rows = await auditRows(t, targetId, activity);
  expect(rows).toHaveLength(1);
  const [row] = rows;
  expect(row?.request_id).toBe(response.headers['request-id']);
  expect(row?.actor_type).toBe('app');
  expect(row?.actor_authorization).toBe('User.ReadWrite.All');
  expect(row?.category).toBe('UserManagement');
  expect(row?.result).toBe('success');
  return row;
}

async function userRowCount(t: TestApp): Promise<number> {
  const row = await t.handle.db.selectFrom('directory_user').select(sql<number>`count(*)::int`.as('count')).executeTakeFirstOrThrow();
  return row.count;
}

async function deletedIds(t: TestApp): Promise<string[]> {
  const response = await request(t, 'GET', '/v1.0/directory/deletedItems/microsoft.graph.user');
  expect(response.statusCode).toBe(200);
  return response.json<{ value: { id: string }[] }>().value.map((user) => user.id);
}

describe('create, read and update', () => {
  const app = useSeededApp();

  it('POST /v1.0/users creates a user: 201, Location, id, @odata.context users/$entity, audit row', async () => {
    const t = app();
    const response = await request(t, 'POST', '/v1.0/users', newUser('adele.vance', { usageLocation: 'us', jobTitle: 'Retail manager', department: 'Retail' }));
    expect(response.statusCode, response.body).toBe(201);
    const body = response.json<UserBody>();
    expect(body.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(response.headers.location).toBe(`${BASE}/v1.0/users/${body.id}`);
    expect(body['@odata.context']).toBe(`${BASE}/v1.0/$metadata#users/$entity`);
    expect(body).toMatchObject({
      displayName: 'Test adele.vance',
      userPrincipalName: `adele.vance@${DOMAIN}`,
      mailNickname: 'adele.vance',
      usageLocation: 'US',
      jobTitle: 'Retail manager',
      department: 'Retail',
      accountEnabled: true,
      userType: 'Member',
      assignedLicenses: [],
      createdDateTime: TEST_NOW.toISOString().replace('.000Z', 'Z'),
      deletedDateTime: null,
    });
    expect(body).not.toHaveProperty('passwordProfile');
    const row = await expectAudited(t, body.id, 'Add user', response);
    expect(row?.target_name).toBe(`adele.vance@${DOMAIN}`);
    // The Location answers.
    const fetched = await getUser(t, body.id);
    expect(fetched.userPrincipalName).toBe(`adele.vance@${DOMAIN}`);
  });

  it('rejects a body without displayName', async () => {
    const t = app();
    const before = await userRowCount(t);
    const body = newUser('no.name');
    delete body.displayName;
    const error = expectGraphError(await request(t, 'POST', '/v1.0/users', body), 400, 'Request_BadRequest', /^Invalid value for body\.displayName: /);
    expect(error.error.details?.[0]?.target).toBe('body.displayName');
    expect(await userRowCount(t)).toBe(before);
  });

  it('rejects a userPrincipalName on an unverified domain with Graph text', async () => {
    const t = app();
    const error = expectGraphError(await request(t, 'POST', '/v1.0/users', newUser('x', { userPrincipalName: 'eve@fabrikam.com' })), 400, 'Request_BadRequest', BAD_DOMAIN);
    expect(error.error.details?.[0]?.target).toBe('userPrincipalName');
    // A subdomain of a verified domain is not verified either.
    expectGraphError(await request(t, 'POST', '/v1.0/users', newUser('x', { userPrincipalName: `eve@sub.${DOMAIN}` })), 400, 'Request_BadRequest', BAD_DOMAIN);
    const list = await request(t, 'GET', `/v1.0/users?$filter=${encodeURIComponent("startswith(userPrincipalName,'eve@')")}`);
    expect(list.json<{ value: unknown[] }>().value).toEqual([]);
  });

  it('rejects a duplicate userPrincipalName, case-insensitively', async () => {
    const t = app();
    const before = await userRowCount(t);
    const error = expectGraphError(
      await request(t, 'POST', '/v1.0/users', newUser('dup', { userPrincipalName: `ANNA.DeVries@${DOMAIN.toUpperCase()}` })),
      400,
      'Request_BadRequest',
      UPN_TAKEN,
    );
    expect(error.error.details?.[0]).toMatchObject({ code: 'ObjectConflict', target: 'userPrincipalName' });
    expect(await userRowCount(t)).toBe(before);
  });

  it('rejects a malformed or unknown usageLocation', async () => {
    const t = app();
    const malformed = expectGraphError(await request(t, 'POST', '/v1.0/users', newUser('loc1', { usageLocation: 'Netherlands' })), 400, 'Request_BadRequest');
    expect(malformed.error.details?.[0]?.target).toBe('body.usageLocation');
    expect(malformed.error.message).toMatch(/two-letter ISO 3166-1 country code/);
    // Two letters but no country: Graph refuses it too.
    const unknown = expectGraphError(await request(t, 'POST', '/v1.0/users', newUser('loc2', { usageLocation: 'ZZ' })), 400, 'Request_BadRequest');
    expect(unknown.error.message).toBe("Invalid value specified for property 'usageLocation' of resource 'User'.");
    expectGraphError(await request(t, 'GET', `/v1.0/users/loc2@${DOMAIN}`), 404, 'Request_ResourceNotFound');
  });

  it('rejects an unknown or read-only property in the body', async () => {
    const t = app();
    const unknown = expectGraphError(await request(t, 'POST', '/v1.0/users', newUser('extra1', { shoeSize: 42 })), 400, 'Request_BadRequest');
    expect(unknown.error.message).toMatch(/shoeSize/);
    const readOnly = expectGraphError(
      await request(t, 'POST', '/v1.0/users', newUser('extra2', { assignedLicenses: [{ skuId: BUSINESS_PREMIUM, disabledPlans: [] }] })),
      400,
      'Request_BadRequest',
    );
    expect(readOnly.error.message).toMatch(/assignedLicenses/);
    expectGraphError(await request(t, 'GET', `/v1.0/users/extra1@${DOMAIN}`), 404, 'Request_ResourceNotFound');
  });

  it('GET by id and by userPrincipalName (case-insensitive) return the same user', async () => {
    const t = app();
    const byUpn = await getUser(t, `daan.vanthek@${DOMAIN}`);
    expect(byUpn.displayName).toBe("Daan van 't Hek");
    const byId = await getUser(t, byUpn.id);
    expect(byId).toEqual(byUpn);
    const upper = await getUser(t, `DAAN.VANTHEK@${DOMAIN.toUpperCase()}`);
    expect(upper.id).toBe(byUpn.id);
    const full = await request(t, 'GET', `/v1.0/users/${byUpn.id}`);
    expect(full.json<Record<string, unknown>>()['@odata.context']).toBe(`${BASE}/v1.0/$metadata#users/$entity`);
    expect(byUpn['@odata.context']).toBe(`${BASE}/v1.0/$metadata#users(id,displayName,userPrincipalName,usageLocation,jobTitle,accountEnabled,assignedLicenses)/$entity`);
    expect(byUpn.assignedLicenses?.map((license) => license.skuId)).toContain(BUSINESS_PREMIUM);
  });

  it('GET an unknown id or userPrincipalName → 404 Request_ResourceNotFound', async () => {
    const t = app();
    const id = randomUUID();
    expectGraphError(await request(t, 'GET', `/v1.0/users/${id}`), 404, 'Request_ResourceNotFound', notFoundMessage(id));
    expectGraphError(await request(t, 'GET', `/v1.0/users/nobody@${DOMAIN}`), 404, 'Request_ResourceNotFound', notFoundMessage(`nobody@${DOMAIN}`));
  });

  it('PATCH answers 204; the change is visible and audited; a no-op PATCH writes no audit row', async () => {
    const t = app();
    const before = await getUser(t, `max.prins@${DOMAIN}`);
    const response = await request(t, 'PATCH', `/v1.0/users/${before.id}`, { usageLocation: 'gb', jobTitle: 'Warehouse lead', accountEnabled: false });
    expect(response.statusCode, response.body).toBe(204);
    expect(response.body).toBe('');
    const after = await getUser(t, before.id);
    expect(after).toMatchObject({ usageLocation: 'GB', jobTitle: 'Warehouse lead', accountEnabled: false, displayName: 'Max Prins' });
    const row = await expectAudited(t, before.id, 'Update user', response);
    expect(row?.changes).toEqual(
      expect.arrayContaining([
        { property: 'usageLocation', before: 'NL', after: 'GB' },
        { property: 'jobTitle', before: 'Warehouse', after: 'Warehouse lead' },
        { property: 'accountEnabled', before: true, after: false },
      ]),
    );
    const again = await request(t, 'PATCH', `/v1.0/users/${before.id}`, { usageLocation: 'GB' });
    expect(again.statusCode).toBe(204);
    expect(await auditRows(t, before.id, 'Update user')).toHaveLength(1);
  });

  it('PATCH by userPrincipalName can rename the user, also to a case variant of its own UPN', async () => {
    const t = app();
    const user = await getUser(t, `vera.huisman@${DOMAIN}`);
    expect((await request(t, 'PATCH', `/v1.0/users/vera.huisman@${DOMAIN}`, { userPrincipalName: `Vera.Huisman@${DOMAIN}` })).statusCode).toBe(204);
    expect((await getUser(t, user.id)).userPrincipalName).toBe(`Vera.Huisman@${DOMAIN}`);
    expect((await request(t, 'PATCH', `/v1.0/users/${user.id}`, { userPrincipalName: `vera.h@${DOMAIN}` })).statusCode).toBe(204);
    expect((await getUser(t, `vera.h@${DOMAIN}`)).id).toBe(user.id);
    expectGraphError(await request(t, 'GET', `/v1.0/users/vera.huisman@${DOMAIN}`), 404, 'Request_ResourceNotFound');
  });

  it('PATCH to a taken or unverified userPrincipalName → 400 and nothing changes', async () => {
    const t = app();
    const user = await getUser(t, `koen.post@${DOMAIN}`);
    expectGraphError(await request(t, 'PATCH', `/v1.0/users/${user.id}`, { userPrincipalName: `BRAM.jansen@${DOMAIN}`, jobTitle: 'Changed' }), 400, 'Request_BadRequest', UPN_TAKEN);
    expectGraphError(await request(t, 'PATCH', `/v1.0/users/${user.id}`, { userPrincipalName: 'koen@fabrikam.com' }), 400, 'Request_BadRequest', BAD_DOMAIN);
    expect(await getUser(t, user.id)).toEqual(user);
    expect(await auditRows(t, user.id, 'Update user')).toHaveLength(0);
  });

  it('PATCH with an unknown property, or on an unknown user, is refused', async () => {
    const t = app();
    const user = await getUser(t, `koen.post@${DOMAIN}`);
    expectGraphError(await request(t, 'PATCH', `/v1.0/users/${user.id}`, { assignedLicenses: [] }), 400, 'Request_BadRequest', /assignedLicenses/);
    expectGraphError(await request(t, 'PATCH', `/v1.0/users/${user.id}`, { usageLocation: 'ZZ' }), 400, 'Request_BadRequest', "Invalid value specified for property 'usageLocation' of resource 'User'.");
    const id = randomUUID();
    expectGraphError(await request(t, 'PATCH', `/v1.0/users/${id}`, { jobTitle: 'x' }), 404, 'Request_ResourceNotFound', notFoundMessage(id));
  });

  it('an UPDATE or DELETE of an audit_log row fails: the table is append-only', async () => {
    const t = app();
    const user = await getUser(t, `anna.devries@${DOMAIN}`);
    const [row] = await auditRows(t, user.id, 'Add user');
    expect(row).toBeDefined();
    await expect(t.handle.db.updateTable('audit_log').set({ activity: 'Tampered' }).where('audit_id', '=', row?.audit_id ?? '').execute()).rejects.toThrow(/append-only/);
    await expect(t.handle.db.deleteFrom('audit_log').where('audit_id', '=', row?.audit_id ?? '').execute()).rejects.toThrow(/append-only/);
    const [unchanged] = await auditRows(t, user.id, 'Add user');
    expect(unchanged).toEqual(row);
  });
});

// One database for the whole lifecycle: the tests run in order and each starts from the state the previous left.
describe('delete, restore and purge', () => {
  const app = useSeededApp();

  it('DELETE frees the seats at once; restore brings the user back with its licenses', async () => {
    const t = app();
    const anna = await getUser(t, `anna.devries@${DOMAIN}`);
    expect(anna.assignedLicenses?.map((license) => license.skuId).sort()).toEqual([AUDIO_CONFERENCING, BUSINESS_PREMIUM].sort());
    const bpBefore = await skuUnits(t, BUSINESS_PREMIUM);
    const acBefore = await skuUnits(t, AUDIO_CONFERENCING);
    expect(bpBefore).toEqual({ consumed: 12, prepaid: 13 });
    expect(acBefore).toEqual({ consumed: 4, prepaid: 5 });

    const deleted = await request(t, 'DELETE', `/v1.0/users/${anna.id}`);
    expect(deleted.statusCode, deleted.body).toBe(204);
    expect(deleted.body).toBe('');
    const deleteRow = await expectAudited(t, anna.id, 'Delete user', deleted);
    expect(deleteRow?.details).toMatchObject({ seatsFreed: 2 });

    expectGraphError(await request(t, 'GET', `/v1.0/users/${anna.id}`), 404, 'Request_ResourceNotFound', notFoundMessage(anna.id));
    expectGraphError(await request(t, 'GET', `/v1.0/users/anna.devries@${DOMAIN}`), 404, 'Request_ResourceNotFound');
    expect(await skuUnits(t, BUSINESS_PREMIUM)).toEqual({ consumed: 11, prepaid: 13 });
    expect(await skuUnits(t, AUDIO_CONFERENCING)).toEqual({ consumed: 3, prepaid: 5 });
    const listed = await request(t, 'GET', `/v1.0/users?$filter=${encodeURIComponent(`id eq '${anna.id}'`)}`);
    expect(listed.json<{ value: unknown[] }>().value).toEqual([]);

    const deletedList = await request(t, 'GET', '/v1.0/directory/deletedItems/microsoft.graph.user');
    const deletedBody = deletedList.json<{ '@odata.context': string; value: Record<string, unknown>[] }>();
    expect(deletedBody.value).toHaveLength(1);
    expect(deletedBody.value[0]).toMatchObject({
      '@odata.type': '#microsoft.graph.user',
      id: anna.id,
      displayName: 'Anna de Vries',
      userPrincipalName: `anna.devries@${DOMAIN}`,
      deletedDateTime: TEST_NOW.toISOString().replace('.000Z', 'Z'),
    });
    const one = await request(t, 'GET', `/v1.0/directory/deletedItems/${anna.id}`);
    expect(one.statusCode).toBe(200);
    expect(one.json<Record<string, unknown>>().id).toBe(anna.id);

    // Deleting again: the user is no longer active.
    expectGraphError(await request(t, 'DELETE', `/v1.0/users/${anna.id}`), 404, 'Request_ResourceNotFound');

    const restored = await request(t, 'POST', `/v1.0/directory/deletedItems/${anna.id}/restore`);
    expect(restored.statusCode, restored.body).toBe(200);
    const restoredBody = restored.json<UserBody>();
    expect(restoredBody).toMatchObject({ '@odata.type': '#microsoft.graph.user', id: anna.id, deletedDateTime: null, '@allot.licensesNotRestored': [] });
    expect(restoredBody.assignedLicenses?.map((license) => license.skuId).sort()).toEqual([AUDIO_CONFERENCING, BUSINESS_PREMIUM].sort());
    const restoreRow = await expectAudited(t, anna.id, 'Restore user', restored);
    expect(restoreRow?.details).toEqual({ licensesNotRestored: [], roleAssignmentsRestored: [] });

    expect(await getUser(t, `anna.devries@${DOMAIN}`)).toEqual(anna);
    expect(await skuUnits(t, BUSINESS_PREMIUM)).toEqual(bpBefore);
    expect(await skuUnits(t, AUDIO_CONFERENCING)).toEqual(acBefore);
    expect(await deletedIds(t)).toEqual([]);
  });

  it('restore of an active or unknown user → 404', async () => {
    const t = app();
    const bram = await getUser(t, `bram.jansen@${DOMAIN}`);
    expectGraphError(await request(t, 'POST', `/v1.0/directory/deletedItems/${bram.id}/restore`), 404, 'Request_ResourceNotFound', notFoundMessage(bram.id));
    const id = randomUUID();
    expectGraphError(await request(t, 'POST', `/v1.0/directory/deletedItems/${id}/restore`), 404, 'Request_ResourceNotFound', notFoundMessage(id));
    expectGraphError(await request(t, 'GET', `/v1.0/directory/deletedItems/${bram.id}`), 404, 'Request_ResourceNotFound');
    expectGraphError(await request(t, 'POST', '/v1.0/directory/deletedItems/not-a-guid/restore'), 400, 'Request_BadRequest', /Edm\.Guid/);
  });

  it('restoring when another user took the UPN → 409; it works once the UPN is free again', async () => {
    const t = app();
    const bram = await getUser(t, `bram.jansen@${DOMAIN}`);
    expect((await request(t, 'DELETE', `/v1.0/users/bram.jansen@${DOMAIN}`)).statusCode).toBe(204);

    // A soft-deleted user frees its UPN.
    const created = await request(t, 'POST', '/v1.0/users', newUser('bram.jansen', { userPrincipalName: `Bram.Jansen@${DOMAIN}` }));
    expect(created.statusCode, created.body).toBe(201);
    const newcomer = created.json<UserBody>();
    expect(newcomer.id).not.toBe(bram.id);

    const conflict = expectGraphError(await request(t, 'POST', `/v1.0/directory/deletedItems/${bram.id}/restore`), 409, 'Request_Conflict', UPN_TAKEN);
    expect(conflict.error.details?.[0]).toMatchObject({ code: 'ObjectConflict', target: 'userPrincipalName' });
    expect(await deletedIds(t)).toEqual([bram.id]);
    expect(await auditRows(t, bram.id, 'Restore user')).toHaveLength(0);
    expect((await getUser(t, `bram.jansen@${DOMAIN}`)).id).toBe(newcomer.id);

    expect((await request(t, 'DELETE', `/v1.0/users/${newcomer.id}`)).statusCode).toBe(204);
    const restored = await request(t, 'POST', `/v1.0/directory/deletedItems/${bram.id}/restore`);
    expect(restored.statusCode, restored.body).toBe(200);
    expect((await getUser(t, `bram.jansen@${DOMAIN}`)).id).toBe(bram.id);
    expect(await deletedIds(t)).toEqual([newcomer.id]);
  });

  it('restore when a seat was taken meanwhile reports the SKU in @allot.licensesNotRestored and never exceeds the prepaid seats', async () => {
    const t = app();
    const julia = await getUser(t, `julia.smit@${DOMAIN}`);
    expect(julia.assignedLicenses?.map((license) => license.skuId)).toEqual([BUSINESS_PREMIUM]);
    expect(await skuUnits(t, BUSINESS_PREMIUM)).toEqual({ consumed: 12, prepaid: 13 });

    expect((await request(t, 'DELETE', `/v1.0/users/${julia.id}`)).statusCode).toBe(204);
    expect(await skuUnits(t, BUSINESS_PREMIUM)).toEqual({ consumed: 11, prepaid: 13 });

    // Two unlicensed NL users take the two free seats (Julia's among them).
    for (const alias of ['max.prins', 'nina.maas']) {
      const assigned = await request(t, 'POST', `/v1.0/users/${alias}@${DOMAIN}/assignLicense`, { addLicenses: [{ skuId: BUSINESS_PREMIUM, disabledPlans: [] }], removeLicenses: [] });
      expect(assigned.statusCode, assigned.body).toBe(200);
    }
    expect(await skuUnits(t, BUSINESS_PREMIUM)).toEqual({ consumed: 13, prepaid: 13 });
    // The SKU really is full.
    const refused = await request(t, 'POST', `/v1.0/users/luuk.vanbeek@${DOMAIN}/assignLicense`, { addLicenses: [{ skuId: BUSINESS_PREMIUM, disabledPlans: [] }], removeLicenses: [] });
    expect(refused.statusCode).toBe(400);

    const restored = await request(t, 'POST', `/v1.0/directory/deletedItems/${julia.id}/restore`);
    expect(restored.statusCode, restored.body).toBe(200);
    const body = restored.json<UserBody>();
    expect(body.id).toBe(julia.id);
    expect(body['@allot.licensesNotRestored']).toEqual([{ skuId: BUSINESS_PREMIUM, displayName: expect.stringMatching(/Business Premium/) as unknown }]);
    expect(body.assignedLicenses).toEqual([]);
    expect(await skuUnits(t, BUSINESS_PREMIUM)).toEqual({ consumed: 13, prepaid: 13 });
    expect((await getUser(t, julia.id)).assignedLicenses).toEqual([]);
    const row = await expectAudited(t, julia.id, 'Restore user', restored);
    expect(row?.details).toEqual({ licensesNotRestored: [{ skuId: BUSINESS_PREMIUM, displayName: expect.stringMatching(/Business Premium/) as unknown }], roleAssignmentsRestored: [] });

    // The dropped license is gone for good: Julia holds no seat, and the other holders keep theirs.
    const holders = await request(t, 'GET', `/v1.0/users?$filter=${encodeURIComponent(`assignedLicenses/any(x:x/skuId eq ${BUSINESS_PREMIUM})`)}&$select=userPrincipalName`);
    const upns = holders.json<{ value: { userPrincipalName: string }[] }>().value.map((user) => user.userPrincipalName);
    expect(upns).toHaveLength(13);
    expect(upns).toEqual(expect.arrayContaining([`max.prins@${DOMAIN}`, `nina.maas@${DOMAIN}`]));
    expect(upns).not.toContain(`julia.smit@${DOMAIN}`);
  });


  it('DELETE /directory/deletedItems/{id} purges: gone from deletedItems, restore → 404, audit kept', async () => {
    const t = app();
    const emma = await getUser(t, `emma.bakker@${DOMAIN}`);
    const before = await userRowCount(t);
    const seatsBefore = await skuUnits(t, BUSINESS_PREMIUM);
    const deleted = await request(t, 'DELETE', `/v1.0/users/${emma.id}`);
    expect(deleted.statusCode).toBe(204);
    const seatsAfterDelete = await skuUnits(t, BUSINESS_PREMIUM);
    expect(seatsAfterDelete.consumed).toBe(seatsBefore.consumed - 1);
    expect(await deletedIds(t)).toContain(emma.id);

    // Purging needs the user to be soft-deleted first.
    const active = await getUser(t, `sem.mulder@${DOMAIN}`);
    expectGraphError(await request(t, 'DELETE', `/v1.0/directory/deletedItems/${active.id}`), 404, 'Request_ResourceNotFound', notFoundMessage(active.id));

    const purged = await request(t, 'DELETE', `/v1.0/directory/deletedItems/${emma.id}`);
    expect(purged.statusCode, purged.body).toBe(204);
    expect(await deletedIds(t)).not.toContain(emma.id);
    expect(await userRowCount(t)).toBe(before - 1);
    expectGraphError(await request(t, 'GET', `/v1.0/directory/deletedItems/${emma.id}`), 404, 'Request_ResourceNotFound');
    expectGraphError(await request(t, 'POST', `/v1.0/directory/deletedItems/${emma.id}/restore`), 404, 'Request_ResourceNotFound', notFoundMessage(emma.id));
    expectGraphError(await request(t, 'DELETE', `/v1.0/directory/deletedItems/${emma.id}`), 404, 'Request_ResourceNotFound');
    expectGraphError(await request(t, 'GET', `/v1.0/users/${emma.id}`), 404, 'Request_ResourceNotFound');

    const row = await expectAudited(t, emma.id, 'Hard delete user', purged);
    expect(row?.target_name).toBe(`emma.bakker@${DOMAIN}`);
    // The history of the purged user stays in the audit log.
    expect(await auditRows(t, emma.id, 'Add user')).toHaveLength(1);
    expect(await auditRows(t, emma.id, 'Delete user')).toHaveLength(1);
    // Its seats were already freed by the soft delete and stay free.
    expect(await skuUnits(t, BUSINESS_PREMIUM)).toEqual(seatsAfterDelete);
  });
});
