import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../../src/db/schema.js';
import { DIRECT_SOURCE } from '../../../src/domain/ids.js';
import { testEngine } from '../../support/engine.js';
import { createLicensingTenant, MS, type LicensingTenant } from '../../support/fixtures.js';
import { createTestApp, type TestApp } from '../../support/test-app.js';
import { checkAuditTrail, checkInvariants } from './invariants.js';

/**
 * The reliability runs trust checkInvariants to see a broken invariant: here each rule is shown a
 * database broken its way (in a transaction rolled back afterwards) and must name it.
 */
let t: TestApp;
let tenant: LicensingTenant;
/** Holds E3 directly. */
let direct: string;
/** Holds E5 from the group. */
let member: string;
/** Holds nothing. */
let bystander: string;
let groupId: string;

class RolledBack extends Error {}

/** The rules `corrupt` breaks, by name (the report's first line of each), the database restored afterwards. */
async function brokenRules(corrupt: (db: Kysely<Database>) => Promise<unknown>): Promise<string[]> {
  let report: string[] = [];
  await t.handle.db
    .transaction()
    .execute(async (trx) => {
      await corrupt(trx);
      report = await checkInvariants(trx, { tenantIds: [tenant.tenantId] });
      throw new RolledBack();
    })
    .catch((error: unknown) => {
      if (!(error instanceof RolledBack)) {
        throw error;
      }
    });
  return report.map((entry) => entry.split(':')[0] ?? entry);
}

beforeAll(async () => {
  t = await createTestApp();
  tenant = await createLicensingTenant(t.services, { [MS.e3]: 3, [MS.e5]: 2 });
  direct = await tenant.user('direct');
  member = await tenant.user('member');
  bystander = await tenant.user('bystander');
  await t.services.licensing.assignLicense(tenant.context, { userKey: direct, add: [{ skuId: MS.e3, disabledPlans: [] }], remove: [] });
  const group = await t.services.groups.createGroup(tenant.context, { displayName: 'E5', mailNickname: 'e5', mailEnabled: false, securityEnabled: true });
  groupId = group.group.groupId;
  await t.services.groups.addMemberReference(tenant.context, groupId, `https://graph.microsoft.com/v1.0/directoryObjects/${member}`);
  await t.services.groupLicensing.assignLicense(tenant.context, groupId, { add: [{ skuId: MS.e5, disabledPlans: [] }], remove: [] });
});
afterAll(async () => {
  await t.close();
});

