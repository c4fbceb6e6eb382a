import type { LicenseToAdd } from '../domain/assignment.js';
import { skuLabel } from '../domain/assignment.js';
import type { Catalogue } from '../domain/catalogue.js';
import { requireAllowed, type RequestContext } from '../domain/context.js';
import { AppError, notFound, orNotFound, type ErrorDetail } from '../domain/errors.js';
import type { GroupLicensingPlan } from '../domain/group-licensing.js';
import { matchesRule, parseMembershipRule } from '../domain/dynamic-rule.js';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import { findRuleViolations } from '../domain/assignment.js';
import { effectiveLicenses, enabledPlanIds } from '../domain/licenses.js';
import type { Repositories } from '../db/repositories/index.js';
import type { GroupGrantRecord, GroupLicenseHeader } from '../db/repositories/group-licensing.repository.js';
import { loadTenantCatalogue } from './catalogue.service.js';
import type { ServiceDeps } from './deps.js';
import { authorizeLicenseChange } from './license-authorization.js';
import { loadLicensedUsers, type LicensedUser } from './licensing.service.js';
import { fillWaitlist, reapplyGroupLicensing } from './group-reapply.js';
import { ruleMembershipChange } from './group-triggers.js';
import { inRolledBackTransaction, inTenantTransaction, tenantRepositories } from './transaction.js';

/**
 * Groups up to this many members are licensed inside the request's transaction, so the 202 of
 * assignLicense already reads ProcessingComplete; larger ones are QueuedForProcessing and the job
 * runner applies them chunk by chunk (a kill -9 resumes after the last committed chunk). Measured
 * with `npm run bench:groups` (PostgreSQL, 2 cores, loaded machine): about 150 µs per member, so
 * 5,000 members take about 0.75 s; a 100k-member group about 16 s, far from the one-second
 * goal (bench/README.md says where the time goes). PGlite serialises every transaction, so it keeps
 * them shorter still. ALLOT_GROUP_INLINE_LIMIT overrides it.
 */
export const INLINE_GROUP_LIMIT = { postgres: 5_000, pglite: 2_000 } as const;

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

const EMPTY_PLAN: GroupLicensingPlan = { upserts: [], removals: [], seatsTaken: [], seatsFreed: [], outcomes: [], changedUsers: [] };

/** What a group change would do (the dry run's answer). */
export interface GroupChangePreview {
  /** Seats taken minus freed, per SKU (positive: licenses that must be free). */
  seatDeltas: { skuId: string; delta: number }[];
  /** Users whose effective licenses would change, with before and after. */
  changedUsers: GroupLicensingPlan['changedUsers'];
  /** Users and groups that would land in an error, with Graph's error code. */
  errors: { userId: string; groupId: string; error: string | null }[];
  succeeded: number;
  failed: number;
}

