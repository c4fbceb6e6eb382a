import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeclaredRoute } from '../../src/api/plugins/authentication.js';
import { ROLES } from '../../src/domain/authorization.js';
import { createLicensingTenant, FLEET, MS, type LicensingTenant } from '../support/fixtures.js';
import { createTestApp, TEST_NOW, TEST_PASSWORD, testContext, type TestApp } from '../support/test-app.js';

/**
 * Every mutating route, called with a request that succeeds, leaves at least one audit row in the
 * same tenant. The route list comes from the server: a new mutating route without a case here
 * fails the first test. Public routes (sign-in, sign-out, token endpoint, invitation redemption)
 * change no directory data through an admin and are covered by their own tests.
 */

interface Call {
  url: string;
  payload?: unknown;
  headers?: Record<string, string>;
}

let t: TestApp;
let tenant: LicensingTenant;
let domain: string;

const fresh = (alias: string) => tenant.user(`${alias}-${Math.random().toString(36).slice(2, 8)}`);
const newUserBody = (alias: string) => ({ accountEnabled: true, displayName: alias, mailNickname: alias, usageLocation: 'NL', userPrincipalName: `${alias}-${Math.random().toString(36).slice(2, 8)}@${domain}` });

/** One successful request per mutating route. */
const CASES: Record<string, () => Call | Promise<Call>> = {
  'POST /v1.0/users': () => ({ url: '/v1.0/users', payload: newUserBody('created') }),
  'PATCH /v1.0/users/:id': async () => ({ url: `/v1.0/users/${await fresh('patched')}`, payload: { jobTitle: 'Auditor' } }),
  'DELETE /v1.0/users/:id': async () => ({ url: `/v1.0/users/${await fresh('deleted')}` }),
  'POST /v1.0/users/:id/assignLicense': async () => ({ url: `/v1.0/users/${await fresh('assigned')}/assignLicense`, payload: { addLicenses: [{ skuId: FLEET.standard, disabledPlans: [] }], removeLicenses: [] } }),
  'POST /v1.0/directory/deletedItems/:id/restore': async () => {
    const user = await fresh('restored');
    await t.services.users.deleteUser(testContext(tenant.tenantId), user);
    return { url: `/v1.0/directory/deletedItems/${user}/restore` };
  },
  'DELETE /v1.0/directory/deletedItems/:id': async () => {
    const user = await fresh('purged');
    await t.services.users.deleteUser(testContext(tenant.tenantId), user);
    return { url: `/v1.0/directory/deletedItems/${user}` };
  },
  'POST /v1.0/$batch': async () => ({
    url: '/v1.0/$batch',
    payload: { requests: [{ id: '1', method: 'PATCH', url: `/users/${await fresh('batched')}`, headers: { 'content-type': 'application/json' }, body: { department: 'Audit' } }] },
  }),
  'POST /admin/licenses/:skuId/assign': async () => ({ url: `/admin/licenses/${FLEET.standard}/assign`, payload: { userIds: [await fresh('product-assign')] } }),
  'POST /admin/licenses/:skuId/unassign': async () => {
    const user = await fresh('product-unassign');
    await t.services.licensing.assignLicense(testContext(tenant.tenantId), { userKey: user, add: [{ skuId: FLEET.standard, disabledPlans: [] }], remove: [] });
    return { url: `/admin/licenses/${FLEET.standard}/unassign`, payload: { userIds: [user] } };
  },
  'POST /admin/users/manage-licenses': async () => ({ url: '/admin/users/manage-licenses', payload: { userIds: [await fresh('bulk')], mode: 'addMore', licenses: [{ skuId: FLEET.standard, disabledPlans: [] }] } }),
  'PUT /admin/users/:id/licenses': async () => {
    const user = await fresh('versioned');
    const current = await t.inject({ method: 'GET', url: `/admin/users/${user}/licenses` });
    return { url: `/admin/users/${user}/licenses`, payload: { licenses: [{ skuId: FLEET.standard, disabledPlans: [] }] }, headers: { 'if-match': String(current.headers.etag) } };
  },
  'POST /admin/users': () => ({ url: '/admin/users', payload: { user: newUserBody('with-licenses'), licenses: [{ skuId: FLEET.standard, disabledPlans: [] }] } }),
  'POST /admin/subscriptions': () => ({ url: '/admin/subscriptions', payload: { skuId: MS.e5, totalLicenses: 2 } }),
  'POST /admin/subscriptions/:id/add-licenses': async () => ({ url: `/admin/subscriptions/${await subscriptionOf(MS.e3)}/add-licenses`, payload: { count: 1 } }),
  'POST /admin/subscriptions/:id/remove-licenses': async () => ({ url: `/admin/subscriptions/${await subscriptionOf(MS.e3)}/remove-licenses`, payload: { count: 1 } }),
  'PATCH /admin/subscriptions/:id': async () => ({ url: `/admin/subscriptions/${await newSubscription()}`, payload: { recurringBilling: false } }),
  'POST /admin/subscriptions/:id/cancel': async () => ({ url: `/admin/subscriptions/${await newSubscription()}/cancel` }),
  'POST /admin/subscriptions/:id/reactivate': async () => {
    const id = await newSubscription();
    await t.services.subscriptions.cancelSubscription(testContext(tenant.tenantId), id);
    return { url: `/admin/subscriptions/${id}/reactivate`, payload: {} };
  },
  'POST /admin/subscriptions/:id/convert-trial': async () => ({ url: `/admin/subscriptions/${await newSubscription({ isTrial: true })}/convert-trial` }),
  'POST /admin/subscriptions/:id/extend-trial': async () => ({ url: `/admin/subscriptions/${await newSubscription({ isTrial: true })}/extend-trial`, payload: {} }),
  'POST /admin/subscriptions/:id/move-seats': async () => ({ url: `/admin/subscriptions/${await newSubscription()}/move-seats`, payload: {} }),
  'POST /admin/subscriptions/:id/take-over': async () => {
    const buyer = await fresh('buyer');
    const bought = await t.services.subscriptions.recordSubscription(testContext(tenant.tenantId), { skuId: MS.powerBiPro, totalLicenses: 1, channel: 'selfService', purchasedByUserId: buyer });
    return { url: `/admin/subscriptions/${bought.subscriptionId}/take-over`, payload: { action: 'cancel' } };
  },
  'DELETE /admin/subscriptions/:id': async () => ({ url: `/admin/subscriptions/${await newSubscription()}` }),
  'POST /admin/catalogue': () => ({
    url: '/admin/catalogue',
    payload: {
      products: [{ skuId: 'c0ffee00-0000-4000-8000-000000000001', skuPartNumber: 'AUDITED_PRODUCT', displayName: 'Audited product', servicePlans: ['c0ffee00-0000-4000-8000-0000000000a1'] }],
      servicePlans: [{ servicePlanId: 'c0ffee00-0000-4000-8000-0000000000a1', servicePlanName: 'AUDITED_PLAN', friendlyName: 'Audited plan' }],
      rules: [],
    },
  }),
  'POST /v1.0/roleManagement/directory/roleAssignments': async () => ({
    url: '/v1.0/roleManagement/directory/roleAssignments',
    payload: { principalId: await fresh('role-holder'), roleDefinitionId: ROLES['Global Reader'], directoryScopeId: '/' },
  }),
  'DELETE /v1.0/roleManagement/directory/roleAssignments/:id': async () => {
    const created = await t.inject({
      method: 'POST',
      url: '/v1.0/roleManagement/directory/roleAssignments',
      payload: { principalId: await fresh('role-removed'), roleDefinitionId: ROLES['Global Reader'], directoryScopeId: '/' },
    });
    return { url: `/v1.0/roleManagement/directory/roleAssignments/${created.json<{ id: string }>().id}` };
  },
  'POST /admin/apps': () => ({ url: '/admin/apps', payload: { displayName: 'Audited app', permissions: ['User.Read.All'] } }),
  'PATCH /admin/apps/:appId': async () => ({ url: `/admin/apps/${await newApp()}`, payload: { displayName: 'Renamed app' } }),
  'DELETE /admin/apps/:appId': async () => ({ url: `/admin/apps/${await newApp()}` }),
  'POST /admin/apps/:appId/secrets': async () => ({ url: `/admin/apps/${await newApp()}/secrets`, payload: { displayName: 'ci' } }),
  'DELETE /admin/apps/:appId/secrets/:keyId': async () => {
    const appId = await newApp();
    const secret = await t.services.apps.addSecret(testContext(tenant.tenantId), appId, {});
    return { url: `/admin/apps/${appId}/secrets/${secret.keyId}` };
  },
  'POST /admin/apps/signing-keys/rotate': () => ({ url: '/admin/apps/signing-keys/rotate' }),
  'DELETE /admin/users/:id/password': async () => {
    const admin = await t.services.admins.create(testContext(tenant.tenantId), { userPrincipalName: `inviter-${Math.random().toString(36).slice(2, 8)}@${domain}`, displayName: 'Inviter', roles: ['Guest Inviter'] });
    // No app takes a role holder's password away: a Global Administrator does.
    return { url: `/admin/users/${admin.userId}/password`, headers: (await t.adminHeaders(tenant.tenantId, ['Global Administrator'])).headers };
  },
  // /me is the signed-in admin's own account: a session, not an app token.
  'POST /v1.0/me/changePassword': async () => ({
    url: '/v1.0/me/changePassword',
    payload: { currentPassword: TEST_PASSWORD, newPassword: 'Another-Horse-Battery-7' },
    headers: (await t.adminHeaders(tenant.tenantId, ['Global Reader'])).headers,
  }),
  // A real change: an unchanged setting writes no audit row.
  'PATCH /admin/settings': () => ({ url: '/admin/settings', payload: { guestLicensingRequiresGlobalAdmin: false } }),
  'POST /admin/data/holds': async () => ({ url: '/admin/data/holds', payload: { kind: 'litigationHold', userId: await fresh('held'), name: 'Audited hold' } }),
  'DELETE /admin/data/holds/:id': async () => ({
    url: `/admin/data/holds/${(await t.services.dataLifecycle.createHold(testContext(tenant.tenantId), { kind: 'retentionPolicy', dataClasses: ['mailbox'], name: 'Removed policy' })).holdId}`,
  }),
  'PATCH /admin/products/:skuId/settings': () => ({ url: `/admin/products/${FLEET.standard}/settings`, payload: { lowSeatThreshold: 3 } }),
  'POST /admin/activity': async () => ({ url: '/admin/activity', payload: { activities: [{ userId: await fresh('active'), servicePlanId: FLEET.planStandard, lastActiveDateTime: '2026-10-01T00:00:00Z' }] } }),
  'POST /admin/reclaim/unassign': async () => {
    const user = await fresh('reclaimed');
    await t.services.licensing.assignLicense(testContext(tenant.tenantId), { userKey: user, add: [{ skuId: FLEET.standard, disabledPlans: [] }], remove: [] });
    return { url: '/admin/reclaim/unassign', payload: { skuId: FLEET.standard, userIds: [user] } };
  },
  'POST /v1.0/groups': () => ({ url: '/v1.0/groups', payload: { displayName: 'Audited group', mailNickname: 'audited', mailEnabled: false, securityEnabled: true } }),
  'PATCH /v1.0/groups/:id': async () => ({ url: `/v1.0/groups/${await newGroup()}`, payload: { description: 'Audited' } }),
  'DELETE /v1.0/groups/:id': async () => ({ url: `/v1.0/groups/${await newGroup()}` }),
  'POST /v1.0/groups/:id/members/$ref': async () => ({ url: `/v1.0/groups/${await newGroup()}/members/$ref`, payload: { '@odata.id': `https://graph.microsoft.com/v1.0/directoryObjects/${await fresh('group-member')}` } }),
  'DELETE /v1.0/groups/:id/members/:memberId/$ref': async () => {
    const member = await fresh('group-leaver');
    return { url: `/v1.0/groups/${await newGroup([member])}/members/${member}/$ref` };
  },
  'POST /v1.0/groups/:id/assignLicense': async () => ({
    url: `/v1.0/groups/${await newGroup([await fresh('group-licensed')])}/assignLicense`,
    payload: { addLicenses: [{ skuId: FLEET.standard, disabledPlans: [] }], removeLicenses: [] },
  }),
  'POST /v1.0/users/:id/reprocessLicenseAssignment': async () => ({ url: `/v1.0/users/${await fresh('reprocessed')}/reprocessLicenseAssignment` }),
  'POST /admin/groups/:id/reprocess': async () => ({ url: `/admin/groups/${await newGroup([await fresh('group-reprocessed')])}/reprocess` }),
  'PATCH /admin/groups/:id/licenses/:skuId': async () => {
    const groupId = await newGroup();
    await t.services.groupLicensing.assignLicense(testContext(tenant.tenantId), groupId, { add: [{ skuId: FLEET.standard, disabledPlans: [] }], remove: [] });
    return { url: `/admin/groups/${groupId}/licenses/${FLEET.standard}`, payload: { waitlist: true } };
  },
  'POST /admin/webhooks': () => ({ url: '/admin/webhooks', payload: { url: 'https://93.184.215.14/hooks/audited', eventTypes: ['licenses.changed'] } }),
  'PATCH /admin/webhooks/:id': async () => ({ url: `/admin/webhooks/${await newWebhook()}`, payload: { enabled: false } }),
  'DELETE /admin/webhooks/:id': async () => ({ url: `/admin/webhooks/${await newWebhook()}` }),
  'POST /admin/webhooks/:id/rotate-secret': async () => ({ url: `/admin/webhooks/${await newWebhook()}/rotate-secret` }),
  'POST /admin/webhooks/:id/deliveries/:deliveryId/redeliver': async () => {
    const webhookId = await newWebhook();
    await fresh('webhook-delivered').then((user) => t.services.licensing.assignLicense(testContext(tenant.tenantId), { userKey: user, add: [{ skuId: FLEET.standard, disabledPlans: [] }], remove: [] }));
    const [delivery] = (await t.services.webhooks.listDeliveries(testContext(tenant.tenantId), webhookId, { top: 1 })).deliveries;
    return { url: `/admin/webhooks/${webhookId}/deliveries/${delivery?.deliveryId ?? ''}/redeliver` };
  },
  'POST /v1.0/invitations': () => ({ url: '/v1.0/invitations', payload: { invitedUserEmailAddress: `guest-${Math.random().toString(36).slice(2, 8)}@fabrikam.example`, inviteRedirectUrl: 'https://myapps.example/' } }),
};

