import { type LicenseToAdd } from '../domain/assignment.js';
import type { AuditEntry } from '../domain/audit.js';
import { bulkRefusal, planBulkChange, type BulkMode, type BulkPlan, type BulkSubject } from '../domain/bulk-licenses.js';
import type { Catalogue, ServicePlan, Sku } from '../domain/catalogue.js';
import type { DataRecord } from '../domain/data-lifecycle.js';
import type { RequestContext } from '../domain/context.js';
import { AppError, orNotFound } from '../domain/errors.js';
import { DIRECT_SOURCE } from '../domain/ids.js';
import { effectiveLicenses, enabledPlanIds, isActiveAssignment, type Assignment } from '../domain/licenses.js';
import { ADMIN_POOL, freeSeats, otherPoolUnits, prepaidUnits } from '../domain/seats.js';
import type { Kysely } from 'kysely';
import type { Repositories } from '../db/repositories/index.js';
import type { Database } from '../db/schema.js';
import type { SubscriptionRecord } from '../db/repositories/subscription.repository.js';
import { loadTenantCatalogue } from './catalogue.service.js';
import type { ServiceDeps } from './deps.js';
import { loadLicensedUsers, type LicensedUser } from './licensing.service.js';
import { authorizeLicenseChange } from './license-authorization.js';
import { lockUsersAndSkus } from './locking.js';
import { seatsBySku, selfServiceSeatSkus, writeDirectPlans } from './seat-writer.js';
import { fillWaitlist } from './group-reapply.js';
import { inRolledBackTransaction, inTenantTransaction, tenantRepositories } from './transaction.js';

/** One product on the Licenses page: counts summed over its subscriptions, and the subscriptions. */
export interface ProductOverview {
  sku: Sku;
  assigned: number;
  /** Assignable by admins and not yet assigned (never negative). */
  available: number;
  /** Licenses in assignable subscriptions (Enabled + Warning) of every channel. */
  total: number;
  /** Seats held beyond what is assignable (a billing reduction or lifecycle change did it). */
  overAssignedBy: number;
  selfServiceUnits: number;
  /** Group members waiting for a seat (CountViolation), and those of them on a waitlist that fills itself. */
  waitingForSeat: { waiting: number; waitlisted: number };
  subscriptions: SubscriptionRecord[];
}

export interface BulkChangeInput {
  userIds: readonly string[];
  mode: BulkMode;
  licenses: readonly LicenseToAdd[];
  dryRun: boolean;
  /** For a single user's edit: the license version it was based on (a stale one is refused). */
  basedOnVersion?: number;
}

export interface BulkChangeResult {
  applied: boolean;
  plan: BulkPlan;
  /** A dry run's data clocks that the change would start (mailboxes entering their grace). */
  dataClocks?: DataRecord[];
}

/** Who gives a user which SKU with which plans, and the merged result (the "Explain" view). */
export interface LicenseExplanation {
  skuId: string;
  displayName: string;
  sources: {
    sourceId: string;
    kind: 'direct' | 'group';
    /** The group's name and, for a dynamic group, the rule that makes the user a member. */
    group?: { displayName: string; membershipRule: string | null; isMember: boolean };
    state: Assignment['state'];
    error: string | null;
    disabledPlans: string[];
    enabledPlans: string[];
  }[];
  merged: { disabledPlans: string[]; enabledPlans: string[] } | null;
  plans: { servicePlanId: string; name: string; enabled: boolean; enabledBy: string[] }[];
}

export const MAX_BULK_USERS = 1000;
export const MAX_PRODUCT_PAGE_USERS = 20;

const auditLicenseChanges = (plan: BulkPlan, users: readonly BulkSubject[], details: Record<string, unknown>): AuditEntry[] =>
  plan.plans
    .filter((change) => change.isChange)
    .map((change) => {
      const user = users.find((candidate) => candidate.userId === change.userId);
      return {
        category: 'UserManagement' as const,
        activity: 'Change user license',
        target: { type: 'User' as const, id: change.userId, name: user?.userPrincipalName ?? null },
        changes: [{ property: 'AssignedLicense', before: change.before, after: change.after }],
        details,
      };
    });

