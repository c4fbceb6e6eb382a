import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APP_PERMISSIONS } from '../../src/domain/authorization.js';
import { createLicensingTenant, type LicensingTenant } from '../support/fixtures.js';
import { expectGraphError } from '../support/graph-error.js';
import { createClient, expectOAuthError, GRAPH_SCOPE, requestToken, tokenFor } from '../support/oauth.js';
import { createTestApp, TEST_NOW, testContext, type TestApp } from '../support/test-app.js';

/** The admin API of app registrations: CRUD, client secrets shown once and stored hashed, audit rows, permissions. */

interface AppBody {
  appId: string;
  displayName: string;
  permissions: string[];
  createdDateTime: string;
  passwordCredentials: { keyId: string; displayName: string | null; hint: string; startDateTime: string; endDateTime: string; revokedDateTime: string | null }[];
}

interface SecretBody {
  keyId: string;
  displayName: string | null;
  hint: string;
  secretText: string;
  startDateTime: string;
  endDateTime: string;
}

let t: TestApp;
let a: LicensingTenant;
let b: LicensingTenant;

const DAY = 24 * 3600_000;

const asA = (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: object, headers: Record<string, string> = {}) =>
  t.inject({ method, url, tenant: a.tenantId, headers, ...(payload ? { payload } : {}) });

const create = async (displayName: string, permissions: string[]): Promise<AppBody> => {
  const response = await asA('POST', '/admin/apps', { displayName, permissions });
  expect(response.statusCode, response.body).toBe(201);
  return response.json<AppBody>();
};

const auditRows = async (targetId: string) =>
  (
    await sql<{ activity: string; category: string; target_type: string; changes: unknown; details: unknown }>`
      SELECT activity, category, target_type, changes, details FROM audit_log WHERE tenant_id = ${a.tenantId} AND target_id = ${targetId} ORDER BY occurred_at, audit_id`.execute(t.handle.db)
  ).rows;

beforeAll(async () => {
  t = await createTestApp();
  a = await createLicensingTenant(t.services);
  b = await createLicensingTenant(t.services);
});
afterAll(async () => {
  await t.close();
});

