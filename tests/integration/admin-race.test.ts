import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROLES } from '../../src/domain/authorization.js';
import { isAppError } from '../../src/domain/errors.js';
import { testEngine } from '../support/engine.js';
import { createTestApp, TEST_PASSWORD, testContext, type TestApp } from '../support/test-app.js';

/**
 * The last-Global-Administrator rule under concurrency: two changes that each take away one of a
 * tenant's last two Global Administrators run at once; exactly one may succeed. On PostgreSQL they
 * race real transactions over a pool (the tenant's admin guard serialises them); PGlite runs them
 * one after the other (and must give the same answer).
 */
let t: TestApp;

beforeAll(async () => {
  t = await createTestApp({ poolSize: 24 });
});
afterAll(async () => {
  await t.close();
});

type Way = 'removeRole' | 'delete' | 'disable' | 'removePassword';
const WAYS: readonly Way[] = ['removeRole', 'delete', 'disable', 'removePassword'];

async function tenantWithTwoGlobalAdmins(index: number) {
  const domain = `race${index}-${Math.random().toString(36).slice(2, 8)}.example`;
  const tenant = await t.services.tenants.createTenant(testContext('00000000-0000-0000-0000-000000000000'), { displayName: `Race ${index}`, domain, defaultUsageLocation: 'NL' });
  const context = testContext(tenant.tenantId);
  const admin = (alias: string) =>
    t.services.admins.create(context, { userPrincipalName: `${alias}@${domain}`, displayName: alias, roles: ['Global Administrator'], password: TEST_PASSWORD, forceChangePasswordNextSignIn: false });
  return { context, tenantId: tenant.tenantId, first: (await admin('first')).userId, second: (await admin('second')).userId };
}

async function takeAway(context: ReturnType<typeof testContext>, userId: string, way: Way): Promise<void> {
  switch (way) {
    case 'removeRole': {
      const [assignment] = await t.services.admins.listRoleAssignments(context, { principalId: userId, roleDefinitionId: ROLES['Global Administrator'] });
      return t.services.admins.removeRoleAssignment(context, assignment?.id ?? '');
    }
    case 'delete':
      return t.services.users.deleteUser(context, userId);
    case 'disable':
      return t.services.users.updateUser(context, userId, { accountEnabled: false });
    case 'removePassword':
      return t.services.admins.removePassword(context, userId);
  }
}

/** Enabled, active Global Administrators with a password: the set that must never be empty. */
const signInCapableGlobalAdmins = async (tenantId: string): Promise<number> =>
  (
    await sql<{ n: number }>`
      SELECT count(*)::int AS n FROM role_assignment r
      JOIN directory_user u ON u.tenant_id = r.tenant_id AND u.user_id = r.user_id
      JOIN user_credential c ON c.tenant_id = r.tenant_id AND c.user_id = r.user_id
      WHERE r.tenant_id = ${tenantId} AND r.role_id = ${ROLES['Global Administrator']} AND u.deleted_at IS NULL AND u.account_enabled`.execute(t.handle.db)
  ).rows[0]?.n ?? -1;

describe(`last Global Administrator races on ${testEngine()}`, () => {
  it('lets exactly one of two concurrent removals of the last two Global Administrators succeed, for every pair of ways', async () => {
    const pairs = WAYS.flatMap((first) => WAYS.map((second) => [first, second] as const));
    const tenants = await Promise.all(pairs.map((_pair, index) => tenantWithTwoGlobalAdmins(index)));

    // Every pair races at once, so the pool is busy and the two changes of a tenant truly overlap.
    const outcomes = await Promise.all(
      pairs.map(([firstWay, secondWay], index) => {
        const tenant = tenants[index]!;
        return Promise.allSettled([takeAway(tenant.context, tenant.first, firstWay), takeAway(tenant.context, tenant.second, secondWay)]);
      }),
    );

    for (const [index, results] of outcomes.entries()) {
      const label = pairs[index]!.join(' vs ');
      expect(results.filter((result) => result.status === 'fulfilled'), label).toHaveLength(1);
      const refused = results.find((result) => result.status === 'rejected');
      const reason: unknown = refused?.status === 'rejected' ? refused.reason : undefined;
      expect(isAppError(reason) && reason.code, `${label}: ${String(reason)}`).toBe('conflict');
      expect(await signInCapableGlobalAdmins(tenants[index]!.tenantId), label).toBe(1);
    }
  });
});
