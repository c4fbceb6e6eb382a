import { sql, type Kysely } from 'kysely';
import type { Assignment } from '../../domain/licenses.js';
import type { Database } from '../schema.js';

export interface UserAssignment extends Assignment {
  userId: string;
}

export interface AssignmentWrite {
  userId: string;
  skuId: string;
  sourceId: string;
  disabledPlans: readonly string[];
}

export interface SeatBinding {
  userId: string;
  skuId: string;
  subscriptionId: string;
}

/**
 * License assignments (one row per user × SKU × source), the seats they hold (user_license) and
 * their history. Every write takes arrays and is one statement, whatever the batch size.
 */
export function createAssignmentRepository(db: Kysely<Database>, tenantId: string) {
  return {
    async listForUsers(userIds: readonly string[]): Promise<UserAssignment[]> {
      if (userIds.length === 0) {
        return [];
      }
      const rows = await db
        .selectFrom('license_assignment')
        .select(['user_id', 'sku_id', 'source_id', 'disabled_plans', 'state', 'error', 'assigned_at', 'updated_at'])
        .where('tenant_id', '=', tenantId)
        .where('user_id', 'in', [...userIds])
        .orderBy('user_id')
        .orderBy('sku_id')
        .orderBy('source_id')
        .execute();
      return rows.map((row) => ({
        userId: row.user_id,
        skuId: row.sku_id,
        sourceId: row.source_id,
        disabledPlans: row.disabled_plans,
        state: row.state,
        error: row.error,
        assignedAt: new Date(row.assigned_at),
        updatedAt: new Date(row.updated_at),
      }));
    },

    /** Inserts assignments or replaces their disabledPlans (and makes them Active). */
    async upsert(writes: readonly AssignmentWrite[], at: Date): Promise<void> {
      if (writes.length === 0) {
        return;
      }
      await sql`
        INSERT INTO license_assignment (tenant_id, user_id, sku_id, source_id, disabled_plans, state, error, assigned_at, updated_at)
        SELECT ${tenantId}, w.user_id, w.sku_id, w.source_id,
               COALESCE((SELECT array_agg(p::uuid ORDER BY p) FROM jsonb_array_elements_text(w.disabled_plans) p), '{}'),
               'Active', NULL, ${at}, ${at}
        FROM jsonb_to_recordset(${JSON.stringify(writes.map(toJsonRow))}::jsonb)
             AS w(user_id uuid, sku_id uuid, source_id uuid, disabled_plans jsonb)
        ON CONFLICT (tenant_id, user_id, sku_id, source_id) DO UPDATE
          SET disabled_plans = EXCLUDED.disabled_plans, state = 'Active', error = NULL, updated_at = EXCLUDED.updated_at`.execute(db);
    },

    async delete(keys: readonly Omit<AssignmentWrite, 'disabledPlans'>[]): Promise<void> {
      if (keys.length === 0) {
        return;
      }
      await sql`
        DELETE FROM license_assignment a
        USING unnest(${keys.map((k) => k.userId)}::uuid[], ${keys.map((k) => k.skuId)}::uuid[], ${keys.map((k) => k.sourceId)}::uuid[])
              AS k(user_id, sku_id, source_id)
        WHERE a.tenant_id = ${tenantId} AND a.user_id = k.user_id AND a.sku_id = k.sku_id AND a.source_id = k.source_id`.execute(db);
    },

    async bindSeats(bindings: readonly SeatBinding[], at: Date): Promise<void> {
      if (bindings.length === 0) {
        return;
      }
      await sql`
        INSERT INTO user_license (tenant_id, user_id, sku_id, subscription_id, assigned_at)
        SELECT ${tenantId}, b.user_id, b.sku_id, b.subscription_id, ${at}
        FROM unnest(${bindings.map((b) => b.userId)}::uuid[], ${bindings.map((b) => b.skuId)}::uuid[], ${bindings.map((b) => b.subscriptionId)}::uuid[])
             AS b(user_id, sku_id, subscription_id)`.execute(db);
    },

    /** Frees seats and says which subscription each came from (to decrement its counter). */
    async releaseSeats(keys: readonly Omit<SeatBinding, 'subscriptionId'>[]): Promise<SeatBinding[]> {
      if (keys.length === 0) {
        return [];
      }
      const result = await sql<{ user_id: string; sku_id: string; subscription_id: string }>`
        DELETE FROM user_license ul
        USING unnest(${keys.map((k) => k.userId)}::uuid[], ${keys.map((k) => k.skuId)}::uuid[]) AS k(user_id, sku_id)
        WHERE ul.tenant_id = ${tenantId} AND ul.user_id = k.user_id AND ul.sku_id = k.sku_id
        RETURNING ul.user_id, ul.sku_id, ul.subscription_id`.execute(db);
      return result.rows.map((row) => ({ userId: row.user_id, skuId: row.sku_id, subscriptionId: row.subscription_id }));
    },

    async listSeats(userIds: readonly string[]): Promise<SeatBinding[]> {
      if (userIds.length === 0) {
        return [];
      }
      const rows = await db
        .selectFrom('user_license')
        .select(['user_id', 'sku_id', 'subscription_id'])
        .where('tenant_id', '=', tenantId)
        .where('user_id', 'in', [...userIds])
        .execute();
      return rows.map((row) => ({ userId: row.user_id, skuId: row.sku_id, subscriptionId: row.subscription_id }));
    },

    /**
     * Closes the open history rows of these assignments and opens new ones for those that still
     * exist (`disabledPlans` non-null), so the table answers "who held what, when".
     */
    async recordHistory(changes: readonly { userId: string; skuId: string; sourceId: string; disabledPlans: readonly string[] | null }[], at: Date): Promise<void> {
      if (changes.length === 0) {
        return;
      }
      await sql`
        UPDATE assignment_history h SET valid_to = ${at}
        FROM unnest(${changes.map((c) => c.userId)}::uuid[], ${changes.map((c) => c.skuId)}::uuid[], ${changes.map((c) => c.sourceId)}::uuid[])
             AS c(user_id, sku_id, source_id)
        WHERE h.tenant_id = ${tenantId} AND h.valid_to IS NULL
          AND h.user_id = c.user_id AND h.sku_id = c.sku_id AND h.source_id = c.source_id`.execute(db);
      const opened = changes.filter((change) => change.disabledPlans !== null);
      if (opened.length === 0) {
        return;
      }
      await sql`
        INSERT INTO assignment_history (tenant_id, user_id, sku_id, source_id, disabled_plans, valid_from)
        SELECT ${tenantId}, w.user_id, w.sku_id, w.source_id,
               COALESCE((SELECT array_agg(p::uuid ORDER BY p) FROM jsonb_array_elements_text(w.disabled_plans) p), '{}'), ${at}
        FROM jsonb_to_recordset(${JSON.stringify(opened.map(toJsonRow))}::jsonb)
             AS w(user_id uuid, sku_id uuid, source_id uuid, disabled_plans jsonb)`.execute(db);
    },
  };
}

// uuid[][] of ragged lengths cannot travel as one array parameter; a jsonb recordset can.
const toJsonRow = (write: { userId: string; skuId: string; sourceId: string; disabledPlans: readonly string[] | null }) => ({
  user_id: write.userId,
  sku_id: write.skuId,
  source_id: write.sourceId,
  disabled_plans: write.disabledPlans ?? [],
});

export type AssignmentRepository = ReturnType<typeof createAssignmentRepository>;
