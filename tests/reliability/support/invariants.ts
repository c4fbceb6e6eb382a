import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { Database } from '../../../src/db/schema.js';
import { DIRECT_SOURCE } from '../../../src/domain/ids.js';

/**
 * The licensing invariants, checked straight on the tables after a run (races, kill -9, fuzzing),
 * for every tenant or the ones named. Run it when the system is at rest: no request in flight and
 * no group licensing job open (an open job is itself reported). Each rule names what broke and
 * where; the report lists up to `limit` examples per rule and how many there were.
 *
 * Rules, per tenant (docs/ARCHITECTURE.md, "Data model and the seat model" and "Group-based licensing"):
 * - seats: a SKU's consumed units are at most its assignable units (Enabled + Warning, every channel),
 *   and an assignable subscription's consumed units at most its licenses; exempt are the states the
 *   domain allows to be over-assigned: a subscription a billing system reduced below what is
 *   assigned (`over_assigned_since`), and seats still bound to a subscription that left the
 *   assignable states (not yet rebound);
 * - counters: every subscription's and SKU's consumed counter equals a recount of its seats, and a
 *   seat is bound to a subscription of its own SKU;
 * - no seat of a missing or deleted user; a live user holds a seat of a SKU exactly when one of its
 *   assignments of that SKU is active (Active or ActiveWithError);
 * - states: Active rows carry no error, the others one; direct rows are never in error;
 * - groups: a live user who is a direct member of a group holding a license has that group's row of
 *   the SKU (active, or in error with the cause) with the group's disabled plans; a group row of a
 *   live user whose group no longer grants it (left the group, license removed) exists only as
 *   ActiveWithError / DependencyViolation (kept because another source depends on it);
 * - history: the open assignment_history rows are exactly the active assignments of live users,
 *   with the same disabled plans;
 * - jobs: no group licensing job is left unfinished.
 */
export interface InvariantOptions {
  /** Check only these tenants (default: every tenant). */
  tenantIds?: readonly string[];
  /** Examples listed per broken rule (default 10). */
  limit?: number;
}

interface Rule {
  name: string;
  /** One row per violation, with a `detail` column saying what and where. */
  query: (tenants: RawBuilder<unknown>) => RawBuilder<{ detail: string }>;
}

const ACTIVE = sql`('Active', 'ActiveWithError')`;

