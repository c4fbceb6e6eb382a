import { sql, type Kysely } from 'kysely';
import type { DataLifecycleClass, DataRecord, DataState, LicenseInterval, SettleFacts } from '../../domain/data-lifecycle.js';
import type { Database } from '../schema.js';
import { anyUuid } from '../any-uuid.js';

/** A record with its user's name (null once the user is purged: an inactive mailbox outlives it). */
export interface DataRecordView extends DataRecord {
  userPrincipalName: string | null;
  displayName: string | null;
  userDeleted: boolean;
}

/** A record the job may move, with what decides where. */
export interface DueDataRecord extends DataRecord, SettleFacts {
  userPrincipalName: string | null;
}

interface RecordRow {
  user_id: string;
  data_class: DataLifecycleClass;
  state: DataState;
  since: Date | string;
  grace_until: Date | string | null;
  last_sku_id: string | null;
}

const toDate = (value: Date | string): Date => (value instanceof Date ? value : new Date(value));

const toRecord = (row: RecordRow): DataRecord => ({
  userId: row.user_id,
  dataClass: row.data_class,
  state: row.state,
  since: toDate(row.since),
  graceUntil: row.grace_until === null ? null : toDate(row.grace_until),
  lastSkuId: row.last_sku_id,
});

const isoOrNull = (date: Date | null): string | null => (date === null ? null : date.toISOString());

