import type { LicenseToAdd } from '../domain/assignment.js';
import { skuLabel } from '../domain/assignment.js';
import type { Catalogue } from '../domain/catalogue.js';
import { requireAllowed, type RequestContext } from '../domain/context.js';
import { AppError, notFound, orNotFound, type ErrorDetail } from '../domain/errors.js';
import type { GroupLicensingPlan } from '../domain/group-licensing.js';
import { findRuleViolations } from '../domain/assignment.js';
import { effectiveLicenses, enabledPlanIds } from '../domain/licenses.js';
import type { Repositories } from '../db/repositories/index.js';
import type { GroupLicenseHeader } from '../db/repositories/group-licensing.repository.js';
import { loadTenantCatalogue } from './catalogue.service.js';
import type { ServiceDeps } from './deps.js';
import { authorizeLicenseChange } from './license-authorization.js';
import { loadLicensedUsers, type LicensedUser } from './licensing.service.js';
import { fillWaitlist, reapplyGroupLicensing } from './group-reapply.js';
import { inTenantTransaction, tenantRepositories } from './transaction.js';

/**
 * Groups up to this many members are licensed inside the request's transaction, so the 202 of
 * assignLicense already reads ProcessingComplete; larger ones are QueuedForProcessing and the job
 * runner applies them chunk by chunk (a kill -9 resumes after the last committed chunk).
 * PostgreSQL writes a 100k-member group in about a second (bench/group-licensing.ts); PGlite
 * serialises every transaction, so it keeps them short for sign-in and reads meanwhile.
 * ALLOT_GROUP_INLINE_LIMIT overrides it.
 */
export const INLINE_GROUP_LIMIT = { postgres: 100_000, pglite: 5_000 } as const;

const bad = (message: string, detail: ErrorDetail): AppError => new AppError('licenseAssignmentFailed', message, [detail]);

/**
 * The group's own SKU set, validated as Graph does before anything is processed: SKUs the tenant
 * owns, user SKUs only, disabledPlans of the SKU, and every dependency satisfied inside the group.
 */
function validateGroupLicenses(licenses: readonly LicenseToAdd[], catalogue: Catalogue, ownedSkuIds: ReadonlySet<string>): void {
  for (const license of licenses) {
    const sku = catalogue.findSku(license.skuId);
    if (!sku || !ownedSkuIds.has(license.skuId)) {
      throw bad(`License ${license.skuId} does not correspond to a valid company License.`, {
        code: 'UnknownLicense',
        target: license.skuId,
        message: `The organization has no subscription for the product ${license.skuId}. Check the skuId against GET /v1.0/subscribedSkus.`,
      });
    }
    if (sku.appliesTo !== 'User') {
      throw bad(`License ${license.skuId} cannot be assigned to a user.`, { code: 'CompanyLicense', target: license.skuId, message: `${sku.displayName} is a tenant-wide product; groups license people.` });
    }
    const foreign = license.disabledPlans.filter((planId) => !sku.servicePlanIds.includes(planId));
    if (foreign.length > 0) {
      throw bad(`License assignment failed because service plan(s) ${foreign.join(', ')} do not belong to license ${sku.skuId}.`, {
        code: 'InvalidDisabledPlan',
        target: 'disabledPlans',
        message: `disabledPlans may only list service plans of ${sku.displayName}.`,
      });
    }
  }
  const enabled = enabledPlanIds(effectiveLicenses(licenses.map((license) => ({ ...license, state: 'Active' as const }))), catalogue);
  const missing = findRuleViolations(enabled, catalogue).find((violation) => violation.rule.kind === 'requiresOneOf');
  if (missing && missing.rule.kind === 'requiresOneOf') {
    const dependent = catalogue.findPlan(missing.rule.servicePlanId);
    const required = missing.rule.requiredPlanIds.map((planId) => catalogue.findPlan(planId)?.friendlyName ?? planId).join(' or ');
    throw bad(`License assignment failed because service plan ${missing.rule.servicePlanId} depends on the service plan(s) ${missing.rule.requiredPlanIds.join(', ')}`, {
      code: 'DependencyViolation',
      target: missing.rule.servicePlanId,
      message: `Make sure that the group has necessary services before adding or removing a dependent service. ${dependent?.friendlyName ?? missing.rule.servicePlanId} requires ${required} to be enabled as well, in the same group.`,
    });
  }
}