const RULES: Rule[] = [
  {
    name: 'SKU consumed above its assignable units',
    query: (tenants) => sql`
      SELECT 'tenant ' || k.tenant_id || ' sku ' || k.sku_id || ': consumed ' || k.consumed_units || ', assignable ' || coalesce(a.units, 0) AS detail
      FROM sku_seat k
      LEFT JOIN (SELECT tenant_id, sku_id, sum(total_licenses)::int AS units FROM subscription WHERE status IN ('Enabled', 'Warning') GROUP BY tenant_id, sku_id) a
        ON a.tenant_id = k.tenant_id AND a.sku_id = k.sku_id
      WHERE k.tenant_id = ANY(${tenants}) AND k.consumed_units > coalesce(a.units, 0)
        AND NOT EXISTS (SELECT 1 FROM subscription s WHERE s.tenant_id = k.tenant_id AND s.sku_id = k.sku_id
                          AND (s.over_assigned_since IS NOT NULL OR (s.status NOT IN ('Enabled', 'Warning') AND s.consumed_units > 0)))`,
  },
  {
    name: 'subscription consumed above its licenses',
    query: (tenants) => sql`
      SELECT 'tenant ' || tenant_id || ' subscription ' || subscription_id || ' (sku ' || sku_id || '): consumed ' || consumed_units || ' of ' || total_licenses AS detail
      FROM subscription
      WHERE tenant_id = ANY(${tenants}) AND status IN ('Enabled', 'Warning') AND consumed_units > total_licenses AND over_assigned_since IS NULL`,
  },
  {
    name: 'subscription counter differs from a recount of its seats',
    query: (tenants) => sql`
      SELECT 'tenant ' || s.tenant_id || ' subscription ' || s.subscription_id || ': counter ' || s.consumed_units || ', seats ' || coalesce(n.seats, 0) AS detail
      FROM subscription s
      LEFT JOIN (SELECT tenant_id, subscription_id, count(*)::int AS seats FROM user_license GROUP BY tenant_id, subscription_id) n
        ON n.tenant_id = s.tenant_id AND n.subscription_id = s.subscription_id
      WHERE s.tenant_id = ANY(${tenants}) AND s.consumed_units <> coalesce(n.seats, 0)`,
  },
  {
    name: 'SKU counter differs from a recount of its seats',
    query: (tenants) => sql`
      SELECT 'tenant ' || k.tenant_id || ' sku ' || k.sku_id || ': counter ' || k.consumed_units || ', seats ' || coalesce(n.seats, 0) AS detail
      FROM sku_seat k
      LEFT JOIN (SELECT tenant_id, sku_id, count(*)::int AS seats FROM user_license GROUP BY tenant_id, sku_id) n
        ON n.tenant_id = k.tenant_id AND n.sku_id = k.sku_id
      WHERE k.tenant_id = ANY(${tenants}) AND k.consumed_units <> coalesce(n.seats, 0)`,
  },
  {
    name: 'seat bound to a subscription of another SKU (or none)',
    query: (tenants) => sql`
      SELECT 'tenant ' || l.tenant_id || ' user ' || l.user_id || ' sku ' || l.sku_id || ': subscription ' || l.subscription_id || ' is of ' || coalesce(s.sku_id::text, 'nothing') AS detail
      FROM user_license l
      LEFT JOIN subscription s ON s.tenant_id = l.tenant_id AND s.subscription_id = l.subscription_id
      WHERE l.tenant_id = ANY(${tenants}) AND (s.sku_id IS NULL OR s.sku_id <> l.sku_id)`,
  },
  {
    name: 'seat of a missing or deleted user',
    query: (tenants) => sql`
      SELECT 'tenant ' || l.tenant_id || ' user ' || l.user_id || ' sku ' || l.sku_id || ': ' || CASE WHEN u.user_id IS NULL THEN 'no such user' ELSE 'deleted at ' || u.deleted_at END AS detail
      FROM user_license l
      LEFT JOIN directory_user u ON u.tenant_id = l.tenant_id AND u.user_id = l.user_id
      WHERE l.tenant_id = ANY(${tenants}) AND (u.user_id IS NULL OR u.deleted_at IS NOT NULL)`,
  },
  {
    name: 'active assignment of a live user without a seat',
    query: (tenants) => sql`
      SELECT DISTINCT 'tenant ' || a.tenant_id || ' user ' || a.user_id || ' sku ' || a.sku_id AS detail
      FROM license_assignment a
      JOIN directory_user u ON u.tenant_id = a.tenant_id AND u.user_id = a.user_id AND u.deleted_at IS NULL
      WHERE a.tenant_id = ANY(${tenants}) AND a.state IN ${ACTIVE}
        AND NOT EXISTS (SELECT 1 FROM user_license l WHERE l.tenant_id = a.tenant_id AND l.user_id = a.user_id AND l.sku_id = a.sku_id)`,
  },
  {
    name: 'seat without an active assignment',
    query: (tenants) => sql`
      SELECT 'tenant ' || l.tenant_id || ' user ' || l.user_id || ' sku ' || l.sku_id AS detail
      FROM user_license l
      WHERE l.tenant_id = ANY(${tenants})
        AND NOT EXISTS (SELECT 1 FROM license_assignment a WHERE a.tenant_id = l.tenant_id AND a.user_id = l.user_id AND a.sku_id = l.sku_id AND a.state IN ${ACTIVE})`,
  },
  {
    name: 'assignment state and error disagree',
    query: (tenants) => sql`
      SELECT 'tenant ' || tenant_id || ' user ' || user_id || ' sku ' || sku_id || ' source ' || source_id || ': ' || state || ' with error ' || coalesce(error, 'none') AS detail
      FROM license_assignment
      WHERE tenant_id = ANY(${tenants})
        AND ((state = 'Active') <> (error IS NULL) OR (source_id = ${DIRECT_SOURCE}::uuid AND state <> 'Active'))`,
  },
  {
    name: 'live member of a licensed group without the group row (or with other disabled plans)',
    query: (tenants) => sql`
      SELECT 'tenant ' || m.tenant_id || ' group ' || m.group_id || ' sku ' || g.sku_id || ' user ' || m.member_id || ': '
             || CASE WHEN a.user_id IS NULL THEN 'no row' ELSE 'disabled plans ' || array_to_string(a.disabled_plans, ',') || ' instead of ' || array_to_string(g.disabled_plans, ',') END AS detail
      FROM group_member m
      JOIN group_license g ON g.tenant_id = m.tenant_id AND g.group_id = m.group_id
      JOIN directory_user u ON u.tenant_id = m.tenant_id AND u.user_id = m.member_id AND u.deleted_at IS NULL
      LEFT JOIN license_assignment a ON a.tenant_id = m.tenant_id AND a.user_id = m.member_id AND a.sku_id = g.sku_id AND a.source_id = m.group_id
      WHERE m.tenant_id = ANY(${tenants}) AND m.member_type = 'user'
        AND (a.user_id IS NULL OR NOT (a.disabled_plans @> g.disabled_plans AND a.disabled_plans <@ g.disabled_plans))`,
  },
  {
    name: 'group row of a live user that its group does not grant (and no source depends on)',
    query: (tenants) => sql`
      SELECT 'tenant ' || a.tenant_id || ' user ' || a.user_id || ' sku ' || a.sku_id || ' group ' || a.source_id || ': ' || a.state || coalesce(' / ' || a.error, '')
             || CASE WHEN m.member_id IS NULL THEN ', not a member' ELSE ', group has no such license' END AS detail
      FROM license_assignment a
      JOIN directory_user u ON u.tenant_id = a.tenant_id AND u.user_id = a.user_id AND u.deleted_at IS NULL
      LEFT JOIN group_member m ON m.tenant_id = a.tenant_id AND m.group_id = a.source_id AND m.member_id = a.user_id
      LEFT JOIN group_license g ON g.tenant_id = a.tenant_id AND g.group_id = a.source_id AND g.sku_id = a.sku_id
      WHERE a.tenant_id = ANY(${tenants}) AND a.source_id <> ${DIRECT_SOURCE}::uuid
        AND (m.member_id IS NULL OR g.sku_id IS NULL)
        AND NOT (a.state = 'ActiveWithError' AND a.error = 'DependencyViolation')`,
  },
  {
    name: 'active assignment of a live user without an open history row (or with other disabled plans)',
    query: (tenants) => sql`
      SELECT 'tenant ' || a.tenant_id || ' user ' || a.user_id || ' sku ' || a.sku_id || ' source ' || a.source_id || ': ' || count(h.history_id) || ' open rows' AS detail
      FROM license_assignment a
      JOIN directory_user u ON u.tenant_id = a.tenant_id AND u.user_id = a.user_id AND u.deleted_at IS NULL
      LEFT JOIN assignment_history h ON h.tenant_id = a.tenant_id AND h.user_id = a.user_id AND h.sku_id = a.sku_id AND h.source_id = a.source_id
        AND h.valid_to IS NULL AND h.disabled_plans @> a.disabled_plans AND h.disabled_plans <@ a.disabled_plans
      WHERE a.tenant_id = ANY(${tenants}) AND a.state IN ${ACTIVE}
      GROUP BY a.tenant_id, a.user_id, a.sku_id, a.source_id
      HAVING count(h.history_id) <> 1`,
  },
  {
    name: 'open history row without an active assignment of a live user',
    query: (tenants) => sql`
      SELECT 'tenant ' || h.tenant_id || ' user ' || h.user_id || ' sku ' || h.sku_id || ' source ' || h.source_id || ' open since ' || h.valid_from AS detail
      FROM assignment_history h
      WHERE h.tenant_id = ANY(${tenants}) AND h.valid_to IS NULL
        AND NOT EXISTS (SELECT 1 FROM license_assignment a JOIN directory_user u ON u.tenant_id = a.tenant_id AND u.user_id = a.user_id AND u.deleted_at IS NULL
                        WHERE a.tenant_id = h.tenant_id AND a.user_id = h.user_id AND a.sku_id = h.sku_id AND a.source_id = h.source_id AND a.state IN ${ACTIVE})`,
  },
  {
    name: 'group licensing job not finished',
    query: (tenants) => sql`
      SELECT 'tenant ' || tenant_id || ' group ' || group_id || ': job ' || job_id || ' ' || state || ', ' || processed || ' of ' || total || ' members processed' AS detail
      FROM group_license_job
      WHERE tenant_id = ANY(${tenants}) AND state <> 'ProcessingComplete'`,
  },
];

