import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APP_PERMISSIONS } from '../../src/domain/authorization.js';
import { EVENT_TYPES } from '../../src/domain/events.js';
import { createLicensingTenant, type LicensingTenant } from '../support/fixtures.js';
import { createTestApp, type TestApp } from '../support/test-app.js';

/**
 * The choices the admin center's Settings › Apps and Webhooks pages offer: the application
 * permissions and the event types, each with a description, and each one accepted when chosen.
 */

let t: TestApp;
let tenant: LicensingTenant;

// A public address literal: the URL policy needs no DNS answer for it.
const PUBLIC_URL = 'https://93.184.215.14/hooks/choices';

beforeAll(async () => {
  t = await createTestApp();
  tenant = await createLicensingTenant(t.services);
});

afterAll(async () => {
  await t.close();
});

describe('application permissions an app may be given', () => {
  it('lists every permission in Allot\'s order with a description, and an app registered with all of them keeps them all', async () => {
    const response = await t.inject({ method: 'GET', url: '/admin/apps/permissions', tenant: tenant.tenantId });
    expect(response.statusCode, response.body).toBe(200);
    const listed = response.json<{ value: { name: string; description: string }[] }>().value;
    expect(listed.map((permission) => permission.name)).toEqual([...APP_PERMISSIONS]);
    for (const permission of listed) {
      expect(permission.description, permission.name).toMatch(/^[A-Z].{10,}\.$/);
    }
    const created = await t.inject({ method: 'POST', url: '/admin/apps', tenant: tenant.tenantId, payload: { displayName: 'Every permission', permissions: listed.map((permission) => permission.name) } });
    expect(created.statusCode, created.body).toBe(201);
    expect(created.json<{ permissions: string[] }>().permissions).toEqual([...APP_PERMISSIONS]);
  });

  it('is readable by a Global Reader and refused to a License Administrator, as reading apps is', async () => {
    const reader = await t.adminHeaders(tenant.tenantId, ['Global Reader']);
    expect((await t.inject({ method: 'GET', url: '/admin/apps/permissions', headers: reader.headers })).statusCode).toBe(200);
    const licenseAdmin = await t.adminHeaders(tenant.tenantId, ['License Administrator']);
    const refused = await t.inject({ method: 'GET', url: '/admin/apps/permissions', headers: licenseAdmin.headers });
    expect(refused.statusCode).toBe(403);
    expect(refused.json<{ error: { code: string } }>().error.code).toBe('Authorization_RequestDenied');
  });
});

describe('event types a webhook may subscribe to', () => {
  it('lists every event type in Allot\'s order with a description, and a webhook subscribed to all of them keeps them all', async () => {
    const response = await t.inject({ method: 'GET', url: '/admin/webhooks/event-types', tenant: tenant.tenantId });
    expect(response.statusCode, response.body).toBe(200);
    const listed = response.json<{ value: { type: string; description: string }[] }>().value;
    expect(listed.map((eventType) => eventType.type)).toEqual([...EVENT_TYPES]);
    for (const eventType of listed) {
      expect(eventType.description, eventType.type).toMatch(/^[A-Z].{10,}\.$/);
    }
    const created = await t.inject({ method: 'POST', url: '/admin/webhooks', tenant: tenant.tenantId, payload: { url: PUBLIC_URL, eventTypes: listed.map((eventType) => eventType.type) } });
    expect(created.statusCode, created.body).toBe(201);
    expect(created.json<{ eventTypes: string[] }>().eventTypes).toEqual([...EVENT_TYPES]);
  });

  it('is readable by a Global Reader and refused to a User Administrator, as reading webhooks is', async () => {
    const reader = await t.adminHeaders(tenant.tenantId, ['Global Reader']);
    expect((await t.inject({ method: 'GET', url: '/admin/webhooks/event-types', headers: reader.headers })).statusCode).toBe(200);
    const userAdmin = await t.adminHeaders(tenant.tenantId, ['User Administrator']);
    expect((await t.inject({ method: 'GET', url: '/admin/webhooks/event-types', headers: userAdmin.headers })).statusCode).toBe(403);
  });
});
