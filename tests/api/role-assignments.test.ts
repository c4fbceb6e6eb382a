import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROLES, type RoleName } from '../../src/domain/authorization.js';
import { expectGraphError } from '../support/graph-error.js';
import { createTestApp, TEST_PASSWORD, testContext, type TestApp } from '../support/test-app.js';

/**
 * Directory role management in Graph's shape, the rule that a tenant keeps an enabled Global
 * Administrator who can sign in (refused four ways), and the target-level rules on admins.
 */
let t: TestApp;

const PATH = '/v1.0/roleManagement/directory';
const GA = ROLES['Global Administrator'];

beforeAll(async () => {
  t = await createTestApp();
});
afterAll(async () => {
  await t.close();
});

interface Org {
  tenantId: string;
  domain: string;
  /** The first Global Administrator, with a password. */
  ga: { userId: string; userPrincipalName: string };
  admin(roles: RoleName[], alias?: string): Promise<{ userId: string; userPrincipalName: string }>;
  member(alias: string): Promise<string>;
  inject(options: Parameters<TestApp['inject']>[0]): ReturnType<TestApp['inject']>;
}

async function newOrg(): Promise<Org> {
  const domain = `roles${Math.random().toString(36).slice(2, 8)}.example`;
  const tenant = await t.services.tenants.createTenant(testContext('00000000-0000-0000-0000-000000000000'), { displayName: 'Roles Org', domain, defaultUsageLocation: 'NL' });
  const context = testContext(tenant.tenantId);
  const admin = async (roles: RoleName[], alias = 'admin') => {
    const userPrincipalName = `${alias}-${Math.random().toString(36).slice(2, 8)}@${domain}`;
    const created = await t.services.admins.create(context, { userPrincipalName, displayName: alias, roles, password: TEST_PASSWORD, forceChangePasswordNextSignIn: false });
    return { userId: created.userId, userPrincipalName };
  };
  const member = async (alias: string) =>
    (
      await t.services.users.createUser(context, {
        userPrincipalName: `${alias}@${domain}`,
        displayName: alias,
        mailNickname: alias,
        mail: null,
        givenName: null,
        surname: null,
        jobTitle: null,
        department: null,
        usageLocation: 'NL',
        userType: 'Member',
        accountEnabled: true,
      })
    ).user.userId;
  return { tenantId: tenant.tenantId, domain, ga: await admin(['Global Administrator'], 'ga'), admin, member, inject: (options) => t.inject({ ...options, tenant: tenant.tenantId }) };
}

let addresses = 0;
/** Cookie and CSRF headers of a signed-in admin. */
async function signedIn(userPrincipalName: string, password = TEST_PASSWORD): Promise<Record<string, string>> {
  const response = await t.app.inject({ method: 'POST', url: '/auth/sign-in', payload: { userPrincipalName, password }, remoteAddress: `10.1.0.${(addresses += 1)}` });
  expect(response.statusCode, response.body).toBe(200);
  return { cookie: `allot_session=${response.cookies.find((entry) => entry.name === 'allot_session')?.value ?? ''}`, 'x-csrf-token': response.json<{ csrfToken: string }>().csrfToken };
}

const assignmentsOf = async (org: Org, userId: string) =>
  (await org.inject({ method: 'GET', url: `${PATH}/roleAssignments?$filter=principalId eq '${userId}'` })).json<{ value: { id: string; roleDefinitionId: string }[] }>().value;

const state = async (org: Org) => ({
  roles: (await sql`SELECT user_id, role_id FROM role_assignment WHERE tenant_id = ${org.tenantId} ORDER BY 1, 2`.execute(t.handle.db)).rows,
  users: (await sql`SELECT user_id, account_enabled, deleted_at FROM directory_user WHERE tenant_id = ${org.tenantId} ORDER BY 1`.execute(t.handle.db)).rows,
  credentials: (await sql`SELECT user_id, password_hash FROM user_credential WHERE tenant_id = ${org.tenantId} ORDER BY 1`.execute(t.handle.db)).rows,
});