/** Every broken rule with examples; an empty list means every invariant holds. */
export async function checkInvariants(db: Kysely<Database>, options: InvariantOptions = {}): Promise<string[]> {
  const limit = options.limit ?? 10;
  const tenantIds = options.tenantIds ?? (await db.selectFrom('tenant').select('tenant_id').execute()).map((row) => row.tenant_id);
  const tenants = sql`${[...tenantIds]}::uuid[]`;
  // Fresh planner statistics first: after a bulk load or a large group (PGlite has no autovacuum)
  // the joins below are planned for empty tables, and a 5,000-member check takes 40 s instead of 0.2 s.
  await sql`ANALYZE directory_user, subscription, sku_seat, license_assignment, user_license, assignment_history, group_member, group_license, group_license_job`.execute(db);
  const report: string[] = [];
  for (const rule of RULES) {
    const { rows } = await rule.query(tenants).execute(db);
    if (rows.length > 0) {
      const more = rows.length > limit ? ` (and ${rows.length - limit} more)` : '';
      report.push(`${rule.name}: ${rows.length}${more}\n  ${rows.slice(0, limit).map((row) => row.detail).join('\n  ')}`);
    }
  }
  return report;
}

/** A change a client saw succeed: the request id the server answered with, and the audit rows it must have written. */
export interface ObservedChange {
  requestId: string;
  activity: string;
  /** Rows of `activity` the change writes under its request id (e.g. one per changed user of a bulk change). */
  entries: number;
  /** What the client did, for the report. */
  description: string;
}

