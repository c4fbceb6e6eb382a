import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EVENT_TYPES } from '../../src/domain/events.js';
import { createLicensingTenant, FLEET, type LicensingTenant } from '../support/fixtures.js';
import { createTestApp, testContext, type TestApp } from '../support/test-app.js';

/**
 * The webhooks admin API on a default deployment (private networks not allowed): the secret shown
 * once, event types and URLs checked, audit without secrets, deliveries and redelivery, the outbox
 * for pollers, and who may do what.
 */

interface GraphError {
  error: { code: string; message: string; details?: { code: string; message: string; target?: string }[] };
}

interface WebhookBody {
  id: string;
  url: string;
  eventTypes: string[];
  description: string | null;
  enabled: boolean;
  secretHint: string;
  signingSecret?: string;
}

// A public address literal: the policy needs no DNS answer for it.
const PUBLIC_URL = 'https://93.184.215.14/hooks/allot';

let t: TestApp;
let tenant: LicensingTenant;

const create = (payload: Record<string, unknown>, headers: Record<string, string> = {}) => t.inject({ method: 'POST', url: '/admin/webhooks', tenant: tenant.tenantId, payload, headers });
const webhookCount = async (): Promise<number> => (await sql<{ n: number }>`SELECT count(*)::int AS n FROM webhook WHERE tenant_id = ${tenant.tenantId}`.execute(t.handle.db)).rows[0]?.n ?? 0;

beforeAll(async () => {
  t = await createTestApp();
  tenant = await createLicensingTenant(t.services);
});

afterAll(async () => {
  await t.close();
});

