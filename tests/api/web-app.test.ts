import type { FastifyInstance } from 'fastify';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/api/app.js';
import { createLicensingTenant, FLEET, MS } from '../support/fixtures.js';
import { expectGraphError } from '../support/graph-error.js';
import { createTestApp, type TestApp } from '../support/test-app.js';

/**
 * The built admin center served by the API's server (dist/web in production; a stand-in here):
 * files by name, index.html for deep links, the API's own answers for API paths, the app's CSP.
 * And the product services route the Assign licenses panel reads.
 */
let t: TestApp;
let tenantId: string;
let webRoot: string;
let withWeb: FastifyInstance;

const INDEX = '<!doctype html><html lang="en"><head><script type="module" src="/assets/app-1234.js"></script></head><body><div id="root"></div></body></html>';

beforeAll(async () => {
  t = await createTestApp();
  tenantId = (await createLicensingTenant(t.services)).tenantId;
  webRoot = mkdtempSync(path.join(os.tmpdir(), 'allot-web-'));
  mkdirSync(path.join(webRoot, 'assets'));
  writeFileSync(path.join(webRoot, 'index.html'), INDEX);
  writeFileSync(path.join(webRoot, 'assets', 'app-1234.js'), 'export {};\n');
  withWeb = await buildApp({ services: t.services, isReady: () => Promise.resolve(true), webRoot });
});
afterAll(async () => {
  await withWeb.close();
  await t.close();
  rmSync(webRoot, { recursive: true, force: true });
});

const html = { accept: 'text/html,application/xhtml+xml' };

describe('serving the admin center', () => {
  it('answers a deep link with index.html under the app Content-Security-Policy', async () => {
    for (const url of ['/', '/billing/licenses', `/billing/licenses/${MS.e3}?tab=users`]) {
      const response = await withWeb.inject({ method: 'GET', url, headers: html });
      expect(response.statusCode, url).toBe(200);
      expect(response.headers['content-type']).toContain('text/html');
      expect(response.body).toBe(INDEX);
      expect(response.headers['content-security-policy']).toContain("script-src 'self';");
      expect(response.headers['cache-control']).toBe('no-cache');
    }
  });

  it('serves built assets by name, cached for good (their names carry a content hash)', async () => {
    const response = await withWeb.inject({ method: 'GET', url: '/assets/app-1234.js' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toContain('javascript');
    expect(response.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect((await withWeb.inject({ method: 'GET', url: '/assets/missing.js' })).statusCode).toBe(404);
  });

  it('keeps the API answers for API paths, other methods and non-HTML requests', async () => {
    // Unauthenticated /admin and /v1.0 paths answer 401 before routing; the token endpoints' 404.
    expectGraphError(await withWeb.inject({ method: 'GET', url: '/admin/nothing-here', headers: html }), 401, 'InvalidAuthenticationToken');
    expectGraphError(await withWeb.inject({ method: 'GET', url: '/v1.0/nothingHere', headers: html }), 401, 'InvalidAuthenticationToken');
    expectGraphError(await withWeb.inject({ method: 'GET', url: '/auth/nothing', headers: html }), 404, 'Request_ResourceNotFound');
    expectGraphError(await withWeb.inject({ method: 'GET', url: `/${tenantId}/oauth2/v2.0/nothing`, headers: html }), 404, 'Request_ResourceNotFound');
    expectGraphError(await withWeb.inject({ method: 'POST', url: '/billing/licenses', headers: html }), 404, 'Request_ResourceNotFound');
    expectGraphError(await withWeb.inject({ method: 'GET', url: '/billing/licenses', headers: { accept: 'application/json' } }), 404, 'Request_ResourceNotFound');
  });

  it('runs the API alone when no build exists', async () => {
    expectGraphError(await t.app.inject({ method: 'GET', url: '/billing/licenses', headers: html }), 404, 'Request_ResourceNotFound');
  });
});

describe('GET /admin/licenses/{skuId}/services', () => {
  it("lists a product's apps and services with their friendly names", async () => {
    const response = await t.inject({ tenant: tenantId, method: 'GET', url: `/admin/licenses/${FLEET.premium}/services` });
    expect(response.statusCode, response.body).toBe(200);
    const plans = response.json<{ value: { servicePlanId: string; servicePlanName: string; friendlyName: string; appliesTo: string }[] }>().value;
    expect(plans.map((plan) => plan.servicePlanId).sort()).toEqual([FLEET.planPremium, FLEET.planAnalytics].sort());
    expect(plans.find((plan) => plan.servicePlanId === FLEET.planAnalytics)).toEqual({ servicePlanId: FLEET.planAnalytics, servicePlanName: 'FLEET_ANALYTICS', friendlyName: 'Fleet analytics', appliesTo: 'User' });
    // Microsoft's products carry the catalogue's friendly names too.
    const e3 = (await t.inject({ tenant: tenantId, method: 'GET', url: `/admin/licenses/${MS.e3}/services` })).json<{ value: { servicePlanId: string; friendlyName: string }[] }>().value;
    expect(e3.find((plan) => plan.servicePlanId === MS.planExchangeEnterprise)?.friendlyName).toMatch(/exchange online/i);
  });

  it('answers 404 for a product the tenant has no subscription for', async () => {
    expectGraphError(await t.inject({ tenant: tenantId, method: 'GET', url: '/admin/licenses/b1a1e000-0000-4000-8000-00000000ffff/services' }), 404, 'Request_ResourceNotFound');
  });
});
