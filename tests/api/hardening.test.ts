import { createHash } from 'node:crypto';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/api/app.js';
import { createLicensingTenant, type LicensingTenant } from '../support/fixtures.js';
import { expectGraphError } from '../support/graph-error.js';
import { createTestApp, testContext, TEST_PASSWORD, type TestApp } from '../support/test-app.js';

/**
 * Security headers (CSP for the web app, its own for the API reference page, HSTS only over
 * HTTPS), the request body limit, and logs that never carry a credential or a secret.
 */
let t: TestApp;
let tenant: LicensingTenant;

beforeAll(async () => {
  t = await createTestApp();
  tenant = await createLicensingTenant(t.services);
});
afterAll(async () => {
  await t.close();
});

const APP_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "frame-ancestors 'none'",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
].join(';');

describe('security headers', () => {
  it('sends the web app’s CSP and the other helmet headers on every answer, errors included, and no HSTS over HTTP', async () => {
    const responses = [
      await t.app.inject({ method: 'GET', url: '/healthz' }),
      await t.app.inject({ method: 'GET', url: '/v1.0/users' }),
      await t.inject({ method: 'GET', url: '/v1.0/subscribedSkus', tenant: tenant.tenantId }),
      await t.app.inject({ method: 'GET', url: '/no/such/page' }),
    ];
    expect(responses.map((response) => response.statusCode)).toEqual([200, 401, 200, 404]);
    for (const response of responses) {
      expect(response.headers['content-security-policy']).toBe(APP_CSP);
      expect(response.headers['x-frame-options']).toBe('DENY');
      expect(response.headers['x-content-type-options']).toBe('nosniff');
      expect(response.headers['referrer-policy']).toBe('no-referrer');
      expect(response.headers['strict-transport-security']).toBeUndefined();
    }
  });

  it('sends HSTS when the request came over HTTPS (here: through a trusted proxy)', async () => {
    const behindProxy = await buildApp({ services: t.services, isReady: () => Promise.resolve(true), trustProxy: true });
    try {
      const overHttps = await behindProxy.inject({ method: 'GET', url: '/healthz', headers: { 'x-forwarded-proto': 'https' } });
      expect(overHttps.headers['strict-transport-security']).toBe('max-age=31536000');
      const overHttp = await behindProxy.inject({ method: 'GET', url: '/healthz', headers: { 'x-forwarded-proto': 'http' } });
      expect(overHttp.headers['strict-transport-security']).toBeUndefined();
    } finally {
      await behindProxy.close();
    }
    // Without a trusted proxy the header is not believed.
    const spoofed = await t.app.inject({ method: 'GET', url: '/healthz', headers: { 'x-forwarded-proto': 'https' } });
    expect(spoofed.headers['strict-transport-security']).toBeUndefined();
  });

  it('gives the API reference page a CSP that allows exactly its own inline script', async () => {
    const page = await t.app.inject({ method: 'GET', url: '/docs/' });
    expect(page.statusCode).toBe(200);
    const inline = [...page.body.matchAll(/<script\b(?![^>]*\bsrc=)[^>]*>([\s\S]*?)<\/script>/gi)].map((match) => match[1] ?? '');
    expect(inline).toHaveLength(1);
    const hash = `'sha256-${createHash('sha256').update(inline[0] ?? '').digest('base64')}'`;
    const csp = String(page.headers['content-security-policy']);
    expect(csp).toBe(APP_CSP.replace("script-src 'self'", `script-src 'self' ${hash}`));
    expect(csp).not.toMatch(/script-src[^;]*unsafe/);
    // The page loads its bundle from this server, and no fonts from a hosted service.
    expect(page.body).toMatch(/<script src="js\/scalar\.js"/);
    expect(page.body).not.toMatch(/https?:\/\//);
    const bundle = await t.app.inject({ method: 'GET', url: '/docs/js/scalar.js' });
    expect(bundle.statusCode).toBe(200);
    expect(bundle.headers['content-type']).toMatch(/javascript/);
  });
});

describe('request body limit', () => {
  it('answers a body over 1 MB with 413 in Graph’s envelope', async () => {
    const payload = JSON.stringify({ displayName: 'x'.repeat(1024 * 1024), accountEnabled: true, mailNickname: 'big', userPrincipalName: 'big@example.com' });
    const response = await t.inject({ method: 'POST', url: '/v1.0/users', tenant: tenant.tenantId, headers: { 'content-type': 'application/json' }, payload });
    expectGraphError(response, 413, 'Request_EntityTooLarge', 'The request body is too large.');
  });
});

describe('logs', () => {
  it('never contain a bearer token, a session cookie or CSRF token, a client secret, a password or a redeem secret', async () => {
    const lines: string[] = [];
    const stream = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    const logged = await buildApp({ services: t.services, isReady: () => Promise.resolve(true), publicUrl: 'https://allot.test', logger: { level: 'trace', stream } });
    try {
      const bearer = (await t.appHeaders(tenant.tenantId)).authorization ?? '';
      const admin = await t.adminHeaders(tenant.tenantId, ['Global Administrator']);
      const registration = await t.services.apps.create(testContext(tenant.tenantId), { displayName: 'Logged client', permissions: ['User.Read.All'] });
      const { secretText } = await t.services.apps.addSecret(testContext(tenant.tenantId), registration.appId, {});
      const redeemSecret = 'd6c1f0e2-1b7a-4c55-9d1e-redeem-s3cr3t';
      const requests = [
        { method: 'GET' as const, url: '/v1.0/users?$top=1', headers: { authorization: bearer } },
        { method: 'PATCH' as const, url: `/v1.0/users/${admin.userId}`, headers: admin.headers, payload: { jobTitle: 'Logged' } },
        { method: 'GET' as const, url: `/redeem?invitation=${redeemSecret}` },
        {
          method: 'POST' as const,
          url: `/${tenant.tenantId}/oauth2/v2.0/token`,
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          payload: new URLSearchParams({ grant_type: 'client_credentials', client_id: registration.appId, client_secret: secretText, scope: 'https://graph.microsoft.com/.default' }).toString(),
        },
        { method: 'POST' as const, url: '/auth/sign-in', payload: { userPrincipalName: admin.userPrincipalName, password: TEST_PASSWORD } },
      ];
      const statuses: number[] = [];
      const secrets: string[] = [];
      for (const request of requests) {
        const response = await logged.inject(request);
        statuses.push(response.statusCode);
        // The sign-in answer sets a cookie: it must not be logged either.
        for (const cookie of response.cookies) {
          secrets.push(cookie.value);
        }
      }
      expect(statuses[0]).toBe(200);
      expect(statuses[1]).toBe(204);
      expect(statuses[3]).toBe(200);
      expect(statuses[4]).toBe(200);

      const log = lines.join('');
      expect(log).toContain('"url":"/redeem?[redacted]"');
      expect(log).toContain('"url":"/v1.0/users?$top=1"');
      const cookieValue = admin.headers.cookie?.replace('allot_session=', '') ?? '';
      secrets.push(bearer.replace('Bearer ', ''), cookieValue, ...cookieValue.split('.').slice(-1), admin.headers['x-csrf-token'] ?? '', secretText, TEST_PASSWORD, redeemSecret, 's3cr3t');
      for (const secret of secrets) {
        expect(secret.length).toBeGreaterThan(5);
        expect(log).not.toContain(secret);
      }
      expect(log.toLowerCase()).not.toMatch(/authorization|cookie|client_secret|password/);
    } finally {
      await logged.close();
    }
  });
});
