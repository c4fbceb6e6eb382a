import type { RequestContext } from '../domain/context.js';
import { DAY_MS } from '../domain/clock.js';
import { AppError } from '../domain/errors.js';
import type { ServiceDeps } from './deps.js';
import { tenantRepositories } from './transaction.js';

/** A stored answer to replay. */
export interface StoredResponse {
  status: number;
  body: unknown;
}

/** Keys live this long; a claim without an answer older than this is an abandoned request. */
export const IDEMPOTENCY_TTL_MS = DAY_MS;
const ABANDONED_AFTER_MS = 5 * 60 * 1000;

export function createIdempotencyService(deps: ServiceDeps) {
  return {
    /**
     * Claims `key` for this request. Returns undefined when the request should run, the stored
     * response when it already ran.
     * @throws idempotencyKeyMismatch when the key was used with another body; idempotencyKeyInFlight
     * while the first request with the key is still running.
     */
    async begin(context: RequestContext, key: string, requestHash: string): Promise<StoredResponse | undefined> {
      const repos = tenantRepositories(deps.db, context);
      const now = deps.clock.now();
      const existing = await repos.idempotency.claim(context.principal.id, key, requestHash, now, new Date(now.getTime() + IDEMPOTENCY_TTL_MS));
      if (existing === undefined) {
        return undefined;
      }
      if (existing.requestHash !== requestHash) {
        throw new AppError('idempotencyKeyMismatch', 'This Idempotency-Key was already used with a different request. Use a new key for a new request.');
      }
      if (existing.responseStatus === null) {
        if (now.getTime() - existing.createdAt.getTime() > ABANDONED_AFTER_MS) {
          await repos.idempotency.release(context.principal.id, key);
          return this.begin(context, key, requestHash);
        }
        throw new AppError('idempotencyKeyInFlight', 'A request with this Idempotency-Key is still being processed. Retry after it finishes.');
      }
      return { status: existing.responseStatus, body: existing.responseBody };
    },

    async complete(context: RequestContext, key: string, response: { status: number; body: string }): Promise<void> {
      const repos = tenantRepositories(deps.db, context);
      // A server fault is not an answer worth replaying: free the key so a retry runs again.
      if (response.status >= 500) {
        await repos.idempotency.release(context.principal.id, key);
        return;
      }
      await repos.idempotency.complete(context.principal.id, key, response.status, response.body);
    },
  };
}

export type IdempotencyService = ReturnType<typeof createIdempotencyService>;
