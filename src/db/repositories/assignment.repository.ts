import { sql, type Kysely } from 'kysely';
import type { Assignment } from '../../domain/licenses.js';
import type { SubscriptionStatus } from '../../domain/seats.js';
import type { Database } from '../schema.js';
import { anyUuid } from '../any-uuid.js';

export interface UserAssignment extends Assignment {
  userId: string;
}

export interface AssignmentWrite {
  userId: string;
  skuId: string;
  sourceId: string;
  disabledPlans: readonly string[];
  /** Default Active; group rows carry Graph's error states. */
  state?: Assignment['state'];
  error?: string | null;
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
        .where('user_id', '=', anyUuid(userIds))
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

    /** The distinct SKUs these users have an assignment of (from any source, in any state). */
    async skusHeldBy(userIds: readonly string[]): Promise<string[]> {
      if (userIds.length === 0) {
        return [];
      }
      const rows = await db
        .selectFrom('license_assignment')
        .select('sku_id')
        .distinct()
        .where('tenant_id', '=', tenantId)
        .where('user_id', '=', anyUuid(userIds))
        .execute();
      return rows.map((row) => row.sku_id);
    },

    /** Inserts assignments or replaces their disabledPlans (and makes them Active). */
    async upsert(writes: readonly AssignmentWrite[], at: Date): Promise<void> {
      if (writes.length === 0) {
        return;
      }
      const { sets, index } = disabledPlanSets(writes);
      await sql`
        INSERT INTO license_assignment (tenant_id, user_id, sku_id, source_id, disabled_plans, state, error, assigned_at, updated_at)
        SELECT ${tenantId}, w.user_id, w.sku_id, w.source_id, sets.disabled_plans, COALESCE(w.state, 'Active'), w.error, ${at}, ${at}
        FROM unnest(${writes.map((w) => w.userId)}::uuid[], ${writes.map((w) => w.skuId)}::uuid[], ${writes.map((w) => w.sourceId)}::uuid[], ${index}::int[],
                    ${writes.map((w) => w.state ?? 'Active')}::text[], ${writes.map((w) => w.error ?? null)}::text[])
             AS w(user_id, sku_id, source_id, set_ordinal, state, error)
        JOIN (${disabledPlansSetsSql(sets)}) AS sets ON sets.ordinal = w.set_ordinal
        ON CONFLICT (tenant_id, user_id, sku_id, source_id) DO UPDATE
          SET disabled_plans = EXCLUDED.disabled_plans, state = EXCLUDED.state, error = EXCLUDED.error, updated_at = EXCLUDED.updated_at`.execute(db);
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

    /** Seats bound to one subscription, the most recently assigned first (they leave first). */
    async seatsOfSubscription(subscriptionId: string, limit?: number): Promise<SeatBinding[]> {
      let query = db
        .selectFrom('user_license')
        .select(['user_id', 'sku_id', 'subscription_id'])
        .where('tenant_id', '=', tenantId)
        .where('subscription_id', '=', subscriptionId)
        .orderBy('assigned_at', 'desc')
        .orderBy('user_id', 'desc');
      if (limit !== undefined) {
        query = query.limit(limit);
      }
      return (await query.execute()).map((row) => ({ userId: row.user_id, skuId: row.sku_id, subscriptionId: row.subscription_id }));
    },

    /** Who holds a seat of one subscription, by user id, keyset-paged (Your products › a subscription's users). */
    async holdersOfSubscription(subscriptionId: string, page: { top: number; after?: string }): Promise<{ userId: string; userPrincipalName: string; displayName: string; assignedAt: Date }[]> {
      let query = db
        .selectFrom('user_license as ul')
        .innerJoin('directory_user as u', (join) => join.onRef('u.tenant_id', '=', 'ul.tenant_id').onRef('u.user_id', '=', 'ul.user_id'))
        .select(['ul.user_id', 'u.user_principal_name', 'u.display_name', 'ul.assigned_at'])
        .where('ul.tenant_id', '=', tenantId)
        .where('ul.subscription_id', '=', subscriptionId)
        .orderBy('ul.user_id')
        .limit(page.top);
      if (page.after !== undefined) {
        query = query.where('ul.user_id', '>', page.after);
      }
      return (await query.execute()).map((row) => ({ userId: row.user_id, userPrincipalName: row.user_principal_name, displayName: row.display_name, assignedAt: new Date(row.assigned_at) }));
    },

    /** Moves seats to another subscription of their SKU (the seat, its user and its date stay). */
    async rebindSeats(moves: readonly SeatBinding[]): Promise<void> {
      if (moves.length === 0) {
        return;
      }
      await sql`
        UPDATE user_license ul SET subscription_id = m.subscription_id
        FROM unnest(${moves.map((m) => m.userId)}::uuid[], ${moves.map((m) => m.skuId)}::uuid[], ${moves.map((m) => m.subscriptionId)}::uuid[])
             AS m(user_id, sku_id, subscription_id)
        WHERE ul.tenant_id = ${tenantId} AND ul.user_id = m.user_id AND ul.sku_id = m.sku_id`.execute(db);
    },

    /** The lifecycle status of the subscription each seat of these users draws from. */
    async seatStatuses(userIds: readonly string[]): Promise<{ userId: string; skuId: string; status: SubscriptionStatus }[]> {
      if (userIds.length === 0) {
        return [];
      }
      const rows = await db
        .selectFrom('user_license as ul')
        .innerJoin('subscription as s', (join) => join.onRef('s.tenant_id', '=', 'ul.tenant_id').onRef('s.subscription_id', '=', 'ul.subscription_id'))
        .select(['ul.user_id', 'ul.sku_id', 's.status'])
        .where('ul.tenant_id', '=', tenantId)
        .where('ul.user_id', '=', anyUuid(userIds))
        .execute();
      return rows.map((row) => ({ userId: row.user_id, skuId: row.sku_id, status: row.status }));
    },

    async listSeats(userIds: readonly string[]): Promise<SeatBinding[]> {
      if (userIds.length === 0) {
        return [];
      }
      const rows = await db
        .selectFrom('user_license')
        .select(['user_id', 'sku_id', 'subscription_id'])
        .where('tenant_id', '=', tenantId)
        .where('user_id', '=', anyUuid(userIds))
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
      const { sets, index } = disabledPlanSets(opened);
      await sql`
        INSERT INTO assignment_history (tenant_id, user_id, sku_id, source_id, disabled_plans, valid_from)
        SELECT ${tenantId}, w.user_id, w.sku_id, w.source_id, sets.disabled_plans, ${at}
        FROM unnest(${opened.map((c) => c.userId)}::uuid[], ${opened.map((c) => c.skuId)}::uuid[], ${opened.map((c) => c.sourceId)}::uuid[], ${index}::int[])
             AS w(user_id, sku_id, source_id, set_ordinal)
        JOIN (${disabledPlansSetsSql(sets)}) AS sets ON sets.ordinal = w.set_ordinal`.execute(db);
    },

    /**
     * Who held which SKU at `at` (valid_from ≤ at < valid_to, or still open), one row per user ×
     * SKU with its sources, ordered by user and SKU and keyset-paged. Users purged since have no
     * name left.
     */
    async holdersAt(query: { at: Date; skuId?: string; top: number; after?: { userId: string; skuId: string } }): Promise<{ holders: HolderAt[]; next?: { userId: string; skuId: string } }> {
      const { rows } = await sql<{ user_id: string; sku_id: string; user_principal_name: string | null; display_name: string | null; sources: { source_id: string; disabled_plans: string[] }[] }>`
        SELECT h.user_id, h.sku_id, u.user_principal_name, u.display_name,
               json_agg(json_build_object('source_id', h.source_id, 'disabled_plans', h.disabled_plans) ORDER BY h.source_id) AS sources
        FROM assignment_history h
        LEFT JOIN directory_user u ON u.tenant_id = h.tenant_id AND u.user_id = h.user_id
        WHERE h.tenant_id = ${tenantId} AND h.valid_from <= ${query.at} AND (h.valid_to IS NULL OR h.valid_to > ${query.at})
          ${query.skuId === undefined ? sql`` : sql`AND h.sku_id = ${query.skuId}`}
          ${query.after === undefined ? sql`` : sql`AND (h.user_id, h.sku_id) > (${query.after.userId}::uuid, ${query.after.skuId}::uuid)`}
        GROUP BY h.user_id, h.sku_id, u.user_principal_name, u.display_name
        ORDER BY h.user_id, h.sku_id
        LIMIT ${query.top + 1}`.execute(db);
      const page = rows.slice(0, query.top);
      const last = page.at(-1);
      return {
        holders: page.map((row) => ({
          userId: row.user_id,
          userPrincipalName: row.user_principal_name,
          displayName: row.display_name,
          skuId: row.sku_id,
          sources: row.sources.map((source) => ({ sourceId: source.source_id, disabledPlans: source.disabled_plans })),
        })),
        ...(rows.length > query.top && last !== undefined ? { next: { userId: last.user_id, skuId: last.sku_id } } : {}),
      };
    },
  };
}

