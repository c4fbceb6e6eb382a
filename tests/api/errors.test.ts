import type { LightMyRequestResponse } from 'fastify';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedDemoTenant } from '../../src/services/demo-tenant.js';
import { createTestApp, type TestApp } from '../support/test-app.js';
import { expectGraphError } from '../support/graph-error.js';

/** Graph's error envelope (graph-licensing.md §3.1) on every kind of failure. */

const DOMAIN = 'contoso.onmicrosoft.com';


let t: TestApp;

beforeAll(async () => {
  t = await createTestApp();
  await seedDemoTenant(t.services);
});

afterAll(async () => {
  await t.close();
});


describe('unknown paths', () => {
  it("an unknown /v1.0 segment → 400 \"Resource not found for the segment 'x'.\"", async () => {
    expectGraphError(await t.inject({ method: 'GET', url: '/v1.0/x' }), 400, 'Request_BadRequest', "Resource not found for the segment 'x'.");
    expectGraphError(await t.inject({ method: 'GET', url: '/v1.0/groupz?$top=5' }), 400, 'Request_BadRequest', "Resource not found for the segment 'groupz'.");
    const user = `anna.devries@${DOMAIN}`;
    expectGraphError(await t.inject({ method: 'GET', url: `/v1.0/users/${user}/frobnicate` }), 400, 'Request_BadRequest', "Resource not found for the segment 'frobnicate'.");
  });

  it('an unsupported method on a known /v1.0 path is answered in the Graph envelope', async () => {
    // Today the router cannot tell "no such path" from "no such method" (Graph would say 405).
    for (const method of ['PUT', 'DELETE'] as const) {
      const response = await t.inject({ method, url: '/v1.0/users', payload: {} });
      expectGraphError(response, 400, 'Request_BadRequest', "Resource not found for the segment 'users'.");
    }
  });

  it('an unknown path outside /v1.0 → 404 in the same envelope', async () => {
    expectGraphError(await t.inject({ method: 'GET', url: '/nowhere' }), 404, 'Request_ResourceNotFound', 'No route GET /nowhere.');
  });
});

describe('request bodies', () => {
  it('invalid JSON → 400 Graph envelope, nothing created', async () => {
    const response = await t.inject({
      method: 'POST',
      url: '/v1.0/users',
      headers: { 'content-type': 'application/json' },
      payload: '{"accountEnabled": true, "displayName": "Broken",',
    });
    expectGraphError(response, 400, 'Request_BadRequest', 'The request body is not valid JSON.');
    expect((await t.inject({ method: 'GET', url: `/v1.0/users?$filter=${encodeURIComponent("displayName eq 'Broken'")}` })).json<{ value: unknown[] }>().value).toEqual([]);
  });

  it('an empty JSON body → 400', async () => {
    const response = await t.inject({ method: 'POST', url: '/v1.0/users', headers: { 'content-type': 'application/json' }, payload: '' });
    expectGraphError(response, 400, 'Request_BadRequest', 'The request body is not valid JSON.');
    const none = await t.inject({ method: 'POST', url: '/v1.0/users' });
    const body = expectGraphError(none, 400, 'Request_BadRequest', /^Invalid value for body: /);
    expect(body.error.details?.[0]?.target).toBe('body');
  });

  it('a JSON body that is not an object → 400', async () => {
    const response = await t.inject({ method: 'POST', url: '/v1.0/users', headers: { 'content-type': 'application/json' }, payload: '[1,2,3]' });
    expectGraphError(response, 400, 'Request_BadRequest', 'Invalid value for body: Invalid input: expected object, received array');
  });

  it('a wrong content-type → 400 Graph envelope', async () => {
    const body = JSON.stringify({ accountEnabled: true, displayName: 'Xml', mailNickname: 'xml', userPrincipalName: `xml@${DOMAIN}` });
    const xml = await t.inject({ method: 'POST', url: '/v1.0/users', headers: { 'content-type': 'application/xml' }, payload: body });
    expectGraphError(xml, 400, 'Request_BadRequest', 'Content-Type must be application/json.');
    const form = await t.inject({ method: 'PATCH', url: `/v1.0/users/anna.devries@${DOMAIN}`, headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: 'jobTitle=x' });
    expectGraphError(form, 400, 'Request_BadRequest', 'Content-Type must be application/json.');
    // text/plain has a parser of its own in Fastify: the body arrives as a string and fails the schema.
    const text = await t.inject({ method: 'POST', url: '/v1.0/users', headers: { 'content-type': 'text/plain' }, payload: body });
    expectGraphError(text, 400, 'Request_BadRequest', /^(Content-Type must be application\/json\.|Invalid value for body: Invalid input: expected object, received string)$/);
    expect((await t.inject({ method: 'GET', url: `/v1.0/users/xml@${DOMAIN}` })).statusCode).toBe(404);
  });

  it('a body over the size limit → 413 in the Graph envelope', async () => {
    const response = await t.inject({
      method: 'POST',
      url: '/v1.0/users',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({ displayName: 'x'.repeat(1024 * 1024 + 10) }),
    });
    expectGraphError(response, 413, 'Request_EntityTooLarge', 'The request body is too large.');
  });
});