const previewOf = (plan: GroupLicensingPlan): GroupChangePreview => {
  const deltas = new Map<string, number>();
  for (const seat of plan.seatsTaken) {
    deltas.set(seat.skuId, (deltas.get(seat.skuId) ?? 0) + 1);
  }
  for (const seat of plan.seatsFreed) {
    deltas.set(seat.skuId, (deltas.get(seat.skuId) ?? 0) - 1);
  }
  const failed = plan.outcomes.filter((outcome) => !outcome.succeeded);
  return {
    seatDeltas: [...deltas]
      .filter(([, delta]) => delta !== 0)
      .map(([skuId, delta]) => ({ skuId, delta }))
      .sort((a, b) => a.skuId.localeCompare(b.skuId)),
    changedUsers: plan.changedUsers,
    errors: failed.map((outcome) => ({ userId: outcome.userId, groupId: outcome.groupId, error: outcome.error })),
    succeeded: plan.outcomes.length - failed.length,
    failed: failed.length,
  };
};

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

  /** A group license change in the caller's transaction; a preview applies it inline whatever the group's size. */
  const changeLicenses = async (
    repos: Repositories,
    trx: Kysely<Database>,
    allowed: RequestContext,
    groupId: string,
    request: { add: readonly LicenseToAdd[]; remove: readonly string[] },
    options: { preview: boolean },
  ): Promise<{ result: GroupAssignResult; plan: GroupLicensingPlan }> => {
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
    // Only an added license is checked against its targets (a removal needs no read of the members).
    const authorized = add.length > 0 ? await authorizeLicenseChange(allowed, repos, await repos.users.findActiveLicenseTargets(members.map((member) => member.userId))) : allowed;
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
    if (!options.preview && members.length > (deps.groupInlineLimit ?? INLINE_GROUP_LIMIT.pglite)) {
      return { result: await queue(repos, authorized, group, members.length), plan: EMPTY_PLAN };
    }
    // Members, and users still carrying rows of the group (a removed license's contributions).
    const affected = [...new Set([...members.map((member) => member.userId), ...(await repos.groupLicensing.usersWithRowsOf(groupId))])];
    const { plan } = await reapplyGroupLicensing(deps, repos, trx, affected);
    await fillWaitlist(deps, repos, trx, authorized, plan.seatsFreed.map((seat) => seat.skuId));
    await repos.groupLicensing.setProcessingState(groupId, 'ProcessingComplete');
    const counts = await recordApplication(repos, authorized, group, plan, members.length);
    return { result: { group, processed: members.length, ...counts }, plan };
  };

  return {
    /**
     * Graph's group assignLicense: sets the group's licenses (validated synchronously) and applies
     * them to every direct user member in the same transaction.
     * @throws notFound, licenseAssignmentFailed (Graph's messages), forbidden (a guest member and the tenant setting)
     */
    async assignLicense(context: RequestContext, groupId: string, request: { add: readonly LicenseToAdd[]; remove: readonly string[] }): Promise<GroupAssignResult> {
      const allowed = requireAllowed(context, { action: 'licenses.assign' });
      return inTenantTransaction(deps.db, allowed, async (repos, trx) => (await changeLicenses(repos, trx, allowed, groupId, request, { preview: false })).result);
    },

    /**
     * What a group license change would do, before anything changes: the real change in a
     * transaction that is rolled back (seat deltas per SKU, who gains and loses what, who would land
     * in which error), as admins ask for before they touch a large group.
     */
    async previewLicenseChange(context: RequestContext, groupId: string, request: { add: readonly LicenseToAdd[]; remove: readonly string[] }): Promise<GroupChangePreview> {
      const allowed = requireAllowed(context, { action: 'licenses.assign' });
      return inRolledBackTransaction(deps.db, allowed, async (repos, trx) => previewOf((await changeLicenses(repos, trx, allowed, groupId, request, { preview: true })).plan));
    },

    /**
     * What adding and removing members would do to their licenses (Allot's dry run of a membership
     * change): the real change, rolled back.
     * @throws notFound for the group or a user that is not in the tenant
     */
    async previewMembershipChange(context: RequestContext, groupId: string, change: { add: readonly string[]; remove: readonly string[] }): Promise<GroupChangePreview> {
      const allowed = requireAllowed(context, { action: 'groupMembers.manage' });
      return inRolledBackTransaction(deps.db, allowed, async (repos, trx) => {
        const [group] = await repos.groupLicensing.lockGroups([groupId], 'update');
        if (group === undefined) {
          throw notFound(groupId);
        }
        const ids = [...new Set([...change.add, ...change.remove].map((id) => id.toLowerCase()))];
        const found = new Set((await repos.users.findActiveMany(ids)).map((user) => user.userId));
        const missing = ids.find((id) => !found.has(id));
        if (missing !== undefined) {
          throw notFound(missing);
        }
        await repos.groupLicensing.addUserMembers(groupId, change.add.map((id) => id.toLowerCase()), deps.clock.now());
        await repos.groupLicensing.removeUserMembers(groupId, change.remove.map((id) => id.toLowerCase()));
        return previewOf((await reapplyGroupLicensing(deps, repos, trx, ids)).plan);
      });
    },

    /**
     * What a membership rule would do to a dynamic group: who would join and leave, and what that
     * does to their licenses, from the real change rolled back.
     * @throws invalidRequest with the rule's position and reason when it does not parse
     */
    async previewMembershipRule(context: RequestContext, groupId: string, membershipRule: string): Promise<GroupChangePreview & { joining: string[]; leaving: string[] }> {
      const allowed = requireAllowed(context, { action: 'groups.manage' });
      const rule = parseMembershipRule(membershipRule);
      return inRolledBackTransaction(deps.db, allowed, async (repos, trx) => {
        const [group] = await repos.groupLicensing.lockGroups([groupId], 'update');
        if (group === undefined) {
          throw notFound(groupId);
        }
        const { joining, leaving } = await ruleMembershipChange(repos, groupId, rule);
        await repos.groupLicensing.addUserMembers(groupId, joining, deps.clock.now());
        await repos.groupLicensing.removeUserMembers(groupId, leaving);
        const { plan } = await reapplyGroupLicensing(deps, repos, trx, [...joining, ...leaving]);
        return { ...previewOf(plan), joining, leaving };
      });
    },

    /** Who a membership rule would take in, before the group exists: the count and the first 15 by name. */
    async previewNewMembershipRule(context: RequestContext, membershipRule: string): Promise<{ matching: number; sample: { id: string; displayName: string; userPrincipalName: string }[] }> {
      const repos = tenantRepositories(deps.db, requireAllowed(context, { action: 'groups.manage' }));
      const rule = parseMembershipRule(membershipRule);
      const matching = (await repos.users.listActive()).filter((user) => matchesRule(rule, user)).sort((a, b) => a.displayName.localeCompare(b.displayName));
      return { matching: matching.length, sample: matching.slice(0, 15).map((user) => ({ id: user.userId, displayName: user.displayName, userPrincipalName: user.userPrincipalName })) };
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
    /** The group's licenses with their disabled plans and waitlist setting (Graph's assignedLicenses lacks the waitlist). */
    async licensesOf(context: RequestContext, groupId: string): Promise<GroupGrantRecord[]> {
      const repos = tenantRepositories(deps.db, requireAllowed(context, { action: 'licenses.read' }));
      const [group] = await repos.groupLicensing.lockGroups([groupId], 'share');
      if (group === undefined) {
        throw notFound(groupId);
      }
      return (await repos.groupLicensing.grantsOf([groupId])).get(groupId) ?? [];
    },

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