describe('webhooks admin API', () => {
  it('creates a webhook and shows its signing secret once, never in reads or the audit log', async () => {
    const response = await create({ url: PUBLIC_URL, eventTypes: ['subscription.lifecycleChanged', 'licenses.changed', 'licenses.changed'], description: '  Product backend  ' });
    expect(response.statusCode, response.body).toBe(201);
    expect(response.headers['cache-control']).toBe('no-store');
    const created = response.json<WebhookBody>();
    expect(created).toMatchObject({ url: PUBLIC_URL, eventTypes: ['licenses.changed', 'subscription.lifecycleChanged'], description: 'Product backend', enabled: true });
    expect(created.signingSecret).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
    expect(created.secretHint).toBe(`${created.signingSecret!.slice(0, 10)}…`);

    const read = await t.inject({ method: 'GET', url: `/admin/webhooks/${created.id}`, tenant: tenant.tenantId });
    expect(read.statusCode).toBe(200);
    expect(read.json<WebhookBody>().signingSecret).toBeUndefined();
    expect(read.body).not.toContain(created.signingSecret);
    const list = await t.inject({ method: 'GET', url: '/admin/webhooks', tenant: tenant.tenantId });
    expect(list.json<{ value: WebhookBody[] }>().value.map((webhook) => webhook.id)).toContain(created.id);
    expect(list.body).not.toContain(created.signingSecret);

    const audit = await t.inject({ method: 'GET', url: `/admin/audit?category=WebhookManagement&target=${created.id}`, tenant: tenant.tenantId });
    const entries = audit.json<{ value: { activityDisplayName: string }[] }>().value;
    expect(entries.map((entry) => entry.activityDisplayName)).toEqual(['Add webhook']);
    expect(audit.body).not.toContain(created.signingSecret);
  });

  it('replaces the secret on rotation and records that without either secret', async () => {
    const created = (await create({ url: PUBLIC_URL, eventTypes: ['seats.low'] })).json<WebhookBody>();
    const rotated = await t.inject({ method: 'POST', url: `/admin/webhooks/${created.id}/rotate-secret`, tenant: tenant.tenantId });
    expect(rotated.statusCode, rotated.body).toBe(200);
    expect(rotated.headers['cache-control']).toBe('no-store');
    const body = rotated.json<WebhookBody>();
    expect(body.signingSecret).toMatch(/^whsec_/);
    expect(body.signingSecret).not.toBe(created.signingSecret);
    const rows = await sql<{ row: string }>`SELECT row_to_json(a)::text AS row FROM audit_log a WHERE tenant_id = ${tenant.tenantId} AND target_id = ${created.id}`.execute(t.handle.db);
    expect(rows.rows).toHaveLength(2);
    for (const { row } of rows.rows) {
      expect(row).not.toContain(created.signingSecret);
      expect(row).not.toContain(body.signingSecret);
    }
  });

  it('refuses an Idempotency-Key where the answer carries a secret', async () => {
    const before = await webhookCount();
    const response = await create({ url: PUBLIC_URL, eventTypes: ['seats.low'] }, { 'idempotency-key': 'hook-1' });
    expect(response.statusCode).toBe(400);
    expect(response.json<GraphError>().error.message).toBe('Idempotency-Key is not accepted here: the answer carries a signing secret shown once, which Allot does not store.');
    expect(await webhookCount()).toBe(before);
  });

  it('refuses unknown event types, naming the valid ones, and creates nothing', async () => {
    const before = await webhookCount();
    const response = await create({ url: PUBLIC_URL, eventTypes: ['licenses.changed', 'license.changed'] });
    expect(response.statusCode).toBe(400);
    const { error } = response.json<GraphError>();
    expect(error.message).toBe(`Unknown event type 'license.changed'. Valid event types: ${EVENT_TYPES.join(', ')}.`);
    expect(error.details?.[0]).toMatchObject({ code: 'UnknownEventType', target: 'eventTypes' });
    expect(await webhookCount()).toBe(before);
  });

  it('refuses loopback, private, link-local and credential-carrying URLs unless the operator allows private networks', async () => {
    const before = await webhookCount();
    const refused = {
      'http://127.0.0.1:8080/hook': '127.0.0.1 is a loopback address',
      'http://10.1.2.3/hook': '10.1.2.3 is a private address',
      'http://169.254.169.254/latest/meta-data/': '169.254.169.254 is a link-local address',
      'http://[::1]/hook': '::1 is a loopback address',
      'http://localhost:3000/hook': 'localhost is a loopback address',
    };
    for (const [url, reason] of Object.entries(refused)) {
      const response = await create({ url, eventTypes: ['licenses.changed'] });
      expect(response.statusCode, url).toBe(400);
      const { error } = response.json<GraphError>();
      expect(error.message).toBe(`The webhook URL is not allowed: ${reason} (webhooks go to public addresses only, unless the operator sets ALLOT_WEBHOOK_ALLOW_PRIVATE_NETWORKS=true).`);
      expect(error.details?.[0]).toMatchObject({ code: 'InvalidWebhookUrl', target: 'url' });
    }
    const credentials = await create({ url: 'https://user:pass@93.184.215.14/hook', eventTypes: ['licenses.changed'] });
    expect(credentials.statusCode).toBe(400);
    expect(credentials.json<GraphError>().error.message).toContain('it carries a user name or password');
    expect(await webhookCount()).toBe(before);
  });

  it('updates a webhook, checks a new URL again, and audits each change', async () => {
    const created = (await create({ url: PUBLIC_URL, eventTypes: ['licenses.changed'] })).json<WebhookBody>();
    const updated = await t.inject({
      method: 'PATCH',
      url: `/admin/webhooks/${created.id}`,
      tenant: tenant.tenantId,
      payload: { eventTypes: ['seats.low', 'licenses.changed'], enabled: false, description: 'Paused' },
    });
    expect(updated.statusCode, updated.body).toBe(200);
    expect(updated.json<WebhookBody>()).toMatchObject({ eventTypes: ['licenses.changed', 'seats.low'], enabled: false, description: 'Paused', url: PUBLIC_URL });

    const refused = await t.inject({ method: 'PATCH', url: `/admin/webhooks/${created.id}`, tenant: tenant.tenantId, payload: { url: 'http://192.168.1.10/hook', enabled: true } });
    expect(refused.statusCode).toBe(400);
    expect(refused.json<GraphError>().error.message).toContain('192.168.1.10 is a private address');
    const after = await t.inject({ method: 'GET', url: `/admin/webhooks/${created.id}`, tenant: tenant.tenantId });
    expect(after.json<WebhookBody>()).toMatchObject({ url: PUBLIC_URL, enabled: false });

    const empty = await t.inject({ method: 'PATCH', url: `/admin/webhooks/${created.id}`, tenant: tenant.tenantId, payload: {} });
    expect(empty.statusCode).toBe(400);

    const audit = await t.inject({ method: 'GET', url: `/admin/audit?target=${created.id}`, tenant: tenant.tenantId });
    // The fixed clock gives the creation and the update one timestamp: find the update by name.
    const entries = audit.json<{ value: { activityDisplayName: string; modifiedProperties: { displayName: string }[] }[] }>().value;
    expect(entries.map((entry) => entry.activityDisplayName).sort()).toEqual(['Add webhook', 'Update webhook']);
    const update = entries.find((entry) => entry.activityDisplayName === 'Update webhook');
    expect(update?.modifiedProperties.map((change) => change.displayName)).toEqual(['EventTypes', 'Description', 'Enabled']);
  });

  it('deletes a webhook', async () => {
    const created = (await create({ url: PUBLIC_URL, eventTypes: ['licenses.changed'] })).json<WebhookBody>();
    expect((await t.inject({ method: 'DELETE', url: `/admin/webhooks/${created.id}`, tenant: tenant.tenantId })).statusCode).toBe(204);
    const gone = await t.inject({ method: 'GET', url: `/admin/webhooks/${created.id}`, tenant: tenant.tenantId });
    expect(gone.statusCode).toBe(404);
    expect((await t.inject({ method: 'DELETE', url: `/admin/webhooks/${created.id}`, tenant: tenant.tenantId })).statusCode).toBe(404);
  });

  it('lists deliveries with their state and attempts, and redelivers one', async () => {
    const own = await createLicensingTenant(t.services);
    const created = (await t.inject({ method: 'POST', url: '/admin/webhooks', tenant: own.tenantId, payload: { url: PUBLIC_URL, eventTypes: ['licenses.changed'] } })).json<WebhookBody>();
    for (const alias of ['paged-1', 'paged-2', 'paged-3']) {
      await t.services.licensing.assignLicense(own.context, { userKey: await own.user(alias), add: [{ skuId: FLEET.standard, disabledPlans: [] }], remove: [] });
    }
    const first = await t.inject({ method: 'GET', url: `/admin/webhooks/${created.id}/deliveries?$top=2`, tenant: own.tenantId });
    expect(first.statusCode, first.body).toBe(200);
    const page = first.json<{ '@odata.nextLink'?: string; value: { id: string; state: string; attempts: number; nextAttemptDateTime: string | null; eventType: string; attemptLog: unknown[] }[] }>();
    expect(page.value).toHaveLength(2);
    expect(page.value[0]).toMatchObject({ state: 'pending', attempts: 0, eventType: 'licenses.changed', nextAttemptDateTime: t.clock.now().toISOString(), attemptLog: [] });
    const next = new URL(page['@odata.nextLink'] ?? '');
    const second = await t.inject({ method: 'GET', url: `${next.pathname}${next.search}`, tenant: own.tenantId });
    const rest = second.json<{ '@odata.nextLink'?: string; value: { id: string }[] }>();
    expect(rest.value).toHaveLength(1);
    expect(rest['@odata.nextLink']).toBeUndefined();
    expect(new Set([...page.value, ...rest.value].map((delivery) => delivery.id)).size).toBe(3);

    const filtered = await t.inject({ method: 'GET', url: `/admin/webhooks/${created.id}/deliveries?state=failed`, tenant: own.tenantId });
    expect(filtered.json<{ value: unknown[] }>().value).toEqual([]);
    const wrongToken = await t.inject({ method: 'GET', url: `/admin/webhooks/${created.id}/deliveries?state=failed&$skiptoken=${next.searchParams.get('$skiptoken') ?? ''}`, tenant: own.tenantId });
    expect(wrongToken.statusCode).toBe(400);

    const deliveryId = page.value[0]!.id;
    const redeliver = await t.inject({ method: 'POST', url: `/admin/webhooks/${created.id}/deliveries/${deliveryId}/redeliver`, tenant: own.tenantId });
    expect(redeliver.statusCode, redeliver.body).toBe(202);
    expect(redeliver.json()).toEqual({ id: deliveryId, state: 'pending', nextAttemptDateTime: t.clock.now().toISOString() });
    const unknown = await t.inject({ method: 'POST', url: `/admin/webhooks/${created.id}/deliveries/00000000-0000-4000-8000-000000000001/redeliver`, tenant: own.tenantId });
    expect(unknown.statusCode).toBe(404);
  });

  it('serves the outbox to pollers in sequence order, by type, resuming after a sequence', async () => {
    const own = await createLicensingTenant(t.services);
    const users = [await own.user('poll-1'), await own.user('poll-2'), await own.user('poll-3')];
    for (const user of users) {
      await t.services.licensing.assignLicense(own.context, { userKey: user, add: [{ skuId: FLEET.standard, disabledPlans: [] }], remove: [] });
    }
    const first = await t.inject({ method: 'GET', url: '/admin/events?type=licenses.changed&$top=2', tenant: own.tenantId });
    expect(first.statusCode, first.body).toBe(200);
    const page = first.json<{ '@odata.nextLink'?: string; value: { id: string; sequence: string; type: string; data: { users: { userId: string }[] } }[] }>();
    expect(page.value.map((event) => event.data.users[0]?.userId)).toEqual(users.slice(0, 2));
    expect(Number(page.value[1]!.sequence)).toBeGreaterThan(Number(page.value[0]!.sequence));
    const next = new URL(page['@odata.nextLink'] ?? '');
    expect(next.searchParams.get('afterSequence')).toBe(page.value[1]!.sequence);
    const rest = (await t.inject({ method: 'GET', url: `${next.pathname}${next.search}`, tenant: own.tenantId })).json<{ '@odata.nextLink'?: string; value: { data: { users: { userId: string }[] } }[] }>();
    expect(rest.value.map((event) => event.data.users[0]?.userId)).toEqual([users[2]]);
    expect(rest['@odata.nextLink']).toBeUndefined();

    const other = await t.inject({ method: 'GET', url: '/admin/events?type=seats.low', tenant: own.tenantId });
    expect(other.json<{ value: unknown[] }>().value).toEqual([]);
    const unknown = await t.inject({ method: 'GET', url: '/admin/events?type=nope', tenant: own.tenantId });
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json<GraphError>().error.message).toContain('Valid event types: licenses.changed');
    const badSequence = await t.inject({ method: 'GET', url: '/admin/events?afterSequence=-1', tenant: own.tenantId });
    expect(badSequence.statusCode).toBe(400);
  });

  it('lets readers read and only managers change', async () => {
    const created = (await create({ url: PUBLIC_URL, eventTypes: ['licenses.changed'] })).json<WebhookBody>();
    const reader = await t.adminHeaders(tenant.tenantId, ['Global Reader']);
    expect((await t.inject({ method: 'GET', url: '/admin/webhooks', headers: reader.headers })).statusCode).toBe(200);
    expect((await t.inject({ method: 'GET', url: '/admin/events', headers: reader.headers })).statusCode).toBe(200);
    const before = await webhookCount();
    const refused = await t.inject({ method: 'POST', url: '/admin/webhooks', headers: reader.headers, payload: { url: PUBLIC_URL, eventTypes: ['licenses.changed'] } });
    expect(refused.statusCode).toBe(403);
    expect(refused.json<GraphError>().error.code).toBe('Authorization_RequestDenied');
    expect(await webhookCount()).toBe(before);

    const licenseAdmin = await t.adminHeaders(tenant.tenantId, ['License Administrator']);
    expect((await t.inject({ method: 'GET', url: '/admin/webhooks', headers: licenseAdmin.headers })).statusCode).toBe(403);
    const app = await t.appHeaders(tenant.tenantId, ['LicenseAssignment.ReadWrite.All']);
    expect((await t.inject({ method: 'DELETE', url: `/admin/webhooks/${created.id}`, headers: app })).statusCode).toBe(403);
    const webhookApp = await t.appHeaders(tenant.tenantId, ['Allot.Webhooks.ReadWrite.All']);
    expect((await t.inject({ method: 'DELETE', url: `/admin/webhooks/${created.id}`, headers: webhookApp })).statusCode).toBe(204);
  });

  it('answers another tenant\'s webhook as not found', async () => {
    const created = (await create({ url: PUBLIC_URL, eventTypes: ['licenses.changed'] })).json<WebhookBody>();
    const other = await createLicensingTenant(t.services);
    const response = await t.inject({ method: 'GET', url: `/admin/webhooks/${created.id}`, tenant: other.tenantId });
    expect(response.statusCode).toBe(404);
    const patch = await t.inject({ method: 'PATCH', url: `/admin/webhooks/${created.id}`, tenant: other.tenantId, payload: { enabled: false } });
    expect(patch.statusCode).toBe(404);
    expect((await t.services.webhooks.get(testContext(tenant.tenantId), created.id)).enabled).toBe(true);
  });
});
