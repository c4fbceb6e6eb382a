import type { AuditEntry } from '../domain/audit.js';
import { requireAllowed, type RequestContext } from '../domain/context.js';
import { AppError, notFound, orNotFound } from '../domain/errors.js';
import {
  dynamicMembershipRefused,
  GROUP_HAS_LICENSES,
  isDynamic,
  MEMBER_ALREADY_EXISTS,
  normalizeGroupTypes,
  objectIdOfReference,
  validateGroupProperties,
  type DirectoryGroup,
  type GroupLicense,
  type GroupProperties,
  type MemberType,
} from '../domain/group.js';
import { isGuid } from '../domain/ids.js';
import type { GroupQuery } from '../domain/odata/group-query.js';
import { parseTop } from '../domain/odata/user-query.js';
import type { Repositories } from '../db/repositories/index.js';
import type { GroupCursor, MemberCursor } from '../db/repositories/group.repository.js';
import { loadTenantCatalogue } from './catalogue.service.js';
import type { ServiceDeps } from './deps.js';
import { loadLicensedUsers, type LicensedUser } from './licensing.service.js';
import { inTenantTransaction, tenantRepositories } from './transaction.js';
import { afterMembershipChange, syncDynamicGroup } from './group-triggers.js';

/** A group with the licenses it carries (what `assignedLicenses` shows). */
export interface GroupView {
  group: DirectoryGroup;
  licenses: GroupLicense[];
}

/** A member, or a membership, in a collection of directory objects. */
export type DirectoryObject = { kind: 'user'; user: LicensedUser } | { kind: 'group'; group: GroupView };

/** A directory object of the tenant that can be a member: an active user or a group. */
export interface ResolvedMember {
  memberId: string;
  memberType: MemberType;
  /** userPrincipalName or displayName, for the audit log. */
  name: string;
}

/** POST /groups: Graph's body as the route hands it over (groupTypes as written). */
export interface NewGroupInput {
  displayName: string;
  mailNickname: string;
  mailEnabled: boolean;
  securityEnabled: boolean;
  groupTypes?: readonly string[] | undefined;
  description?: string | null | undefined;
  membershipRule?: string | null | undefined;
  membershipRuleProcessingState?: 'On' | 'Paused' | undefined;
}

export type GroupPatch = Partial<NewGroupInput>;

/** Paging of members and memberOf: $top and $skiptoken as sent. */
export interface PageRequest {
  top?: string | undefined;
  skipToken?: string | undefined;
}

export interface Page<T> {
  items: T[];
  /** Opaque $skiptoken of the next page. */
  nextSkipToken?: string;
}

const GROUP_CATEGORY = 'GroupManagement';

const encodeToken = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');

const invalidSkipToken = (): AppError => new AppError('invalidRequest', 'The $skiptoken is invalid or belongs to another query. Request the first page again.');

/** A skip token is only valid for the query that issued it (`scope`: the filter, the group or the user). */
function decodeToken(token: string, scope: string): Record<string, unknown> {
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as unknown;
    if (typeof parsed === 'object' && parsed !== null && (parsed as { q?: unknown }).q === scope) {
      return parsed as Record<string, unknown>;
    }
  } catch {
    // any undecodable token is answered the same way
  }
  throw invalidSkipToken();
}

function decodeGroupCursor(token: string, scope: string): GroupCursor {
  const { n, id } = decodeToken(token, scope);
  if (typeof n !== 'string' || typeof id !== 'string' || !isGuid(id)) {
    throw invalidSkipToken();
  }
  return { name: n, groupId: id };
}

function decodeMemberCursor(token: string, scope: string): MemberCursor {
  const { a, id } = decodeToken(token, scope);
  if (typeof a !== 'string' || Number.isNaN(Date.parse(a)) || typeof id !== 'string' || !isGuid(id)) {
    throw invalidSkipToken();
  }
  return { addedAt: a, memberId: id };
}

/** Graph's 400 for a group key that is not an object id. */
function requireObjectId(groupId: string): string {
  if (!isGuid(groupId)) {
    throw new AppError('invalidRequest', `Invalid object identifier '${groupId.slice(0, 64)}'.`);
  }
  return groupId.toLowerCase();
}

async function withLicenses(repos: Repositories, groups: readonly DirectoryGroup[]): Promise<GroupView[]> {
  const licenses = await repos.groups.licensesOf(groups.map((group) => group.groupId));
  return groups.map((group) => ({ group, licenses: licenses.get(group.groupId) ?? [] }));
}