/** A user's data per class (mailbox, files) once it left Licensed: Unlicensed … Purged. */
export function createUserDataRepository(db: Kysely<Database>, tenantId: string) {
  return {
    /**
     * The records of a batch of users, locked. `pendingOnly` leaves out Licensed records (written
     * before a held class needed none): for users who only gained a class the read then finds
     * nothing in the common case, the index on (tenant, state, user) answering it.
     */
    async lockForUsers(userIds: readonly string[], options: { pendingOnly: boolean }): Promise<DataRecord[]> {
      if (userIds.length === 0) {
        return [];
      }
      const { rows } = await sql<RecordRow>`
        SELECT d.user_id, d.data_class, d.state, d.since, d.grace_until, d.last_sku_id
        FROM user_data d
        WHERE d.tenant_id = ${tenantId} AND d.user_id = ${anyUuid(userIds)} ${options.pendingOnly ? sql`AND d.state <> 'Licensed'` : sql``}
        FOR UPDATE`.execute(db);
      return rows.map(toRecord);
    },

    /**
     * Deletes the records of classes held again (Licensed needs none), one statement whatever their
     * number, and returns them as they were: the batch learns what ended without reading first.
     */
    async endRecords(keys: readonly { userId: string; dataClass: DataLifecycleClass }[]): Promise<DataRecord[]> {
      if (keys.length === 0) {
        return [];
      }
      const usersOf = (dataClass: DataLifecycleClass) => keys.filter((key) => key.dataClass === dataClass).map((key) => key.userId);
      const { rows } = await sql<RecordRow>`
        DELETE FROM user_data d
        USING (SELECT unnest(${usersOf('mailbox')}::uuid[]) AS user_id, 'mailbox' AS data_class
               UNION ALL SELECT unnest(${usersOf('files')}::uuid[]), 'files') AS k
        WHERE d.tenant_id = ${tenantId} AND d.user_id = k.user_id AND d.data_class = k.data_class
        RETURNING d.user_id, d.data_class, d.state, d.since, d.grace_until, d.last_sku_id`.execute(db);
      return rows.map(toRecord);
    },

    /** The user's license history (what says since when a held class is held). */
    async licenseHistory(userId: string): Promise<LicenseInterval[]> {
      const rows = await db
        .selectFrom('assignment_history')
        .select(['sku_id', 'disabled_plans', 'valid_from', 'valid_to'])
        .where('tenant_id', '=', tenantId)
        .where('user_id', '=', userId)
        .execute();
      return rows.map((row) => ({ skuId: row.sku_id, disabledPlans: row.disabled_plans, validFrom: toDate(row.valid_from), validTo: row.valid_to === null ? null : toDate(row.valid_to) }));
    },

    /** Inserts or replaces records, one statement whatever their number. */
    async write(records: readonly DataRecord[]): Promise<void> {
      if (records.length === 0) {
        return;
      }
      await sql`
        INSERT INTO user_data (tenant_id, user_id, data_class, state, since, grace_until, last_sku_id)
        SELECT ${tenantId}, r.user_id, r.data_class, r.state, r.since, r.grace_until, r.last_sku_id
        FROM unnest(${records.map((record) => record.userId)}::uuid[], ${records.map((record) => record.dataClass)}::text[], ${records.map((record) => record.state)}::text[],
                    ${records.map((record) => record.since.toISOString())}::timestamptz[], ${records.map((record) => isoOrNull(record.graceUntil))}::timestamptz[],
                    ${records.map((record) => record.lastSkuId)}::uuid[])
          AS r(user_id, data_class, state, since, grace_until, last_sku_id)
        ON CONFLICT (tenant_id, user_id, data_class) DO UPDATE
          SET state = EXCLUDED.state, since = EXCLUDED.since, grace_until = EXCLUDED.grace_until, last_sku_id = EXCLUDED.last_sku_id`.execute(db);
    },

    async listForUser(userId: string): Promise<DataRecord[]> {
      const rows = await db
        .selectFrom('user_data')
        .select(['user_id', 'data_class', 'state', 'since', 'grace_until', 'last_sku_id'])
        .where('tenant_id', '=', tenantId)
        .where('user_id', '=', userId)
        .orderBy('data_class', 'desc')
        .execute();
      return rows.map(toRecord);
    },

    /** Records of one state (or all; never Licensed: a held class needs none), keyset-paged by (user, class), with their users' names. */
    async list(filter: { state?: Exclude<DataState, 'Licensed'>; after?: { userId: string; dataClass: string }; limit: number }): Promise<DataRecordView[]> {
      const { rows } = await sql<RecordRow & { user_principal_name: string | null; display_name: string | null; deleted_at: Date | string | null; present: boolean }>`
        SELECT d.user_id, d.data_class, d.state, d.since, d.grace_until, d.last_sku_id,
               u.user_principal_name, u.display_name, u.deleted_at, u.user_id IS NOT NULL AS present
        FROM user_data d
        LEFT JOIN directory_user u ON u.tenant_id = d.tenant_id AND u.user_id = d.user_id
        WHERE d.tenant_id = ${tenantId} AND d.state <> 'Licensed'
          ${filter.state === undefined ? sql`` : sql`AND d.state = ${filter.state}`}
          ${filter.after === undefined ? sql`` : sql`AND (d.user_id, d.data_class) > (${filter.after.userId}::uuid, ${filter.after.dataClass})`}
        ORDER BY d.user_id, d.data_class
        LIMIT ${filter.limit}`.execute(db);
      return rows.map((row) => ({
        ...toRecord(row),
        userPrincipalName: row.user_principal_name,
        displayName: row.display_name,
        userDeleted: !row.present || row.deleted_at !== null,
      }));
    },

    /** The clocks a change started at `at` for these users (what a dry run reports). */
    async clocksStartedAt(userIds: readonly string[], at: Date): Promise<DataRecord[]> {
      if (userIds.length === 0) {
        return [];
      }
      const rows = await db
        .selectFrom('user_data')
        .select(['user_id', 'data_class', 'state', 'since', 'grace_until', 'last_sku_id'])
        .where('tenant_id', '=', tenantId)
        .where('user_id', '=', anyUuid(userIds))
        .where('state', '=', 'Grace')
        .where('since', '=', at)
        .orderBy('user_id')
        .orderBy('data_class', 'desc')
        .execute();
      return rows.map(toRecord);
    },

    /**
     * Up to `limit` records after `after` that the job would move at `now` (the SQL side of
     * domain/data-lifecycle.ts#settleDataRecord, which decides), locked unless `lock` is false. A
     * record changed meanwhile (re-licensed, say) is re-checked under the lock and left out.
     */
    async due(options: { now: Date; enterpriseSkuIds: readonly string[]; after?: { userId: string; dataClass: string }; limit: number; lock: boolean }): Promise<DueDataRecord[]> {
      const { rows } = await sql<RecordRow & { hold_applies: boolean; user_deleted: boolean; last_sku_enterprise: boolean; user_principal_name: string | null }>`
        SELECT d.user_id, d.data_class, d.state, d.since, d.grace_until, d.last_sku_id, f.hold_applies, f.user_deleted, f.last_sku_enterprise, u.user_principal_name
        FROM user_data d
        CROSS JOIN LATERAL (
          SELECT EXISTS (
                   SELECT 1 FROM data_hold h
                   WHERE h.tenant_id = d.tenant_id AND d.data_class = ANY (h.data_classes) AND (h.kind = 'retentionPolicy' OR h.user_id = d.user_id)
                 ) AS hold_applies,
                 NOT EXISTS (
                   SELECT 1 FROM directory_user a WHERE a.tenant_id = d.tenant_id AND a.user_id = d.user_id AND a.deleted_at IS NULL
                 ) AS user_deleted,
                 coalesce(d.last_sku_id = ANY (${[...options.enterpriseSkuIds]}::uuid[]), false) AS last_sku_enterprise
        ) f
        LEFT JOIN directory_user u ON u.tenant_id = d.tenant_id AND u.user_id = d.user_id
        WHERE d.tenant_id = ${tenantId} AND d.state IN ('Grace', 'Retained', 'Inactive')
          ${options.after === undefined ? sql`` : sql`AND (d.user_id, d.data_class) > (${options.after.userId}::uuid, ${options.after.dataClass})`}
          AND CASE d.state
                WHEN 'Grace' THEN d.grace_until <= ${options.now}
                WHEN 'Retained' THEN NOT f.hold_applies OR (d.data_class = 'mailbox' AND f.user_deleted AND f.last_sku_enterprise)
                ELSE NOT f.hold_applies OR NOT (d.data_class = 'mailbox' AND f.user_deleted AND f.last_sku_enterprise)
              END
        ORDER BY d.user_id, d.data_class
        LIMIT ${options.limit}
        ${options.lock ? sql`FOR UPDATE OF d` : sql``}`.execute(db);
      return rows.map((row) => ({
        ...toRecord(row),
        holdApplies: row.hold_applies,
        userDeleted: row.user_deleted,
        lastSkuEnterprise: row.last_sku_enterprise,
        userPrincipalName: row.user_principal_name,
      }));
    },
  };
}

export type UserDataRepository = ReturnType<typeof createUserDataRepository>;