/** Locks, plans and (unless dry run) writes one bulk change inside the caller's transaction. */
export async function applyBulkChange(deps: ServiceDeps, context: RequestContext, repos: Repositories, trx: Kysely<Database>, input: BulkChangeInput): Promise<BulkChangeResult> {
  const userIds = [...new Set(input.userIds.map((id) => id.toLowerCase()))].sort();
  const { users, assignments, counters } = await lockUsersAndSkus(
    repos,
    userIds,
    input.licenses.map((license) => license.skuId),
  );
  // Checked under the user's lock, taken in the global order (SKUs, then users).
  const stale = input.basedOnVersion === undefined ? undefined : users.find((user) => user.licenseVersion !== input.basedOnVersion);
  if (stale) {
    throw new AppError('preconditionFailed', `The user's licenses changed since version ${input.basedOnVersion} (now ${stale.licenseVersion}). Reload them and apply your change again.`, [
      { code: 'StaleVersion', target: 'If-Match', message: "Someone else changed this user's licenses while you were editing. Nothing was saved." },
    ]);
  }
  // Even a dry run: it previews a change the caller could not make.
  const authorized = await authorizeLicenseChange(context, repos, users);
  const catalogue = await loadTenantCatalogue(deps.microsoftCatalogue, repos);
  const subscriptions = await repos.subscriptions.listForSkus([...counters.keys()]);
  const selfServiceSkus = selfServiceSeatSkus(await repos.assignments.listSeats(userIds), subscriptions);
  const subjects: BulkSubject[] = users.map((user) => ({
    userId: user.userId,
    userPrincipalName: user.userPrincipalName,
    displayName: user.displayName,
    usageLocation: user.usageLocation,
    assignments: assignments.filter((assignment) => assignment.userId === user.userId),
    selfServiceSkuIds: selfServiceSkus.get(user.userId) ?? new Set<string>(),
  }));
  const plan = planBulkChange({
    mode: input.mode,
    users: subjects,
    licenses: input.licenses,
    catalogue,
    ownedSkuIds: new Set(await repos.subscriptions.listSkuIds()),
    seats: seatsBySku(subscriptions, counters, ADMIN_POOL),
  });
  if (input.dryRun && !plan.isApplicable) {
    return { applied: false, plan, dataClocks: [] };
  }
  if (!plan.isApplicable) {
    throw bulkRefusal(plan);
  }
  const at = deps.clock.now();
  await writeDirectPlans({ repos, plans: plan.plans, subscriptions, pool: ADMIN_POOL, catalogue, at, ids: deps.ids, cause: 'bulk' });
  await fillWaitlist(deps, repos, trx, authorized, plan.plans.flatMap((change) => change.seatsFreed));
  await repos.audit.record(authorized, auditLicenseChanges(plan, subjects, { bulkMode: input.mode, usersInRequest: userIds.length }), at, deps.ids);
  // A dry run did the real writes in a transaction its caller rolls back.
  return input.dryRun ? { applied: false, plan, dataClocks: await repos.userData.clocksStartedAt(userIds, at) } : { applied: true, plan };
}

export function createLicenseAdminService(deps: ServiceDeps) {
  return {
    /** Billing > Licenses: every product the tenant has, with counts summed over subscriptions. */
    async overview(context: RequestContext): Promise<ProductOverview[]> {
      const repos = tenantRepositories(deps.db, context);
      const [catalogue, subscriptions, counters, waiting] = await Promise.all([
        loadTenantCatalogue(deps.microsoftCatalogue, repos),
        repos.subscriptions.list(),
        repos.subscriptions.listSeatCounters(),
        repos.groupLicensing.waitingPerSku(),
      ]);
      return [...counters]
        .map(([skuId, assigned]) => {
          const ofSku = subscriptions.filter((subscription) => subscription.skuId === skuId);
          const sku = catalogue.findSku(skuId);
          if (!sku) {
            return undefined;
          }
          const selfServiceUnits = otherPoolUnits(ofSku, ADMIN_POOL);
          const units = prepaidUnits(ofSku);
          const total = units.enabled + units.warning;
          return {
            sku,
            assigned,
            available: freeSeats(ofSku, ADMIN_POOL),
            total,
            overAssignedBy: Math.max(0, assigned - total),
            selfServiceUnits,
            waitingForSeat: waiting.get(skuId) ?? { waiting: 0, waitlisted: 0 },
            subscriptions: ofSku,
          };
        })
        .filter((item): item is ProductOverview => item !== undefined)
        .sort((a, b) => a.sku.displayName.localeCompare(b.sku.displayName));
    },

    /** Manage product licenses for up to 1,000 users at once; all or nothing; `dryRun` changes nothing. */
    async manageLicenses(context: RequestContext, input: BulkChangeInput): Promise<BulkChangeResult> {
      if (input.userIds.length > MAX_BULK_USERS) {
        throw new AppError('invalidRequest', `At most ${MAX_BULK_USERS} users per request; license more users through a group.`);
      }
      if ((input.mode === 'addMore' || input.mode === 'replace') && input.licenses.length === 0) {
        throw new AppError('invalidRequest', `Mode ${input.mode} needs at least one license.`);
      }
      return (input.dryRun ? inRolledBackTransaction : inTenantTransaction)(deps.db, context, (repos, trx) => applyBulkChange(deps, context, repos, trx, input));
    },

    /** A user's licenses for editing, with the version an edit must be based on. */
    async getUserLicenses(context: RequestContext, userKey: string): Promise<LicensedUser & { version: number }> {
      const repos = tenantRepositories(deps.db, context);
      const user = orNotFound(await repos.users.findActive(userKey), userKey);
      const catalogue = await loadTenantCatalogue(deps.microsoftCatalogue, repos);
      const [licensed] = await loadLicensedUsers(repos, catalogue, [user]);
      return { ...(licensed as LicensedUser), version: user.licenseVersion };
    },

    /**
     * Sets a user's direct licenses to exactly `licenses` (inherited and self-service ones stay),
     * refusing with 412 when the user's licenses changed since `expectedVersion`.
     */
    async setUserLicenses(context: RequestContext, userKey: string, expectedVersion: number, licenses: readonly LicenseToAdd[]): Promise<LicensedUser & { version: number }> {
      return inTenantTransaction(deps.db, context, async (repos, trx) => {
        const found = orNotFound(await repos.users.findActive(userKey), userKey);
        const mode: BulkMode = licenses.length === 0 ? 'removeAll' : 'replace';
        await applyBulkChange(deps, context, repos, trx, { userIds: [found.userId], mode, licenses, dryRun: false, basedOnVersion: expectedVersion });
        const user = orNotFound(await repos.users.findActive(found.userId), userKey);
        const catalogue = await loadTenantCatalogue(deps.microsoftCatalogue, repos);
        const [licensed] = await loadLicensedUsers(repos, catalogue, [user]);
        return { ...(licensed as LicensedUser), version: user.licenseVersion };
      });
    },

    /** Every source of a SKU (or of the SKUs holding a plan) for a user, and the merged result. */
    async explain(context: RequestContext, userKey: string, filter: { skuId?: string; servicePlanId?: string }): Promise<LicenseExplanation[]> {
      const repos = tenantRepositories(deps.db, context);
      const user = orNotFound(await repos.users.findActive(userKey), userKey);
      const catalogue = await loadTenantCatalogue(deps.microsoftCatalogue, repos);
      const assignments = await repos.assignments.listForUsers([user.userId]);
      const groupIds = [...new Set(assignments.map((assignment) => assignment.sourceId).filter((sourceId) => sourceId !== DIRECT_SOURCE))];
      const [groups, memberships] = await Promise.all([repos.groups.findMany(groupIds), repos.groupLicensing.membershipsIn(groupIds, [user.userId])]);
      const groupInfo = new Map(
        groups.map((group) => [
          group.groupId,
          { displayName: group.displayName, membershipRule: group.groupTypes.includes('DynamicMembership') ? group.membershipRule : null, isMember: memberships.has(`${group.groupId}:${user.userId}`) },
        ]),
      );
      const skuIds = [...new Set(assignments.map((assignment) => assignment.skuId))]
        .filter((skuId) => filter.skuId === undefined || skuId === filter.skuId.toLowerCase())
        .filter((skuId) => filter.servicePlanId === undefined || (catalogue.findSku(skuId)?.servicePlanIds ?? []).includes(filter.servicePlanId.toLowerCase()));
      return skuIds.map((skuId) => explainSku(catalogue, skuId, assignments.filter((assignment) => assignment.skuId === skuId), filter.servicePlanId, groupInfo));
    },
  };
}

