import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROLES, type AppPermission, type RoleName } from '../../src/domain/authorization.js';
import type { RequestContext } from '../../src/domain/context.js';
import { AppError } from '../../src/domain/errors.js';
import { createRepositories } from '../../src/db/repositories/index.js';
import { createLicensingTenant, licensingSnapshot, MS, type LicensingTenant } from '../support/fixtures.js';
import { createTestApp, type TestApp } from '../support/test-app.js';
import { expectGraphError } from '../support/graph-error.js';

/**
 * Licensing a guest needs a Global Administrator while the tenant setting
 * guestLicensingRequiresGlobalAdmin is on (the default), on every path that changes licenses:
 * assignLicense, the bulk and product-page changes, a user's license edit and create-with-licenses.
 * Services are called with contexts of signed-in admins and apps; the HTTP tests sign in for real.
 */

const E3 = [{ skuId: MS.e3, disabledPlans: [] }];
const GUEST_RULE = 'Licensing a guest user needs a Global Administrator (tenant setting guestLicensingRequiresGlobalAdmin). Needs: Global Administrator.';

let t: TestApp;
let tenant: LicensingTenant;
let member: string;
let guest: { userId: string; userPrincipalName: string };

const asAdmin = (roles: RoleName[]): RequestContext => ({
  ...tenant.context,
  principal: { kind: 'user', id: randomUUID(), displayName: roles.join(', '), userPrincipalName: 'admin@tailspin.example', roles, sessionId: randomUUID() },
});
const asApp = (permissions: AppPermission[]): RequestContext => ({ ...tenant.context, principal: { kind: 'app', id: randomUUID(), displayName: 'Script', permissions } });

/** A fresh invited guest with a usage location, so only the permission rule stands in its way. */
async function newGuest(alias: string): Promise<{ userId: string; userPrincipalName: string }> {
  const invited = await t.services.invitations.invite(tenant.context, {
    invitedUserEmailAddress: `${alias}@fabrikam.com`,
    inviteRedirectUrl: 'https://fabrikam.com',
    invitedUserDisplayName: null,
    invitedUserType: 'Guest',
    sendInvitationMessage: false,
    resetRedemption: false,
  });
  await t.services.users.updateUser(tenant.context, invited.user.userId, { usageLocation: 'NL' });
  return { userId: invited.user.userId, userPrincipalName: invited.user.userPrincipalName };
}

/** Runs `work`, expects Graph's 403 naming `refused` (userPrincipalNames), and that nothing changed. */
async function expectRefused(work: () => Promise<unknown>, refused: string[]): Promise<void> {
  const before = await licensingSnapshot(t.handle.db, tenant.tenantId);
  const error = await work().then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(AppError);
  expect(error).toMatchObject({ code: 'forbidden', message: 'Insufficient privileges to complete the operation.' });
  const byTarget = (a: { target?: string }, b: { target?: string }) => (a.target ?? '').localeCompare(b.target ?? '');
  expect([...(error as AppError).details].sort(byTarget)).toEqual(refused.map((target) => ({ code: 'MissingRole', target, message: GUEST_RULE })).sort(byTarget));
  expect(await licensingSnapshot(t.handle.db, tenant.tenantId)).toEqual(before);
}

const heldSkus = async (userId: string) => (await t.services.licensing.getLicensedUser(tenant.context, userId)).assignments.map((assignment) => assignment.skuId);

beforeAll(async () => {
  t = await createTestApp();
  tenant = await createLicensingTenant(t.services, { [MS.e3]: 50 });
  member = await tenant.user('max');
  guest = await newGuest('gwen');
});

afterAll(async () => {
  await t.close();
});

describe('assignLicense', () => {
  it.each([['License Administrator'], ['User Administrator']] as const)('a %s may not license a guest', async (role) => {
    await expectRefused(() => t.services.licensing.assignLicense(asAdmin([role]), { userKey: guest.userId, add: E3, remove: [] }), [guest.userPrincipalName]);
  });

  it('a License Administrator licenses a member', async () => {
    await t.services.licensing.assignLicense(asAdmin(['License Administrator']), { userKey: member, add: E3, remove: [] });
    expect(await heldSkus(member)).toEqual([MS.e3]);
  });

  it('a Global Administrator licenses a guest, and the audit row says so', async () => {
    const other = await newGuest('gita');
    await t.services.licensing.assignLicense(asAdmin(['License Administrator', 'Global Administrator']), { userKey: other.userId, add: E3, remove: [] });
    expect(await heldSkus(other.userId)).toEqual([MS.e3]);
    const audit = await sql<{ actor_authorization: string }>`
      SELECT actor_authorization FROM audit_log WHERE tenant_id = ${tenant.tenantId} AND target_id = ${other.userId} AND activity = 'Change user license'`.execute(t.handle.db);
    expect(audit.rows).toEqual([{ actor_authorization: 'Global Administrator' }]);
    // Removing the guest's license is licensing it too.
    await expectRefused(() => t.services.licensing.assignLicense(asAdmin(['License Administrator']), { userKey: other.userId, add: [], remove: [MS.e3] }), [other.userPrincipalName]);
  });

  it('an app with LicenseAssignment.ReadWrite.All licenses a guest (the rule is about admins)', async () => {
    const other = await newGuest('gael');
    await t.services.licensing.assignLicense(asApp(['LicenseAssignment.ReadWrite.All']), { userKey: other.userId, add: E3, remove: [] });
    expect(await heldSkus(other.userId)).toEqual([MS.e3]);
  });
});

