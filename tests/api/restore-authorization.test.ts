import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROLES, type RoleName } from '../../src/domain/authorization.js';
import { createLicensingTenant, licensingSnapshot, MS, type LicensingTenant } from '../support/fixtures.js';
import { expectGraphError } from '../support/graph-error.js';
import { createTestApp, TEST_PASSWORD, type TestApp } from '../support/test-app.js';

/**
 * Target-level rules of the security review of the identity work: restoring a deleted user sees
 * its roles (roles and password survive a soft delete) and its licenses (restoring a licensed guest
 * is licensing a guest); an app gives only directory roles whose actions it holds and takes over no
 * role holder's sign-in; PATCH userType Guest on a licensed member is licensing a guest. Every
 * refusal leaves the database unchanged.
 */

const E3 = [{ skuId: MS.e3, disabledPlans: [] }];
const GUEST_RULE = 'Licensing a guest user needs a Global Administrator (tenant setting guestLicensingRequiresGlobalAdmin). Needs: Global Administrator.';
const DENIED = 'Insufficient privileges to complete the operation.';

let t: TestApp;
let tenant: LicensingTenant;
let domain: string;
let ga: Record<string, string>;
let userAdmin: Record<string, string>;

beforeAll(async () => {
  t = await createTestApp();
  tenant = await createLicensingTenant(t.services, { [MS.e3]: 50 });
  domain = (await t.services.tenants.getTenant(tenant.tenantId)).domains[0]?.domain ?? '';
  ga = (await t.adminHeaders(tenant.tenantId, ['Global Administrator'])).headers;
  userAdmin = (await t.adminHeaders(tenant.tenantId, ['User Administrator'])).headers;
});
afterAll(async () => {
  await t.close();
});

const send = (headers: Record<string, string>, method: 'POST' | 'PATCH' | 'DELETE', url: string, payload?: object) =>
  t.app.inject({ method, url, headers, ...(payload === undefined ? {} : { payload }) });
const restore = (headers: Record<string, string>, userId: string) => send(headers, 'POST', `/v1.0/directory/deletedItems/${userId}/restore`);

/** Users, roles, credentials and the licensing tables: a refused request changes none of them. */
const state = async () => ({
  licensing: await licensingSnapshot(t.handle.db, tenant.tenantId),
  users: (await sql`SELECT user_id, user_type, account_enabled, deleted_at FROM directory_user WHERE tenant_id = ${tenant.tenantId} ORDER BY 1`.execute(t.handle.db)).rows,
  roles: (await sql`SELECT user_id, role_id FROM role_assignment WHERE tenant_id = ${tenant.tenantId} ORDER BY 1, 2`.execute(t.handle.db)).rows,
  credentials: (await sql`SELECT user_id, password_hash FROM user_credential WHERE tenant_id = ${tenant.tenantId} ORDER BY 1`.execute(t.handle.db)).rows,
});

async function admin(roles: RoleName[], alias: string) {
  const userPrincipalName = `${alias}-${Math.random().toString(36).slice(2, 8)}@${domain}`;
  const created = await t.services.admins.create(tenant.context, { userPrincipalName, displayName: alias, roles, password: TEST_PASSWORD, forceChangePasswordNextSignIn: false });
  return { userId: created.userId, userPrincipalName };
}

async function guest(alias: string, licensed: boolean): Promise<{ userId: string; userPrincipalName: string }> {
  const invited = await t.services.invitations.invite(tenant.context, {
    invitedUserEmailAddress: `${alias}-${Math.random().toString(36).slice(2, 8)}@fabrikam.com`,
    inviteRedirectUrl: 'https://fabrikam.com',
    invitedUserDisplayName: null,
    invitedUserType: 'Guest',
    sendInvitationMessage: false,
    resetRedemption: false,
  });
  await t.services.users.updateUser(tenant.context, invited.user.userId, { usageLocation: 'NL' });
  if (licensed) {
    await t.services.licensing.assignLicense(tenant.context, { userKey: invited.user.userId, add: E3, remove: [] });
  }
  return { userId: invited.user.userId, userPrincipalName: invited.user.userPrincipalName };
}

const restoreRow = async (userId: string) =>
  (
    await sql<{ actor_authorization: string; details: unknown }>`
      SELECT actor_authorization, details FROM audit_log WHERE tenant_id = ${tenant.tenantId} AND target_id = ${userId} AND activity = 'Restore user'`.execute(t.handle.db)
  ).rows;

const heldSkus = async (userId: string) => (await t.services.licensing.getLicensedUser(tenant.context, userId)).assignments.map((assignment) => assignment.skuId);