type GroupInfo = NonNullable<LicenseExplanation['sources'][number]['group']>;

function explainSku(catalogue: Catalogue, skuId: string, assignments: readonly Assignment[], servicePlanId: string | undefined, groups: ReadonlyMap<string, GroupInfo>): LicenseExplanation {
  const sku = catalogue.findSku(skuId);
  const planIds = sku?.servicePlanIds ?? [];
  const enabledIn = (assignment: Assignment) => planIds.filter((planId) => !assignment.disabledPlans.includes(planId));
  const active = assignments.filter(isActiveAssignment);
  const [merged] = effectiveLicenses(active);
  const mergedEnabled = merged ? enabledPlanIds([merged], catalogue) : new Set<string>();
  const sourceName = (assignment: Assignment) => (assignment.sourceId === DIRECT_SOURCE ? 'direct' : `group ${groups.get(assignment.sourceId)?.displayName ?? assignment.sourceId}`);
  const plans = planIds
    .filter((planId) => servicePlanId === undefined || planId === servicePlanId.toLowerCase())
    .map((planId) => {
      const plan: ServicePlan | undefined = catalogue.findPlan(planId);
      return {
        servicePlanId: planId,
        name: plan ? plan.friendlyName : planId,
        enabled: mergedEnabled.has(planId),
        enabledBy: active.filter((assignment) => !assignment.disabledPlans.includes(planId)).map(sourceName),
      };
    });
  return {
    skuId,
    displayName: sku?.displayName ?? skuId,
    sources: assignments.map((assignment) => ({
      sourceId: assignment.sourceId,
      kind: assignment.sourceId === DIRECT_SOURCE ? 'direct' : 'group',
      ...(groups.has(assignment.sourceId) ? { group: groups.get(assignment.sourceId) } : {}),
      state: assignment.state,
      error: assignment.error,
      disabledPlans: [...assignment.disabledPlans],
      enabledPlans: enabledIn(assignment),
    })),
    merged: merged ? { disabledPlans: merged.disabledPlans, enabledPlans: [...mergedEnabled].filter((planId) => planIds.includes(planId)) } : null,
    plans,
  };
}

export type LicenseAdminService = ReturnType<typeof createLicenseAdminService>;
