import type { Kysely } from 'kysely';
import type { Catalogue } from '../domain/catalogue.js';
import type { RequestContext } from '../domain/context.js';
import { planGroupLicensing, type GroupLicensingPlan } from '../domain/group-licensing.js';
import { ADMIN_POOL } from '../domain/seats.js';
import { createTenantDirectory, type Repositories } from '../db/repositories/index.js';
import type { Database } from '../db/schema.js';
import { loadTenantCatalogue } from './catalogue.service.js';
import type { ServiceDeps } from './deps.js';
import { lockUsersAndSkus } from './locking.js';
import { seatsBySku, writeGroupPlan } from './seat-writer.js';

export interface ReapplyResult {
  plan: GroupLicensingPlan;
  catalogue: Catalogue;
}

/**
 * Re-evaluates the group licenses of these users (active ones; others are skipped) and writes the
 * result: the one entry point every trigger uses (membership, group license, user restore, usage
 * location, reprocess). The caller runs it in its transaction, after the group locks its change
 * needs; it takes the SKU and user locks itself, in the global order.
 */
export async function reapplyGroupLicensing(deps: ServiceDeps, repos: Repositories, trx: Kysely<Database>, userIds: readonly string[]): Promise<ReapplyResult> {
  const catalogue = await loadTenantCatalogue(deps.microsoftCatalogue, repos);
  const candidates = [...new Set(userIds)].sort();
  const empty: GroupLicensingPlan = { upserts: [], removals: [], seatsTaken: [], seatsFreed: [], outcomes: [], changedUsers: [] };
  if (candidates.length === 0) {
    return { plan: empty, catalogue };
  }
  // The users are read by the lock: the active ones come back locked, the others (deleted,
  // unknown) are skipped. The SKUs to lock first are those of every candidate's groups (a deleted
  // user's groups add a lock at most, never a row). Memberships and grants are read again once the
  // users are locked: a change to another of their groups may have committed while we waited, and
  // planning from the earlier read would bring back the rows it removed (or drop the ones it added).
  const readGroups = async () => {
    const memberships = await repos.groupLicensing.licensedMembershipsOf(candidates);
    const grants = await repos.groupLicensing.grantsOf([...new Set([...memberships.values()].flat().map((membership) => membership.groupId))]);
    return { memberships, grants, skuIds: [...new Set([...grants.values()].flat().map((grant) => grant.skuId))] };
  };
  const lockedSkus = new Set((await readGroups()).skuIds);
  let locked = await lockUsersAndSkus(repos, candidates, [...lockedSkus], { skipMissing: true });
  let current = await readGroups();
  while (current.skuIds.some((skuId) => !lockedSkus.has(skuId))) {
    current.skuIds.forEach((skuId) => lockedSkus.add(skuId));
    locked = await lockUsersAndSkus(repos, candidates, [...lockedSkus], { skipMissing: true });
    current = await readGroups();
  }
  const { memberships, grants } = current;
  const { users, counters } = locked;
  if (users.length === 0) {
    return { plan: empty, catalogue };
  }
  const active = users.map((user) => user.userId);
  const activeSet = new Set(active);
  const assignments = users.length === candidates.length ? locked.assignments : locked.assignments.filter((assignment) => activeSet.has(assignment.userId));
  const subscriptions = await repos.subscriptions.listForSkus([...counters.keys()]);
  const seats = await repos.assignments.listSeats(active);
  const tenant = await createTenantDirectory(trx).findById(repos.tenantId);
  // Indexed by user once: filtering the whole lists per user would be quadratic in a large group.
  const assignmentsByUser = groupByUser(assignments);
  const seatsByUser = groupByUser(seats);
  const plan = planGroupLicensing({
    users: users.map((user) => ({
      userId: user.userId,
      displayName: user.displayName,
      usageLocation: user.usageLocation,
      assignments: assignmentsByUser.get(user.userId) ?? [],
      memberships: memberships.get(user.userId) ?? [],
      seats: new Set((seatsByUser.get(user.userId) ?? []).map((seat) => seat.skuId)),
    })),
    grants,
    catalogue,
    ownedSkuIds: new Set(subscriptions.map((subscription) => subscription.skuId)),
    defaultUsageLocation: tenant?.defaultUsageLocation ?? null,
    seats: seatsBySku(subscriptions, counters, ADMIN_POOL),
  });
  await writeGroupPlan({ repos, plan, subscriptions, catalogue, at: deps.clock.now(), ids: deps.ids });
  return { plan, catalogue };
}

function groupByUser<T extends { userId: string }>(rows: readonly T[]): Map<string, T[]> {
  const byUser = new Map<string, T[]>();
  for (const row of rows) {
    const list = byUser.get(row.userId);
    if (list === undefined) {
      byUser.set(row.userId, [row]);
    } else {
      list.push(row);
    }
  }
  return byUser;
}


/**
 * One "Finish applying group based license to users" audit row per group a re-evaluation touched,
 * with counts (Entra's record of group licensing; never one row per user).
 */
export async function recordGroupOutcomes(deps: ServiceDeps, repos: Repositories, context: RequestContext, plan: GroupLicensingPlan, trigger: string): Promise<void> {
  const byGroup = new Map<string, { succeeded: number; failed: number }>();
  for (const outcome of plan.outcomes) {
    const counts = byGroup.get(outcome.groupId) ?? { succeeded: 0, failed: 0 };
    counts[outcome.succeeded ? 'succeeded' : 'failed'] += 1;
    byGroup.set(outcome.groupId, counts);
  }
  await repos.audit.record(
    context,
    [...byGroup].map(([groupId, counts]) => ({
      category: 'GroupManagement' as const,
      activity: 'Finish applying group based license to users',
      target: { type: 'Group' as const, id: groupId, name: null },
      changes: [],
      details: { trigger, summary: `[Users successfully assigned licenses: ${counts.succeeded}, Users for whom license assignment failed: ${counts.failed}.]`, ...counts },
    })),
    deps.clock.now(),
    deps.ids,
  );
}

/**
 * Allot's seat waitlist: after a change freed seats of these SKUs, members waiting in
 * CountViolation through a group license with the waitlist on get them, earliest membership
 * first, in the same transaction. Call it after the change's own writes.
 */
export async function fillWaitlist(deps: ServiceDeps, repos: Repositories, trx: Kysely<Database>, context: RequestContext, skuIds: readonly string[]): Promise<void> {
  if (skuIds.length === 0) {
    return;
  }
  const sorted = [...new Set(skuIds)].sort();
  const counters = await repos.subscriptions.lockSkus(sorted);
  const seats = seatsBySku(await repos.subscriptions.listForSkus(sorted), counters, ADMIN_POOL);
  const waiting = new Set<string>();
  for (const skuId of sorted) {
    for (const userId of await repos.groupLicensing.waitlisted([skuId], seats.get(skuId)?.free ?? 0)) {
      waiting.add(userId);
    }
  }
  if (waiting.size === 0) {
    return;
  }
  const { plan } = await reapplyGroupLicensing(deps, repos, trx, [...waiting]);
  await recordGroupOutcomes(deps, repos, context, plan, 'waitlist');
}