/** The changed properties of a group as audit changes (arrays compared by value). */
function propertyChanges(before: GroupProperties | undefined, after: GroupProperties): AuditEntry['changes'] {
  return (Object.keys(after) as (keyof GroupProperties)[])
    .filter((property) => before === undefined || JSON.stringify(before[property]) !== JSON.stringify(after[property]))
    .map((property) => ({ property, before: before === undefined ? null : before[property], after: after[property] }));
}

const propertiesOf = (group: DirectoryGroup): GroupProperties => ({
  displayName: group.displayName,
  description: group.description,
  mailNickname: group.mailNickname,
  mailEnabled: group.mailEnabled,
  securityEnabled: group.securityEnabled,
  groupTypes: group.groupTypes,
  membershipRule: group.membershipRule,
  membershipRuleProcessingState: group.membershipRuleProcessingState,
});

/**
 * The objects `members@odata.bind` or `@odata.id` name, resolved in the caller's tenant: active
 * users and groups. Another tenant's object, a soft-deleted user or an unknown id answers 404.
 * @throws invalidRequest for a reference that is not an object URL; notFound for an unknown object
 */
export async function resolveMembers(repos: Repositories, references: readonly string[]): Promise<ResolvedMember[]> {
  const ids = [...new Set(references.map(objectIdOfReference))];
  const [users, groups] = await Promise.all([repos.users.findActiveMany(ids), repos.groups.findMany(ids)]);
  return ids.map((id) => {
    const user = users.find((candidate) => candidate.userId === id);
    if (user !== undefined) {
      return { memberId: id, memberType: 'user', name: user.userPrincipalName };
    }
    const group = groups.find((candidate) => candidate.groupId === id);
    if (group !== undefined) {
      return { memberId: id, memberType: 'group', name: group.displayName };
    }
    throw notFound(id);
  });
}

/** Rules of a manual membership change that depend on the group and the members. */
function checkMembershipChange(group: DirectoryGroup, members: readonly ResolvedMember[]): void {
  if (isDynamic(group)) {
    throw dynamicMembershipRefused(group.groupId);
  }
  if (members.some((member) => member.memberId === group.groupId)) {
    // UNCONFIRMED: Graph's wording for a group added to itself.
    throw new AppError('invalidRequest', 'A group cannot be a member of itself.', [{ code: 'InvalidReference', target: 'members', message: `Group ${group.groupId} cannot be added to itself.` }]);
  }
  if (group.groupTypes.includes('Unified') && members.some((member) => member.memberType === 'group')) {
    // Microsoft 365 groups hold no groups (Graph's "Add members" table); the wording is Allot's.
    throw new AppError('invalidRequest', 'Groups cannot be members of a Microsoft 365 group.', [
      { code: 'InvalidReference', target: 'members', message: 'A Microsoft 365 group (Unified) has users as members only; add the users themselves.' },
    ]);
  }
}

const membershipAudit = (activity: 'Add member to group' | 'Remove member from group', group: DirectoryGroup, member: ResolvedMember): AuditEntry => {
  const adding = activity === 'Add member to group';
  return {
    category: GROUP_CATEGORY,
    activity,
    // As Entra records it: the member is the target, the group is in the modified properties.
    target: { type: member.memberType === 'user' ? 'User' : 'Group', id: member.memberId, name: member.name },
    changes: [
      { property: 'Group.ObjectID', before: adding ? null : group.groupId, after: adding ? group.groupId : null },
      { property: 'Group.DisplayName', before: adding ? null : group.displayName, after: adding ? group.displayName : null },
    ],
  };
};

/**
 * Adds members to a group (one statement) with an "Add member to group" audit row each, in the
 * caller's transaction, after the caller locked the group and checked the change
 * (checkMembershipChange). Only the writes: license re-evaluation is the caller's.
 * @returns the users and groups added
 * @throws invalidRequest (Graph's text) when one of them is already a member
 */
export async function addMembers(
  deps: Pick<ServiceDeps, 'ids'>,
  repos: Repositories,
  context: RequestContext,
  group: DirectoryGroup,
  members: readonly ResolvedMember[],
  at: Date,
): Promise<{ userIds: string[]; groupIds: string[] }> {
  const present = await repos.groups.findMemberships(group.groupId, members.map((member) => member.memberId));
  const added = present.length === 0 ? await repos.groups.addMembers(group.groupId, members, at) : [];
  // A member already there, or added by a concurrent request meanwhile (the insert skipped it).
  if (added.length < members.length) {
    throw new AppError('invalidRequest', MEMBER_ALREADY_EXISTS, [
      {
        code: 'ObjectConflict',
        target: 'members',
        message: `Already a member: ${members
          .filter((member) => !added.includes(member.memberId))
          .map((member) => member.memberId)
          .join(', ')}.`,
      },
    ]);
  }
  await repos.audit.record(
    context,
    members.map((member) => membershipAudit('Add member to group', group, member)),
    at,
    deps.ids,
  );
  return {
    userIds: members.filter((member) => member.memberType === 'user').map((member) => member.memberId),
    groupIds: members.filter((member) => member.memberType === 'group').map((member) => member.memberId),
  };
}

