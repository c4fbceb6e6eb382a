import { randomUUID } from 'node:crypto';
import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerAuthentication, type DeclaredRoute } from '../../src/api/plugins/authentication.js';
import { APP_PERMISSIONS, authorize, ROLE_NAMES, ROLES, type Principal } from '../../src/domain/authorization.js';
import type { Services } from '../../src/services/index.js';
import { createLicensingTenant, MS, type LicensingTenant } from '../support/fixtures.js';
import { createTestApp, testContext, type TestApp } from '../support/test-app.js';

/**
 * Every route the server registers × every role and every application permission × own and
 * another tenant's objects × anonymous, against the permission table (domain/authorization.ts).
 * Requests carry an empty body, so an allowed request stops at validation or at a missing object
 * and the walk stays fast; what it asserts is the authorization layer's answer.
 */

/** Routes anyone may call: the sign-in and token flows. Marking a route public means adding it here. */
const PUBLIC_ROUTES = new Set([
  'POST /auth/sign-in',
  'POST /auth/sign-out',
  'POST /:tenant/oauth2/v2.0/token',
  'GET /:tenant/v2.0/.well-known/openid-configuration',
  'GET /:tenant/discovery/v2.0/keys',
  'GET /redeem',
]);

interface Caller {
  name: string;
  /** The principal as the permission table sees it (ids do not matter to the table). */
  principal: Principal;
  headers: Record<string, string>;
}

let t: TestApp;
let own: LicensingTenant;
let foreign: LicensingTenant;
let callers: Caller[];
let ownIds: Record<string, string>;
let foreignIds: Record<string, string>;
let foreignDomain: string;

/** Objects of a tenant that path parameters can name. */
async function pathIds(services: Services, tenant: LicensingTenant, suffix: string): Promise<Record<string, string>> {
  const context = testContext(tenant.tenantId);
  const user = await tenant.user(`matrix-user-${suffix}`);
  const deleted = await tenant.user(`matrix-deleted-${suffix}`);
  await services.users.deleteUser(context, deleted);
  const subscription = (await services.subscriptions.listSubscriptions(context))[0];
  const app = await services.apps.create(context, { displayName: `Matrix app ${suffix}`, permissions: [] });
  const secret = await services.apps.addSecret(context, app.appId, {});
  const admin = await services.admins.create(context, { userPrincipalName: `matrix-admin-${suffix}@${(await services.tenants.getTenant(tenant.tenantId)).domains[0]?.domain ?? ''}`, displayName: 'Matrix admin', roles: ['Billing Administrator'] });
  const assignments = await services.admins.listRoleAssignments(context, { principalId: admin.userId });
  // Microsoft's products exist in every tenant: a product of this tenant's own catalogue names a foreign one.
  const skuId = randomUUID();
  const planId = randomUUID();
  await services.catalogue.importCustomCatalogue(context, {
    products: [{ skuId, skuPartNumber: `MATRIX_${suffix.toUpperCase()}`, displayName: `Matrix ${suffix}`, servicePlans: [planId] }],
    servicePlans: [{ servicePlanId: planId, servicePlanName: `MATRIX_PLAN_${suffix.toUpperCase()}`, friendlyName: 'Matrix plan' }],
    rules: [],
  });
  await services.subscriptions.recordSubscription(context, { skuId, totalLicenses: 1 });
  const groupMember = await tenant.user(`matrix-member-${suffix}`);
  const group = await services.groups.createGroup(context, { displayName: `Matrix group ${suffix}`, mailNickname: `matrix${suffix}`, mailEnabled: false, securityEnabled: true }, [
    `https://graph.microsoft.com/v1.0/directoryObjects/${groupMember}`,
  ]);
  const webhook = await services.webhooks.create(context, { url: 'https://93.184.215.14/hooks/matrix', eventTypes: ['licenses.changed'] });
  await services.licensing.assignLicense(context, { userKey: groupMember, add: [{ skuId: MS.e3, disabledPlans: [] }], remove: [] });
  const [delivery] = (await services.webhooks.listDeliveries(context, webhook.webhook.webhookId, { top: 1 })).deliveries;
  return {
    user: user,
    deletedItem: deleted,
    subscribedSku: `${tenant.tenantId}_${MS.e3}`,
    subscription: subscription?.subscription.subscriptionId ?? '',
    skuId,
    appId: app.appId,
    keyId: secret.keyId,
    roleAssignment: assignments[0]?.id ?? '',
    group: group.group.groupId,
    groupMember,
    webhook: webhook.webhook.webhookId,
    dataHold: (await services.dataLifecycle.createHold(context, { kind: 'litigationHold', userId: user, dataClasses: ['mailbox'], name: `Matrix hold ${suffix}` })).holdId,
    webhookDelivery: delivery?.deliveryId ?? '',
  };
}

