import { sql, type Kysely } from 'kysely';
import type { Database } from '../schema.js';

export interface IdempotencyRecord {
  requestHash: string;
  responseStatus: number | null;
  responseBody: unknown;
  createdAt: Date;
}

/** Idempotency keys of admin mutations, scoped to tenant and principal. */
export function createIdempotencyRepository(db: Kysely<Database>, tenantId: string) {
  return {
    /** Claims the key for a new request; returns the existing record when it was claimed before. */
    async claim(principalId: string, key: string, requestHash: string, at: Date, expiresAt: Date): Promise<IdempotencyRecord | undefined> {
      const inserted = await db
        .insertInto('idempotency_record')
        .values({ tenant_id: tenantId, principal_id: principalId, idempotency_key: key, request_hash: requestHash, response_status: null, response_body: null, created_at: at, expires_at: expiresAt })
        .onConflict((oc) => oc.columns(['tenant_id', 'principal_id', 'idempotency_key']).doNothing())
        .returning('idempotency_key')
        .executeTakeFirst();
      if (inserted) {
        return undefined;
      }
      const row = await db
        .selectFrom('idempotency_record')
        .select(['request_hash', 'response_status', 'response_body', 'created_at', 'expires_at'])
        .where('tenant_id', '=', tenantId)
        .where('principal_id', '=', principalId)
        .where('idempotency_key', '=', key)
        .executeTakeFirst();
      if (!row) {
        // Deleted between the two statements (expired or abandoned): claim it afresh.
        return this.claim(principalId, key, requestHash, at, expiresAt);
      }
      if (new Date(row.expires_at) <= at) {
        await this.release(principalId, key);
        return this.claim(principalId, key, requestHash, at, expiresAt);
      }
      return { requestHash: row.request_hash, responseStatus: row.response_status, responseBody: row.response_body, createdAt: new Date(row.created_at) };
    },

    async complete(principalId: string, key: string, status: number, body: string): Promise<void> {
      await db
        .updateTable('idempotency_record')
        .set({ response_status: status, response_body: body })
        .where('tenant_id', '=', tenantId)
        .where('principal_id', '=', principalId)
        .where('idempotency_key', '=', key)
        .execute();
    },

    async release(principalId: string, key: string): Promise<void> {
      await db.deleteFrom('idempotency_record').where('tenant_id', '=', tenantId).where('principal_id', '=', principalId).where('idempotency_key', '=', key).execute();
    },

    async deleteExpired(before: Date): Promise<number> {
      const result = await sql`DELETE FROM idempotency_record WHERE tenant_id = ${tenantId} AND expires_at < ${before}`.execute(db);
      return Number(result.numAffectedRows ?? 0);
    },
  };
}

export type IdempotencyRepository = ReturnType<typeof createIdempotencyRepository>;
