import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { expect } from 'vitest';
import type { AppPermission } from '../../src/domain/authorization.js';
import type { Services } from '../../src/services/index.js';
import { testContext } from './test-app.js';

export const GRAPH_SCOPE = 'https://graph.microsoft.com/.default';

/** POSTs a form to the tenant's token endpoint. */
export const requestToken = (app: FastifyInstance, tenant: string, fields: Record<string, string>, headers: Record<string, string> = {}): Promise<LightMyRequestResponse> =>
  app.inject({
    method: 'POST',
    url: `/${tenant}/oauth2/v2.0/token`,
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    payload: new URLSearchParams(fields).toString(),
  });

export interface TestClient {
  clientId: string;
  clientSecret: string;
  keyId: string;
}

/** An app registration with one secret, created through services.apps. */
export async function createClient(services: Services, tenantId: string, permissions: readonly AppPermission[], options: { expiresAt?: Date } = {}): Promise<TestClient> {
  const context = testContext(tenantId);
  const app = await services.apps.create(context, { displayName: `Client ${permissions.join(' ') || '(none)'}`, permissions });
  const secret = await services.apps.addSecret(context, app.appId, options.expiresAt === undefined ? {} : { expiresAt: options.expiresAt });
  return { clientId: app.appId, clientSecret: secret.secretText, keyId: secret.keyId };
}

/** A token for the client, through the real endpoint. */
export async function tokenFor(app: FastifyInstance, tenant: string, client: TestClient): Promise<string> {
  const response = await requestToken(app, tenant, { grant_type: 'client_credentials', client_id: client.clientId, client_secret: client.clientSecret, scope: GRAPH_SCOPE });
  expect(response.statusCode, response.body).toBe(200);
  return response.json<{ access_token: string }>().access_token;
}

export interface OAuthErrorBody {
  error: string;
  error_description: string;
  error_codes: number[];
  timestamp: string;
  trace_id: string;
  correlation_id: string;
}

/**
 * Checks an Entra-shaped OAuth error: status, exactly Entra's fields, the AADSTS code in
 * error_codes and at the start of the description, trace id = request-id, and the description's
 * trailer (Trace ID, Correlation ID, Timestamp).
 */
export function expectOAuthError(response: LightMyRequestResponse, status: number, error: string, code: number, description?: string | RegExp): OAuthErrorBody {
  expect(response.statusCode, response.body).toBe(status);
  expect(response.headers['content-type']).toMatch(/^application\/json/);
  expect(response.headers['cache-control']).toBe('no-store');
  const body = response.json<OAuthErrorBody>();
  expect(Object.keys(body).sort()).toEqual(['correlation_id', 'error', 'error_codes', 'error_description', 'timestamp', 'trace_id']);
  expect(body.error).toBe(error);
  expect(body.error_codes).toEqual([code]);
  expect(body.trace_id).toBe(response.headers['request-id']);
  expect(body.timestamp).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}Z$/);
  const [message, ...trailer] = body.error_description.split('\r\n');
  expect(message).toMatch(new RegExp(`^AADSTS${code}: `));
  expect(trailer).toEqual([`Trace ID: ${body.trace_id}`, `Correlation ID: ${body.correlation_id}`, `Timestamp: ${body.timestamp}`]);
  if (typeof description === 'string') {
    expect(message).toBe(`AADSTS${code}: ${description}`);
  } else if (description !== undefined) {
    expect(message).toMatch(description);
  }
  return body;
}