describe('bulk and edit paths', () => {
  it('refuses a whole Manage product licenses batch that holds a guest, naming only the guests', async () => {
    const second = await newGuest('gus');
    const plain = await tenant.user('mia');
    for (const dryRun of [true, false]) {
      await expectRefused(
        () => t.services.licenseAdmin.manageLicenses(asAdmin(['License Administrator']), { userIds: [plain, guest.userId, second.userId], mode: 'addMore', licenses: E3, dryRun }),
        [guest.userPrincipalName, second.userPrincipalName],
      );
    }
    expect(await heldSkus(plain)).toEqual([]);
  });

  it("refuses unassigning a product from a guest and setting a guest's licenses", async () => {
    const other = await newGuest('gerd');
    await t.services.licensing.assignLicense(asAdmin(['Global Administrator']), { userKey: other.userId, add: E3, remove: [] });
    const licenseAdmin = asAdmin(['License Administrator']);
    await expectRefused(() => t.services.licenseAdmin.manageLicenses(licenseAdmin, { userIds: [other.userId], mode: 'remove', licenses: E3, dryRun: false }), [other.userPrincipalName]);
    await expectRefused(() => t.services.licenseAdmin.manageLicenses(licenseAdmin, { userIds: [other.userId], mode: 'removeAll', licenses: [], dryRun: false }), [other.userPrincipalName]);
    const { version } = await t.services.licenseAdmin.getUserLicenses(tenant.context, other.userId);
    await expectRefused(() => t.services.licenseAdmin.setUserLicenses(licenseAdmin, other.userId, version, []), [other.userPrincipalName]);
    expect(await heldSkus(other.userId)).toEqual([MS.e3]);
  });

  it('refuses creating a guest with licenses unless a Global Administrator does it', async () => {
    const domain = (await t.services.tenants.getTenant(tenant.tenantId)).domains[0]?.domain ?? '';
    const properties = {
      userPrincipalName: `guest.created@${domain}`,
      displayName: 'Created guest',
      mailNickname: 'guest.created',
      mail: null,
      givenName: null,
      surname: null,
      jobTitle: null,
      department: null,
      usageLocation: 'NL',
      userType: 'Guest' as const,
      accountEnabled: true,
    };
    await expect(t.services.users.createUser(asAdmin(['User Administrator']), properties, E3)).rejects.toMatchObject({ code: 'forbidden' });
    const users = await sql<{ n: number }>`SELECT count(*)::int AS n FROM directory_user WHERE tenant_id = ${tenant.tenantId} AND user_principal_name = ${properties.userPrincipalName}`.execute(t.handle.db);
    expect(users.rows[0]?.n).toBe(0);
    const created = await t.services.users.createUser(asAdmin(['Global Administrator']), properties, E3);
    expect(await heldSkus(created.user.userId)).toEqual([MS.e3]);
  });
});

describe('the tenant setting', () => {
  it('when off, a License Administrator licenses guests too', async () => {
    const other = await newGuest('gabi');
    await t.services.settings.update(tenant.context, { guestLicensingRequiresGlobalAdmin: false });
    try {
      await t.services.licensing.assignLicense(asAdmin(['License Administrator']), { userKey: other.userId, add: E3, remove: [] });
      expect(await heldSkus(other.userId)).toEqual([MS.e3]);
    } finally {
      await t.services.settings.update(tenant.context, { guestLicensingRequiresGlobalAdmin: true });
    }
  });

  it('is on by default, and a change is audited once', async () => {
    const fresh = await createLicensingTenant(t.services);
    expect(await t.services.settings.get(fresh.context)).toEqual({ guestLicensingRequiresGlobalAdmin: true });
    expect(await t.services.settings.update(fresh.context, { guestLicensingRequiresGlobalAdmin: false })).toEqual({ guestLicensingRequiresGlobalAdmin: false });
    expect(await t.services.settings.update(fresh.context, { guestLicensingRequiresGlobalAdmin: false })).toEqual({ guestLicensingRequiresGlobalAdmin: false });
    const audit = await sql<{ category: string; target_type: string; changes: unknown }>`
      SELECT category, target_type, changes FROM audit_log WHERE tenant_id = ${fresh.tenantId} AND activity = 'Update company settings'`.execute(t.handle.db);
    expect(audit.rows).toEqual([{ category: 'DirectoryManagement', target_type: 'Tenant', changes: [{ property: 'guestLicensingRequiresGlobalAdmin', before: true, after: false }] }]);
  });
});