/** Which object a path parameter names, by route. A new parameter must be added here. */
function paramValue(route: DeclaredRoute, param: string, ids: Record<string, string>): string {
  const byParam: Record<string, () => string | undefined> = {
    id: () => {
      if (route.url.startsWith('/v1.0/directory/deletedItems/')) {
        return ids.deletedItem;
      }
      if (route.url.startsWith('/v1.0/subscribedSkus/')) {
        return ids.subscribedSku;
      }
      if (route.url.startsWith('/v1.0/directory/subscriptions/') || route.url.startsWith('/admin/subscriptions/')) {
        return ids.subscription;
      }
      if (route.url.startsWith('/v1.0/roleManagement/directory/roleAssignments/')) {
        return ids.roleAssignment;
      }
      if (route.url.startsWith('/v1.0/users/') || route.url.startsWith('/admin/users/')) {
        return ids.user;
      }
      if (route.url.startsWith('/v1.0/groups/') || route.url.startsWith('/admin/groups/')) {
        return ids.group;
      }
      if (route.url.startsWith('/admin/webhooks/')) {
        return ids.webhook;
      }
      if (route.url.startsWith('/admin/data/holds/')) {
        return ids.dataHold;
      }
      return undefined;
    },
    memberId: () => ids.groupMember,
    skuId: () => ids.skuId,
    appId: () => ids.appId,
    keyId: () => ids.keyId,
    deliveryId: () => ids.webhookDelivery,
  };
  const value = byParam[param]?.();
  if (value === undefined) {
    throw new Error(`The matrix does not know which object :${param} of ${route.method} ${route.url} names: add it to paramValue.`);
  }
  return value;
}

const pathOf = (route: DeclaredRoute, ids: Record<string, string>): string =>
  route.url.replace(/:(\w+)/g, (_match, param: string) => encodeURIComponent(paramValue(route, param, ids)));

const send = (route: DeclaredRoute, path: string, headers: Record<string, string>) =>
  t.app.inject({
    method: route.method as 'GET',
    url: path,
    headers,
    ...(['POST', 'PATCH', 'PUT'].includes(route.method) ? { payload: {} } : {}),
  });

beforeAll(async () => {
  t = await createTestApp();
  own = await createLicensingTenant(t.services);
  foreign = await createLicensingTenant(t.services);
  foreignDomain = (await t.services.tenants.getTenant(foreign.tenantId)).domains[0]?.domain ?? '';
  ownIds = await pathIds(t.services, own, 'own');
  foreignIds = await pathIds(t.services, foreign, 'foreign');
  callers = [];
  for (const role of ROLE_NAMES) {
    const { headers } = await t.adminHeaders(own.tenantId, [role]);
    callers.push({ name: role, principal: { kind: 'user', id: role, displayName: role, userPrincipalName: role, roles: [role], sessionId: '' }, headers });
  }
  for (const permission of APP_PERMISSIONS) {
    callers.push({ name: permission, principal: { kind: 'app', id: permission, displayName: permission, permissions: [permission] }, headers: await t.appHeaders(own.tenantId, [permission]) });
  }
}, 120_000);

afterAll(async () => {
  await t.close();
});

describe('route declarations', () => {
  it('every /v1.0 and /admin route declares an action, and only the sign-in and token flows are public', () => {
    const routes = t.app.declaredRoutes;
    expect(routes.length).toBeGreaterThan(30);
    const publicRoutes = routes.filter((route) => route.public).map((route) => `${route.method} ${route.url}`);
    expect(new Set(publicRoutes)).toEqual(PUBLIC_ROUTES);
    for (const route of routes.filter((entry) => entry.url.startsWith('/v1.0') || entry.url.startsWith('/admin'))) {
      expect(route.action, `${route.method} ${route.url}`).toBeDefined();
    }
  });

  it('refuses to start with a route that declares nothing', async () => {
    const app = Fastify();
    registerAuthentication(app, {} as Services);
    expect(() => app.get('/v1.0/undeclared', () => 'x')).toThrow(/declares no action/);
    await app.close();
  });
});

