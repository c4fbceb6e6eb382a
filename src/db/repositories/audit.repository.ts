import type { Kysely } from 'kysely';
import type { AuditEntry } from '../../domain/audit.js';
import type { RequestContext } from '../../domain/context.js';
import type { IdGenerator } from '../../domain/ids.js';
import type { Database } from '../schema.js';

/** Append-only audit log; rows are written in the transaction of the change they record. */
export function createAuditRepository(db: Kysely<Database>, tenantId: string) {
  return {
    async record(context: RequestContext, entries: readonly AuditEntry[], at: Date, ids: IdGenerator): Promise<void> {
      if (entries.length === 0) {
        return;
      }
      await db
        .insertInto('audit_log')
        .values(
          entries.map((entry) => ({
            tenant_id: tenantId,
            audit_id: ids(),
            occurred_at: at,
            category: entry.category,
            activity: entry.activity,
            result: 'success',
            actor_type: context.principal.kind,
            actor_id: context.principal.id,
            actor_name: context.principal.displayName,
            target_type: entry.target.type,
            target_id: entry.target.id,
            target_name: entry.target.name,
            changes: JSON.stringify(entry.changes),
            details: entry.details === undefined ? null : JSON.stringify(entry.details),
            request_id: context.requestId,
            client_address: context.clientAddress,
          })),
        )
        .execute();
    },

    async list(options: { targetId?: string; limit: number }) {
      let query = db.selectFrom('audit_log').selectAll().where('tenant_id', '=', tenantId);
      if (options.targetId !== undefined) {
        query = query.where('target_id', '=', options.targetId);
      }
      return query.orderBy('occurred_at', 'desc').limit(options.limit).execute();
    },
  };
}

export type AuditRepository = ReturnType<typeof createAuditRepository>;