/**
 * Changes whose audit rows are missing or counted wrong (too few: a lost entry; too many: a change
 * applied twice). Matched by the request id the server answered with (`request-id`), which every
 * audit row of the request carries.
 */
export async function checkAuditTrail(db: Kysely<Database>, tenantId: string, changes: readonly ObservedChange[], options: { limit?: number } = {}): Promise<string[]> {
  const limit = options.limit ?? 10;
  const counts = new Map<string, number>();
  const batch = 5_000;
  for (let start = 0; start < changes.length; start += batch) {
    const requestIds = [...new Set(changes.slice(start, start + batch).map((change) => change.requestId))];
    const { rows } = await sql<{ request_id: string; activity: string; n: number }>`
      SELECT request_id, activity, count(*)::int AS n FROM audit_log
      WHERE tenant_id = ${tenantId} AND request_id = ANY(${requestIds}::text[])
      GROUP BY request_id, activity`.execute(db);
    for (const row of rows) {
      counts.set(`${row.request_id} ${row.activity}`, row.n);
    }
  }
  const wrong = changes.filter((change) => (counts.get(`${change.requestId} ${change.activity}`) ?? 0) !== change.entries);
  if (wrong.length === 0) {
    return [];
  }
  const more = wrong.length > limit ? ` (and ${wrong.length - limit} more)` : '';
  return [
    `changes whose audit entries are missing or counted wrong: ${wrong.length} of ${changes.length}${more}\n  ${wrong
      .slice(0, limit)
      .map((change) => `${change.description} (request-id ${change.requestId}): ${counts.get(`${change.requestId} ${change.activity}`) ?? 0} "${change.activity}" rows, expected ${change.entries}`)
      .join('\n  ')}`,
  ];
}