describe('request ids', () => {
  it("the caller's client-request-id is echoed in the response header and in innerError", async () => {
    const clientRequestId = randomUUID();
    const id = randomUUID();
    const response = await t.inject({ method: 'GET', url: `/v1.0/users/${id}`, headers: { 'client-request-id': clientRequestId } });
    const body = expectGraphError(response, 404, 'Request_ResourceNotFound', `Resource '${id}' does not exist or one of its queried reference-property objects are not present.`, clientRequestId);
    // request-id is the server's own, never the caller's.
    expect(body.error.innerError['request-id']).not.toBe(clientRequestId);
  });

  it('client-request-id is echoed on success too, and every request gets a fresh request-id', async () => {
    const clientRequestId = 'my-script-run-42';
    const first = await t.inject({ method: 'GET', url: '/v1.0/users?$top=1', headers: { 'client-request-id': clientRequestId } });
    const second = await t.inject({ method: 'GET', url: '/v1.0/users?$top=1', headers: { 'client-request-id': clientRequestId } });
    expect(first.statusCode).toBe(200);
    expect(first.headers['client-request-id']).toBe(clientRequestId);
    expect(second.headers['client-request-id']).toBe(clientRequestId);
    expect(first.headers['request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(first.headers['request-id']).not.toBe(second.headers['request-id']);
  });
});

describe('innerError.date on every kind of error', () => {
  const cases: [string, () => Promise<LightMyRequestResponse>, number, string][] = [
    ['unknown segment', () => t.inject({ method: 'GET', url: '/v1.0/x' }), 400, 'Request_BadRequest'],
    ['bad $filter', () => t.inject({ method: 'GET', url: `/v1.0/users?$filter=${encodeURIComponent("displayName eq 'x")}` }), 400, 'Request_BadRequest'],
    ['advanced query without header', () => t.inject({ method: 'GET', url: '/v1.0/users/$count' }), 400, 'Request_UnsupportedQuery'],
    ['bad $top', () => t.inject({ method: 'GET', url: '/v1.0/users?$top=1000' }), 400, 'Request_BadRequest'],
    ['bad $select on a single user', () => t.inject({ method: 'GET', url: `/v1.0/users/anna.devries@${DOMAIN}?$select=nope` }), 400, 'Request_BadRequest'],
    ['unknown user', () => t.inject({ method: 'DELETE', url: `/v1.0/users/${randomUUID()}` }), 404, 'Request_ResourceNotFound'],
    ['unknown subscribedSku', () => t.inject({ method: 'GET', url: `/v1.0/subscribedSkus/${randomUUID()}` }), 404, 'Request_ResourceNotFound'],
    ['non-GUID deleted item', () => t.inject({ method: 'GET', url: '/v1.0/directory/deletedItems/nope' }), 400, 'Request_BadRequest'],
    ['body validation', () => t.inject({ method: 'POST', url: '/v1.0/users', payload: { displayName: 'x' } }), 400, 'Request_BadRequest'],
    ['license rule', () => t.inject({ method: 'POST', url: `/v1.0/users/willem.boersma@${DOMAIN}/assignLicense`, payload: { addLicenses: [{ skuId: '6fd2c87f-b296-42f0-b197-1e91e994b900' }], removeLicenses: [] } }), 400, 'Request_BadRequest'],
    ['no credentials', () => t.app.inject({ method: 'GET', url: '/v1.0/users' }), 401, 'InvalidAuthenticationToken'],
  ];

  it.each(cases)('%s', async (_name, send, status, code) => {
    const body = expectGraphError(await send(), status, code, /./);
    expect(body.error.innerError.date).not.toMatch(/Z$|[+-]\d{2}:\d{2}$|\.\d+$/);
  });

  it('a license rule error keeps Graph text', async () => {
    const response = await t.inject({
      method: 'POST',
      url: `/v1.0/users/willem.boersma@${DOMAIN}/assignLicense`,
      payload: { addLicenses: [{ skuId: '6fd2c87f-b296-42f0-b197-1e91e994b900', disabledPlans: [] }], removeLicenses: [] },
    });
    const body = expectGraphError(response, 400, 'Request_BadRequest', 'License assignment cannot be done for user with invalid usage location.');
    expect(body.error.details?.[0]).toMatchObject({ code: 'InvalidUsageLocation', target: 'usageLocation' });
  });
});