export interface GroupAssignResult {
  group: GroupLicenseHeader;
  /** True when the group was queued for the job runner instead of applied in the request. */
  queued?: boolean;
  processed: number;
  succeeded: number;
  failed: number;
}

export function createGroupLicensingService(deps: ServiceDeps) {
  const record = (repos: Repositories, context: RequestContext, entries: Parameters<Repositories['audit']['record']>[1]) => repos.audit.record(context, entries, deps.clock.now(), deps.ids);

  /** Audit rows of one application of a group's licenses, as Entra writes them (counts, not one row per user). */
  const recordApplication = async (repos: Repositories, context: RequestContext, group: { groupId: string; displayName: string }, plan: GroupLicensingPlan, processed: number) => {
    const outcomes = plan.outcomes.filter((outcome) => outcome.groupId === group.groupId);
    const failed = outcomes.filter((outcome) => !outcome.succeeded).length;
    const target = { type: 'Group' as const, id: group.groupId, name: group.displayName };
    await record(repos, context, [
      { category: 'GroupManagement', activity: 'Start applying group based license to users', target, changes: [], details: { users: processed } },
      {
        category: 'GroupManagement',
        activity: 'Finish applying group based license to users',
        target,
        changes: [],
        details: { summary: `[Users successfully assigned licenses: ${outcomes.length - failed}, Users for whom license assignment failed: ${failed}.]`, succeeded: outcomes.length - failed, failed },
      },
    ]);
    return { succeeded: outcomes.length - failed, failed };
  };

  /** A group too large for one transaction: the job runner applies it chunk by chunk (jobs/process-group-license-jobs.ts). */
  const queue = async (repos: Repositories, context: RequestContext, group: GroupLicenseHeader, total: number): Promise<GroupAssignResult> => {
    await repos.groupLicensing.queueJob({ jobId: deps.ids(), groupId: group.groupId, total }, deps.clock.now());
    await repos.groupLicensing.setProcessingState(group.groupId, 'QueuedForProcessing');
    await record(repos, context, [
      { category: 'GroupManagement', activity: 'Start applying group based license to users', target: { type: 'Group', id: group.groupId, name: group.displayName }, changes: [], details: { users: total, queued: true } },
    ]);
    return { group: { ...group, licenseProcessingState: 'QueuedForProcessing' }, processed: 0, succeeded: 0, failed: 0, queued: true };
  };

  return {
    /**
     * Graph's group assignLicense: sets the group's licenses (validated synchronously) and applies
     * them to every direct user member in the same transaction.
     * @throws notFound, licenseAssignmentFailed (Graph's messages), forbidden (a guest member and the tenant setting)
     */
    async assignLicense(context: RequestContext, groupId: string, request: { add: readonly LicenseToAdd[]; remove: readonly string[] }): Promise<GroupAssignResult> {
      const allowed = requireAllowed(context, { action: 'licenses.assign' });
      return inTenantTransaction(deps.db, allowed, async (repos, trx) => {
        const [group] = await repos.groupLicensing.lockGroups([groupId], 'update');
        if (group === undefined) {
          throw notFound(groupId);
        }
        const catalogue = await loadTenantCatalogue(deps.microsoftCatalogue, repos);
        const add = request.add.map((license) => ({ skuId: license.skuId.toLowerCase(), disabledPlans: [...new Set(license.disabledPlans.map((id) => id.toLowerCase()))].sort() }));
        const remove = [...new Set(request.remove.map((id) => id.toLowerCase()))];
        const current = (await repos.groupLicensing.grantsOf([groupId])).get(groupId) ?? [];
        const owned = new Set((await repos.subscriptions.list()).map((subscription) => subscription.skuId));
        for (const skuId of remove) {
          if (!current.some((grant) => grant.skuId === skuId)) {
            // UNCONFIRMED: Graph's text for removing a license the group does not have.
            throw bad(`License ${skuId} is not assigned to the group.`, { code: 'LicenseNotAssigned', target: skuId, message: `${group.displayName} has no ${skuLabel(catalogue.findSku(skuId), skuId)} license to remove.` });
          }
        }
        const after = [
          ...current.filter((grant) => !remove.includes(grant.skuId) && !add.some((license) => license.skuId === grant.skuId)),
          ...add.map((license) => ({ groupId, ...license })),
        ];
        validateGroupLicenses(after, catalogue, owned);

        const members = await repos.groupLicensing.userMembersInOrder(groupId);
        const memberUsers = await repos.users.findActiveMany(members.map((member) => member.userId));
        const authorized = add.length > 0 ? await authorizeLicenseChange(allowed, repos, memberUsers) : allowed;
        const at = deps.clock.now();
        await repos.groupLicensing.deleteGrants(groupId, remove);
        await repos.groupLicensing.upsertGrants(groupId, add.map((license) => ({ ...license, waitlist: current.find((grant) => grant.skuId === license.skuId)?.waitlist ?? false })), at);
        await record(repos, authorized, [
          {
            category: 'GroupManagement',
            activity: 'Set group license',
            target: { type: 'Group', id: groupId, name: group.displayName },
            changes: [{ property: 'AssignedLicense', before: current.map((grant) => ({ skuId: grant.skuId, disabledPlans: grant.disabledPlans })), after: after.map((grant) => ({ skuId: grant.skuId, disabledPlans: grant.disabledPlans })) }],
          },
        ]);
        if (members.length > (deps.groupInlineLimit ?? INLINE_GROUP_LIMIT.pglite)) {
          return queue(repos, authorized, group, members.length);
        }
        // Members, and users still carrying rows of the group (a removed license's contributions).
        const affected = [...new Set([...members.map((member) => member.userId), ...(await repos.groupLicensing.usersWithRowsOf(groupId))])];
        const { plan } = await reapplyGroupLicensing(deps, repos, trx, affected);
        await fillWaitlist(deps, repos, trx, authorized, plan.seatsFreed.map((seat) => seat.skuId));
        await repos.groupLicensing.setProcessingState(groupId, 'ProcessingComplete');
        const counts = await recordApplication(repos, authorized, group, plan, members.length);
        return { group, processed: members.length, ...counts };
      });
    },

    /** Graph's reprocessLicenseAssignment: re-evaluates every group-based assignment of one user. */
    async reprocessUser(context: RequestContext, userKey: string): Promise<LicensedUser> {
      return inTenantTransaction(deps.db, context, async (repos, trx) => {
        const user = orNotFound(await repos.users.findActive(userKey), userKey);
        const authorized = await authorizeLicenseChange(context, repos, [user]);
        const groupIds = [...new Set(((await repos.groupLicensing.licensedMembershipsOf([user.userId])).get(user.userId) ?? []).map((membership) => membership.groupId))];
        await repos.groupLicensing.lockGroups(groupIds, 'share');
        const { plan, catalogue } = await reapplyGroupLicensing(deps, repos, trx, [user.userId]);
        await record(repos, authorized, [
          {
            category: 'UserManagement',
            activity: 'Reprocess license assignment',
            target: { type: 'User', id: user.userId, name: user.userPrincipalName },
            changes: plan.changedUsers.map((changed) => ({ property: 'AssignedLicense', before: changed.before, after: changed.after })),
            details: { outcomes: plan.outcomes },
          },
        ]);
        const fresh = orNotFound(await repos.users.findActive(user.userId), user.userId);
        return (await loadLicensedUsers(repos, catalogue, [fresh]))[0] as LicensedUser;
      });
    },

    /** Allot's group reprocess (Graph has none): re-evaluates every member of the group. */
    async reprocessGroup(context: RequestContext, groupId: string): Promise<GroupAssignResult> {
      const allowed = requireAllowed(context, { action: 'licenses.assign' });
      return inTenantTransaction(deps.db, allowed, async (repos, trx) => {
        const [group] = await repos.groupLicensing.lockGroups([groupId], 'update');
        if (group === undefined) {
          throw notFound(groupId);
        }
        const members = await repos.groupLicensing.userMembersInOrder(groupId);
        if (members.length > (deps.groupInlineLimit ?? INLINE_GROUP_LIMIT.pglite)) {
          return queue(repos, allowed, group, members.length);
        }
        const { plan } = await reapplyGroupLicensing(deps, repos, trx, members.map((member) => member.userId));
        await fillWaitlist(deps, repos, trx, allowed, plan.seatsFreed.map((seat) => seat.skuId));
        await repos.groupLicensing.setProcessingState(groupId, 'ProcessingComplete');
        const counts = await recordApplication(repos, allowed, group, plan, members.length);
        return { group, processed: members.length, ...counts };
      });
    },

    /**
     * Allot's seat waitlist for one license of a group: with it on, members waiting in
     * CountViolation get seats as they free up (earliest membership first); turning it on hands
     * out the seats free now.
     * @throws notFound for the group or a license the group does not have
     */
    async setWaitlist(context: RequestContext, groupId: string, skuId: string, waitlist: boolean): Promise<void> {
      const allowed = requireAllowed(context, { action: 'licenses.assign' });
      await inTenantTransaction(deps.db, allowed, async (repos, trx) => {
        const [group] = await repos.groupLicensing.lockGroups([groupId], 'update');
        if (group === undefined) {
          throw notFound(groupId);
        }
        const grant = (await repos.groupLicensing.grantsOf([groupId])).get(groupId)?.find((candidate) => candidate.skuId === skuId.toLowerCase());
        if (grant === undefined) {
          throw notFound(skuId);
        }
        if (grant.waitlist === waitlist) {
          return;
        }
        await repos.groupLicensing.upsertGrants(groupId, [{ skuId: grant.skuId, disabledPlans: grant.disabledPlans, waitlist }], grant.assignedAt);
        await record(repos, allowed, [
          { category: 'GroupManagement', activity: 'Set group license', target: { type: 'Group', id: groupId, name: group.displayName }, changes: [{ property: `Waitlist(${grant.skuId})`, before: grant.waitlist, after: waitlist }] },
        ]);
        if (waitlist) {
          await fillWaitlist(deps, repos, trx, allowed, [grant.skuId]);
        }
      });
    },

    /** Users with a license error from this group (Graph's membersWithLicenseErrors), by id. */
    async membersWithLicenseErrors(context: RequestContext, groupId: string, options: { after?: string; top: number }): Promise<{ users: LicensedUser[]; next?: string }> {
      const repos = tenantRepositories(deps.db, context);
      const [group] = await repos.groupLicensing.lockGroups([groupId], 'share');
      if (group === undefined) {
        throw notFound(groupId);
      }
      const ids = await repos.groupLicensing.membersWithErrors(groupId, { ...(options.after === undefined ? {} : { after: options.after }), limit: options.top + 1 });
      const page = ids.slice(0, options.top);
      const catalogue = await loadTenantCatalogue(deps.microsoftCatalogue, repos);
      const users = await loadLicensedUsers(repos, catalogue, await repos.users.findActiveMany(page));
      return { users, ...(ids.length > options.top ? { next: page.at(-1) as string } : {}) };
    },
  };
}
