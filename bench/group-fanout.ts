/**
 * Issue 7's group fan-out, shared by `npm run bench` (one measurement) and `npm run bench:groups`
 * (rounds and the per-statement view): a tenant with one security group of N unlicensed direct
 * members, Graph's group assignLicense on it (`services.groupLicensing.assignLicense`, the real
 * path with its audit, events and data bookkeeping), and its baseline, one plain INSERT … SELECT of
 * the same N rows into a table shaped like license_assignment.
 */
import { sql, type Kysely } from 'kysely';
import { createBulkSeedRepository } from '../src/db/repositories/bulk-seed.repository.js';
import type { Database } from '../src/db/schema.js';
import type { RequestContext } from '../src/domain/context.js';
import { randomIds } from '../src/domain/ids.js';
import type { Services } from '../src/services/index.js';
import { LARGE_TENANT_SKUS } from '../src/services/large-tenant.js';
import { fmt, timed } from './support.js';

/** The product the group gets. */
export const GROUP_SKU = LARGE_TENANT_SKUS.e3;
const DOMAIN = 'groupbench.onmicrosoft.com';
const CHUNK = 50_000;

export interface GroupFanOut {
  db: Kysely<Database>;
  services: Services;
  context: RequestContext;
  groupId: string;
  members: number;
}

/**
 * A tenant (default usage location NL) with an E3 subscription of 10% more licenses than members,
 * and `members` unlicensed users made direct members of one security group, one millisecond apart
 * (so seats go in a known order), written set-based, then ANALYZE. `services` must license a group
 * of this size inline (ALLOT_GROUP_INLINE_LIMIT / groupInlineLimit), not queue it.
 */
export async function setUpGroup(db: Kysely<Database>, services: Services, members: number): Promise<GroupFanOut> {
  const base = { principal: { kind: 'system' as const, id: 'bench', displayName: 'Bench' }, requestId: 'bench', clientAddress: null };
  const tenant = await services.tenants.createTenant(base, { displayName: 'GroupBench', domain: DOMAIN, defaultUsageLocation: 'NL' });
  const context: RequestContext = { ...base, tenantId: tenant.tenantId };
  await services.subscriptions.recordSubscription(context, { skuId: GROUP_SKU, totalLicenses: Math.ceil((members * 11) / 10) });
  const bulk = createBulkSeedRepository(db, tenant.tenantId);
  const groupId = randomIds();
  const at = new Date(Date.UTC(2026, 0, 1));
  await bulk.insertGroup({ groupId, displayName: `All ${fmt(members)} members`, mailNickname: 'allmembers', at });
  let created = 0;
  for (let first = 1; first <= members; first += CHUNK) {
    created += await bulk.insertUnlicensedMembers({ groupId, first, last: Math.min(members, first + CHUNK - 1), domain: DOMAIN, usageLocation: 'NL', at });
  }
  if (created !== members) {
    throw new Error(`created ${created} members, expected ${members}`);
  }
  await bulk.analyze();
  await bulk.analyzeGroups();
  return { db, services, context, groupId, members };
}

/** The baseline's table: license_assignment's columns and primary key, no other index or foreign key. */
export async function createBaselineTable(db: Kysely<Database>): Promise<void> {
  await sql`CREATE TABLE bench_group_baseline (
      tenant_id uuid NOT NULL, user_id uuid NOT NULL, sku_id uuid NOT NULL, source_id uuid NOT NULL,
      disabled_plans uuid[] NOT NULL DEFAULT '{}', state text NOT NULL, error text,
      assigned_at timestamptz NOT NULL, updated_at timestamptz NOT NULL,
      PRIMARY KEY (tenant_id, user_id, sku_id, source_id))`.execute(db);
}

export async function dropBaselineTable(db: Kysely<Database>): Promise<void> {
  await sql`DROP TABLE IF EXISTS bench_group_baseline`.execute(db);
}

