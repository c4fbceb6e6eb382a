import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLicensingTenant, MS, type LicensingTenant } from '../support/fixtures.js';
import { expectGraphError } from '../support/graph-error.js';
import { createTestApp, type TestApp } from '../support/test-app.js';

/** Another tenant's objects answer exactly like objects that do not exist, and nothing changes. */
let t: TestApp;
let a: LicensingTenant;
let b: LicensingTenant;
let userOfA: string;

beforeAll(async () => {
  t = await createTestApp();
  a = await createLicensingTenant(t.services);
  b = await createLicensingTenant(t.services);
  userOfA = await a.user('isolated');
  await t.services.licensing.assignLicense(a.context, { userKey: userOfA, add: [{ skuId: MS.e3, disabledPlans: [] }], remove: [] });
});
afterAll(async () => {
  await t.close();
});

const asB = (method: 'GET' | 'POST' | 'PATCH' | 'DELETE' | 'PUT', url: string, payload?: object) =>
  t.inject({ method, url, tenant: b.tenantId, ...(payload ? { payload } : {}) });

const notFoundMessage = (id: string) => `Resource '${id}' does not exist or one of its queried reference-property objects are not present.`;

describe('tenant isolation', () => {
  it('hides another tenant’s user from every user route', async () => {
    expectGraphError(await asB('GET', `/v1.0/users/${userOfA}`), 404, 'Request_ResourceNotFound', notFoundMessage(userOfA));
    expectGraphError(await asB('GET', `/v1.0/users/${userOfA}/licenseDetails`), 404, 'Request_ResourceNotFound', notFoundMessage(userOfA));
    expectGraphError(await asB('PATCH', `/v1.0/users/${userOfA}`, { displayName: 'Taken over' }), 404, 'Request_ResourceNotFound');
    expectGraphError(await asB('POST', `/v1.0/users/${userOfA}/assignLicense`, { addLicenses: [], removeLicenses: [MS.e3] }), 404, 'Request_ResourceNotFound');
    expectGraphError(await asB('DELETE', `/v1.0/users/${userOfA}`), 404, 'Request_ResourceNotFound');
    expectGraphError(await asB('GET', `/admin/users/${userOfA}/licenses`), 404, 'Request_ResourceNotFound');
    const bulk = await asB('POST', '/admin/users/manage-licenses', { userIds: [userOfA], mode: 'removeAll' });
    expectGraphError(bulk, 404, 'Request_ResourceNotFound');
    const listed = await asB('GET', `/v1.0/users?$filter=id eq '${userOfA}'`);
    expect(listed.json<{ value: unknown[] }>().value).toEqual([]);

    const user = await t.services.licensing.getLicensedUser(a.context, userOfA);
    expect(user.user.displayName).toBe('isolated');
    expect(user.assignments.map((assignment) => assignment.skuId)).toEqual([MS.e3]);
  });

  it('hides another tenant’s products and subscriptions', async () => {
    const ownId = `${b.tenantId}_${MS.e3}`;
    expect((await asB('GET', `/v1.0/subscribedSkus/${ownId}`)).statusCode).toBe(200);
    const foreignId = `${a.tenantId}_${MS.e3}`;
    expectGraphError(await asB('GET', `/v1.0/subscribedSkus/${foreignId}`), 404, 'Request_ResourceNotFound', notFoundMessage(foreignId));
    const subscriptionOfA = (await t.services.subscriptions.listSubscriptions(a.context))[0]?.subscription.subscriptionId ?? '';
    expectGraphError(await asB('GET', `/v1.0/directory/subscriptions/${subscriptionOfA}`), 404, 'Request_ResourceNotFound');
    expectGraphError(await asB('POST', `/admin/subscriptions/${subscriptionOfA}/add-licenses`, { count: 5 }), 404, 'Request_ResourceNotFound');
    const e3OfB = (await asB('GET', '/v1.0/subscribedSkus')).json<{ value: { skuId: string; consumedUnits: number }[] }>().value.find((sku) => sku.skuId === MS.e3);
    expect(e3OfB?.consumedUnits).toBe(0);
  });

  it('hides another tenant’s deleted users', async () => {
    const deleted = await a.user('deleted-isolated');
    await t.services.users.deleteUser(a.context, deleted);
    expectGraphError(await asB('POST', `/v1.0/directory/deletedItems/${deleted}/restore`), 404, 'Request_ResourceNotFound');
    expectGraphError(await asB('DELETE', `/v1.0/directory/deletedItems/${deleted}`), 404, 'Request_ResourceNotFound');
    const list = await asB('GET', '/v1.0/directory/deletedItems/microsoft.graph.user');
    expect(list.json<{ value: { id: string }[] }>().value.map((user) => user.id)).not.toContain(deleted);
  });
});