/**
 * Removes one member with its "Remove member from group" audit row, in the caller's transaction
 * (group locked, change checked). Only the write: license re-evaluation is the caller's.
 * @throws notFound (Graph's text) when the object is not a member
 */
export async function removeMember(deps: Pick<ServiceDeps, 'ids'>, repos: Repositories, context: RequestContext, group: DirectoryGroup, member: ResolvedMember, at: Date): Promise<void> {
  if (!(await repos.groups.removeMember(group.groupId, member.memberId))) {
    throw notFound(member.memberId);
  }
  await repos.audit.record(context, [membershipAudit('Remove member from group', group, member)], at, deps.ids);
}

/** A group's properties after a create or PATCH, normalised and checked. */
function mergeProperties(before: DirectoryGroup | undefined, input: GroupPatch): GroupProperties {
  const groupTypes = input.groupTypes === undefined ? (before?.groupTypes ?? []) : normalizeGroupTypes(input.groupTypes);
  const merged: GroupProperties = {
    displayName: input.displayName ?? before?.displayName ?? '',
    description: input.description === undefined ? (before?.description ?? null) : input.description,
    mailNickname: input.mailNickname ?? before?.mailNickname ?? '',
    mailEnabled: input.mailEnabled ?? before?.mailEnabled ?? false,
    securityEnabled: input.securityEnabled ?? before?.securityEnabled ?? false,
    groupTypes,
    membershipRule: input.membershipRule === undefined ? (before?.membershipRule ?? null) : input.membershipRule,
    membershipRuleProcessingState: input.membershipRuleProcessingState ?? before?.membershipRuleProcessingState ?? null,
  };
  if (before !== undefined && isDynamic(before) && !isDynamic(merged)) {
    // Turning a dynamic group static keeps its members and drops its rule (Entra's conversion sends
    // membershipRuleProcessingState Paused along; it has no meaning on a static group).
    if (input.membershipRule === undefined) {
      merged.membershipRule = null;
    }
    merged.membershipRuleProcessingState = null;
  }
  if (isDynamic(merged) && merged.membershipRuleProcessingState === null) {
    merged.membershipRuleProcessingState = 'On';
  }
  validateGroupProperties(merged, before);
  return merged;
}

const ruleOf = (group: DirectoryGroup) => ({
  groupId: group.groupId,
  displayName: group.displayName,
  membershipRule: isDynamic(group) ? group.membershipRule : null,
  processing: group.membershipRuleProcessingState,
});

