import { sql, type Kysely } from 'kysely';
import type { AuditEntry } from '../../domain/audit.js';
import { utcMonthStart } from '../../domain/clock.js';
import type { RequestContext } from '../../domain/context.js';
import type { IdGenerator } from '../../domain/ids.js';
import type { Database } from '../schema.js';

/** A stored audit entry as read back. */
export interface AuditRecord {
  auditId: string;
  occurredAt: Date;
  category: string;
  activity: string;
  result: string;
  actor: { type: string; id: string; name: string | null; authorization: string | null };
  target: { type: string; id: string | null; name: string | null };
  changes: AuditEntry['changes'];
  details: Record<string, unknown> | null;
  requestId: string | null;
  clientAddress: string | null;
}

/** Every condition is optional; `from` is inclusive, `to` exclusive. */
export interface AuditFilter {
  actorId?: string;
  targetId?: string;
  activity?: string;
  category?: string;
  from?: Date;
  to?: Date;
}

/**
 * Where a page ends: the last entry's time (ISO text with microseconds, as stored, so no precision
 * is lost through a JavaScript Date) and id.
 */
export interface AuditCursor {
  occurredAt: string;
  auditId: string;
}

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
            actor_authorization: context.authorizedVia ?? null,
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

    /** Newest first, keyset-paged on (occurred_at, audit_id), the order of audit_log's time index. */
    async page(filter: AuditFilter, top: number, after?: AuditCursor): Promise<{ records: AuditRecord[]; next?: AuditCursor }> {
      let query = db
        .selectFrom('audit_log')
        .selectAll()
        .select(sql<string>`to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`.as('cursor_time'))
        .where('tenant_id', '=', tenantId);
      if (filter.actorId !== undefined) {
        query = query.where('actor_id', '=', filter.actorId);
      }
      if (filter.targetId !== undefined) {
        query = query.where('target_id', '=', filter.targetId);
      }
      if (filter.activity !== undefined) {
        query = query.where('activity', '=', filter.activity);
      }
      if (filter.category !== undefined) {
        query = query.where('category', '=', filter.category);
      }
      if (filter.from !== undefined) {
        query = query.where('occurred_at', '>=', filter.from);
      }
      if (filter.to !== undefined) {
        query = query.where('occurred_at', '<', filter.to);
      }
      if (after !== undefined) {
        query = query.where(sql<boolean>`(occurred_at, audit_id) < (${after.occurredAt}::timestamptz, ${after.auditId}::uuid)`);
      }
      const rows = await query
        .orderBy('occurred_at', 'desc')
        .orderBy('audit_id', 'desc')
        .limit(top + 1)
        .execute();
      const page = rows.slice(0, top);
      const last = page.at(-1);
      return {
        records: page.map((row) => ({
          auditId: row.audit_id,
          occurredAt: new Date(row.occurred_at),
          category: row.category,
          activity: row.activity,
          result: row.result,
          actor: { type: row.actor_type, id: row.actor_id, name: row.actor_name, authorization: row.actor_authorization },
          target: { type: row.target_type, id: row.target_id, name: row.target_name },
          changes: row.changes as AuditEntry['changes'],
          details: (row.details ?? null) as Record<string, unknown> | null,
          requestId: row.request_id,
          clientAddress: row.client_address,
        })),
        ...(rows.length > top && last !== undefined ? { next: { occurredAt: last.cursor_time, auditId: last.audit_id } } : {}),
      };
    },
  };
}

export type AuditRepository = ReturnType<typeof createAuditRepository>;

/** Monthly partitions are named after their month: audit_log_y2026m11 holds November 2026 (UTC). */
const PARTITION_NAME = /^audit_log_y(\d{4})m(\d{2})$/;

export const auditPartitionName = (month: Date): string => `audit_log_y${month.getUTCFullYear()}m${String(month.getUTCMonth() + 1).padStart(2, '0')}`;

export interface AuditPartition {
  name: string;
  /** First instant of its month (UTC); it holds [month, next month). */
  month: Date;
}

