import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AppError } from '../../domain/errors.js';
import type { Services } from '../../services/index.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The claimed Idempotency-Key of an admin mutation, to store its answer under. */
    idempotencyKey: string | null;
  }
}

/** What makes two requests "the same" for a key: method, URL and the validated body. */
export const requestHash = (method: string, url: string, body: unknown): string =>
  createHash('sha256').update(`${method} ${url}\n${JSON.stringify(body ?? null)}`).digest('hex');

const KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;
const isAdminMutation = (request: FastifyRequest): boolean => request.url.startsWith('/admin/') && ['POST', 'PUT', 'PATCH', 'DELETE'].includes(request.method);

/**
 * `Idempotency-Key` on admin mutations: the first request with a key runs and its answer is kept
 * for 24 h (per tenant and principal); a retry with the same key and body gets that answer again
 * without running twice; the same key with another body is refused (422), and one still running
 * answers 409.
 */
export function registerIdempotency(app: FastifyInstance, services: Services): void {
  app.decorateRequest('idempotencyKey', null);

  app.addHook('preHandler', async (request, reply) => {
    const header = request.headers['idempotency-key'];
    if (header === undefined || !isAdminMutation(request)) {
      return;
    }
    const key = Array.isArray(header) ? header[0] : header;
    if (key === undefined || !KEY_PATTERN.test(key)) {
      throw new AppError('invalidRequest', 'Idempotency-Key must be 1–255 visible ASCII characters.');
    }
    const stored = await services.idempotency.begin(request.context, key, requestHash(request.method, request.url, request.body));
    if (stored) {
      return reply.status(stored.status).header('idempotent-replayed', 'true').send(stored.body);
    }
    request.idempotencyKey = key;
    return undefined;
  });

  app.addHook('onSend', async (request, reply, payload) => {
    const key = request.idempotencyKey;
    if (key !== null) {
      request.idempotencyKey = null;
      const body = typeof payload === 'string' && payload !== '' ? payload : 'null';
      await services.idempotency.complete(request.context, key, { status: reply.statusCode, body });
    }
    return payload;
  });
}