export function createGroupService(deps: ServiceDeps) {
  /** Users and groups of one page, in the page's order, with what the presenter needs. */
  const loadObjects = async (repos: Repositories, entries: readonly { id: string; type: MemberType }[]): Promise<DirectoryObject[]> => {
    const userIds = entries.filter((entry) => entry.type === 'user').map((entry) => entry.id);
    const groupIds = entries.filter((entry) => entry.type === 'group').map((entry) => entry.id);
    const [users, groups] = await Promise.all([repos.users.findActiveMany(userIds), repos.groups.findMany(groupIds)]);
    const licensed = users.length === 0 ? [] : await loadLicensedUsers(repos, await loadTenantCatalogue(deps.microsoftCatalogue, repos), users);
    const views = await withLicenses(repos, groups);
    return entries.flatMap((entry): DirectoryObject[] => {
      if (entry.type === 'user') {
        const user = licensed.find((candidate) => candidate.user.userId === entry.id);
        return user === undefined ? [] : [{ kind: 'user', user }];
      }
      const group = views.find((candidate) => candidate.group.groupId === entry.id);
      return group === undefined ? [] : [{ kind: 'group', group }];
    });
  };

  return {
    /** GET /groups: one keyset page in displayName order. */
    async listGroups(context: RequestContext, query: GroupQuery): Promise<Page<GroupView>> {
      const repos = tenantRepositories(deps.db, context);
      const scope = JSON.stringify(query.filter ?? null);
      const page = await repos.groups.page({
        ...(query.filter === undefined ? {} : { filter: query.filter }),
        top: query.top,
        ...(query.skipToken === undefined ? {} : { after: decodeGroupCursor(query.skipToken, scope) }),
      });
      return {
        items: await withLicenses(repos, page.groups),
        ...(page.next === undefined ? {} : { nextSkipToken: encodeToken({ n: page.next.name, id: page.next.groupId, q: scope }) }),
      };
    },

    async getGroup(context: RequestContext, groupKey: string): Promise<GroupView> {
      const repos = tenantRepositories(deps.db, context);
      const group = orNotFound(await repos.groups.find(requireObjectId(groupKey)), groupKey);
      return (await withLicenses(repos, [group]))[0] as GroupView;
    },

    /**
     * POST /groups, with up to 20 `members@odata.bind`: the group, its members and their audit rows
     * in one transaction.
     */
    async createGroup(context: RequestContext, input: NewGroupInput, memberReferences: readonly string[] = []): Promise<GroupView> {
      const authorized = requireAllowed(context, { action: 'groups.manage' });
      const properties = mergeProperties(undefined, input);
      return inTenantTransaction(deps.db, context, async (repos, trx) => {
        const members = await resolveMembers(repos, memberReferences);
        const at = deps.clock.now();
        const group = await repos.groups.insert(deps.ids(), properties, at);
        await repos.audit.record(
          authorized,
          [{ category: GROUP_CATEGORY, activity: 'Add group', target: { type: 'Group', id: group.groupId, name: group.displayName }, changes: propertyChanges(undefined, properties) }],
          at,
          deps.ids,
        );
        if (members.length > 0) {
          checkMembershipChange(group, members);
          await addMembers(deps, repos, authorized, group, members, at);
        }
        await syncDynamicGroup(deps, repos, trx, authorized, ruleOf(group));
        return { group, licenses: [] };
      });
    },

    /**
     * PATCH /groups/{id}: properties, and members added through `members@odata.bind` (≤ 20). A
     * request that only adds members needs what adding members needs (GroupMember.ReadWrite.All
     * will do); changing a property needs groups.manage.
     */
    async updateGroup(context: RequestContext, groupKey: string, patch: GroupPatch, memberReferences?: readonly string[]): Promise<void> {
      const groupId = requireObjectId(groupKey);
      const changesProperties = Object.values(patch).some((value) => value !== undefined);
      let authorized = context;
      if (changesProperties) {
        authorized = requireAllowed(authorized, { action: 'groups.manage' });
      }
      if (memberReferences !== undefined) {
        authorized = requireAllowed(authorized, { action: 'groupMembers.manage' });
      }
      await inTenantTransaction(deps.db, context, async (repos, trx) => {
        const before = orNotFound(await repos.groups.lock(groupId), groupKey);
        const at = deps.clock.now();
        let group = before;
        if (changesProperties) {
          const after = mergeProperties(before, patch);
          const changes = propertyChanges(propertiesOf(before), after);
          if (changes.length > 0) {
            await repos.groups.update(groupId, after);
            await repos.audit.record(
              authorized,
              [{ category: GROUP_CATEGORY, activity: 'Update group', target: { type: 'Group', id: groupId, name: after.displayName }, changes }],
              at,
              deps.ids,
            );
            group = { ...before, ...after };
          }
        }
        if (memberReferences !== undefined && memberReferences.length > 0) {
          const members = await resolveMembers(repos, memberReferences);
          checkMembershipChange(group, members);
          const { userIds } = await addMembers(deps, repos, authorized, group, members, at);
          await afterMembershipChange(deps, repos, trx, authorized, { groupId, addedUserIds: userIds, removedUserIds: [] });
        }
        // A new rule, a group turned dynamic or processing turned On: members follow the rule now.
        if (group.membershipRule !== before.membershipRule || group.membershipRuleProcessingState !== before.membershipRuleProcessingState || isDynamic(group) !== isDynamic(before)) {
          await syncDynamicGroup(deps, repos, trx, authorized, ruleOf(group));
        }
      });
    },

    /** DELETE /groups/{id}: refused while the group carries licenses (remove them first, as in Entra). */
    async deleteGroup(context: RequestContext, groupKey: string): Promise<void> {
      const authorized = requireAllowed(context, { action: 'groups.manage' });
      const groupId = requireObjectId(groupKey);
      await inTenantTransaction(deps.db, context, async (repos) => {
        const group = orNotFound(await repos.groups.lock(groupId), groupKey);
        if (await repos.groups.hasLicenses(groupId)) {
          throw new AppError('invalidRequest', GROUP_HAS_LICENSES, [
            { code: 'GroupHasLicenses', target: groupId, message: 'Remove every license from the group (POST /groups/{id}/assignLicense with removeLicenses), then delete it.' },
          ]);
        }
        const { membersRemoved } = await repos.groups.delete(groupId);
        await repos.audit.record(
          authorized,
          [
            {
              category: GROUP_CATEGORY,
              activity: 'Delete group',
              target: { type: 'Group', id: groupId, name: group.displayName },
              changes: propertyChanges(undefined, propertiesOf(group)).map((change) => ({ property: change.property, before: change.after, after: null })),
              details: { membersRemoved },
            },
          ],
          deps.clock.now(),
          deps.ids,
        );
      });
    },

    /** GET /groups/{id}/members: active users and groups, in the order they were added. */
    async listMembers(context: RequestContext, groupKey: string, request: PageRequest): Promise<Page<DirectoryObject>> {
      const top = parseTop(request.top);
      const repos = tenantRepositories(deps.db, context);
      const group = orNotFound(await repos.groups.find(requireObjectId(groupKey)), groupKey);
      const scope = `members:${group.groupId}`;
      const page = await repos.groups.memberPage(group.groupId, top, request.skipToken === undefined || request.skipToken === '' ? undefined : decodeMemberCursor(request.skipToken, scope));
      return {
        items: await loadObjects(
          repos,
          page.members.map((member) => ({ id: member.memberId, type: member.memberType })),
        ),
        ...(page.next === undefined ? {} : { nextSkipToken: encodeToken({ a: page.next.addedAt, id: page.next.memberId, q: scope }) }),
      };
    },

    /** POST /groups/{id}/members/$ref. */
    async addMemberReference(context: RequestContext, groupKey: string, reference: string): Promise<void> {
      const authorized = requireAllowed(context, { action: 'groupMembers.manage' });
      const groupId = requireObjectId(groupKey);
      await inTenantTransaction(deps.db, context, async (repos, trx) => {
        const group = orNotFound(await repos.groups.lock(groupId), groupKey);
        const members = await resolveMembers(repos, [reference]);
        checkMembershipChange(group, members);
        const { userIds } = await addMembers(deps, repos, authorized, group, members, deps.clock.now());
        await afterMembershipChange(deps, repos, trx, authorized, { groupId, addedUserIds: userIds, removedUserIds: [] });
      });
    },

    /** DELETE /groups/{id}/members/{memberId}/$ref. */
    async removeMemberReference(context: RequestContext, groupKey: string, memberKey: string): Promise<void> {
      const authorized = requireAllowed(context, { action: 'groupMembers.manage' });
      const groupId = requireObjectId(groupKey);
      await inTenantTransaction(deps.db, context, async (repos, trx) => {
        const group = orNotFound(await repos.groups.lock(groupId), groupKey);
        if (!isGuid(memberKey)) {
          throw notFound(memberKey);
        }
        const memberId = memberKey.toLowerCase();
        const [users, groups] = await Promise.all([repos.users.findActiveMany([memberId]), repos.groups.findMany([memberId])]);
        const user = users[0];
        const nested = groups[0];
        const member: ResolvedMember | undefined =
          user !== undefined ? { memberId, memberType: 'user', name: user.userPrincipalName } : nested !== undefined ? { memberId, memberType: 'group', name: nested.displayName } : undefined;
        if (member === undefined) {
          throw notFound(memberKey);
        }
        if (isDynamic(group)) {
          throw dynamicMembershipRefused(group.groupId);
        }
        await removeMember(deps, repos, authorized, group, member, deps.clock.now());
        if (member.memberType === 'user') {
          await afterMembershipChange(deps, repos, trx, authorized, { groupId, addedUserIds: [], removedUserIds: [member.memberId] });
        }
      });
    },

    /** GET /users/{id}/memberOf: the groups the user is a direct member of, in displayName order. */
    async listMemberOf(context: RequestContext, userKey: string, request: PageRequest): Promise<Page<DirectoryObject>> {
      const top = parseTop(request.top);
      const repos = tenantRepositories(deps.db, context);
      const user = orNotFound(await repos.users.findActive(userKey), userKey);
      const scope = `memberOf:${user.userId}`;
      const page = await repos.groups.page({
        memberOfUserId: user.userId,
        top,
        ...(request.skipToken === undefined || request.skipToken === '' ? {} : { after: decodeGroupCursor(request.skipToken, scope) }),
      });
      return {
        items: (await withLicenses(repos, page.groups)).map((group) => ({ kind: 'group', group })),
        ...(page.next === undefined ? {} : { nextSkipToken: encodeToken({ n: page.next.name, id: page.next.groupId, q: scope }) }),
      };
    },
  };
}

export type GroupService = ReturnType<typeof createGroupService>;
