import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomIds } from '../../src/domain/ids.js';
import { BULK_CREATE_ACTIVITY, generateLargeTenant, LARGE_TENANT_SKUS, type GenerateLargeTenantResult, type LargeTenantProgress } from '../../src/services/large-tenant.js';
import { testEngine } from '../support/engine.js';
import { createTestApp, testContext, type TestApp } from '../support/test-app.js';

/**
 * The large-tenant generator (`allot seed --users`), at a size a test can afford: 2,000 users in
 * chunks of 700, then 500 more into the same tenant. Shares are exact per 1,000 consecutive users.
 */
let t: TestApp;
let first: GenerateLargeTenantResult;
const progress: LargeTenantProgress[] = [];
const DOMAIN = 'bigcorp.onmicrosoft.com';

const generate = (users: number, onProgress?: (step: LargeTenantProgress) => void) =>
  generateLargeTenant(
    t.services,
    { db: t.handle.db, clock: t.clock, ids: randomIds },
    { users, domain: DOMAIN, displayName: 'BigCorp', chunkSize: 700, ...(onProgress ? { onProgress } : {}) },
  );

const rows = async <T>(query: ReturnType<typeof sql<T>>) => (await query.execute(t.handle.db)).rows;

const licensesPerUser = (tenantId: string) =>
  rows<{ licenses: number; users: number }>(sql`
    SELECT coalesce(a.n, 0)::int AS licenses, count(*)::int AS users
    FROM directory_user u
    LEFT JOIN (SELECT user_id, count(*) AS n FROM license_assignment WHERE tenant_id = ${tenantId} GROUP BY user_id) a ON a.user_id = u.user_id
    WHERE u.tenant_id = ${tenantId}
    GROUP BY 1 ORDER BY 1`);

beforeAll(async () => {
  t = await createTestApp();
  first = await generate(2000, (step) => progress.push(step));
});
afterAll(async () => {
  await t.close();
});

