import type { Kysely } from 'kysely';
import type { RequestContext } from '../domain/context.js';
import { matchesRule, parseMembershipRule, ruleProperties, type MembershipRule, type MembershipRuleProperty } from '../domain/dynamic-rule.js';
import type { Repositories } from '../db/repositories/index.js';
import type { Database } from '../db/schema.js';
import type { ServiceDeps } from './deps.js';
import { fillWaitlist, reapplyGroupLicensing, recordGroupOutcomes } from './group-reapply.js';
import { authorizeLicenseChange } from './license-authorization.js';

/**
 * The triggers of group-based licensing, each run inside the transaction of the change that
 * causes it, so a membership, a rule or a user property and the licenses that follow from it
 * commit together (Entra does this in the background, "typically within minutes").
 */

/**
 * After members were added to or removed from a group (the group row locked by the caller):
 * re-evaluates exactly those users. Adding a guest to a licensed group licenses it, so the
 * guest-licensing rule applies as to a direct assignment.
 */
export async function afterMembershipChange(
  deps: ServiceDeps,
  repos: Repositories,
  trx: Kysely<Database>,
  context: RequestContext,
  change: { groupId: string; addedUserIds: readonly string[]; removedUserIds: readonly string[] },
): Promise<void> {
  const grants = (await repos.groupLicensing.grantsOf([change.groupId])).get(change.groupId) ?? [];
  const hadRows = change.removedUserIds.length > 0 ? await repos.groupLicensing.usersWithRowsOf(change.groupId) : [];
  const removed = change.removedUserIds.filter((userId) => hadRows.includes(userId));
  if (grants.length === 0 && removed.length === 0) {
    return;
  }
  if (grants.length > 0 && change.addedUserIds.length > 0) {
    await authorizeLicenseChange(context, repos, await repos.users.findActiveMany(change.addedUserIds));
  }
  const { plan } = await reapplyGroupLicensing(deps, repos, trx, [...change.addedUserIds, ...removed]);
  await fillWaitlist(deps, repos, trx, context, plan.seatsFreed.map((seat) => seat.skuId));
  await recordGroupOutcomes(deps, repos, context, plan, 'membership');
}

/**
 * Brings a dynamic group's members in line with its rule (after the group was created, its rule
 * edited or its processing turned On): adds the active users who match, removes those who no
 * longer do, in two set-based statements, then re-evaluates their licenses. Paused groups keep
 * their members.
 */
export async function syncDynamicGroup(
  deps: ServiceDeps,
  repos: Repositories,
  trx: Kysely<Database>,
  context: RequestContext,
  group: { groupId: string; displayName: string; membershipRule: string | null; processing: 'On' | 'Paused' | null },
): Promise<{ added: number; removed: number }> {
  if (group.membershipRule === null || group.processing !== 'On') {
    return { added: 0, removed: 0 };
  }
  const { joining, leaving } = await ruleMembershipChange(repos, group.groupId, parseMembershipRule(group.membershipRule));
  await writeRuleMembership(deps, repos, trx, context, group, joining, leaving);
  return { added: joining.length, removed: leaving.length };
}

/**
 * Who a rule would add to a group (active users who match and are not members) and remove
 * (active members who do not match). Soft-deleted members stay: a restore brings them back, as in Entra.
 */
export async function ruleMembershipChange(repos: Repositories, groupId: string, rule: MembershipRule): Promise<{ joining: string[]; leaving: string[] }> {
  const matching = new Set((await repos.users.listActive()).filter((user) => matchesRule(rule, user)).map((user) => user.userId));
  const current = await repos.groupLicensing.userMemberIds(groupId);
  const members = new Set(current);
  const active = new Set((await repos.users.findActiveMany(current)).map((user) => user.userId));
  return {
    joining: [...matching].filter((userId) => !members.has(userId)).sort(),
    leaving: current.filter((userId) => active.has(userId) && !matching.has(userId)).sort(),
  };
}

/**
 * After users were created or changed (a property a rule reads), restored or soft-deleted:
 * moves them in or out of every processed dynamic group, then re-evaluates their licenses (a
 * changed usage location matters to group licenses even without dynamic groups).
 */
export async function afterUsersChanged(
  deps: ServiceDeps,
  repos: Repositories,
  trx: Kysely<Database>,
  context: RequestContext,
  userIds: readonly string[],
  changed?: ReadonlySet<string>,
): Promise<void> {
  const users = await repos.users.findActiveMany(userIds);
  if (users.length === 0) {
    return;
  }
  const groups = (await repos.groupLicensing.activeDynamicGroups())
    .map((group) => ({ ...group, rule: parseMembershipRule(group.membershipRule) }))
    .filter((group) => changed === undefined || [...ruleProperties(group.rule)].some((property: MembershipRuleProperty) => changed.has(property)));
  const memberships = await repos.groupLicensing.membershipsIn(
    groups.map((group) => group.groupId),
    users.map((user) => user.userId),
  );
  const moved = new Set<string>();
  for (const group of groups) {
    const added: string[] = [];
    const removed: string[] = [];
    for (const user of users) {
      const isMember = memberships.has(`${group.groupId}:${user.userId}`);
      const matches = matchesRule(group.rule, user);
      if (matches && !isMember) {
        added.push(user.userId);
      } else if (!matches && isMember) {
        removed.push(user.userId);
      }
    }
    if (added.length > 0 || removed.length > 0) {
      await repos.groupLicensing.lockGroups([group.groupId], 'share');
      // Joining a licensed group by a property change licenses the user: the same rule as a direct assignment.
      if (added.length > 0 && ((await repos.groupLicensing.grantsOf([group.groupId])).get(group.groupId) ?? []).length > 0) {
        await authorizeLicenseChange(context, repos, users.filter((user) => added.includes(user.userId)));
      }
      await writeRuleMembership(deps, repos, trx, context, { groupId: group.groupId, displayName: group.displayName }, added, removed, { relicense: false });
      for (const userId of [...added, ...removed]) {
        moved.add(userId);
      }
    }
  }
  const { plan } = await reapplyGroupLicensing(deps, repos, trx, users.map((user) => user.userId));
  await fillWaitlist(deps, repos, trx, context, plan.seatsFreed.map((seat) => seat.skuId));
  if (moved.size > 0 || plan.outcomes.length > 0) {
    await recordGroupOutcomes(deps, repos, context, plan, 'user change');
  }
}

async function writeRuleMembership(
  deps: ServiceDeps,
  repos: Repositories,
  trx: Kysely<Database>,
  context: RequestContext,
  group: { groupId: string; displayName: string },
  added: readonly string[],
  removed: readonly string[],
  options: { relicense: boolean } = { relicense: true },
): Promise<void> {
  if (added.length === 0 && removed.length === 0) {
    return;
  }
  const at = deps.clock.now();
  await repos.groupLicensing.addUserMembers(group.groupId, added, at);
  await repos.groupLicensing.removeUserMembers(group.groupId, removed);
  // One row per rule application, with counts (Entra logs rule-driven changes as the directory's own).
  await repos.audit.record(
    context,
    [
      {
        category: 'GroupManagement',
        activity: 'Update group membership by rule',
        target: { type: 'Group', id: group.groupId, name: group.displayName },
        changes: [],
        details: { added: added.length, removed: removed.length, addedUserIds: added.slice(0, 100), removedUserIds: removed.slice(0, 100) },
      },
    ],
    at,
    deps.ids,
  );
  if (options.relicense) {
    await afterMembershipChange(deps, repos, trx, context, { groupId: group.groupId, addedUserIds: added, removedUserIds: removed });
  }
}