describe('role definitions and assignments', () => {
  it('lists the six built-in roles with their template ids as ids', async () => {
    const org = await newOrg();
    const response = await org.inject({ method: 'GET', url: `${PATH}/roleDefinitions` });
    expect(response.statusCode).toBe(200);
    const body = response.json<{ '@odata.context': string; value: Record<string, unknown>[] }>();
    expect(body['@odata.context']).toBe('https://allot.test/v1.0/$metadata#roleManagement/directory/roleDefinitions');
    expect(body.value).toHaveLength(6);
    expect(body.value[0]).toEqual({
      id: GA,
      description: 'Can manage all aspects of Microsoft Entra ID and Microsoft services that use Microsoft Entra identities.',
      displayName: 'Global Administrator',
      isBuiltIn: true,
      isEnabled: true,
      templateId: GA,
    });
    expect(body.value.map((role) => role.displayName)).toEqual(Object.keys(ROLES));
  });

  it('assigns, lists, filters, gets and removes role assignments', async () => {
    const org = await newOrg();
    const userId = await org.member('anna');
    const created = await org.inject({
      method: 'POST',
      url: `${PATH}/roleAssignments`,
      payload: { '@odata.type': '#microsoft.graph.unifiedRoleAssignment', principalId: userId.toUpperCase(), roleDefinitionId: ROLES['License Administrator'], directoryScopeId: '/' },
    });
    expect(created.statusCode, created.body).toBe(201);
    const assignment = created.json<{ id: string }>();
    expect(assignment).toEqual({
      '@odata.context': 'https://allot.test/v1.0/$metadata#roleManagement/directory/roleAssignments/$entity',
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      principalId: userId,
      roleDefinitionId: ROLES['License Administrator'],
      directoryScopeId: '/',
    });
    expect(created.headers.location).toBe(`https://allot.test${PATH}/roleAssignments/${assignment.id}`);

    const all = (await org.inject({ method: 'GET', url: `${PATH}/roleAssignments` })).json<{ value: { principalId: string }[] }>().value;
    expect(all.map((entry) => entry.principalId).sort()).toEqual([org.ga.userId, userId].sort());
    const byRole = (await org.inject({ method: 'GET', url: `${PATH}/roleAssignments?$filter=roleDefinitionId eq '${GA}'` })).json<{ value: { principalId: string }[] }>().value;
    expect(byRole.map((entry) => entry.principalId)).toEqual([org.ga.userId]);
    const both = await org.inject({ method: 'GET', url: `${PATH}/roleAssignments?$filter=principalId eq '${userId}' and roleDefinitionId eq '${ROLES['License Administrator']}'` });
    expect(both.json<{ value: { id: string }[] }>().value.map((entry) => entry.id)).toEqual([assignment.id]);
    expectGraphError(await org.inject({ method: 'GET', url: `${PATH}/roleAssignments?$filter=directoryScopeId eq '/'` }), 400, 'Request_UnsupportedQuery', 'Unsupported Query.');

    const one = await org.inject({ method: 'GET', url: `${PATH}/roleAssignments/${assignment.id}` });
    expect(one.json<{ principalId: string }>().principalId).toBe(userId);

    expect((await org.inject({ method: 'DELETE', url: `${PATH}/roleAssignments/${assignment.id}` })).statusCode).toBe(204);
    expectGraphError(await org.inject({ method: 'GET', url: `${PATH}/roleAssignments/${assignment.id}` }), 404, 'Request_ResourceNotFound');
    expect(await assignmentsOf(org, userId)).toEqual([]);
  });

  it('refuses a duplicate, an unknown role, an unknown user, another scope and unknown ids', async () => {
    const org = await newOrg();
    const userId = await org.member('bram');
    const post = (payload: Record<string, unknown>) => org.inject({ method: 'POST', url: `${PATH}/roleAssignments`, payload });
    expect((await post({ principalId: userId, roleDefinitionId: ROLES['Global Reader'], directoryScopeId: '/' })).statusCode).toBe(201);
    expectGraphError(
      await post({ principalId: userId, roleDefinitionId: ROLES['Global Reader'], directoryScopeId: '/' }),
      400,
      'Request_BadRequest',
      'A conflicting object with one or more of the specified property values is present in the directory.',
    );
    expectGraphError(await post({ principalId: userId, roleDefinitionId: '88d8e3e3-8f55-4a1e-953a-9b9898b8876b', directoryScopeId: '/' }), 404, 'Request_ResourceNotFound');
    expectGraphError(await post({ principalId: '11111111-2222-4333-8444-555555555555', roleDefinitionId: ROLES['Global Reader'], directoryScopeId: '/' }), 404, 'Request_ResourceNotFound');
    expectGraphError(await post({ principalId: userId, roleDefinitionId: ROLES['Guest Inviter'], directoryScopeId: '/administrativeUnits/x' }), 400, 'Request_BadRequest');
    expectGraphError(await org.inject({ method: 'GET', url: `${PATH}/roleAssignments/not-a-guid` }), 404, 'Request_ResourceNotFound');
    expectGraphError(await org.inject({ method: 'DELETE', url: `${PATH}/roleAssignments/11111111-2222-4333-8444-555555555555` }), 404, 'Request_ResourceNotFound');
  });

  it('lets only a Global Administrator (or RoleManagement.ReadWrite.Directory) assign roles; every admin reads them', async () => {
    const org = await newOrg();
    const userAdmin = await org.admin(['User Administrator']);
    const headers = await signedIn(userAdmin.userPrincipalName);
    expect((await t.app.inject({ method: 'GET', url: `${PATH}/roleAssignments`, headers })).statusCode).toBe(200);
    const refused = await t.app.inject({ method: 'POST', url: `${PATH}/roleAssignments`, headers, payload: { principalId: userAdmin.userId, roleDefinitionId: GA, directoryScopeId: '/' } });
    expectGraphError(refused, 403, 'Authorization_RequestDenied', 'Insufficient privileges to complete the operation.');
    const gaHeaders = await signedIn(org.ga.userPrincipalName);
    expect((await t.app.inject({ method: 'POST', url: `${PATH}/roleAssignments`, headers: gaHeaders, payload: { principalId: userAdmin.userId, roleDefinitionId: GA, directoryScopeId: '/' } })).statusCode).toBe(201);
  });
});