describe('app registrations', () => {
  it('creates an app with permissions in Allot\'s order, without duplicates, and audits "Add application"', async () => {
    const created = await create('  Provisioning  ', ['User.Read.All', 'LicenseAssignment.ReadWrite.All', 'User.Read.All']);
    expect(created).toMatchObject({ displayName: 'Provisioning', permissions: ['User.Read.All', 'LicenseAssignment.ReadWrite.All'], createdDateTime: TEST_NOW.toISOString(), passwordCredentials: [] });
    expect((await asA('GET', `/admin/apps/${created.appId}`)).json()).toEqual(created);
    expect((await asA('GET', '/admin/apps')).json<{ value: AppBody[] }>().value.map((app) => app.appId)).toContain(created.appId);
    const rows = await auditRows(created.appId);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      activity: 'Add application',
      category: 'ApplicationManagement',
      target_type: 'Application',
      changes: [
        { property: 'DisplayName', before: null, after: 'Provisioning' },
        { property: 'AppPermissions', before: null, after: ['User.Read.All', 'LicenseAssignment.ReadWrite.All'] },
      ],
    });
  });

  it('refuses an unknown permission by name (400), creating nothing', async () => {
    const before = (await asA('GET', '/admin/apps')).json<{ value: unknown[] }>().value.length;
    const body = expectGraphError(await asA('POST', '/admin/apps', { displayName: 'Bad', permissions: ['User.Read.All', 'User.Fly.All'] }), 400, 'Request_BadRequest', "Unknown application permission 'User.Fly.All'.");
    expect(body.error.details?.[0]).toMatchObject({ code: 'UnknownPermission', target: 'permissions' });
    expect(body.error.details?.[0]?.message).toContain('LicenseAssignment.ReadWrite.All');
    expect((await asA('GET', '/admin/apps')).json<{ value: unknown[] }>().value).toHaveLength(before);
    expectGraphError(await asA('POST', '/admin/apps', { displayName: '', permissions: [] }), 400, 'Request_BadRequest');
    expectGraphError(await asA('POST', '/admin/apps', { displayName: 'x', permissions: [], extra: 1 }), 400, 'Request_BadRequest');
  });

  it('renames and replaces permissions, auditing "Update application" with before and after', async () => {
    const created = await create('Reporting', ['User.Read.All']);
    const response = await asA('PATCH', `/admin/apps/${created.appId}`, { displayName: 'Reporting v2', permissions: ['Directory.Read.All'] });
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json<AppBody>()).toMatchObject({ displayName: 'Reporting v2', permissions: ['Directory.Read.All'] });
    const update = (await auditRows(created.appId)).find((row) => row.activity === 'Update application');
    expect(update?.changes).toEqual([
      { property: 'DisplayName', before: 'Reporting', after: 'Reporting v2' },
      { property: 'AppPermissions', before: ['User.Read.All'], after: ['Directory.Read.All'] },
    ]);
    expectGraphError(await asA('PATCH', `/admin/apps/${created.appId}`, {}), 400, 'Request_BadRequest', 'Send displayName, permissions or both.');
    expectGraphError(await asA('PATCH', `/admin/apps/${created.appId}`, { permissions: ['Nope.All'] }), 400, 'Request_BadRequest', "Unknown application permission 'Nope.All'.");
  });

  it('deletes an app (204, then 404) and audits "Delete application"', async () => {
    const created = await create('Temporary', ['User.Read.All']);
    expect((await asA('DELETE', `/admin/apps/${created.appId}`)).statusCode).toBe(204);
    expectGraphError(await asA('GET', `/admin/apps/${created.appId}`), 404, 'Request_ResourceNotFound');
    expectGraphError(await asA('DELETE', `/admin/apps/${created.appId}`), 404, 'Request_ResourceNotFound');
    expect((await auditRows(created.appId)).map((row) => row.activity).sort()).toEqual(['Add application', 'Delete application']);
  });

  it('another tenant\'s app answers 404 on every route and stays unchanged', async () => {
    const foreign = await createClient(t.services, b.tenantId, ['User.Read.All']);
    for (const [method, url, payload] of [
      ['GET', `/admin/apps/${foreign.clientId}`],
      ['PATCH', `/admin/apps/${foreign.clientId}`, { displayName: 'Taken' }],
      ['DELETE', `/admin/apps/${foreign.clientId}`],
      ['POST', `/admin/apps/${foreign.clientId}/secrets`, {}],
      ['DELETE', `/admin/apps/${foreign.clientId}/secrets/${foreign.keyId}`],
    ] as const) {
      expectGraphError(await asA(method, url, payload), 404, 'Request_ResourceNotFound');
    }
    expect((await asA('GET', '/admin/apps')).json<{ value: AppBody[] }>().value.map((app) => app.appId)).not.toContain(foreign.clientId);
    expect(await tokenFor(t.app, b.tenantId, foreign)).toEqual(expect.any(String));
  });
});

