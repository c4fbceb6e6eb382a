import { sql, type Kysely } from 'kysely';
import type { Database } from './schema.js';

/**
 * Tries a transaction-scoped advisory lock (released at commit or rollback); true when this
 * transaction now holds it. The same SQL works on PostgreSQL and PGlite.
 */
export async function tryTransactionLock(trx: Kysely<Database>, key: number): Promise<boolean> {
  const { rows } = await sql<{ locked: boolean }>`SELECT pg_try_advisory_xact_lock(${sql.lit(key)}::bigint) AS locked`.execute(trx);
  return rows[0]?.locked === true;
}

/** Waits for the transaction-scoped advisory lock (for work that must not be skipped, e.g. at startup). */
export async function waitForTransactionLock(trx: Kysely<Database>, key: number): Promise<void> {
  await sql`SELECT pg_advisory_xact_lock(${sql.lit(key)}::bigint)`.execute(trx);
}
