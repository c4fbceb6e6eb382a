import { orNotFound } from '../domain/errors.js';
import type { DirectoryUser } from '../domain/user.js';
import type { Repositories } from '../db/repositories/index.js';
import type { UserAssignment } from '../db/repositories/assignment.repository.js';

/**
 * Takes the locks of a license change in the one global order: the SKU counters (by skuId), then
 * the users (by id). The SKUs are those the caller names plus those the users hold; when a
 * concurrent change gave a user another SKU between the read and the lock, it reads again.
 */
export async function lockUsersAndSkus(
  repos: Repositories,
  userIds: readonly string[],
  skuIds: readonly string[],
  options: { deleted?: boolean } = {},
): Promise<{ users: DirectoryUser[]; assignments: UserAssignment[]; counters: Map<string, number> }> {
  for (;;) {
    const held = await repos.assignments.listForUsers(userIds);
    const wanted = [...new Set([...skuIds.map((id) => id.toLowerCase()), ...held.map((assignment) => assignment.skuId)])].sort();
    const counters = await repos.subscriptions.lockSkus(wanted);
    // A restore locks soft-deleted users (against the purge job); everything else active ones.
    const users = options.deleted ? await repos.users.lockDeletedMany(userIds) : await repos.users.lockActiveMany(userIds);
    for (const userId of userIds) {
      orNotFound(
        users.find((user) => user.userId === userId),
        userId,
      );
    }
    const assignments = await repos.assignments.listForUsers(userIds);
    if (assignments.every((assignment) => wanted.includes(assignment.skuId))) {
      return { users, assignments, counters };
    }
  }
}