describe('client secrets', () => {
  it('returns the secret once (256 bits, base64url), stores only its SHA-256, lists it by hint, defaults to 180 days', async () => {
    const created = await create('Secretive', ['User.Read.All']);
    const response = await asA('POST', `/admin/apps/${created.appId}/secrets`, { displayName: 'CI pipeline' });
    expect(response.statusCode, response.body).toBe(201);
    expect(response.headers['cache-control']).toBe('no-store');
    const secret = response.json<SecretBody>();
    expect(secret.secretText).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(secret).toMatchObject({ displayName: 'CI pipeline', hint: secret.secretText.slice(0, 3), startDateTime: TEST_NOW.toISOString(), endDateTime: new Date(TEST_NOW.getTime() + 180 * DAY).toISOString() });

    const listed = (await asA('GET', `/admin/apps/${created.appId}`)).json<AppBody>();
    expect(listed.passwordCredentials).toEqual([{ keyId: secret.keyId, displayName: 'CI pipeline', hint: secret.hint, startDateTime: secret.startDateTime, endDateTime: secret.endDateTime, revokedDateTime: null }]);
    expect(JSON.stringify((await asA('GET', '/admin/apps')).json())).not.toContain(secret.secretText);

    const stored = await sql<Record<string, unknown>>`SELECT * FROM app_secret WHERE tenant_id = ${a.tenantId} AND key_id = ${secret.keyId}`.execute(t.handle.db);
    expect(stored.rows[0]?.secret_hash).toBe(createHash('sha256').update(secret.secretText).digest('hex'));
    expect(JSON.stringify(stored.rows)).not.toContain(secret.secretText);
    const audit = await auditRows(created.appId);
    expect(audit.find((row) => row.activity !== 'Add application')).toMatchObject({
      activity: 'Update application – Certificates and secrets management',
      changes: [{ property: 'PasswordCredential', before: null, after: { keyId: secret.keyId, displayName: 'CI pipeline', hint: secret.hint, endDateTime: secret.endDateTime } }],
    });
    expect(JSON.stringify(audit)).not.toContain(secret.secretText);

    const token = await requestToken(t.app, a.tenantId, { grant_type: 'client_credentials', client_id: created.appId, client_secret: secret.secretText, scope: GRAPH_SCOPE });
    expect(token.statusCode, token.body).toBe(200);
  });

  it('accepts an expiry up to two years ahead, refuses one beyond or in the past; a POST without body works', async () => {
    const created = await create('Expiring', []);
    const at = (days: number) => new Date(TEST_NOW.getTime() + days * DAY).toISOString();
    expect((await asA('POST', `/admin/apps/${created.appId}/secrets`, { endDateTime: at(730) })).statusCode).toBe(201);
    expectGraphError(await asA('POST', `/admin/apps/${created.appId}/secrets`, { endDateTime: at(731) }), 400, 'Request_BadRequest', 'A client secret expires within 730 days (two years) of its creation.');
    expectGraphError(await asA('POST', `/admin/apps/${created.appId}/secrets`, { endDateTime: at(-1) }), 400, 'Request_BadRequest', 'endDateTime must be in the future.');
    const bare = await asA('POST', `/admin/apps/${created.appId}/secrets`);
    expect(bare.statusCode, bare.body).toBe(201);
    expect(bare.json<SecretBody>()).toMatchObject({ displayName: null, endDateTime: at(180) });
  });

  it('refuses Idempotency-Key on secret creation: a replay would need the secret stored', async () => {
    const created = await create('Idempotent', []);
    expectGraphError(await asA('POST', `/admin/apps/${created.appId}/secrets`, {}, { 'idempotency-key': 'k-1' }), 400, 'Request_BadRequest', /Idempotency-Key is not accepted here/);
    expect((await asA('GET', `/admin/apps/${created.appId}`)).json<AppBody>().passwordCredentials).toEqual([]);
  });

  it('revokes a secret: 204, it authenticates no more, a second revoke → 404', async () => {
    const client = await createClient(t.services, a.tenantId, ['User.Read.All']);
    await tokenFor(t.app, a.tenantId, client);
    expect((await asA('DELETE', `/admin/apps/${client.clientId}/secrets/${client.keyId}`)).statusCode).toBe(204);
    const listed = (await asA('GET', `/admin/apps/${client.clientId}`)).json<AppBody>();
    expect(listed.passwordCredentials[0]?.revokedDateTime).toBe(TEST_NOW.toISOString());
    expectOAuthError(
      await requestToken(t.app, a.tenantId, { grant_type: 'client_credentials', client_id: client.clientId, client_secret: client.clientSecret, scope: GRAPH_SCOPE }),
      401,
      'invalid_client',
      7000215,
    );
    expectGraphError(await asA('DELETE', `/admin/apps/${client.clientId}/secrets/${client.keyId}`), 404, 'Request_ResourceNotFound');
    const secretsAudit = (await auditRows(client.clientId)).filter((row) => row.activity === 'Update application – Certificates and secrets management');
    expect(secretsAudit.map((row) => row.details)).toEqual(expect.arrayContaining([{ action: 'add' }, { action: 'revoke' }]));
  });
});