/** The baseline: one INSERT … SELECT of the group's N rows from group_member; ms. */
export async function baselineInsert({ db, context, groupId, members }: GroupFanOut): Promise<number> {
  const { result, ms } = await timed(() =>
    sql`INSERT INTO bench_group_baseline (tenant_id, user_id, sku_id, source_id, disabled_plans, state, error, assigned_at, updated_at)
        SELECT m.tenant_id, m.member_id, ${GROUP_SKU}::uuid, m.group_id, '{}', 'Active', NULL, now(), now()
        FROM group_member m WHERE m.tenant_id = ${context.tenantId} AND m.group_id = ${groupId}`.execute(db),
  );
  if (Number(result.numAffectedRows) !== members) {
    throw new Error(`baseline inserted ${String(result.numAffectedRows)} rows, expected ${members}`);
  }
  return ms;
}

/** The removal's baseline: one DELETE of those rows; ms. */
export async function baselineDelete({ db, context, groupId, members }: GroupFanOut): Promise<number> {
  const { result, ms } = await timed(() => sql`DELETE FROM bench_group_baseline WHERE tenant_id = ${context.tenantId} AND source_id = ${groupId}`.execute(db));
  if (Number(result.numAffectedRows) !== members) {
    throw new Error(`baseline deleted ${String(result.numAffectedRows)} rows, expected ${members}`);
  }
  return ms;
}

/** Graph's group assignLicense adding E3; throws unless every member was licensed inline. */
export async function assignGroupLicense({ services, context, groupId, members }: GroupFanOut): Promise<void> {
  const result = await services.groupLicensing.assignLicense(context, groupId, { add: [{ skuId: GROUP_SKU, disabledPlans: [] }], remove: [] });
  if (result.processed !== members || result.succeeded !== members) {
    throw new Error(`assignLicense processed ${result.processed} and licensed ${result.succeeded} of ${members} members${result.queued ? ' (queued for the job runner)' : ''}`);
  }
}

/** The same call removing E3 again; throws if it was queued instead of applied. */
export async function removeGroupLicense({ services, context, groupId }: GroupFanOut): Promise<void> {
  const result = await services.groupLicensing.assignLicense(context, groupId, { add: [], remove: [GROUP_SKU] });
  if (result.queued) {
    throw new Error('removing the license was queued for the job runner instead of applied');
  }
}

/** The group's rows and seats and the counters, as they must be after an assignment (`licensed`) or a removal. */
export async function verifyGroup({ db, context, groupId, services, members }: GroupFanOut, licensed: boolean): Promise<void> {
  const rows = await sql<{ state: string; count: number }>`
    SELECT state, count(*)::int AS count FROM license_assignment
    WHERE tenant_id = ${context.tenantId} AND source_id = ${groupId} GROUP BY state`.execute(db);
  const seats = await sql<{ count: number }>`SELECT count(*)::int AS count FROM user_license WHERE tenant_id = ${context.tenantId} AND sku_id = ${GROUP_SKU}`.execute(db);
  const active = rows.rows.find((row) => row.state === 'Active')?.count ?? 0;
  const other = rows.rows.filter((row) => row.state !== 'Active').reduce((sum, row) => sum + row.count, 0);
  const seatCount = seats.rows[0]?.count ?? 0;
  const expected = licensed ? members : 0;
  const { mismatches } = await services.subscriptions.verifyCounters(context);
  if (active !== expected || other !== 0 || seatCount !== expected || mismatches.length > 0) {
    throw new Error(
      `after ${licensed ? 'assigning' : 'removing'}: ${active} Active rows and ${other} others of the group, ${seatCount} E3 seats (expected ${expected}); counter mismatches: ${mismatches.join('; ') || 'none'}`,
    );
  }
}

/** VACUUM (ANALYZE) of the tables the fan-out reads and writes, so no (auto)vacuum runs while it is timed. */
export const settleGroupTables = (db: Kysely<Database>) =>
  timed(() => sql`VACUUM (ANALYZE) directory_user, license_assignment, user_license, assignment_history, subscription, sku_seat, group_member, group_license, bench_group_baseline`.execute(db));
