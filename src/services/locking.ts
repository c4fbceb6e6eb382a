import { AppError, notFound } from '../domain/errors.js';
import { ROLES } from '../domain/authorization.js';
import type { DirectoryUser } from '../domain/user.js';
import type { Repositories } from '../db/repositories/index.js';
import type { UserAssignment } from '../db/repositories/assignment.repository.js';

/**
 * The global lock order, which every transaction follows so none can deadlock another:
 *   1. the tenant's admin guard (its tenant row), taken first by every change that can take away
 *      a Global Administrator: removing the role, deleting, disabling, removing the password;
 *   2. groups, by id: FOR UPDATE by a change of a group's licenses or members, FOR SHARE by a
 *      re-evaluation of its members;
 *   3. SKU counters, by skuId;
 *   4. users, by id.
 * One path bends it: a user property change that moves the user in or out of a dynamic group
 * locks that group after the user. A deadlock this can cause is detected by PostgreSQL and the
 * transaction retried (services/transaction.ts); the seat invariant never depends on the order.
 */

/**
 * Takes the tenant's admin guard (lock 1 of the order). Two changes that could each remove one of
 * the last two Global Administrators then run one after the other, and the second sees the first.
 */
export async function lockAdminGuard(repos: Repositories): Promise<void> {
  await repos.roleAssignments.lockAdminGuard();
}

/**
 * The invariant: a tenant keeps at least one enabled Global Administrator with a password. Refuses
 * (409) a change that takes `user` out of that set when no other user is in it. Call under the admin
 * guard, with the user as it is before the change.
 * @throws conflict
 */
export async function requireAnotherGlobalAdmin(
  repos: Repositories,
  user: { userId: string; userPrincipalName: string; accountEnabled: boolean; roles: readonly string[]; hasPassword: boolean },
  change: string,
): Promise<void> {
  const counts = user.accountEnabled && user.hasPassword && user.roles.includes('Global Administrator');
  if (counts && !(await repos.roleAssignments.hasOtherSignInCapableHolder(ROLES['Global Administrator'], user.userId))) {
    throw new AppError('conflict', 'The organization must keep at least one enabled Global Administrator who can sign in.', [
      {
        code: 'LastGlobalAdministrator',
        target: user.userId,
        message: `${user.userPrincipalName} is the last enabled Global Administrator with a password; ${change} would leave nobody able to administer the organization. Make another user Global Administrator first.`,
      },
    ]);
  }
}

/**
 * Takes the locks of a license change in the order above: the SKU counters (by skuId), then
 * the users (by id). The SKUs are those the caller names plus those the users hold; when a
 * concurrent change gave a user another SKU between the read and the lock, it reads again.
 * A user that is not there (or, unless `deleted`, soft-deleted) is a 404, or with `skipMissing`
 * left out of `users` (whose assignments may still be in `assignments`).
 */
export async function lockUsersAndSkus(
  repos: Repositories,
  userIds: readonly string[],
  skuIds: readonly string[],
  options: { deleted?: boolean; skipMissing?: boolean } = {},
): Promise<{ users: DirectoryUser[]; assignments: UserAssignment[]; counters: Map<string, number> }> {
  for (;;) {
    const held = await repos.assignments.skusHeldBy(userIds);
    const wanted = [...new Set([...skuIds.map((id) => id.toLowerCase()), ...held])].sort();
    const counters = await repos.subscriptions.lockSkus(wanted);
    // A restore locks soft-deleted users (against the purge job); everything else active ones.
    const users = options.deleted ? await repos.users.lockDeletedMany(userIds) : await repos.users.lockActiveMany(userIds);
    const locked = new Set(users.map((user) => user.userId));
    const missing = userIds.find((userId) => !locked.has(userId));
    if (missing !== undefined && !options.skipMissing) {
      throw notFound(missing);
    }
    const assignments = await repos.assignments.listForUsers(userIds);
    const lockedSkus = new Set(wanted);
    if (assignments.every((assignment) => lockedSkus.has(assignment.skuId))) {
      return { users, assignments, counters };
    }
  }
}
