import { sql, type Kysely } from 'kysely';
import type { Database } from '../schema.js';

/** How an activity report names its user: the object id or the user principal name. */
export interface ActivityUserKey {
  userId: string | null;
  userPrincipalName: string | null;
}

export interface PlanActivity {
  userId: string;
  servicePlanId: string;
  lastActiveAt: Date;
}

/** Users' last activity per service plan (reported by product backends) and their last sign-in to Allot. */
export function createActivityRepository(db: Kysely<Database>, tenantId: string) {
  return {
    /** The active (not deleted) user each key names, by position; undefined where none does. One statement. */
    async resolveUsers(keys: readonly ActivityUserKey[]): Promise<(string | undefined)[]> {
      if (keys.length === 0) {
        return [];
      }
      const { rows } = await sql<{ ord: number; user_id: string }>`
        SELECT k.ord::int AS ord, u.user_id
        FROM unnest(${keys.map((key) => key.userId)}::uuid[], ${keys.map((key) => key.userPrincipalName?.toLowerCase() ?? null)}::text[])
          WITH ORDINALITY AS k(user_id, upn, ord)
        JOIN directory_user u ON u.tenant_id = ${tenantId} AND u.deleted_at IS NULL
          AND (u.user_id = k.user_id OR (k.user_id IS NULL AND lower(u.user_principal_name) = k.upn))`.execute(db);
      const found = new Map(rows.map((row) => [row.ord, row.user_id]));
      return keys.map((_key, index) => found.get(index + 1));
    },

    /**
     * Records activity set-based, keeping the later time of what is stored and what is reported
     * (reports arrive out of order); several reports of one user and plan in a batch count once.
     */
    async upsert(activities: readonly PlanActivity[]): Promise<void> {
      if (activities.length === 0) {
        return;
      }
      await sql`
        INSERT INTO plan_activity (tenant_id, user_id, service_plan_id, last_active_at)
        SELECT ${tenantId}, a.user_id, a.service_plan_id, max(a.at)
        FROM unnest(${activities.map((activity) => activity.userId)}::uuid[], ${activities.map((activity) => activity.servicePlanId)}::uuid[], ${activities.map((activity) => activity.lastActiveAt.toISOString())}::timestamptz[])
          AS a(user_id, service_plan_id, at)
        GROUP BY a.user_id, a.service_plan_id
        ON CONFLICT (tenant_id, user_id, service_plan_id)
        DO UPDATE SET last_active_at = GREATEST(plan_activity.last_active_at, EXCLUDED.last_active_at)`.execute(db);
    },

    /** A successful sign-in to Allot: activity for every product the user holds. */
    async recordSignIn(userId: string, at: Date): Promise<void> {
      await db.updateTable('directory_user').set({ last_sign_in_at: at }).where('tenant_id', '=', tenantId).where('user_id', '=', userId).execute();
    },
  };
}

export type ActivityRepository = ReturnType<typeof createActivityRepository>;