describe(`the invariant checker on ${testEngine()}`, () => {
  it('finds nothing wrong with a tenant the services wrote', async () => {
    expect(await checkInvariants(t.handle.db, { tenantIds: [tenant.tenantId] })).toEqual([]);
  });

  it('sees a SKU and a subscription consuming more than they have', async () => {
    expect(await brokenRules((db) => sql`UPDATE subscription SET total_licenses = 0 WHERE tenant_id = ${tenant.tenantId} AND sku_id = ${MS.e3}`.execute(db))).toEqual([
      'SKU consumed above its assignable units',
      'subscription consumed above its licenses',
    ]);
  });

  it('lets a billing reduction over-assign (the domain allows it for 90 days)', async () => {
    expect(
      await brokenRules((db) => sql`UPDATE subscription SET total_licenses = 0, over_assigned_since = now() WHERE tenant_id = ${tenant.tenantId} AND sku_id = ${MS.e3}`.execute(db)),
    ).toEqual([]);
  });

  it('sees counters that differ from a recount', async () => {
    expect(await brokenRules((db) => sql`UPDATE subscription SET consumed_units = consumed_units + 1 WHERE tenant_id = ${tenant.tenantId} AND sku_id = ${MS.e5}`.execute(db))).toEqual([
      'subscription counter differs from a recount of its seats',
    ]);
    expect(await brokenRules((db) => sql`UPDATE sku_seat SET consumed_units = consumed_units + 1 WHERE tenant_id = ${tenant.tenantId} AND sku_id = ${MS.e5}`.execute(db))).toEqual([
      'SKU counter differs from a recount of its seats',
    ]);
  });

  it('sees a seat bound to another SKU’s subscription', async () => {
    const rules = await brokenRules((db) =>
      sql`UPDATE user_license SET subscription_id = (SELECT subscription_id FROM subscription WHERE tenant_id = ${tenant.tenantId} AND sku_id = ${MS.e5})
          WHERE tenant_id = ${tenant.tenantId} AND user_id = ${direct}`.execute(db),
    );
    expect(rules).toContain('seat bound to a subscription of another SKU (or none)');
  });

  it('sees a seat of a deleted user, and its history still open', async () => {
    expect(await brokenRules((db) => sql`UPDATE directory_user SET deleted_at = now() WHERE tenant_id = ${tenant.tenantId} AND user_id = ${direct}`.execute(db))).toEqual([
      'seat of a missing or deleted user',
      'open history row without an active assignment of a live user',
    ]);
  });

  it('sees an active assignment without a seat, and a seat without an assignment', async () => {
    const unseated = await brokenRules((db) => sql`DELETE FROM user_license WHERE tenant_id = ${tenant.tenantId} AND user_id = ${direct}`.execute(db));
    expect(unseated).toContain('active assignment of a live user without a seat');
    const unbacked = await brokenRules((db) => sql`DELETE FROM license_assignment WHERE tenant_id = ${tenant.tenantId} AND user_id = ${direct}`.execute(db));
    expect(unbacked).toEqual(['seat without an active assignment', 'open history row without an active assignment of a live user']);
  });

  it('sees states and errors that disagree', async () => {
    expect(
      await brokenRules((db) => sql`UPDATE license_assignment SET error = 'Other' WHERE tenant_id = ${tenant.tenantId} AND user_id = ${direct} AND source_id = ${DIRECT_SOURCE}`.execute(db)),
    ).toEqual(['assignment state and error disagree']);
  });

  it('sees group members without their row, and rows without the membership', async () => {
    expect(
      await brokenRules((db) => sql`INSERT INTO group_member (tenant_id, group_id, member_id, member_type, added_at) VALUES (${tenant.tenantId}, ${groupId}, ${bystander}, 'user', now())`.execute(db)),
    ).toEqual(['live member of a licensed group without the group row (or with other disabled plans)']);
    expect(await brokenRules((db) => sql`DELETE FROM group_member WHERE tenant_id = ${tenant.tenantId} AND group_id = ${groupId} AND member_id = ${member}`.execute(db))).toEqual([
      'group row of a live user that its group does not grant (and no source depends on)',
    ]);
    expect(
      await brokenRules((db) => sql`UPDATE group_license SET disabled_plans = ${[MS.planTeams]}::uuid[] WHERE tenant_id = ${tenant.tenantId} AND group_id = ${groupId}`.execute(db)),
    ).toEqual(['live member of a licensed group without the group row (or with other disabled plans)']);
  });

  it('sees history that does not match the assignments', async () => {
    expect(
      await brokenRules((db) => sql`UPDATE assignment_history SET valid_to = now() WHERE tenant_id = ${tenant.tenantId} AND user_id = ${member} AND valid_to IS NULL`.execute(db)),
    ).toEqual(['active assignment of a live user without an open history row (or with other disabled plans)']);
  });

  it('sees an unfinished group licensing job', async () => {
    expect(
      await brokenRules((db) =>
        sql`INSERT INTO group_license_job (tenant_id, job_id, group_id, state, total, created_at, updated_at)
            VALUES (${tenant.tenantId}, gen_random_uuid(), ${groupId}, 'ProcessingInProgress', 1, now(), now())`.execute(db),
      ),
    ).toEqual(['group licensing job not finished']);
  });

  it('sees a change whose audit rows are missing or counted twice', async () => {
    const [row] = (await sql<{ request_id: string }>`SELECT request_id FROM audit_log WHERE tenant_id = ${tenant.tenantId} AND activity = 'Change user license'`.execute(t.handle.db)).rows;
    const requestId = row?.request_id ?? '';
    expect(await checkAuditTrail(t.handle.db, tenant.tenantId, [{ requestId, activity: 'Change user license', entries: 1, description: 'assign E3' }])).toEqual([]);
    const wrong = await checkAuditTrail(t.handle.db, tenant.tenantId, [
      { requestId: 'never-sent', activity: 'Change user license', entries: 1, description: 'a change nobody recorded' },
      { requestId, activity: 'Change user license', entries: 2, description: 'a change recorded once, expected twice' },
    ]);
    expect(wrong).toHaveLength(1);
    expect(wrong[0]).toMatch(/^changes whose audit entries are missing or counted wrong: 2 of 2\n/);
  });
});