describe('who may manage apps', () => {
  it('anonymous → 401; Application.Read.All reads but does not write; Application.ReadWrite.All writes', async () => {
    expectGraphError(await t.app.inject({ method: 'GET', url: '/admin/apps' }), 401, 'InvalidAuthenticationToken');
    expectGraphError(await t.app.inject({ method: 'POST', url: '/admin/apps', payload: { displayName: 'x', permissions: [] } }), 401, 'InvalidAuthenticationToken');
    const reader = await t.appHeaders(a.tenantId, ['Application.Read.All']);
    expect((await t.app.inject({ method: 'GET', url: '/admin/apps', headers: reader })).statusCode).toBe(200);
    expectGraphError(await t.app.inject({ method: 'POST', url: '/admin/apps', headers: reader, payload: { displayName: 'x', permissions: [] } }), 403, 'Authorization_RequestDenied', 'Insufficient privileges to complete the operation.');
    expectGraphError(await t.app.inject({ method: 'POST', url: '/admin/apps/signing-keys/rotate', headers: reader }), 403, 'Authorization_RequestDenied');
    const none = await t.appHeaders(a.tenantId, []);
    expectGraphError(await t.app.inject({ method: 'GET', url: '/admin/apps', headers: none }), 403, 'Authorization_RequestDenied');
    const writer = await t.appHeaders(a.tenantId, ['Application.ReadWrite.All']);
    expect((await t.app.inject({ method: 'POST', url: '/admin/apps', headers: writer, payload: { displayName: 'By app', permissions: ['Application.ReadWrite.All'] } })).statusCode).toBe(201);
  });

  it('an app cannot create, widen or take a secret of an app with permissions it does not hold', async () => {
    const writer = await t.appHeaders(a.tenantId, ['Application.ReadWrite.All']);
    const wider = await t.app.inject({ method: 'POST', url: '/admin/apps', headers: writer, payload: { displayName: 'Escalation', permissions: ['Directory.ReadWrite.All'] } });
    expectGraphError(wider, 403, 'Authorization_RequestDenied', 'Insufficient privileges to complete the operation.');
    expect(wider.json<{ error: { details: { message: string }[] } }>().error.details[0]?.message).toContain('Directory.ReadWrite.All');
    const strong = await t.services.apps.create(testContext(a.tenantId), { displayName: 'Strong', permissions: [...APP_PERMISSIONS] });
    expectGraphError(await t.app.inject({ method: 'POST', url: `/admin/apps/${strong.appId}/secrets`, headers: writer, payload: {} }), 403, 'Authorization_RequestDenied');
    const weak = await t.services.apps.create(testContext(a.tenantId), { displayName: 'Weak', permissions: [] });
    expectGraphError(await t.app.inject({ method: 'PATCH', url: `/admin/apps/${weak.appId}`, headers: writer, payload: { permissions: ['User.ReadWrite.All'] } }), 403, 'Authorization_RequestDenied');
    expect((await t.services.apps.get(testContext(a.tenantId), weak.appId)).permissions).toEqual([]);
  });

  it('an app cannot delete or revoke a secret of an app with permissions it does not hold; one it holds, it can', async () => {
    const writer = await t.appHeaders(a.tenantId, ['Application.ReadWrite.All']);
    const registration = await t.services.apps.create(testContext(a.tenantId), { displayName: 'Strong', permissions: [...APP_PERMISSIONS] });
    const secret = await t.services.apps.addSecret(testContext(a.tenantId), registration.appId, {});
    const strong = { clientId: registration.appId, clientSecret: secret.secretText, keyId: secret.keyId };
    const before = await auditRows(strong.clientId);
    const deleted = await t.app.inject({ method: 'DELETE', url: `/admin/apps/${strong.clientId}`, headers: writer });
    expectGraphError(deleted, 403, 'Authorization_RequestDenied', 'Insufficient privileges to complete the operation.');
    expect(deleted.json<{ error: { details: { message: string }[] } }>().error.details[0]?.message).toContain('Directory.ReadWrite.All');
    expectGraphError(await t.app.inject({ method: 'DELETE', url: `/admin/apps/${strong.clientId}/secrets/${strong.keyId}`, headers: writer }), 403, 'Authorization_RequestDenied');
    // Nothing changed: the app and its secret still work, and no audit row was written.
    expect((await t.services.apps.get(testContext(a.tenantId), strong.clientId)).secrets.map((secret) => secret.revokedAt)).toEqual([null]);
    expect(await auditRows(strong.clientId)).toEqual(before);
    await tokenFor(t.app, a.tenantId, strong);

    const peer = await createClient(t.services, a.tenantId, ['Application.ReadWrite.All']);
    expect((await t.app.inject({ method: 'DELETE', url: `/admin/apps/${peer.clientId}/secrets/${peer.keyId}`, headers: writer })).statusCode).toBe(204);
    expect((await t.app.inject({ method: 'DELETE', url: `/admin/apps/${peer.clientId}`, headers: writer })).statusCode).toBe(204);
    expect((await auditRows(peer.clientId)).map((row) => row.activity)).toContain('Delete application');
  });
});
