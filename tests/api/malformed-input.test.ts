import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLicensingTenant, licensingSnapshot, type LicensingTenant } from '../support/fixtures.js';
import { expectGraphError } from '../support/graph-error.js';
import { expectOAuthError } from '../support/oauth.js';
import { createTestApp, type TestApp } from '../support/test-app.js';

/**
 * Regressions found by the route fuzzer (tests/reliability/fuzz-routes.test.ts): input the app
 * once answered with a 500 or outside the route's error contract.
 */

let t: TestApp;
let tenant: LicensingTenant;
let userId: string;
let domain: string;

beforeAll(async () => {
  t = await createTestApp();
  tenant = await createLicensingTenant(t.services);
  userId = await tenant.user('nul.target');
  domain = (await t.services.tenants.getTenant(tenant.tenantId)).domains[0]?.domain ?? '';
});

afterAll(async () => {
  await t.close();
});

describe('URLs the router cannot take', () => {
  it('a malformed percent-encoding → 400 in the Graph envelope, with the request ids', async () => {
    for (const url of ['/v1.0/users/%zz', '/v1.0/users/%ED%A0%80', '/admin/subscriptions/%/cancel', '/%E0%A4']) {
      expectGraphError(await t.inject({ method: 'GET', url }), 400, 'Request_BadRequest', 'The request URL is not valid: it contains a malformed percent-encoding.');
    }
    const clientRequestId = 'fuzz-42';
    expectGraphError(await t.inject({ method: 'GET', url: '/v1.0/users/%zz', headers: { 'client-request-id': clientRequestId } }), 400, 'Request_BadRequest', /malformed percent-encoding/, clientRequestId);
  });

  it('a path segment over 500 characters → 400 in the Graph envelope', async () => {
    expectGraphError(await t.inject({ method: 'DELETE', url: `/v1.0/groups/${'a'.repeat(501)}` }), 400, 'Request_BadRequest', 'A segment of the request URL is too long.');
  });
});

describe('U+0000, which PostgreSQL text cannot hold', () => {
  it('is refused in a path parameter, a query parameter and a body, naming where, and nothing changes', async () => {
    const before = await licensingSnapshot(t.handle.db, tenant.tenantId);
    expectGraphError(await t.inject({ method: 'GET', url: '/v1.0/users/a%00b/licenseDetails' }), 400, 'Request_BadRequest', 'Character U+0000 is not allowed in params.id at position 1.');
    expectGraphError(await t.inject({ method: 'GET', url: '/admin/audit?actor=x%00' }), 400, 'Request_BadRequest', 'Character U+0000 is not allowed in querystring.actor at position 1.');
    const patched = expectGraphError(await t.inject({ method: 'PATCH', url: `/v1.0/users/${userId}`, payload: { displayName: 'Nul\u0000' } }), 400, 'Request_BadRequest', 'Character U+0000 is not allowed in body.displayName at position 3.');
    expect(patched.error.details).toEqual([{ code: 'InvalidValue', target: 'body.displayName', message: 'Text may not contain the NUL character (U+0000).' }]);
    expectGraphError(
      await t.inject({ method: 'POST', url: '/v1.0/groups', payload: { displayName: 'g', mailNickname: 'g', mailEnabled: false, securityEnabled: true, 'members@odata.bind': ['https://graph.microsoft.com/v1.0/users/\u0000'] } }),
      400,
      'Request_BadRequest',
      'Character U+0000 is not allowed in body.members@odata.bind[0] at position 39.',
    );
    expect(await licensingSnapshot(t.handle.db, tenant.tenantId)).toEqual(before);
    expect((await t.inject({ method: 'GET', url: `/v1.0/users/${userId}?$select=displayName` })).json<{ displayName: string }>().displayName).toBe('nul.target');
  });

  it('is refused in a sign-in before any lookup', async () => {
    const response = await t.app.inject({ method: 'POST', url: '/auth/sign-in', payload: { userPrincipalName: `admin\u0000@${domain}`, password: 'x' } });
    expectGraphError(response, 400, 'Request_BadRequest', 'Character U+0000 is not allowed in body.userPrincipalName at position 5.');
  });
});

