import type { LightMyRequestResponse } from 'fastify';
import { expect } from 'vitest';

export interface GraphErrorBody {
  error: {
    code: string;
    message: string;
    details?: { code: string; message: string; target?: string }[];
    innerError: { date: string; 'request-id': string; 'client-request-id': string };
  };
}

const GRAPH_DATE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$/;

/**
 * Checks a whole Graph error response: status, JSON envelope with only `error`, code, message (exact
 * or pattern), innerError with Graph's zone-less date, and request-id / client-request-id echoed in
 * the body and the headers (`clientRequestId` is what the caller sent, if anything).
 */
export function expectGraphError(response: LightMyRequestResponse, status: number, code: string, message?: string | RegExp, clientRequestId?: string): GraphErrorBody {
  expect(response.statusCode, response.body).toBe(status);
  expect(response.headers['content-type']).toMatch(/^application\/json/);
  const body = response.json<GraphErrorBody>();
  expect(Object.keys(body)).toEqual(['error']);
  expect(body.error.code).toBe(code);
  if (typeof message === 'string') {
    expect(body.error.message).toBe(message);
  } else if (message !== undefined) {
    expect(body.error.message).toMatch(message);
  }
  const requestId = response.headers['request-id'];
  expect(requestId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  expect(Object.keys(body.error.innerError).sort()).toEqual(['client-request-id', 'date', 'request-id']);
  expect(body.error.innerError['request-id']).toBe(requestId);
  expect(body.error.innerError['client-request-id']).toBe(clientRequestId ?? requestId);
  expect(response.headers['client-request-id']).toBe(clientRequestId ?? requestId);
  expect(body.error.innerError.date).toMatch(GRAPH_DATE);
  // UTC "now", without zone suffix or fraction.
  expect(Math.abs(Date.parse(`${body.error.innerError.date}Z`) - Date.now())).toBeLessThan(60_000);
  return body;
}
