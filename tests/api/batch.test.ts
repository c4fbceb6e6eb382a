import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_TENANT_ID, seedDemoTenant } from '../../src/services/demo-tenant.js';
import { createTestApp, type TestApp } from '../support/test-app.js';

/**
 * POST /v1.0/$batch (Graph JSON batching) against the seeded demo tenant: each request runs through
 * the same routes as a direct call and answers with its own status, headers and body.
 */

const E3 = '6fd2c87f-b296-42f0-b197-1e91e994b900';
const UNKNOWN_SKU = '00000000-1111-4222-8333-444444444444';
const JSON_HEADERS = { 'Content-Type': 'application/json' } as const;

interface GraphError {
  error: { code: string; message: string; innerError: Record<string, string> };
}
interface SubResponse {
  id: string;
  status: number;
  headers: Record<string, string>;
  body: unknown;
}
interface BatchBody {
  responses: SubResponse[];
}
interface SubRequest {
  id: string;
  method: string;
  url: string;
  headers?: Record<string, string>;
  body?: unknown;
  dependsOn?: string[];
}

let t: TestApp;

beforeAll(async () => {
  t = await createTestApp();
  await seedDemoTenant(t.services);
});
afterAll(async () => {
  await t.close();
});

const batch = (payload: unknown, headers: Record<string, string> = {}) =>
  t.inject({ method: 'POST', url: '/v1.0/$batch', tenant: DEMO_TENANT_ID, headers: { ...headers }, payload: payload as object });

async function batchOk(requests: SubRequest[], headers: Record<string, string> = {}): Promise<Map<string, SubResponse>> {
  const response = await batch({ requests }, headers);
  expect(response.statusCode).toBe(200);
  const body = response.json<BatchBody>();
  expect(body.responses.map((r) => r.id)).toEqual(requests.map((r) => r.id));
  return new Map(body.responses.map((r) => [r.id, r]));
}

const get = <T>(map: Map<string, SubResponse>, id: string): SubResponse & { body: T } => map.get(id) as SubResponse & { body: T };

async function expectBatchRefused(payload: unknown, message: string | RegExp) {
  const response = await batch(payload);
  expect(response.statusCode).toBe(400);
  const error = response.json<GraphError>().error;
  expect(error.code).toBe('Request_BadRequest');
  if (typeof message === 'string') {
    expect(error.message).toBe(message);
  } else {
    expect(error.message).toMatch(message);
  }
  expect(error.innerError['request-id']).toBe(response.headers['request-id']);
  return error;
}

const licensesOf = async (upn: string): Promise<string[]> => {
  const response = await t.inject({ method: 'GET', url: `/v1.0/users/${upn}?$select=assignedLicenses`, tenant: DEMO_TENANT_ID });
  expect(response.statusCode).toBe(200);
  return response.json<{ assignedLicenses: { skuId: string }[] }>().assignedLicenses.map((l) => l.skuId);
};

