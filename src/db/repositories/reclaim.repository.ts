import { sql, type Kysely, type RawBuilder } from 'kysely';
import { DIRECT_SOURCE } from '../../domain/ids.js';
import type { ReclaimSource } from '../../domain/reclaim.js';
import type { Database } from '../schema.js';

export interface InactiveHolder {
  userId: string;
  displayName: string;
  userPrincipalName: string;
  /** The latest of the product's plan activity and the last sign-in; null: never active. */
  lastActivityAt: Date | null;
  source: ReclaimSource;
}

export interface ReclaimQuery {
  skuId: string;
  /** The product's service plans: activity on any of them counts. */
  servicePlanIds: readonly string[];
  cutoff: Date;
}

export interface ReclaimTotals {
  inactiveUsers: number;
  assignedDirectly: number;
  /** Inactive users whose seat comes only from groups (or a self-service purchase): unassigning cannot free it. */
  keptBySource: number;
  /** Seats unassigning the direct assignments would free. */
  seatsFreed: number;
}

interface HolderRow {
  user_id: string;
  display_name: string;
  user_principal_name: string;
  last_activity_at: Date | string | null;
  direct: boolean;
  self_service: boolean;
  groups: { groupId: string; displayName: string }[];
}

const toHolder = (row: HolderRow): InactiveHolder => ({
  userId: row.user_id,
  displayName: row.display_name,
  userPrincipalName: row.user_principal_name,
  lastActivityAt: row.last_activity_at === null ? null : new Date(row.last_activity_at),
  source: { direct: row.direct, groups: row.groups, selfService: row.self_service },
});

/**
 * Reports over who holds what and uses it: reclaim's inactive holders and the groups with license
 * errors. Each is one statement driven by an index (user_license_sku_idx walks a product's holders
 * in user order; plan_activity's and license_assignment's primary keys answer per holder).
 */
