import { sql, type Kysely, type RawBuilder } from 'kysely';
import { DIRECT_SOURCE } from '../../domain/ids.js';
import type { Database } from '../schema.js';

/**
 * Set-based statements of the large-tenant generator (`allot seed --users`). Generated user number
 * `g` (0, 1, 2 … per tenant, continued when a tenant is extended) determines everything about that
 * user (id, name, role, location, licenses), so one statement over generate_series writes a whole
 * chunk: users, assignments, seats and history.
 */

/** Licensing buckets: user g falls in bucket (g × BUCKET_STRIDE) mod BUCKETS (stride coprime with BUCKETS). */
export const BUCKETS = 1000;
const BUCKET_STRIDE = 7919;

/** The bucket of generated user `index`; the SQL below computes the same expression. */
export const bucketOf = (index: number): number => (index * BUCKET_STRIDE) % BUCKETS;

/** Names and attributes to draw from (arrays of equal meaning are indexed by the user number). */
export interface GeneratedPeople {
  givenNames: readonly string[];
  /** Lower-case ASCII, no dots: the part of the alias before the dot. Same length as givenNames. */
  givenAliases: readonly string[];
  surnames: readonly string[];
  /** Lower-case ASCII, no dots. Same length as surnames, which must be coprime with givenNames. */
  surnameAliases: readonly string[];
  /** department/jobTitle pairs; repeat an entry to make it more frequent. */
  roles: readonly { department: string; jobTitle: string }[];
  /** Usage locations, repeated by weight. */
  usageLocations: readonly string[];
}

/** A SKU given to the users whose bucket lies in [from, to). */
export interface MixRange {
  skuId: string;
  from: number;
  to: number;
}

/** Seats of one SKU in this chunk ranked (from, to] (by user number) are drawn from this subscription. */
export interface SeatRange {
  skuId: string;
  subscriptionId: string;
  from: number;
  to: number;
}