const newGroup = async (memberIds: readonly string[] = []): Promise<string> =>
  (
    await t.services.groups.createGroup(
      testContext(tenant.tenantId),
      { displayName: 'Audited group', mailNickname: 'audited', mailEnabled: false, securityEnabled: true },
      memberIds.map((id) => `https://graph.microsoft.com/v1.0/directoryObjects/${id}`),
    )
  ).group.groupId;

const newWebhook = async (): Promise<string> =>
  (await t.services.webhooks.create(testContext(tenant.tenantId), { url: 'https://93.184.215.14/hooks/audited', eventTypes: ['licenses.changed'] })).webhook.webhookId;

const newApp = async (): Promise<string> => (await t.services.apps.create(testContext(tenant.tenantId), { displayName: 'Audited app', permissions: [] })).appId;

const newSubscription = async (extra: { isTrial?: boolean } = {}): Promise<string> =>
  (await t.services.subscriptions.recordSubscription(testContext(tenant.tenantId), { skuId: MS.powerBiPro, totalLicenses: 1, termEndAt: new Date(TEST_NOW.getTime() + 30 * 86_400_000), ...extra })).subscriptionId;

async function subscriptionOf(skuId: string): Promise<string> {
  const views = await t.services.subscriptions.listSubscriptions(testContext(tenant.tenantId));
  return views.find((view) => view.subscription.skuId === skuId)?.subscription.subscriptionId ?? '';
}