describe('target roles', () => {
  it("rolesOf reads users' directory roles by name", async () => {
    await sql`INSERT INTO role_assignment (tenant_id, assignment_id, user_id, role_id, created_at)
      VALUES (${tenant.tenantId}, ${randomUUID()}, ${member}, ${ROLES['License Administrator']}, now()),
             (${tenant.tenantId}, ${randomUUID()}, ${member}, ${ROLES['Global Reader']}, now())`.execute(t.handle.db);
    const roles = await createRepositories(t.handle.db, tenant.tenantId).users.rolesOf([member, guest.userId]);
    expect(Object.fromEntries([...roles].map(([userId, names]) => [userId, [...names].sort()]))).toEqual({ [member]: ['Global Reader', 'License Administrator'] });
  });
});

describe('over HTTP', () => {
  it('GET and PATCH /admin/settings', async () => {
    const get = await t.inject({ method: 'GET', url: '/admin/settings', tenant: tenant.tenantId });
    expect(get.statusCode, get.body).toBe(200);
    expect(get.json()).toEqual({ guestLicensingRequiresGlobalAdmin: true });
    const patch = await t.inject({ method: 'PATCH', url: '/admin/settings', payload: { guestLicensingRequiresGlobalAdmin: false }, tenant: tenant.tenantId });
    expect(patch.statusCode, patch.body).toBe(200);
    expect(patch.json()).toEqual({ guestLicensingRequiresGlobalAdmin: false });
    const back = await t.inject({ method: 'PATCH', url: '/admin/settings', payload: { guestLicensingRequiresGlobalAdmin: true }, tenant: tenant.tenantId });
    expect(back.json()).toEqual({ guestLicensingRequiresGlobalAdmin: true });
    expectGraphError(await t.inject({ method: 'PATCH', url: '/admin/settings', payload: { guestLicensingRequiresGlobalAdmin: 'yes' }, tenant: tenant.tenantId }), 400, 'Request_BadRequest');
  });

  it('an app needs Organization.ReadWrite.All to change settings', async () => {
    const headers = await t.appHeaders(tenant.tenantId, ['Organization.Read.All']);
    expect((await t.app.inject({ method: 'GET', url: '/admin/settings', headers })).statusCode).toBe(200);
    expectGraphError(await t.app.inject({ method: 'PATCH', url: '/admin/settings', payload: { guestLicensingRequiresGlobalAdmin: false }, headers }), 403, 'Authorization_RequestDenied');
  });

  it('a License Administrator gets 403 naming Global Administrator for assignLicense on a guest; a Global Administrator succeeds', async () => {
    const other = await newGuest('gosia');
    const payload = { addLicenses: E3, removeLicenses: [] };
    const licenseAdmin = await t.adminHeaders(tenant.tenantId, ['License Administrator']);
    const refused = expectGraphError(
      await t.app.inject({ method: 'POST', url: `/v1.0/users/${other.userId}/assignLicense`, payload, headers: licenseAdmin.headers }),
      403,
      'Authorization_RequestDenied',
      'Insufficient privileges to complete the operation.',
    );
    expect(refused.error.details).toEqual([{ code: 'MissingRole', target: other.userPrincipalName, message: GUEST_RULE }]);
    const globalAdmin = await t.adminHeaders(tenant.tenantId, ['Global Administrator']);
    const allowed = await t.app.inject({ method: 'POST', url: `/v1.0/users/${other.userId}/assignLicense`, payload, headers: globalAdmin.headers });
    expect(allowed.statusCode, allowed.body).toBe(200);
  });

  it('a License Administrator may not change settings', async () => {
    const { headers } = await t.adminHeaders(tenant.tenantId, ['License Administrator']);
    expectGraphError(await t.app.inject({ method: 'PATCH', url: '/admin/settings', payload: { guestLicensingRequiresGlobalAdmin: false }, headers }), 403, 'Authorization_RequestDenied');
  });
});