describe('restoring a deleted user', () => {
  it('a User Administrator or an app with User.ReadWrite.All cannot restore a deleted Global Administrator; a Global Administrator can, and the audit row lists the restored roles', async () => {
    const victim = await admin(['Global Administrator'], 'old-ga');
    await t.services.users.deleteUser(tenant.context, victim.userId);
    const before = await state();

    const byUserAdmin = expectGraphError(await restore(userAdmin, victim.userId), 403, 'Authorization_RequestDenied', DENIED);
    expect(byUserAdmin.error.details?.[0]).toMatchObject({ code: 'MissingRole', target: 'users.restore' });
    expect(byUserAdmin.error.details?.[0]?.message).toMatch(/only a Global Administrator may restore it/);
    const app = await t.appHeaders(tenant.tenantId, ['User.ReadWrite.All']);
    expect(expectGraphError(await restore(app, victim.userId), 403, 'Authorization_RequestDenied', DENIED).error.details?.[0]?.message).toMatch(/an application may not restore it/);
    expect(await state()).toEqual(before);
    expect(await restoreRow(victim.userId)).toEqual([]);

    const restored = await restore(ga, victim.userId);
    expect(restored.statusCode, restored.body).toBe(200);
    expect(await restoreRow(victim.userId)).toEqual([
      {
        actor_authorization: 'Global Administrator',
        details: { licensesNotRestored: [], roleAssignmentsRestored: [{ roleAssignmentId: expect.any(String), roleDefinitionId: ROLES['Global Administrator'], role: 'Global Administrator' }] },
      },
    ]);
    // Why it matters: the restored account signs in with the password it had.
    expect((await t.app.inject({ method: 'POST', url: '/auth/sign-in', payload: { userPrincipalName: victim.userPrincipalName, password: TEST_PASSWORD }, remoteAddress: '10.7.0.1' })).statusCode).toBe(200);
  });

  it('a User Administrator restores a deleted member or Guest Inviter, audited as User Administrator', async () => {
    const inviter = await admin(['Guest Inviter'], 'inviter');
    const member = await tenant.user(`restored-${Math.random().toString(36).slice(2, 8)}`);
    await t.services.licensing.assignLicense(tenant.context, { userKey: member, add: E3, remove: [] });
    for (const userId of [inviter.userId, member]) {
      await t.services.users.deleteUser(tenant.context, userId);
      const restored = await restore(userAdmin, userId);
      expect(restored.statusCode, restored.body).toBe(200);
      expect((await restoreRow(userId))[0]?.actor_authorization).toBe('User Administrator');
    }
    expect(await heldSkus(member)).toEqual([MS.e3]);
    // An app may restore a user without a role, not one holding any role.
    await t.services.users.deleteUser(tenant.context, member);
    await t.services.users.deleteUser(tenant.context, inviter.userId);
    const app = await t.appHeaders(tenant.tenantId, ['User.ReadWrite.All']);
    expectGraphError(await restore(app, inviter.userId), 403, 'Authorization_RequestDenied');
    expect((await restore(app, member)).statusCode).toBe(200);
  });

  it('restoring a licensed guest is licensing a guest: a User Administrator gets 403 while the setting is on and nothing changes; a Global Administrator restores it licensed', async () => {
    const licensed = await guest('gwen', true);
    const unlicensed = await guest('gus', false);
    await t.services.users.deleteUser(tenant.context, licensed.userId);
    await t.services.users.deleteUser(tenant.context, unlicensed.userId);
    const before = await state();

    const refused = expectGraphError(await restore(userAdmin, licensed.userId), 403, 'Authorization_RequestDenied', DENIED);
    expect(refused.error.details).toEqual([{ code: 'MissingRole', target: licensed.userPrincipalName, message: GUEST_RULE }]);
    expect(await state()).toEqual(before);

    // An unlicensed guest needs no license decision.
    expect((await restore(userAdmin, unlicensed.userId)).statusCode).toBe(200);
    const restored = await restore(ga, licensed.userId);
    expect(restored.statusCode, restored.body).toBe(200);
    expect(await heldSkus(licensed.userId)).toEqual([MS.e3]);
  });
});