/** One user's hold on one SKU at a moment, by each source (direct = the nil GUID, or a group id). */
export interface HolderAt {
  userId: string;
  userPrincipalName: string | null;
  displayName: string | null;
  skuId: string;
  sources: { sourceId: string; disabledPlans: string[] }[];
}

/**
 * uuid[][] of ragged lengths cannot travel as one array parameter, and one JSON recordset of every
 * row is slow to parse for a large group; so rows travel as typed parallel arrays (unnest) and each
 * row's disabledPlans as the 1-based ordinal of its set among the batch's distinct sets (a group
 * change has a handful), which travel as one small JSON array.
 */
function disabledPlanSets(rows: readonly { disabledPlans: readonly string[] | null }[]): { sets: (readonly string[])[]; index: number[] } {
  const ordinals = new Map<string, number>();
  const sets: (readonly string[])[] = [];
  const index = rows.map((row) => {
    const plans = row.disabledPlans ?? [];
    const key = JSON.stringify(plans);
    let ordinal = ordinals.get(key);
    if (ordinal === undefined) {
      sets.push(plans);
      ordinal = sets.length;
      ordinals.set(key, ordinal);
    }
    return ordinal;
  });
  return { sets, index };
}

/** The distinct sets as rows (ordinal, disabled_plans uuid[] in order). */
const disabledPlansSetsSql = (sets: readonly (readonly string[])[]) => sql`
  SELECT s.ordinal::int AS ordinal, COALESCE((SELECT array_agg(p::uuid ORDER BY p) FROM jsonb_array_elements_text(s.plans) p), '{}') AS disabled_plans
  FROM jsonb_array_elements(${JSON.stringify(sets)}::jsonb) WITH ORDINALITY AS s(plans, ordinal)`;

export type AssignmentRepository = ReturnType<typeof createAssignmentRepository>;