describe('the last Global Administrator', () => {
  const LAST_GA = 'The organization must keep at least one enabled Global Administrator who can sign in.';

  it('cannot lose the role, be deleted, be disabled or lose the password', async () => {
    const org = await newOrg();
    // The last Global Administrator tries to lock the organization out; an app may not even try.
    const headers = await signedIn(org.ga.userPrincipalName);
    const before = await state(org);
    const [assignment] = await assignmentsOf(org, org.ga.userId);
    const attempts = [
      { method: 'DELETE', url: `${PATH}/roleAssignments/${assignment?.id ?? ''}` },
      { method: 'DELETE', url: `/v1.0/users/${org.ga.userId}` },
      { method: 'PATCH', url: `/v1.0/users/${org.ga.userId}`, payload: { accountEnabled: false } },
      { method: 'DELETE', url: `/admin/users/${org.ga.userId}/password` },
    ] as const;
    for (const attempt of attempts) {
      const body = expectGraphError(await t.app.inject({ ...attempt, headers }), 409, 'Request_Conflict', LAST_GA);
      expect(body.error.details?.[0]).toMatchObject({ code: 'LastGlobalAdministrator', target: org.ga.userId });
    }
    expect(await state(org)).toEqual(before);
    expect((await t.app.inject({ method: 'GET', url: '/auth/session', headers })).statusCode).toBe(200);
  });

  it('counts only enabled Global Administrators with a password, and allows each way while another one counts', async () => {
    const org = await newOrg();
    const ga = await signedIn(org.ga.userPrincipalName);
    const call = (headers: Record<string, string>, method: 'DELETE' | 'PATCH', url: string, payload?: Record<string, unknown>) =>
      t.app.inject({ method, url, headers, ...(payload === undefined ? {} : { payload }) });
    // A disabled Global Administrator and one without a password do not count.
    const disabled = await org.admin(['Global Administrator'], 'disabled');
    await t.services.users.updateUser(testContext(org.tenantId), disabled.userId, { accountEnabled: false });
    const passwordless = await org.admin(['Global Administrator'], 'passwordless');
    expect((await call(ga, 'DELETE', `/admin/users/${passwordless.userId}/password`)).statusCode).toBe(204);
    const second = await org.admin(['Global Administrator'], 'second');
    const [secondRole] = await assignmentsOf(org, second.userId);
    expect((await call(ga, 'DELETE', `${PATH}/roleAssignments/${secondRole?.id ?? ''}`)).statusCode).toBe(204);
    expectGraphError(await call(ga, 'DELETE', `/v1.0/users/${org.ga.userId}`), 409, 'Request_Conflict', LAST_GA);

    const third = await org.admin(['Global Administrator'], 'third');
    expect((await call(ga, 'DELETE', `/v1.0/users/${third.userId}`)).statusCode).toBe(204);
    expectGraphError(await call(ga, 'DELETE', `/admin/users/${org.ga.userId}/password`), 409, 'Request_Conflict', LAST_GA);

    const fourth = await org.admin(['Global Administrator'], 'fourth');
    const other = await signedIn(fourth.userPrincipalName);
    expect((await call(other, 'PATCH', `/v1.0/users/${org.ga.userId}`, { accountEnabled: false })).statusCode).toBe(204);
    // Disabling ended the first administrator's session.
    expectGraphError(await t.app.inject({ method: 'GET', url: '/auth/session', headers: ga }), 401, 'InvalidAuthenticationToken');
    expectGraphError(await call(other, 'DELETE', `/admin/users/${fourth.userId}/password`), 409, 'Request_Conflict', LAST_GA);
    expect((await call(other, 'PATCH', `/v1.0/users/${org.ga.userId}`, { accountEnabled: true })).statusCode).toBe(204);
    expect((await call(other, 'DELETE', `/admin/users/${fourth.userId}/password`)).statusCode).toBe(204);
    // Removing its own password ended the session it was sent with.
    expectGraphError(await t.app.inject({ method: 'GET', url: '/auth/session', headers: other }), 401, 'InvalidAuthenticationToken');
  });
});