export function createBulkSeedRepository(db: Kysely<Database>, tenantId: string) {
  /**
   * A UUIDv7-style id: the chunk's time in ms, then the user number, then 40 bits of a hash of tenant
   * and number. Ids grow with the number, so a chunk appends to the (tenant_id, user_id) indexes of
   * users, assignments and seats instead of touching pages all over them; unique per tenant.
   */
  const userIdOf = (number: RawBuilder<unknown>, at: Date) =>
    sql`(lpad(to_hex(${sql.lit(at.getTime())}::bigint), 12, '0') || '7' || lpad(to_hex((${number} >> 20) & 4095), 3, '0')
         || '8' || lpad(to_hex(${number} & 1048575), 5, '0') || substr(md5(${tenantId}::text || ':' || ${number}::text), 1, 10))::uuid`;
  const bucket = (number: RawBuilder<unknown>) => sql`((${number} * ${sql.lit(BUCKET_STRIDE)}) % ${sql.lit(BUCKETS)})::int`;
  const g = sql.ref('g.g');

  return {
    /** The last user number written by earlier runs for this tenant (from their audit rows), or -1. */
    async lastGeneratedIndex(activity: string): Promise<number> {
      const result = await sql<{ last: number | null }>`
        SELECT max((details->>'lastIndex')::bigint) AS last FROM audit_log
        WHERE tenant_id = ${tenantId} AND activity = ${activity}`.execute(db);
      const last = result.rows[0]?.last;
      return last === null || last === undefined ? -1 : Number(last);
    },

    /**
     * Users number `first`…`last` (inclusive), with the direct assignments, seats and open history
     * rows the mix gives them, in one statement. A generated name whose userPrincipalName is taken
     * (by a hand-made user) is skipped, with its licenses. `seats` must cover every rank of every
     * SKU (the caller allocated them); the counts come back so the caller can check that every
     * assignment got its seat. Run it in a transaction (it sets a transaction-local work_mem).
     */
    async insertChunk(options: {
      first: number;
      last: number;
      domain: string;
      people: GeneratedPeople;
      mix: readonly MixRange[];
      seats: readonly SeatRange[];
      at: Date;
    }): Promise<{ usersCreated: number; licensedUsers: number; assignments: number; seats: number; history: number }> {
      const { people, mix, seats, at } = options;
      const givenCount = people.givenNames.length;
      const surnameCount = people.surnames.length;
      const cycle = givenCount * surnameCount;
      const n = (value: number) => sql.lit(value);
      const upn = sql`u.alias || '@' || ${options.domain}::text`;
      // The chunk's sorts (seat ranks, distinct licensed users) fit in memory instead of spilling to disk.
      await sql`SET LOCAL work_mem = '64MB'`.execute(db);
      const result = await sql<{ users: number; licensed: number; assignments: number; seats: number; history: number }>`
        WITH p AS (
          SELECT ${[...people.givenNames]}::text[] AS given, ${[...people.givenAliases]}::text[] AS given_alias,
                 ${[...people.surnames]}::text[] AS surname, ${[...people.surnameAliases]}::text[] AS surname_alias,
                 ${people.roles.map((role) => role.department)}::text[] AS department,
                 ${people.roles.map((role) => role.jobTitle)}::text[] AS job_title,
                 ${[...people.usageLocations]}::text[] AS location
        ), u AS MATERIALIZED (
          SELECT g.g, ${userIdOf(g, at)} AS user_id,
                 p.given[1 + (g.g % ${n(givenCount)})::int] AS given_name,
                 p.surname[1 + (g.g % ${n(surnameCount)})::int] AS surname,
                 p.given_alias[1 + (g.g % ${n(givenCount)})::int] || '.' || p.surname_alias[1 + (g.g % ${n(surnameCount)})::int]
                   || CASE WHEN g.g / ${n(cycle)} = 0 THEN '' ELSE (g.g / ${n(cycle)} + 1)::text END AS alias,
                 p.department[1 + ((g.g * 31) % ${n(people.roles.length)})::int] AS department,
                 p.job_title[1 + ((g.g * 31) % ${n(people.roles.length)})::int] AS job_title,
                 p.location[1 + ((g.g * 13) % ${n(people.usageLocations.length)})::int] AS usage_location
          FROM generate_series(${options.first}::bigint, ${options.last}::bigint) AS g(g), p
        ), users AS (
          INSERT INTO directory_user (tenant_id, user_id, user_principal_name, display_name, mail, mail_nickname, given_name, surname,
                                      job_title, department, user_type, account_enabled, usage_location, created_at)
          SELECT ${tenantId}::uuid, u.user_id, ${upn}, u.given_name || ' ' || u.surname, ${upn}, u.alias, u.given_name, u.surname,
                 u.job_title, u.department, 'Member', u.g % 50 <> 49, u.usage_location, ${at}::timestamptz
          FROM u
          WHERE NOT EXISTS (SELECT 1 FROM directory_user d
                            WHERE d.tenant_id = ${tenantId}::uuid AND d.deleted_at IS NULL AND lower(d.user_principal_name) = lower(${upn}))
          RETURNING user_id
        ), picked AS MATERIALIZED (
          SELECT u.user_id, m.sku_id, row_number() OVER (PARTITION BY m.sku_id ORDER BY u.g) AS rank
          FROM u
          JOIN users USING (user_id)
          JOIN unnest(${mix.map((range) => range.skuId)}::uuid[], ${mix.map((range) => range.from)}::int[], ${mix.map((range) => range.to)}::int[])
               AS m(sku_id, lo, hi) ON ${bucket(sql.ref('u.g'))} >= m.lo AND ${bucket(sql.ref('u.g'))} < m.hi
        ), bound AS (
          SELECT p.user_id, p.sku_id, s.subscription_id
          FROM picked p
          JOIN unnest(${seats.map((range) => range.skuId)}::uuid[], ${seats.map((range) => range.subscriptionId)}::uuid[],
                      ${seats.map((range) => range.from)}::int[], ${seats.map((range) => range.to)}::int[])
               AS s(sku_id, subscription_id, lo, hi) ON s.sku_id = p.sku_id AND p.rank > s.lo AND p.rank <= s.hi
        ), assignments AS (
          INSERT INTO license_assignment (tenant_id, user_id, sku_id, source_id, disabled_plans, state, error, assigned_at, updated_at)
          SELECT ${tenantId}::uuid, user_id, sku_id, ${DIRECT_SOURCE}::uuid, '{}', 'Active', NULL, ${at}::timestamptz, ${at}::timestamptz FROM picked
          RETURNING 1
        ), seats AS (
          INSERT INTO user_license (tenant_id, user_id, sku_id, subscription_id, assigned_at)
          SELECT ${tenantId}::uuid, user_id, sku_id, subscription_id, ${at}::timestamptz FROM bound
          RETURNING 1
        ), history AS (
          INSERT INTO assignment_history (tenant_id, user_id, sku_id, source_id, disabled_plans, valid_from)
          SELECT ${tenantId}::uuid, user_id, sku_id, ${DIRECT_SOURCE}::uuid, '{}', ${at}::timestamptz FROM picked
          RETURNING 1
        )
        SELECT (SELECT count(*) FROM users)::int AS users, (SELECT count(DISTINCT user_id) FROM picked)::int AS licensed,
               (SELECT count(*) FROM assignments)::int AS assignments, (SELECT count(*) FROM seats)::int AS seats,
               (SELECT count(*) FROM history)::int AS history`.execute(db);
      const row = result.rows[0];
      return {
        usersCreated: row?.users ?? 0,
        licensedUsers: row?.licensed ?? 0,
        assignments: row?.assignments ?? 0,
        seats: row?.seats ?? 0,
        history: row?.history ?? 0,
      };
    },

    /**
     * Sets the consumed counters of these SKUs' subscriptions from a recount of their seats, and each
     * SKU's counter to the sum of its subscriptions'. The caller holds the SKU locks.
     */
    async recountCounters(skuIds: readonly string[]): Promise<void> {
      if (skuIds.length === 0) {
        return;
      }
      await sql`
        UPDATE subscription s
        SET consumed_units = (SELECT count(*)::int FROM user_license ul
                              WHERE ul.tenant_id = s.tenant_id AND ul.subscription_id = s.subscription_id)
        WHERE s.tenant_id = ${tenantId}::uuid AND s.sku_id = ANY(${[...skuIds]}::uuid[])`.execute(db);
      await sql`
        UPDATE sku_seat k
        SET consumed_units = (SELECT COALESCE(sum(s.consumed_units), 0)::int FROM subscription s
                              WHERE s.tenant_id = k.tenant_id AND s.sku_id = k.sku_id)
        WHERE k.tenant_id = ${tenantId}::uuid AND k.sku_id = ANY(${[...skuIds]}::uuid[])`.execute(db);
    },

    /**
     * A security group with no members and no licenses (bench/group-licensing.ts fills it with
     * insertUnlicensedMembers; groups made by people go through the group service).
     */
    async insertGroup(group: { groupId: string; displayName: string; mailNickname: string; at: Date }): Promise<void> {
      await db
        .insertInto('directory_group')
        .values({
          tenant_id: tenantId,
          group_id: group.groupId,
          display_name: group.displayName,
          mail_nickname: group.mailNickname,
          mail_enabled: false,
          security_enabled: true,
          group_types: [],
          created_at: group.at,
        })
        .execute();
    },

    /**
     * Users number `first`…`last` (inclusive) without licenses, `member<g>@<domain>` with random
     * ids (as Allot gives them), each made a direct member of `groupId` at `at` + g ms (membership
     * order = number order), in one statement. Returns the users created.
     */
    async insertUnlicensedMembers(options: { groupId: string; first: number; last: number; domain: string; usageLocation: string | null; at: Date }): Promise<number> {
      const { at } = options;
      const result = await sql<{ users: number }>`
        WITH u AS MATERIALIZED (
          SELECT g.g, gen_random_uuid() AS user_id, 'member' || g.g AS alias
          FROM generate_series(${options.first}::bigint, ${options.last}::bigint) AS g(g)
        ), users AS (
          INSERT INTO directory_user (tenant_id, user_id, user_principal_name, display_name, mail, mail_nickname, user_type, account_enabled, usage_location, created_at)
          SELECT ${tenantId}::uuid, u.user_id, u.alias || '@' || ${options.domain}::text, 'Member ' || u.g, u.alias || '@' || ${options.domain}::text, u.alias,
                 'Member', true, ${options.usageLocation}::char(2), ${at}::timestamptz
          FROM u
          RETURNING user_id
        ), members AS (
          INSERT INTO group_member (tenant_id, group_id, member_id, member_type, added_at)
          SELECT ${tenantId}::uuid, ${options.groupId}::uuid, u.user_id, 'user', ${at}::timestamptz + u.g * interval '1 millisecond'
          FROM u JOIN users USING (user_id)
          RETURNING 1
        )
        SELECT (SELECT count(*) FROM members)::int AS users`.execute(db);
      return result.rows[0]?.users ?? 0;
    },

    /** Planner statistics of the group tables (after a bulk load of groups and members). */
    async analyzeGroups(): Promise<void> {
      await sql`ANALYZE directory_group, group_member, group_license`.execute(db);
    },

    /**
     * Refreshes planner statistics (PGlite has no autovacuum to do it). It also invalidates plans
     * cached per connection, foreign-key checks' included, that were made while the tables were small.
     */
    async analyze(): Promise<void> {
      await sql`ANALYZE directory_user, license_assignment, user_license, assignment_history`.execute(db);
    },
  };
}

export type BulkSeedRepository = ReturnType<typeof createBulkSeedRepository>;
