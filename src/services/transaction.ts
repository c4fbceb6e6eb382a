import type { Kysely } from 'kysely';
import type { RequestContext } from '../domain/context.js';
import { createRepositories, type Repositories } from '../db/repositories/index.js';
import type { Database } from '../db/schema.js';

// PostgreSQL's "try again" codes: a deadlock victim or a serialization failure changed nothing.
const RETRYABLE = new Set(['40P01', '40001']);
const MAX_ATTEMPTS = 4;

const isRetryable = (error: unknown): boolean =>
  typeof error === 'object' && error !== null && RETRYABLE.has(String((error as { code?: unknown }).code));

/**
 * Runs `work` in one transaction with repositories bound to the caller's tenant. A deadlock or
 * serialization failure is retried from the start (nothing was committed), so callers never see it.
 */
export async function inTenantTransaction<T>(
  db: Kysely<Database>,
  context: Pick<RequestContext, 'tenantId'>,
  work: (repos: Repositories, trx: Kysely<Database>) => Promise<T>,
): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await db.transaction().execute((trx) => work(createRepositories(trx, context.tenantId), trx));
    } catch (error) {
      if (attempt >= MAX_ATTEMPTS || !isRetryable(error)) {
        throw error;
      }
    }
  }
}

/** Repositories for reads outside a transaction. */
export const tenantRepositories = (db: Kysely<Database>, context: Pick<RequestContext, 'tenantId'>): Repositories =>
  createRepositories(db, context.tenantId);

/** Carries a dry run's result out of the transaction it rolls back. */
class RolledBack<T> extends Error {
  constructor(readonly result: T) {
    super('dry run rolled back');
  }
}

/**
 * A dry run that is the real change: `work` runs exactly as the change would (same locks, same
 * rules, same writes) and the transaction is rolled back, so what it reports is what would happen.
 */
export async function inRolledBackTransaction<T>(
  db: Kysely<Database>,
  context: Pick<RequestContext, 'tenantId'>,
  work: (repos: Repositories, trx: Kysely<Database>) => Promise<T>,
): Promise<T> {
  try {
    await inTenantTransaction(db, context, async (repos, trx) => {
      throw new RolledBack(await work(repos, trx));
    });
  } catch (error) {
    if (error instanceof RolledBack) {
      return error.result as T;
    }
    throw error;
  }
  throw new Error('unreachable: a dry run always rolls back');
}