describe('passwords through Graph and target-level rules', () => {
  it('creates a password with POST /users (Graph\'s error for a weak one) and resets it with PATCH, ending the user\'s sessions', async () => {
    const org = await newOrg();
    const body = (alias: string, password: string) => ({
      accountEnabled: true,
      displayName: alias,
      mailNickname: alias,
      userPrincipalName: `${alias}@${org.domain}`,
      passwordProfile: { password, forceChangePasswordNextSignIn: false },
    });
    expectGraphError(
      await org.inject({ method: 'POST', url: '/v1.0/users', payload: body('weak', 'password1') }),
      400,
      'Request_BadRequest',
      'The specified password does not comply with password complexity requirements. Please provide a different password.',
    );
    const created = await org.inject({ method: 'POST', url: '/v1.0/users', payload: body('carla', TEST_PASSWORD) });
    expect(created.statusCode, created.body).toBe(201);
    const userId = created.json<{ id: string }>().id;
    await t.services.admins.assignRole(testContext(org.tenantId), { principalId: userId, roleDefinitionId: ROLES['Guest Inviter'] });
    const headers = await signedIn(`carla@${org.domain}`);

    // A Global Administrator resets it (no app resets a role holder's password).
    const reset = await t.app.inject({ method: 'PATCH', url: `/v1.0/users/${userId}`, headers: await signedIn(org.ga.userPrincipalName), payload: { passwordProfile: { password: 'Brand-New-Password-7' } } });
    expect(reset.statusCode, reset.body).toBe(204);
    expectGraphError(await t.app.inject({ method: 'GET', url: '/auth/session', headers }), 401, 'InvalidAuthenticationToken');
    const again = await t.app.inject({ method: 'POST', url: '/auth/sign-in', payload: { userPrincipalName: `carla@${org.domain}`, password: 'Brand-New-Password-7' }, remoteAddress: '10.1.9.1' });
    // A reset through PATCH must be changed at the next sign-in unless it says otherwise.
    expect(again.json<{ mustChangePassword: boolean }>().mustChangePassword).toBe(true);
  });

  it('keeps a User Administrator from resetting, disabling or deleting a Global Administrator, but not a Guest Inviter', async () => {
    const org = await newOrg();
    const userAdmin = await org.admin(['User Administrator']);
    const headers = await signedIn(userAdmin.userPrincipalName);
    const before = await state(org);
    for (const request of [
      { method: 'PATCH', url: `/v1.0/users/${org.ga.userId}`, payload: { passwordProfile: { password: 'Takeover-Password-1' } } },
      { method: 'PATCH', url: `/v1.0/users/${org.ga.userId}`, payload: { accountEnabled: false } },
      { method: 'DELETE', url: `/v1.0/users/${org.ga.userId}` },
      { method: 'DELETE', url: `/admin/users/${org.ga.userId}/password` },
    ] as const) {
      const body = expectGraphError(await t.app.inject({ ...request, headers }), 403, 'Authorization_RequestDenied', 'Insufficient privileges to complete the operation.');
      expect(body.error.details?.[0]?.message).toMatch(/only a Global Administrator may reset, disable or delete it/);
    }
    expect(await state(org)).toEqual(before);
    // A User Administrator may still edit an admin's non-sign-in fields, and reset a Guest Inviter.
    expect((await t.app.inject({ method: 'PATCH', url: `/v1.0/users/${org.ga.userId}`, headers, payload: { jobTitle: 'Owner' } })).statusCode).toBe(204);
    const inviter = await org.admin(['Guest Inviter'], 'inviter');
    const inviterHeaders = await signedIn(inviter.userPrincipalName);
    expect((await t.app.inject({ method: 'PATCH', url: `/v1.0/users/${inviter.userId}`, headers, payload: { passwordProfile: { password: 'Reset-By-Admin-3' } } })).statusCode).toBe(204);
    expectGraphError(await t.app.inject({ method: 'GET', url: '/auth/session', headers: inviterHeaders }), 401, 'InvalidAuthenticationToken');
  });

  it('lets a License Administrator change only usageLocation', async () => {
    const org = await newOrg();
    const licenseAdmin = await org.admin(['License Administrator']);
    const headers = await signedIn(licenseAdmin.userPrincipalName);
    const userId = await org.member('dirk');
    expect((await t.app.inject({ method: 'PATCH', url: `/v1.0/users/${userId}`, headers, payload: { usageLocation: 'BE' } })).statusCode).toBe(204);
    const refused = await t.app.inject({ method: 'PATCH', url: `/v1.0/users/${userId}`, headers, payload: { usageLocation: 'DE', jobTitle: 'Driver' } });
    expect(expectGraphError(refused, 403, 'Authorization_RequestDenied').error.details?.[0]?.message).toMatch(/may change only usageLocation, not jobTitle/);
    expectGraphError(await t.app.inject({ method: 'DELETE', url: `/v1.0/users/${userId}`, headers }), 403, 'Authorization_RequestDenied');
  });
});