describe('POST /v1.0/$batch', () => {
  it('runs reads and a license assignment, each with its own status, headers and body', async () => {
    const upn = 'max.prins@contoso.onmicrosoft.com';
    expect(await licensesOf(upn)).toEqual([]);
    const responses = await batchOk(
      [
        { id: '1', method: 'GET', url: '/subscribedSkus' },
        { id: '2', method: 'GET', url: '/users?$top=2' },
        { id: '3', method: 'POST', url: `/users/${upn}/assignLicense`, headers: JSON_HEADERS, body: { addLicenses: [{ skuId: E3, disabledPlans: [] }], removeLicenses: [] } },
      ],
      { 'client-request-id': 'batch-client-id' },
    );

    const skus = get<{ value: { skuId: string }[] }>(responses, '1');
    expect(skus.status).toBe(200);
    expect(skus.headers['content-type']).toMatch(/^application\/json/);
    expect(skus.headers['request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(skus.headers['client-request-id']).toBe('batch-client-id');
    expect(skus.body.value.map((s) => s.skuId)).toContain(E3);

    const users = get<{ '@odata.context': string; '@odata.nextLink': string; value: unknown[] }>(responses, '2');
    expect(users.status).toBe(200);
    expect(users.body.value).toHaveLength(2);
    expect(users.body['@odata.context']).toBe('https://allot.test/v1.0/$metadata#users');
    expect(users.body['@odata.nextLink']).toMatch(/^https:\/\/allot\.test\/v1\.0\/users\?/);

    const assigned = get<{ userPrincipalName: string; assignedLicenses: { skuId: string }[] }>(responses, '3');
    expect(assigned.status).toBe(200);
    expect(assigned.body.userPrincipalName).toBe(upn);
    expect(assigned.body.assignedLicenses.map((l) => l.skuId)).toEqual([E3]);
    // Each request gets its own request-id.
    expect(new Set([...responses.values()].map((r) => r.headers['request-id'])).size).toBe(3);

    expect(await licensesOf(upn)).toEqual([E3]);
  });

  it('returns a failing request’s Graph error while the others succeed', async () => {
    const responses = await batchOk([
      { id: 'a', method: 'POST', url: '/users/vera.huisman@contoso.onmicrosoft.com/assignLicense', headers: JSON_HEADERS, body: { addLicenses: [{ skuId: UNKNOWN_SKU, disabledPlans: [] }], removeLicenses: [] } },
      { id: 'b', method: 'GET', url: '/users/vera.huisman@contoso.onmicrosoft.com?$select=displayName' },
      { id: 'c', method: 'GET', url: '/users/11111111-2222-4333-8444-555555555555' },
    ]);
    const refused = get<GraphError>(responses, 'a');
    expect(refused.status).toBe(400);
    expect(refused.body.error.code).toBe('Request_BadRequest');
    expect(refused.body.error.message).toBe(`License ${UNKNOWN_SKU} does not correspond to a valid company License.`);
    expect(refused.body.error.innerError['request-id']).toBe(refused.headers['request-id']);
    expect(get<{ displayName: string }>(responses, 'b')).toMatchObject({ status: 200, body: { displayName: 'Vera Huisman' } });
    expect(get<GraphError>(responses, 'c').status).toBe(404);
    expect(get<GraphError>(responses, 'c').body.error.code).toBe('Request_ResourceNotFound');
    expect(await licensesOf('vera.huisman@contoso.onmicrosoft.com')).toEqual([]);
  });

  it('answers 424 for a request whose dependency failed, and runs it when the dependency succeeded', async () => {
    const upn = 'koen.post@contoso.onmicrosoft.com';
    const responses = await batchOk([
      { id: '1', method: 'POST', url: `/users/${upn}/assignLicense`, headers: JSON_HEADERS, body: { addLicenses: [{ skuId: UNKNOWN_SKU, disabledPlans: [] }], removeLicenses: [] } },
      { id: '2', method: 'POST', url: `/users/${upn}/assignLicense`, headers: JSON_HEADERS, body: { addLicenses: [{ skuId: E3, disabledPlans: [] }], removeLicenses: [] }, dependsOn: ['1'] },
      { id: '3', method: 'GET', url: `/users/${upn}`, dependsOn: ['2'] },
      { id: '4', method: 'GET', url: '/subscribedSkus' },
      { id: '5', method: 'GET', url: `/users/${upn}/licenseDetails`, dependsOn: ['4'] },
    ]);
    expect(get(responses, '1').status).toBe(400);
    const failed = get<GraphError>(responses, '2');
    expect(failed.status).toBe(424);
    expect(failed.body.error.code).toBe('Request_FailedDependency');
    expect(failed.body.error.message).toContain("'1'");
    // A failure propagates down the chain.
    expect(get(responses, '3').status).toBe(424);
    expect(get(responses, '5').status).toBe(200);
    expect(await licensesOf(upn)).toEqual([]);
  });

  it('matches ids and dependsOn case-insensitively, as Graph does', async () => {
    const responses = await batchOk([
      { id: 'First', method: 'GET', url: 'users?$top=1' },
      { id: 'second', method: 'GET', url: '/subscribedSkus', dependsOn: ['FIRST'] },
    ]);
    expect(get(responses, 'second').status).toBe(200);
    await expectBatchRefused(
      { requests: [{ id: 'x', method: 'GET', url: '/users' }, { id: 'X', method: 'GET', url: '/users' }] },
      'Request Id X has to be unique in a batch.',
    );
  });

  it('passes the request’s own headers (ConsistencyLevel) and returns text bodies as text', async () => {
    const responses = await batchOk([
      { id: 'count', method: 'GET', url: '/users/$count', headers: { ConsistencyLevel: 'eventual' } },
      { id: 'no-header', method: 'GET', url: '/users/$count' },
      { id: 'filter', method: 'GET', url: "/users?$filter=userPrincipalName eq 'pieter_fabrikam.com#EXT#@contoso.onmicrosoft.com'&$select=displayName" },
    ]);
    const count = get<string>(responses, 'count');
    expect(count.status).toBe(200);
    expect(count.headers['content-type']).toMatch(/^text\/plain/);
    expect(count.body).toBe('61');
    expect(get<GraphError>(responses, 'no-header').status).toBe(400);
    expect(get<GraphError>(responses, 'no-header').body.error.code).toBe('Request_UnsupportedQuery');
    // Spaces and the '#' of a guest's #EXT# are encoded as an HTTP client would.
    expect(get<{ value: { displayName: string }[] }>(responses, 'filter')).toMatchObject({ status: 200, body: { value: [{ displayName: 'Pieter Bakx' }] } });
  });

  it('creates, patches and deletes, returning location headers and empty bodies as null', async () => {
    const upn = 'batch.user@contoso.onmicrosoft.com';
    const responses = await batchOk([
      { id: 'create', method: 'POST', url: '/users', headers: JSON_HEADERS, body: { accountEnabled: true, displayName: 'Batch User', mailNickname: 'batch.user', userPrincipalName: upn, usageLocation: 'NL' } },
      { id: 'patch', method: 'PATCH', url: `/users/${upn}`, headers: JSON_HEADERS, body: { jobTitle: 'Tester' }, dependsOn: ['create'] },
      { id: 'read', method: 'GET', url: `/users/${upn}?$select=jobTitle`, dependsOn: ['patch'] },
      { id: 'delete', method: 'DELETE', url: `/users/${upn}`, dependsOn: ['read'] },
    ]);
    const created = get<{ id: string }>(responses, 'create');
    expect(created.status).toBe(201);
    expect(created.headers.location).toBe(`https://allot.test/v1.0/users/${created.body.id}`);
    expect(get(responses, 'patch')).toMatchObject({ status: 204, body: null });
    expect(get(responses, 'read')).toMatchObject({ status: 200, body: { jobTitle: 'Tester' } });
    expect(get(responses, 'delete')).toMatchObject({ status: 204, body: null });
  });

  it('refuses absolute and escaping URLs and a nested batch per request', async () => {
    const responses = await batchOk([
      { id: 'absolute', method: 'GET', url: 'https://graph.microsoft.com/v1.0/users' },
      { id: 'scheme-relative', method: 'GET', url: '//evil.example/v1.0/users' },
      { id: 'dots', method: 'GET', url: '/../admin/tenants' },
      { id: 'encoded-dots', method: 'GET', url: '/users/%2e%2E/%2E%2e/healthz' },
      { id: 'tab-dots', method: 'GET', url: '/.\t./.\t./healthz' },
      { id: 'nested', method: 'POST', url: '/$batch', headers: JSON_HEADERS, body: { requests: [{ id: '1', method: 'GET', url: '/users' }] } },
      { id: 'nested-encoded', method: 'POST', url: '%24BATCH?x=1', headers: JSON_HEADERS, body: { requests: [] } },
      { id: 'ok', method: 'GET', url: '/subscribedSkus' },
    ]);
    for (const id of ['absolute', 'scheme-relative', 'dots', 'encoded-dots', 'nested', 'nested-encoded']) {
      const refused = get<GraphError>(responses, id);
      expect(refused.status, id).toBe(400);
      expect(refused.body.error.code, id).toBe('Request_BadRequest');
      expect(refused.headers['request-id'], id).toBe(refused.body.error.innerError['request-id']);
    }
    expect(get<GraphError>(responses, 'nested').body.error.message).toBe('A batch request cannot contain another batch request.');
    expect(get<GraphError>(responses, 'absolute').body.error.message).toMatch(/^Invalid request URL/);
    // The tab is encoded, not stripped, so the path stays under /v1.0 and names no route.
    expect(get(responses, 'tab-dots').status).toBe(400);
    expect(get(responses, 'ok').status).toBe(200);
  });

  it('refuses a body without Content-Type and a write without a body, per request', async () => {
    const responses = await batchOk([
      { id: 'no-type', method: 'PATCH', url: '/users/vera.huisman@contoso.onmicrosoft.com', body: { jobTitle: 'X' } },
      { id: 'no-body', method: 'POST', url: '/users/vera.huisman@contoso.onmicrosoft.com/assignLicense', headers: JSON_HEADERS },
      { id: 'ok', method: 'GET', url: '/users/vera.huisman@contoso.onmicrosoft.com?$select=jobTitle' },
    ]);
    expect(get<GraphError>(responses, 'no-type')).toMatchObject({ status: 400, body: { error: { message: 'Write request id : no-type does not contain Content-Type header or body.' } } });
    expect(get<GraphError>(responses, 'no-body')).toMatchObject({ status: 400, body: { error: { message: 'Write request id : no-body does not contain Content-Type header or body.' } } });
    expect(get(responses, 'ok')).toMatchObject({ status: 200, body: { jobTitle: 'Agent' } });
  });

  it('inherits the batch call’s credentials; a request cannot switch identity with its own header', async () => {
    const responses = await batchOk([{ id: '1', method: 'GET', url: '/users?$top=1', headers: { authorization: 'Bearer forged' } }]);
    expect(get(responses, '1').status).toBe(200);
    const unauthenticated = await batch({ requests: [{ id: '1', method: 'GET', url: '/users' }] }, { authorization: 'Bearer forged' });
    expect(unauthenticated.statusCode).toBe(401);
  });

  it('authorizes each request of a batch as if it were sent on its own', async () => {
    const readOnly = await t.appHeaders(DEMO_TENANT_ID, ['User.Read.All']);
    const response = await batch(
      { requests: [{ id: 'read', method: 'GET', url: '/users?$top=1' }, { id: 'write', method: 'PATCH', url: '/users/vera.huisman@contoso.onmicrosoft.com', headers: JSON_HEADERS, body: { jobTitle: 'Sneaky' } }] },
      readOnly,
    );
    expect(response.statusCode).toBe(200);
    const responses = new Map(response.json<BatchBody>().responses.map((entry) => [entry.id, entry]));
    expect(get(responses, 'read').status).toBe(200);
    expect(get<GraphError>(responses, 'write')).toMatchObject({ status: 403, body: { error: { code: 'Authorization_RequestDenied', message: 'Insufficient privileges to complete the operation.' } } });
  });

  it('refuses more than 20 requests, none, duplicates and unknown or forward dependencies for the whole batch', async () => {
    const many = Array.from({ length: 21 }, (_, i) => ({ id: String(i + 1), method: 'GET', url: '/subscribedSkus' }));
    await expectBatchRefused({ requests: many }, 'Number of requests inside batch exceed the limit.');
    const twenty = await batchOk(many.slice(0, 20));
    expect([...twenty.values()].every((r) => r.status === 200)).toBe(true);

    await expectBatchRefused({ requests: [] }, 'A batch must contain at least one request.');
    await expectBatchRefused(
      { requests: [{ id: '1', method: 'GET', url: '/users' }, { id: '1', method: 'GET', url: '/subscribedSkus' }] },
      'Request Id 1 has to be unique in a batch.',
    );
    await expectBatchRefused({ requests: [{ id: '1', method: 'GET', url: '/users', dependsOn: ['9'] }] }, /^Invalid dependency for request Id 1: '9'/);
    await expectBatchRefused({ requests: [{ id: '1', method: 'GET', url: '/users', dependsOn: ['1'] }] }, /^Invalid dependency for request Id 1/);
    // A cycle always holds a forward reference.
    await expectBatchRefused(
      {
        requests: [
          { id: '1', method: 'GET', url: '/users', dependsOn: ['2'] },
          { id: '2', method: 'GET', url: '/users', dependsOn: ['1'] },
        ],
      },
      /^Invalid dependency for request Id 1: '2'/,
    );
  });

  it('refuses malformed batches with the Graph error envelope', async () => {
    const raw = await t.inject({
      method: 'POST',
      url: '/v1.0/$batch',
      tenant: DEMO_TENANT_ID, headers: { 'content-type': 'application/json' },
      payload: '{"requests": [',
    });
    expect(raw.statusCode).toBe(400);
    expect(raw.json<GraphError>().error).toMatchObject({ code: 'Request_BadRequest', message: 'The request body is not valid JSON.' });
    expect(raw.json<GraphError>().error.innerError['request-id']).toBe(raw.headers['request-id']);

    await expectBatchRefused({}, /requests/);
    await expectBatchRefused({ requests: [{ id: '1', method: 'HEAD', url: '/users' }] }, 'The method must be one of GET, POST, PATCH, PUT or DELETE.');
    await expectBatchRefused({ requests: [{ id: '1', method: 'GET' }] }, /url/);
    await expectBatchRefused({ requests: [{ id: 1, method: 'GET', url: '/users' }] }, /id/);
    await expectBatchRefused({ requests: [{ id: '1', method: 'GET', url: '/users', headers: { 'Bad Header': 'x' } }] }, 'A header name may contain only token characters.');
  });

  it('keeps the 1 MiB body limit of the batch call', async () => {
    const big = { requests: [{ id: '1', method: 'PATCH', url: '/users/x', headers: JSON_HEADERS, body: { jobTitle: 'x'.repeat(1024 * 1024) } }] };
    const response = await batch(big);
    expect(response.statusCode).toBe(413);
    expect(response.json<GraphError>().error.code).toBe('Request_EntityTooLarge');
  });
});
