import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkInvariants } from '../reliability/support/invariants.js';
import { testEngine } from '../support/engine.js';
import { createLicensingTenant, MS } from '../support/fixtures.js';
import { createTestApp, type TestApp } from '../support/test-app.js';

/**
 * Found by the reliability run (tests/reliability/processes/two-servers-load.test.ts): one user
 * leaves two licensed groups in two concurrent requests. Each request re-evaluates the user's
 * group licenses under the user's lock; the one that waits for that lock must plan from the
 * memberships as they are when it gets it, not as they were before it waited, or it writes back
 * the rows of the group the other request just removed the user from. The interleaving is forced:
 * the test holds the user's row lock until both requests wait. PGlite runs one transaction at a
 * time, so the race exists on PostgreSQL only.
 */
let t: TestApp;

beforeAll(async () => {
  t = await createTestApp({ poolSize: 6 });
});
afterAll(async () => {
  await t.close();
});

/** Waits until `count` backends of this database wait for a lock. */
async function untilWaitingForLocks(count: number): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const { rows } = await sql<{ n: number }>`
      SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`.execute(t.handle.db);
    if ((rows[0]?.n ?? 0) >= count) {
      return;
    }
    expect(Date.now(), `fewer than ${count} requests are waiting for a lock`).toBeLessThan(deadline);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe.runIf(testEngine() === 'postgres')('leaving two licensed groups at once', () => {
  it('leaves no rows of either group, whichever request gets the user first', async () => {
    const tenant = await createLicensingTenant(t.services, { [MS.e3]: 5, [MS.e5]: 5 });
    const userId = await tenant.user('leaver');
    const reference = `https://graph.microsoft.com/v1.0/directoryObjects/${userId}`;
    const groupIds: string[] = [];
    for (const [name, skuId] of [['E3 group', MS.e3], ['E5 group', MS.e5]] as const) {
      const group = await t.services.groups.createGroup(tenant.context, { displayName: name, mailNickname: name.replace(' ', ''), mailEnabled: false, securityEnabled: true });
      await t.services.groups.addMemberReference(tenant.context, group.group.groupId, reference);
      await t.services.groupLicensing.assignLicense(tenant.context, group.group.groupId, { add: [{ skuId, disabledPlans: [] }], remove: [] });
      groupIds.push(group.group.groupId);
    }
    const [e3Group, e5Group] = groupIds as [string, string];

    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let locked!: () => void;
    const userLocked = new Promise<void>((resolve) => (locked = resolve));
    const holding = t.handle.db.transaction().execute(async (trx) => {
      await sql`SELECT 1 FROM directory_user WHERE tenant_id = ${tenant.tenantId} AND user_id = ${userId} FOR UPDATE`.execute(trx);
      locked();
      await released;
    });
    await userLocked;
    const leaveE3 = t.services.groups.removeMemberReference(tenant.context, e3Group, userId);
    await untilWaitingForLocks(1);
    const leaveE5 = t.services.groups.removeMemberReference(tenant.context, e5Group, userId);
    await untilWaitingForLocks(2);
    release();
    await Promise.all([holding, leaveE3, leaveE5]);

    const rows = await sql<{ source_id: string }>`SELECT source_id FROM license_assignment WHERE tenant_id = ${tenant.tenantId} AND user_id = ${userId}`.execute(t.handle.db);
    expect(rows.rows).toEqual([]);
    expect(await checkInvariants(t.handle.db, { tenantIds: [tenant.tenantId] })).toEqual([]);
  });
});