describe('subscription keys that are not GUIDs', () => {
  it('name no subscription (404) instead of failing the uuid cast', async () => {
    for (const [method, url] of [
      ['GET', '/admin/subscriptions/0'],
      ['DELETE', '/admin/subscriptions/0'],
      ['POST', '/admin/subscriptions/not-a-guid/cancel'],
      ['GET', `/v1.0/directory/subscriptions/${encodeURIComponent('a@a.aa')}`],
    ] as const) {
      expectGraphError(await t.inject({ method, url }), 404, 'Request_ResourceNotFound');
    }
  });
});

describe('the audit log query', () => {
  it('answers 400 when both from and to are invalid', async () => {
    expectGraphError(await t.inject({ method: 'GET', url: "/admin/audit?from=&to='" }), 400, 'Request_BadRequest', /^The (from|to) parameter must be an ISO 8601 date-time/);
  });
});

describe("the identity endpoints answer every client error in OAuth's shape", () => {
  const token = (payload: string, contentType: string) => t.app.inject({ method: 'POST', url: `/${tenant.tenantId}/oauth2/v2.0/token`, headers: { 'content-type': contentType }, payload });

  it('a body that is not a form carries no parameters, as in Entra', async () => {
    const missing = "The request body must contain the following parameter: 'grant_type'.";
    expectOAuthError(await token('{"grant_type":"client_credentials"}', 'application/json'), 400, 'invalid_request', 900144, missing);
    expectOAuthError(await token('{', 'application/json'), 400, 'invalid_request', 900144, missing);
    expectOAuthError(await token('grant_type=client_credentials', 'text/plain'), 400, 'invalid_request', 900144, missing);
  });

  it('a body over 16 KB → invalid_request AADSTS90100', async () => {
    expectOAuthError(await token(`grant_type=${'x'.repeat(17 * 1024)}`, 'application/x-www-form-urlencoded'), 400, 'invalid_request', 90100, 'The request body is larger than 16 KB.');
  });

  it('a value quoted in the description stays on one line, so it cannot forge a trace line', async () => {
    const forged = 'x\r\nTrace ID: forged';
    const body = expectOAuthError(await token(`grant_type=${encodeURIComponent(forged)}`, 'application/x-www-form-urlencoded'), 400, 'unsupported_grant_type', 70003);
    expect(body.error_description).toContain("grant type 'x\uFFFD\uFFFDTrace ID: forged'.");
    expectOAuthError(await token('scope=a&scope=b', 'application/x-www-form-urlencoded'), 400, 'invalid_request', 90100, 'scope parameter is empty or not valid: it appears more than once in the request.');
    expectOAuthError(await token('a%0Ab=1&a%0Ab=2', 'application/x-www-form-urlencoded'), 400, 'invalid_request', 90100, 'a\uFFFDb parameter is empty or not valid: it appears more than once in the request.');
  });

  it('a tenant with U+0000 → invalid_request naming it', async () => {
    for (const url of ['/a%00/discovery/v2.0/keys', '/a%00/v2.0/.well-known/openid-configuration']) {
      expectOAuthError(await t.app.inject({ method: 'GET', url }), 400, 'invalid_request', 90100, 'Character U+0000 is not allowed in params.tenant at position 1.');
    }
  });
});

describe('the redeem link', () => {
  it('answers the invalid-link page whatever is wrong with the query, U+0000 included', async () => {
    for (const url of ['/redeem?invitation=%00', '/redeem?=%00', '/redeem?invitation=abc']) {
      const response = await t.app.inject({ method: 'GET', url });
      expect(response.statusCode, url).toBe(400);
      expect(response.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(response.headers['cache-control']).toBe('no-store');
      expect(response.body).toContain('This invitation link is not valid');
    }
  });
});
