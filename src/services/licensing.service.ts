import { planDirectChange, type LicenseToAdd } from '../domain/assignment.js';
import type { Catalogue } from '../domain/catalogue.js';
import type { RequestContext } from '../domain/context.js';
import { orNotFound } from '../domain/errors.js';
import type { Assignment } from '../domain/licenses.js';
import { ADMIN_POOL, type SeatPool, type SubscriptionStatus } from '../domain/seats.js';
import type { DirectoryUser } from '../domain/user.js';
import type { Repositories } from '../db/repositories/index.js';
import { loadTenantCatalogue } from './catalogue.service.js';
import type { ServiceDeps } from './deps.js';
import { fillWaitlist } from './group-reapply.js';
import { authorizeLicenseChange } from './license-authorization.js';
import { seatsBySku, selfServiceSeatSkus, writeDirectPlans } from './seat-writer.js';
import { inTenantTransaction, tenantRepositories } from './transaction.js';

/** A user with everything the Graph presenter needs to show its licenses. */
export interface LicensedUser {
  user: DirectoryUser;
  assignments: Assignment[];
  catalogue: Catalogue;
  /** Per SKU, the status of the subscription the user's seat draws from (Suspended: no access). */
  seatStatuses?: ReadonlyMap<string, SubscriptionStatus>;
}

export interface AssignLicenseOptions {
  /** Object id or userPrincipalName. */
  userKey: string;
  add: readonly LicenseToAdd[];
  remove: readonly string[];
  /** Whose seats to draw: admins' by default; a purchaser assigns from its own purchase. */
  pool?: SeatPool;
}

export async function loadLicensedUsers(repos: Repositories, catalogue: Catalogue, users: readonly DirectoryUser[]): Promise<LicensedUser[]> {
  const userIds = users.map((user) => user.userId);
  const [assignments, statuses] = await Promise.all([repos.assignments.listForUsers(userIds), repos.assignments.seatStatuses(userIds)]);
  return users.map((user) => ({
    user,
    assignments: assignments.filter((assignment) => assignment.userId === user.userId),
    catalogue,
    seatStatuses: new Map(statuses.filter((seat) => seat.userId === user.userId).map((seat) => [seat.skuId, seat.status])),
  }));
}

export function createLicensingService(deps: ServiceDeps) {
  return {
    /**
     * Graph's user assignLicense: adds and removes direct licenses of one user as one atomic change.
     * @throws licenseAssignmentFailed with Graph's message when a rule refuses; notFound for the user;
     *   forbidden when the caller may not license this user (a guest needs a Global Administrator).
     */
    async assignLicense(context: RequestContext, options: AssignLicenseOptions): Promise<LicensedUser> {
      return inTenantTransaction(deps.db, context, async (repos, trx) => {
        const found = orNotFound(await repos.users.findActive(options.userKey), options.userKey);
        const skuIds = [...new Set([...options.add.map((license) => license.skuId), ...options.remove].map((id) => id.toLowerCase()))].sort();
        // Lock order everywhere: SKU counters (by skuId), then users. Opposite swaps cannot deadlock.
        const counters = await repos.subscriptions.lockSkus(skuIds);
        const user = orNotFound(await repos.users.lockActive(found.userId), options.userKey);
        const authorized = await authorizeLicenseChange(context, repos, [user]);
        const catalogue = await loadTenantCatalogue(deps.microsoftCatalogue, repos);
        const subscriptions = await repos.subscriptions.listForSkus([...counters.keys()]);
        const pool = options.pool ?? ADMIN_POOL;
        const assignments = await repos.assignments.listForUsers([user.userId]);
        const selfServiceSkuIds = pool.kind === 'admin' ? selfServiceSeatSkus(await repos.assignments.listSeats([user.userId]), subscriptions).get(user.userId) : undefined;
        const plan = planDirectChange({
          user: { userId: user.userId, displayName: user.displayName, usageLocation: user.usageLocation, assignments },
          add: options.add,
          remove: options.remove,
          catalogue,
          ownedSkuIds: new Set(await repos.subscriptions.listSkuIds()),
          seats: seatsBySku(subscriptions, counters, pool),
          ...(selfServiceSkuIds ? { selfServiceSkuIds } : {}),
        });
        if (plan.isChange) {
          const at = deps.clock.now();
          await writeDirectPlans({ repos, plans: [plan], subscriptions, pool, catalogue, at, ids: deps.ids, cause: 'direct' });
          await fillWaitlist(deps, repos, trx, authorized, plan.seatsFreed);
          await repos.audit.record(
            authorized,
            [
              {
                category: 'UserManagement',
                activity: 'Change user license',
                target: { type: 'User', id: user.userId, name: user.userPrincipalName },
                changes: [{ property: 'AssignedLicense', before: plan.before, after: plan.after }],
              },
            ],
            at,
            deps.ids,
          );
        }
        const updated = orNotFound(await repos.users.findActive(user.userId), user.userId);
        return (await loadLicensedUsers(repos, catalogue, [updated]))[0] as LicensedUser;
      });
    },

    async getLicensedUser(context: RequestContext, userKey: string): Promise<LicensedUser> {
      const repos = tenantRepositories(deps.db, context);
      const user = orNotFound(await repos.users.findActive(userKey), userKey);
      const catalogue = await loadTenantCatalogue(deps.microsoftCatalogue, repos);
      return (await loadLicensedUsers(repos, catalogue, [user]))[0] as LicensedUser;
    },
  };
}

export type LicensingService = ReturnType<typeof createLicensingService>;