/**
 * The audit log's monthly partitions. Deployment-wide (a partition holds every tenant's rows of a
 * month), so this is not bound to a tenant; callers hold the job lock and run each method in a
 * transaction. Retention detaches and drops whole months: no audit row is ever updated or deleted.
 */
export function createAuditPartitionRepository(db: Kysely<Database>) {
  // DDL on audit_log waits for the transactions using it, and every writer would queue behind the
  // waiting DDL: better to give up (SQLSTATE 55P03) and let the next tick try again.
  const limitLockWait = () => sql`SET LOCAL lock_timeout = '3s'`.execute(db);

  const listMonthly = async (): Promise<AuditPartition[]> => {
    const { rows } = await sql<{ name: string }>`
      SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
      WHERE i.inhparent = 'audit_log'::regclass ORDER BY c.relname`.execute(db);
    return rows.flatMap(({ name }) => {
      const match = PARTITION_NAME.exec(name);
      return match ? [{ name, month: new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, 1)) }] : [];
    });
  };

  return {
    listMonthly,

    /**
     * Creates the partitions of the month of `now` and the `monthsAhead` following ones. A month
     * that already has rows in the default partition cannot get its own (PostgreSQL refuses the
     * partition its rows would violate): it is skipped and named in `blocked`, its rows stay in
     * the default partition.
     */
    async ensureMonthlyPartitions(now: Date, monthsAhead: number): Promise<{ created: string[]; blocked: string[] }> {
      await limitLockWait();
      const existing = new Set((await listMonthly()).map((partition) => partition.name));
      const created: string[] = [];
      const blocked: string[] = [];
      for (let offset = 0; offset <= monthsAhead; offset += 1) {
        const from = utcMonthStart(now, offset);
        const to = utcMonthStart(from, 1);
        const name = auditPartitionName(from);
        if (existing.has(name)) {
          continue;
        }
        const { rows } = await sql<{ taken: boolean }>`
          SELECT EXISTS (SELECT 1 FROM audit_log_default WHERE occurred_at >= ${from} AND occurred_at < ${to}) AS taken`.execute(db);
        if (rows[0]?.taken === true) {
          blocked.push(name);
          continue;
        }
        // Created apart and attached: ATTACH locks audit_log only against other DDL, so writes go on
        // (CREATE TABLE … PARTITION OF would lock it exclusively). Attaching adds the indexes and the
        // row triggers of audit_log; a TRUNCATE trigger is not inherited, so each partition gets its own.
        // DDL takes no bind parameters: the bounds are literals of Dates, the name matches PARTITION_NAME.
        await sql`CREATE TABLE ${sql.id(name)} (LIKE audit_log INCLUDING DEFAULTS INCLUDING CONSTRAINTS)`.execute(db);
        await sql`CREATE TRIGGER ${sql.id(`${name}_no_truncate`)} BEFORE TRUNCATE ON ${sql.id(name)}
                  FOR EACH STATEMENT EXECUTE FUNCTION audit_log_refuse_change()`.execute(db);
        await sql`ALTER TABLE audit_log ATTACH PARTITION ${sql.id(name)}
                  FOR VALUES FROM (${sql.lit(from.toISOString())}) TO (${sql.lit(to.toISOString())})`.execute(db);
        created.push(name);
      }
      return { created, blocked };
    },

    /** Detaches and drops the monthly partitions of months before `cutoffMonth`'s; returns their names. */
    async dropPartitionsBefore(cutoffMonth: Date): Promise<string[]> {
      await limitLockWait();
      const cutoff = utcMonthStart(cutoffMonth).getTime();
      const expired = (await listMonthly()).filter((partition) => partition.month.getTime() < cutoff);
      for (const { name } of expired) {
        await sql`ALTER TABLE audit_log DETACH PARTITION ${sql.id(name)}`.execute(db);
        await sql`DROP TABLE ${sql.id(name)}`.execute(db);
      }
      return expired.map((partition) => partition.name);
    },
  };
}

export type AuditPartitionRepository = ReturnType<typeof createAuditPartitionRepository>;