export function createReclaimRepository(db: Kysely<Database>, tenantId: string) {
  /** Holders of the SKU with their last activity and sources, inactive since the cutoff. */
  const inactiveHolders = (query: ReclaimQuery, extra: RawBuilder<unknown>) => sql`
    SELECT ul.user_id, u.display_name, u.user_principal_name, act.last_activity_at,
           src.direct, (s.channel = 'selfService') AS self_service, src.groups
    FROM user_license ul
    JOIN directory_user u ON u.tenant_id = ul.tenant_id AND u.user_id = ul.user_id AND u.deleted_at IS NULL
    JOIN subscription s ON s.tenant_id = ul.tenant_id AND s.subscription_id = ul.subscription_id
    CROSS JOIN LATERAL (
      SELECT GREATEST(u.last_sign_in_at, (
        SELECT max(pa.last_active_at) FROM plan_activity pa
        WHERE pa.tenant_id = ul.tenant_id AND pa.user_id = ul.user_id AND pa.service_plan_id = ANY(${[...query.servicePlanIds]}::uuid[])
      )) AS last_activity_at
    ) act
    CROSS JOIN LATERAL (
      SELECT coalesce(bool_or(la.source_id = ${DIRECT_SOURCE}::uuid), false) AS direct,
             coalesce(json_agg(json_build_object('groupId', la.source_id, 'displayName', coalesce(g.display_name, la.source_id::text)) ORDER BY g.display_name, la.source_id)
                        FILTER (WHERE la.source_id <> ${DIRECT_SOURCE}::uuid), '[]'::json) AS groups
      FROM license_assignment la
      LEFT JOIN directory_group g ON g.tenant_id = la.tenant_id AND g.group_id = la.source_id
      WHERE la.tenant_id = ul.tenant_id AND la.user_id = ul.user_id AND la.sku_id = ul.sku_id
    ) src
    WHERE ul.tenant_id = ${tenantId} AND ul.sku_id = ${query.skuId}
      AND (act.last_activity_at IS NULL OR act.last_activity_at < ${query.cutoff})
      ${extra}`;

  return {
    /** One page in user id order (keyset: the last id of the previous page). */
    async page(query: ReclaimQuery, top: number, afterUserId?: string): Promise<{ holders: InactiveHolder[]; next?: string }> {
      const after = afterUserId === undefined ? sql`` : sql`AND ul.user_id > ${afterUserId}::uuid`;
      const { rows } = await sql<HolderRow>`${inactiveHolders(query, after)} ORDER BY ul.user_id LIMIT ${top + 1}`.execute(db);
      const holders = rows.slice(0, top).map(toHolder);
      const last = holders.at(-1);
      return { holders, ...(rows.length > top && last !== undefined ? { next: last.userId } : {}) };
    },

    /** These users, where they are inactive holders (the others are absent from the answer). */
    async findInactive(query: ReclaimQuery, userIds: readonly string[]): Promise<InactiveHolder[]> {
      if (userIds.length === 0) {
        return [];
      }
      const { rows } = await sql<HolderRow>`${inactiveHolders(query, sql`AND ul.user_id = ANY(${[...userIds]}::uuid[])`)} ORDER BY ul.user_id`.execute(db);
      return rows.map(toHolder);
    },

    /**
     * Inactive holders in user id order, either those whose direct assignment an admin may remove
     * (a reclaim unassign's default selection) or those it must leave (groups only, self-service).
     */
    async inactiveBySource(query: ReclaimQuery, which: 'removable' | 'kept', limit: number): Promise<InactiveHolder[]> {
      const condition = which === 'removable' ? sql`AND src.direct AND s.channel <> 'selfService'` : sql`AND (NOT src.direct OR s.channel = 'selfService')`;
      const { rows } = await sql<HolderRow>`${inactiveHolders(query, condition)} ORDER BY ul.user_id LIMIT ${limit}`.execute(db);
      return rows.map(toHolder);
    },

    async totals(query: ReclaimQuery): Promise<ReclaimTotals> {
      const { rows } = await sql<{ inactive: number; direct: number; kept: number; freed: number }>`
        SELECT count(*)::int AS inactive,
               count(*) FILTER (WHERE r.direct AND NOT r.self_service)::int AS direct,
               count(*) FILTER (WHERE NOT r.direct OR r.self_service)::int AS kept,
               count(*) FILTER (WHERE r.direct AND NOT r.self_service AND json_array_length(r.groups) = 0)::int AS freed
        FROM (${inactiveHolders(query, sql``)}) r`.execute(db);
      const row = rows[0];
      return { inactiveUsers: row?.inactive ?? 0, assignedDirectly: row?.direct ?? 0, keptBySource: row?.kept ?? 0, seatsFreed: row?.freed ?? 0 };
    },

    /** Holders of the SKU among these users (to tell "not licensed" from "recently active"). */
    async holders(skuId: string, userIds: readonly string[]): Promise<Set<string>> {
      if (userIds.length === 0) {
        return new Set();
      }
      const rows = await db
        .selectFrom('user_license')
        .select('user_id')
        .where('tenant_id', '=', tenantId)
        .where('sku_id', '=', skuId)
        .where(sql<boolean>`user_id = ANY(${[...userIds]}::uuid[])`)
        .execute();
      return new Set(rows.map((row) => row.user_id));
    },

    /** Groups with members in license error (license_assignment_errors_idx), most users first. */
    async groupsWithLicenseErrors(limit: number): Promise<{ groupId: string; displayName: string; usersInError: number }[]> {
      const { rows } = await sql<{ group_id: string; display_name: string; users: number }>`
        SELECT g.group_id, g.display_name, e.users
        FROM (
          SELECT la.source_id, count(DISTINCT la.user_id)::int AS users
          FROM license_assignment la
          WHERE la.tenant_id = ${tenantId} AND la.state = 'Error' AND la.source_id <> ${DIRECT_SOURCE}::uuid
          GROUP BY la.source_id
        ) e
        JOIN directory_group g ON g.tenant_id = ${tenantId} AND g.group_id = e.source_id
        ORDER BY e.users DESC, g.display_name, g.group_id
        LIMIT ${limit}`.execute(db);
      return rows.map((row) => ({ groupId: row.group_id, displayName: row.display_name, usersInError: row.users }));
    },
  };
}

export type ReclaimRepository = ReturnType<typeof createReclaimRepository>;