const auditCount = async (): Promise<number> =>
  (await sql<{ n: number }>`SELECT count(*)::int AS n FROM audit_log WHERE tenant_id = ${tenant.tenantId}`.execute(t.handle.db)).rows[0]?.n ?? 0;

/** POST routes that change nothing (dry runs): they must leave no audit row, checked below. */
const DRY_RUNS = new Set(['POST /admin/groups/rule/preview', 'POST /admin/groups/:id/licenses/preview', 'POST /admin/groups/:id/rule/preview', 'POST /admin/groups/:id/members/preview', 'POST /admin/users/:id/delete/preview']);

const mutating = (): DeclaredRoute[] =>
  t.app.declaredRoutes.filter((route) => !route.public && ['POST', 'PATCH', 'PUT', 'DELETE'].includes(route.method) && !DRY_RUNS.has(`${route.method} ${route.url}`));

beforeAll(async () => {
  t = await createTestApp();
  tenant = await createLicensingTenant(t.services, { [FLEET.standard]: 100 });
  domain = (await t.services.tenants.getTenant(tenant.tenantId)).domains[0]?.domain ?? '';
});
afterAll(async () => {
  await t.close();
});

describe('audit coverage', () => {
  it('knows a successful request for every mutating route the server registers', () => {
    const missing = mutating()
      .map((route) => `${route.method} ${route.url}`)
      .filter((key) => CASES[key] === undefined);
    expect(missing).toEqual([]);
  });

  it('every mutating route leaves at least one audit entry', async () => {
    for (const route of mutating()) {
      const key = `${route.method} ${route.url}`;
      const build = CASES[key];
      if (build === undefined) {
        continue;
      }
      const call = await build();
      const before = await auditCount();
      const response = await t.inject({
        method: route.method,
        url: call.url,
        tenant: tenant.tenantId,
        ...(call.headers ? { headers: call.headers } : {}),
        ...(call.payload === undefined ? {} : { payload: call.payload as Record<string, unknown> }),
      });
      expect(response.statusCode, `${key}: ${response.body}`).toBeLessThan(300);
      expect(await auditCount(), key).toBeGreaterThan(before);
    }
  });

  it('dry runs leave no audit entry', async () => {
    const groupId = await newGroup([await fresh('previewed')]);
    const joining = await fresh('joining');
    const before = await auditCount();
    const license = await t.inject({ method: 'POST', url: `/admin/groups/${groupId}/licenses/preview`, tenant: tenant.tenantId, payload: { addLicenses: [{ skuId: FLEET.standard, disabledPlans: [] }], removeLicenses: [] } });
    expect(license.statusCode, license.body).toBe(200);
    const rule = await t.inject({ method: 'POST', url: `/admin/groups/${groupId}/rule/preview`, tenant: tenant.tenantId, payload: { membershipRule: 'user.department -eq "Sales"' } });
    expect(rule.statusCode, rule.body).toBe(200);
    const newRule = await t.inject({ method: 'POST', url: '/admin/groups/rule/preview', tenant: tenant.tenantId, payload: { membershipRule: 'user.department -eq "Sales"' } });
    expect(newRule.statusCode, newRule.body).toBe(200);
    const members = await t.inject({ method: 'POST', url: `/admin/groups/${groupId}/members/preview`, tenant: tenant.tenantId, payload: { add: [joining] } });
    expect(members.statusCode, members.body).toBe(200);
    const deletion = await t.inject({ method: 'POST', url: `/admin/users/${joining}/delete/preview`, tenant: tenant.tenantId });
    expect(deletion.statusCode, deletion.body).toBe(200);
    expect(await auditCount()).toBe(before);
  });

  it('refuses to rewrite or erase the record', async () => {
    await expect(sql`UPDATE audit_log SET activity = 'forged' WHERE tenant_id = ${tenant.tenantId}`.execute(t.handle.db)).rejects.toThrow(/append-only/);
    await expect(sql`DELETE FROM audit_log WHERE tenant_id = ${tenant.tenantId}`.execute(t.handle.db)).rejects.toThrow(/append-only/);
  });
});