describe('the matrix', () => {
  it('answers 401 to anonymous callers on every protected route, own or foreign ids', async () => {
    for (const route of t.app.declaredRoutes.filter((entry) => !entry.public)) {
      for (const ids of [ownIds, foreignIds]) {
        const response = await send(route, pathOf(route, ids), {});
        expect(response.statusCode, `${route.method} ${route.url}`).toBe(401);
        expect(response.json<{ error: { code: string } }>().error.code).toBe('InvalidAuthenticationToken');
      }
    }
  });

  it('allows and refuses exactly as the permission table says, and never reaches another tenant', async () => {
    const before = await snapshotOf(foreign.tenantId);
    let checked = 0;
    for (const route of t.app.declaredRoutes.filter((entry) => !entry.public && entry.action !== undefined)) {
      const action = route.action ?? 'authenticated';
      const hasIds = route.url.includes(':');
      for (const caller of callers) {
        const allowed = authorize(caller.principal, { action }).allowed;
        for (const ids of hasIds ? [ownIds, foreignIds] : [ownIds]) {
          const response = await send(route, pathOf(route, ids), caller.headers);
          const label = `${caller.name} → ${route.method} ${route.url} (${ids === ownIds ? 'own' : 'foreign'})`;
          checked += 1;
          if (!allowed) {
            expect(response.statusCode, label).toBe(403);
            const error = response.json<{ error: { code: string; message: string; details: { code: string }[] } }>().error;
            expect(error.code, label).toBe('Authorization_RequestDenied');
            expect(error.message).toBe('Insufficient privileges to complete the operation.');
            expect(['MissingRole', 'MissingPermission']).toContain(error.details[0]?.code);
            continue;
          }
          expect([401, 403], `${label}: ${response.body}`).not.toContain(response.statusCode);
          expect(response.statusCode, `${label}: ${response.body}`).toBeLessThan(500);
          if (ids === foreignIds) {
            // Another tenant's object is answered like one that does not exist (or the empty body is refused first).
            expect([400, 404], `${label}: ${response.body}`).toContain(response.statusCode);
            expect(response.body.includes(foreignDomain), label).toBe(false);
          }
        }
      }
    }
    expect(checked).toBeGreaterThan(1000);
    expect(await snapshotOf(foreign.tenantId)).toEqual(before);
  }, 300_000);

  it('holds the rules people rely on', () => {
    const as = (role: (typeof ROLE_NAMES)[number]): Principal => ({ kind: 'user', id: 'x', displayName: 'x', userPrincipalName: 'x', roles: [role], sessionId: '' });
    expect(authorize(as('Billing Administrator'), { action: 'licenses.assign' }).allowed).toBe(false);
    expect(authorize(as('Billing Administrator'), { action: 'subscriptions.manage' }).allowed).toBe(true);
    expect(authorize(as('License Administrator'), { action: 'users.create' }).allowed).toBe(false);
    expect(authorize(as('License Administrator'), { action: 'subscriptions.manage' }).allowed).toBe(false);
    expect(authorize(as('Global Reader'), { action: 'audit.read' }).allowed).toBe(true);
    expect(ROLE_NAMES.filter((role) => authorize(as(role), { action: 'guests.invite' }).allowed)).toEqual(['Global Administrator', 'User Administrator', 'Guest Inviter']);
    expect(ROLES['Global Administrator']).toBe('62e90394-69f5-4237-9190-012177145e10');
  });
});

/** Everything of a tenant a request could change. */
async function snapshotOf(tenantId: string): Promise<unknown> {
  const tables = ['directory_user', 'license_assignment', 'user_license', 'subscription', 'sku_seat', 'audit_log', 'role_assignment', 'user_credential', 'app_registration', 'app_secret', 'invitation', 'catalogue_sku', 'directory_group', 'group_member', 'webhook', 'webhook_delivery', 'data_hold', 'user_data'];
  const snapshot: Record<string, unknown> = {};
  for (const table of tables) {
    snapshot[table] = await t.handle.db
      .selectFrom(table as 'directory_user')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .execute()
      .then((rows) => rows.map((row) => JSON.stringify(row)).sort());
  }
  return snapshot;
}
