import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLicensingTenant, MS } from '../support/fixtures.js';
import { testEngine } from '../support/engine.js';
import { createTestApp, type TestApp } from '../support/test-app.js';

/**
 * Group licensing under concurrency: membership changes, group license assignments and direct
 * assignments race for the last seats of one SKU. Whatever interleaving PostgreSQL picks, no pool
 * is ever over-assigned, counters equal a recount, and every request answers without a 5xx.
 */
let t: TestApp;

beforeAll(async () => {
  t = await createTestApp({ poolSize: 24 });
});
afterAll(async () => {
  await t.close();
});

describe(`group licensing races on ${testEngine()}`, () => {
  it('never assigns more E3 seats than exist, whoever wins', async () => {
    // E3 has 12 seats; 40 users compete through two groups and direct assignments.
    const tenant = await createLicensingTenant(t.services, { [MS.e3]: 12 });
    const users = await Promise.all(Array.from({ length: 40 }, (_, index) => tenant.user(`racer${index}`)));
    const call = (method: 'POST' | 'DELETE', url: string, payload?: Record<string, unknown>) =>
      t.inject({ method, url, tenant: tenant.tenantId, ...(payload === undefined ? {} : { payload }) });
    const group = async (name: string) => {
      const response = await call('POST', '/v1.0/groups', { displayName: name, mailNickname: name.toLowerCase(), mailEnabled: false, securityEnabled: true });
      return response.json<{ id: string }>().id;
    };
    const one = await group('One');
    const two = await group('Two');
    // Half of each group's members are there before the license, half join during the race.
    for (const userId of users.slice(0, 10)) {
      await call('POST', `/v1.0/groups/${one}/members/$ref`, { '@odata.id': `https://graph.microsoft.com/v1.0/directoryObjects/${userId}` });
    }
    for (const userId of users.slice(10, 20)) {
      await call('POST', `/v1.0/groups/${two}/members/$ref`, { '@odata.id': `https://graph.microsoft.com/v1.0/directoryObjects/${userId}` });
    }
    const addLicense = { addLicenses: [{ skuId: MS.e3, disabledPlans: [] }], removeLicenses: [] };
    const operations = [
      call('POST', `/v1.0/groups/${one}/assignLicense`, addLicense),
      call('POST', `/v1.0/groups/${two}/assignLicense`, addLicense),
      ...users.slice(20, 30).map((userId) => call('POST', `/v1.0/groups/${one}/members/$ref`, { '@odata.id': `https://graph.microsoft.com/v1.0/directoryObjects/${userId}` })),
      ...users.slice(30, 40).map((userId) => call('POST', `/v1.0/users/${userId}/assignLicense`, addLicense)),
      // Leaving and rejoining frees and takes seats meanwhile.
      ...users.slice(0, 4).map((userId) => call('DELETE', `/v1.0/groups/${one}/members/${userId}/$ref`)),
      ...users.slice(10, 14).map((userId) => call('POST', `/v1.0/users/${userId}/assignLicense`, addLicense)),
    ];
    const statuses = (await Promise.all(operations)).map((response) => response.statusCode);
    expect(statuses.filter((status) => status >= 500)).toEqual([]);

    const seats = await sql<{ n: number }>`SELECT count(*)::int AS n FROM user_license WHERE tenant_id = ${tenant.tenantId} AND sku_id = ${MS.e3}`.execute(t.handle.db);
    expect(seats.rows[0]?.n).toBeLessThanOrEqual(12);
    const sku = (await t.services.subscriptions.listSubscribedSkus(tenant.context)).find((view) => view.sku.skuId === MS.e3);
    expect(sku?.consumedUnits).toBe(seats.rows[0]?.n);
    for (const subscription of sku?.subscriptions ?? []) {
      expect(subscription.consumedUnits).toBeLessThanOrEqual(subscription.totalLicenses);
    }
    expect(await t.services.subscriptions.verifyCounters(tenant.context)).toEqual({ mismatches: [] });
    // Every active source row holds a seat, and every seat has an active source.
    const orphans = await sql<{ n: number }>`
      SELECT count(*)::int AS n FROM (
        SELECT user_id, sku_id FROM license_assignment WHERE tenant_id = ${tenant.tenantId} AND state IN ('Active', 'ActiveWithError')
        EXCEPT SELECT user_id, sku_id FROM user_license WHERE tenant_id = ${tenant.tenantId}
        UNION ALL
        (SELECT user_id, sku_id FROM user_license WHERE tenant_id = ${tenant.tenantId}
         EXCEPT SELECT user_id, sku_id FROM license_assignment WHERE tenant_id = ${tenant.tenantId} AND state IN ('Active', 'ActiveWithError'))
      ) AS mismatched`.execute(t.handle.db);
    expect(orphans.rows[0]?.n).toBe(0);
    // With seats taken, the rest of the groups' members wait in CountViolation, none in a half state.
    const waiting = await sql<{ n: number }>`SELECT count(*)::int AS n FROM license_assignment WHERE tenant_id = ${tenant.tenantId} AND state = 'Error' AND error = 'CountViolation'`.execute(t.handle.db);
    expect((waiting.rows[0]?.n ?? 0) + (seats.rows[0]?.n ?? 0)).toBeGreaterThan(12);
  });
});