describe(`large-tenant generator on ${testEngine()}`, () => {
  it('creates the tenant and 2,000 users in chunks, reporting progress', async () => {
    expect(first).toMatchObject({ tenantCreated: true, firstIndex: 0, lastIndex: 1999, usersCreated: 2000, usersSkipped: 0, chunks: 3 });
    expect(first.tenant.displayName).toBe('BigCorp');
    expect(progress.map((step) => step.usersDone)).toEqual([0, 700, 1400, 2000]);
    expect(progress.every((step) => step.usersTotal === 2000)).toBe(true);
    const [count] = await rows<{ n: number }>(sql`SELECT count(*)::int AS n FROM directory_user WHERE tenant_id = ${first.tenant.tenantId}`);
    expect(count?.n).toBe(2000);
  });

  it('licenses 70% of the users with one product and 20% with two', async () => {
    expect(await licensesPerUser(first.tenant.tenantId)).toEqual([
      { licenses: 0, users: 200 },
      { licenses: 1, users: 1400 },
      { licenses: 2, users: 400 },
    ]);
    expect(first).toMatchObject({ licensedUsers: 1800, licensesAssigned: 2200 });
    const skus = await t.services.subscriptions.listSubscribedSkus(testContext(first.tenant.tenantId));
    const consumed = Object.fromEntries(skus.map((view) => [view.sku.skuId, view.consumedUnits]));
    expect(consumed).toEqual({
      [LARGE_TENANT_SKUS.businessPremium]: 560,
      [LARGE_TENANT_SKUS.e3]: 940,
      [LARGE_TENANT_SKUS.e5]: 300,
      [LARGE_TENANT_SKUS.entraP2]: 400,
    });
    for (const view of skus) {
      expect(view.consumedUnits).toBeLessThanOrEqual(view.prepaidUnits.enabled);
    }
  });

  it('gives every user a unique userPrincipalName on the tenant domain, with Dutch and English names', async () => {
    const [upns] = await rows<{ total: number; distinct: number; on_domain: number }>(sql`
      SELECT count(*)::int AS total, count(DISTINCT lower(user_principal_name))::int AS distinct,
             count(*) FILTER (WHERE user_principal_name LIKE ${`%@${DOMAIN}`} AND mail = user_principal_name)::int AS on_domain
      FROM directory_user WHERE tenant_id = ${first.tenant.tenantId}`);
    expect(upns).toEqual({ total: 2000, distinct: 2000, on_domain: 2000 });
    const users = await rows<{ display_name: string; user_principal_name: string; usage_location: string | null }>(sql`
      SELECT display_name, user_principal_name, usage_location FROM directory_user WHERE tenant_id = ${first.tenant.tenantId}`);
    expect(users.map((user) => [user.display_name, user.user_principal_name])).toEqual(
      expect.arrayContaining([
        ['Anna de Vries', `anna.devries@${DOMAIN}`],
        ["Daan van 't Hek", `daan.vanthek@${DOMAIN}`],
        ['Zoë Willems', `zoe.willems@${DOMAIN}`],
        ['James El Amrani', `james.elamrani@${DOMAIN}`],
      ]),
    );
    expect(users.every((user) => /^[a-z]+\.[a-z]+[0-9]*@/.test(user.user_principal_name))).toBe(true);
    // The license test needs a usage location on every user.
    expect(users.every((user) => user.usage_location !== null)).toBe(true);
  });

  it('keeps every counter equal to a recount and writes one audit row per chunk', async () => {
    expect(await t.services.subscriptions.verifyCounters(testContext(first.tenant.tenantId))).toEqual({ mismatches: [] });
    const audit = await rows<{ users: number }>(sql`
      SELECT (details->>'usersCreated')::int AS users FROM audit_log
      WHERE tenant_id = ${first.tenant.tenantId} AND activity = ${BULK_CREATE_ACTIVITY} ORDER BY (details->>'firstIndex')::int`);
    expect(audit.map((row) => row.users)).toEqual([700, 700, 600]);
    const [history] = await rows<{ open: number; seats: number }>(sql`
      SELECT (SELECT count(*)::int FROM assignment_history WHERE tenant_id = ${first.tenant.tenantId} AND valid_to IS NULL) AS open,
             (SELECT count(*)::int FROM user_license WHERE tenant_id = ${first.tenant.tenantId}) AS seats`);
    expect(history).toEqual({ open: 2200, seats: 2200 });
  });

  it('produces users the licensing rules accept: an unlicensed user can be given a product', async () => {
    const [unlicensed] = await rows<{ user_id: string }>(sql`
      SELECT user_id FROM directory_user u WHERE tenant_id = ${first.tenant.tenantId}
        AND NOT EXISTS (SELECT 1 FROM license_assignment a WHERE a.tenant_id = u.tenant_id AND a.user_id = u.user_id)
      LIMIT 1`);
    const context = testContext(first.tenant.tenantId);
    const licensed = await t.services.licensing.assignLicense(context, {
      userKey: unlicensed?.user_id ?? '',
      add: [{ skuId: LARGE_TENANT_SKUS.e5, disabledPlans: [] }],
      remove: [],
    });
    expect(licensed.assignments.map((assignment) => assignment.skuId)).toEqual([LARGE_TENANT_SKUS.e5]);
    expect(await t.services.subscriptions.verifyCounters(context)).toEqual({ mismatches: [] });
  });

  it('extends the tenant when run again: numbering continues, names stay unique, seats are added', async () => {
    const more = await generate(500);
    expect(more).toMatchObject({ tenantCreated: false, firstIndex: 2000, lastIndex: 2499, usersCreated: 500, chunks: 1 });
    expect(more.tenant.tenantId).toBe(first.tenant.tenantId);
    const [upns] = await rows<{ total: number; distinct: number }>(sql`
      SELECT count(*)::int AS total, count(DISTINCT lower(user_principal_name))::int AS distinct
      FROM directory_user WHERE tenant_id = ${first.tenant.tenantId}`);
    expect(upns).toEqual({ total: 2500, distinct: 2500 });
    const context = testContext(first.tenant.tenantId);
    expect(await t.services.subscriptions.verifyCounters(context)).toEqual({ mismatches: [] });
    for (const view of await t.services.subscriptions.listSubscribedSkus(context)) {
      expect(view.consumedUnits).toBeLessThanOrEqual(view.prepaidUnits.enabled);
    }
  });

  it('skips a generated name that a hand-made user already has, and still creates the number asked for', async () => {
    const domain = 'handmade.onmicrosoft.com';
    const tenant = await t.services.tenants.createTenant(testContext(first.tenant.tenantId), { displayName: 'Handmade', domain, defaultUsageLocation: 'NL' });
    await t.services.users.createUser(testContext(tenant.tenantId), {
      userPrincipalName: `Anna.deVries@${domain}`,
      displayName: 'Anna de Vries (hand-made)',
      mailNickname: 'anna.devries',
      mail: null,
      givenName: 'Anna',
      surname: 'de Vries',
      jobTitle: null,
      department: null,
      usageLocation: 'NL',
      userType: 'Member',
      accountEnabled: true,
    });
    const result = await generateLargeTenant(t.services, { db: t.handle.db, clock: t.clock, ids: randomIds }, { users: 5, domain });
    expect(result).toMatchObject({ tenantCreated: false, usersCreated: 5, usersSkipped: 1, firstIndex: 0, lastIndex: 5 });
    const [count] = await rows<{ n: number }>(sql`SELECT count(*)::int AS n FROM directory_user WHERE tenant_id = ${tenant.tenantId}`);
    expect(count?.n).toBe(6);
    expect(await t.services.subscriptions.verifyCounters(testContext(tenant.tenantId))).toEqual({ mismatches: [] });
  });
});