describe('directory roles and role holders, for apps', () => {
  it('an app with RoleManagement.ReadWrite.Directory cannot make a user Global Administrator or User Administrator; no app makes a Global Administrator; a Global Administrator can', async () => {
    const userId = await tenant.user(`promoted-${Math.random().toString(36).slice(2, 8)}`);
    const roleManager = await t.appHeaders(tenant.tenantId, ['RoleManagement.ReadWrite.Directory']);
    const assign = (headers: Record<string, string>, role: RoleName) =>
      send(headers, 'POST', '/v1.0/roleManagement/directory/roleAssignments', { principalId: userId, roleDefinitionId: ROLES[role], directoryScopeId: '/' });
    const before = await state();
    const refused = expectGraphError(await assign(roleManager, 'Global Administrator'), 403, 'Authorization_RequestDenied', DENIED);
    expect(refused.error.details?.[0]).toMatchObject({ code: 'MissingRole', target: 'roles.manage' });
    const userAdmin = expectGraphError(await assign(roleManager, 'User Administrator'), 403, 'Authorization_RequestDenied');
    expect(userAdmin.error.details?.[0]?.message).toMatch(/User Administrator also allows .*users\.update/);
    expect(await state()).toEqual(before);

    // The test app holds every permission.
    expect((await t.inject({ method: 'POST', url: '/v1.0/roleManagement/directory/roleAssignments', tenant: tenant.tenantId, payload: { principalId: userId, roleDefinitionId: ROLES['User Administrator'], directoryScopeId: '/' } })).statusCode).toBe(201);
    expect((await t.inject({ method: 'POST', url: '/v1.0/roleManagement/directory/roleAssignments', tenant: tenant.tenantId, payload: { principalId: userId, roleDefinitionId: ROLES['Global Administrator'], directoryScopeId: '/' } })).statusCode).toBe(403);
    expect((await assign(ga, 'Global Administrator')).statusCode).toBe(201);
  });

  it('an app with User.ReadWrite.All cannot reset, disable or delete a User Administrator or a Guest Inviter, but can a user without a role', async () => {
    const targets = [await admin(['User Administrator'], 'ua'), await admin(['Guest Inviter'], 'gi')];
    const app = await t.appHeaders(tenant.tenantId, ['User.ReadWrite.All']);
    const before = await state();
    for (const target of targets) {
      for (const [method, payload] of [
        ['PATCH', { passwordProfile: { password: 'Takeover-Password-1' } }],
        ['PATCH', { accountEnabled: false }],
        ['PATCH', { userPrincipalName: `taken-${Math.random().toString(36).slice(2, 8)}@${domain}` }],
        ['DELETE', undefined],
      ] as const) {
        const refused = expectGraphError(await send(app, method, `/v1.0/users/${target.userId}`, payload), 403, 'Authorization_RequestDenied', DENIED);
        expect(refused.error.details?.[0]?.message).toMatch(/an application may not reset, disable or delete it/);
      }
      expectGraphError(await send(app, 'DELETE', `/admin/users/${target.userId}/password`), 403, 'Authorization_RequestDenied');
    }
    expect(await state()).toEqual(before);
    const member = await tenant.user(`plain-${Math.random().toString(36).slice(2, 8)}`);
    expect((await send(app, 'PATCH', `/v1.0/users/${member}`, { passwordProfile: { password: 'Fresh-Password-42' } })).statusCode).toBe(204);
    expect((await send(app, 'PATCH', `/v1.0/users/${targets[0]?.userId ?? ''}`, { jobTitle: 'Helpdesk' })).statusCode).toBe(204);
  });
});

describe('PATCH userType', () => {
  it('a User Administrator cannot turn a licensed member into a guest while the setting is on (403, nothing changed); a Global Administrator can', async () => {
    const licensed = await tenant.user(`licensed-${Math.random().toString(36).slice(2, 8)}`);
    await t.services.licensing.assignLicense(tenant.context, { userKey: licensed, add: E3, remove: [] });
    const unlicensed = await tenant.user(`bare-${Math.random().toString(36).slice(2, 8)}`);
    const upn = (await t.services.licensing.getLicensedUser(tenant.context, licensed)).user.userPrincipalName;
    const before = await state();

    const refused = expectGraphError(await send(userAdmin, 'PATCH', `/v1.0/users/${licensed}`, { userType: 'Guest' }), 403, 'Authorization_RequestDenied', DENIED);
    expect(refused.error.details).toEqual([{ code: 'MissingRole', target: upn, message: GUEST_RULE }]);
    expect(await state()).toEqual(before);

    expect((await send(userAdmin, 'PATCH', `/v1.0/users/${unlicensed}`, { userType: 'Guest' })).statusCode).toBe(204);
    const allowed = await send(ga, 'PATCH', `/v1.0/users/${licensed}`, { userType: 'Guest' });
    expect(allowed.statusCode, allowed.body).toBe(204);
    expect((await t.services.licensing.getLicensedUser(tenant.context, licensed)).user.userType).toBe('Guest');
  });

  it('with the tenant setting off, a User Administrator may', async () => {
    const licensed = await tenant.user(`setting-off-${Math.random().toString(36).slice(2, 8)}`);
    await t.services.licensing.assignLicense(tenant.context, { userKey: licensed, add: E3, remove: [] });
    expect((await send(ga, 'PATCH', '/admin/settings', { guestLicensingRequiresGlobalAdmin: false })).statusCode).toBe(200);
    try {
      expect((await send(userAdmin, 'PATCH', `/v1.0/users/${licensed}`, { userType: 'Guest' })).statusCode).toBe(204);
    } finally {
      expect((await send(ga, 'PATCH', '/admin/settings', { guestLicensingRequiresGlobalAdmin: true })).statusCode).toBe(200);
    }
  });
});
