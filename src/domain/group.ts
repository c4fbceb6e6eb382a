import { parseMembershipRule } from './dynamic-rule.js';
import { AppError } from './errors.js';

/**
 * Directory groups as the services see them (graph-licensing.md §1.10, §2.13). Security groups and
 * Microsoft 365 groups ("Unified"); a group whose groupTypes contains "DynamicMembership" takes
 * its members from its membershipRule. Pure: the SQL is in db/repositories/group.repository.ts.
 */

export const GROUP_TYPES = ['Unified', 'DynamicMembership'] as const;
export type GroupType = (typeof GROUP_TYPES)[number];

export type MembershipRuleProcessingState = 'On' | 'Paused';
export type LicenseProcessingState = 'QueuedForProcessing' | 'ProcessingInProgress' | 'ProcessingComplete' | 'ProcessingFailed';

export interface DirectoryGroup {
  groupId: string;
  displayName: string;
  description: string | null;
  mailNickname: string;
  mailEnabled: boolean;
  securityEnabled: boolean;
  groupTypes: GroupType[];
  membershipRule: string | null;
  membershipRuleProcessingState: MembershipRuleProcessingState | null;
  /** Written by group-based licensing; null while the group never carried a license. */
  licenseProcessingState: LicenseProcessingState | null;
  createdAt: Date;
}

/** What POST and PATCH /groups may set. */
export type GroupProperties = Pick<
  DirectoryGroup,
  'displayName' | 'description' | 'mailNickname' | 'mailEnabled' | 'securityEnabled' | 'groupTypes' | 'membershipRule' | 'membershipRuleProcessingState'
>;

/** A license the group carries (group_license): what `assignedLicenses` shows. */
export interface GroupLicense {
  skuId: string;
  disabledPlans: string[];
}

export type MemberType = 'user' | 'group';

/** One direct member of a group. */
export interface GroupMembership {
  memberId: string;
  memberType: MemberType;
  addedAt: Date;
}

/** Graph's limit on the links one request adds (`members@odata.bind`, graph-licensing.md §2.13). */
export const MAX_LINK_CHANGES = 20;

export const isDynamic = (group: Pick<DirectoryGroup, 'groupTypes'>): boolean => group.groupTypes.includes('DynamicMembership');

/** Graph's answer when a member is already there [OBS, graph-licensing.md §2.13]. */
export const MEMBER_ALREADY_EXISTS = "One or more added object references already exist for the following modified properties: 'members'.";

/**
 * Graph answers more than 20 links in one request with this text [OBS: microsoft-graph-docs
 * issue #6016, on create with owners and members; assumed the same for PATCH — UNCONFIRMED].
 */
export const TOO_MANY_LINK_CHANGES = `A resource cannot contain more than ${MAX_LINK_CHANGES} link changes.`;

/**
 * Graph refuses deleting a group that carries licenses (§2.5). The text is the one Entra gives to
 * directory synchronisation when it refuses the same delete [OBS: timmcmic.blog 2021-05]; Graph's
 * own response body is UNCONFIRMED.
 */
export const GROUP_HAS_LICENSES =
  'Unable to delete the group because there is a product license assigned to the group. To delete this group, remove any product licenses first.';

const invalidValue = (property: string, message: string): AppError =>
  new AppError('invalidRequest', `Invalid value specified for property '${property}' of resource 'Group'.`, [{ code: 'InvalidValue', target: property, message }]);

/** groupTypes as stored: known values only, without duplicates, in Graph's spelling. */
export function normalizeGroupTypes(values: readonly string[]): GroupType[] {
  const types: GroupType[] = [];
  for (const value of values) {
    const type = GROUP_TYPES.find((candidate) => candidate.toLowerCase() === value.toLowerCase());
    if (type === undefined) {
      throw invalidValue('groupTypes', `'${value.slice(0, 64)}' is not a group type Allot supports; use Unified and/or DynamicMembership.`);
    }
    if (!types.includes(type)) {
      types.push(type);
    }
  }
  return types;
}

/**
 * The rules a group's properties must keep, checked on the result of a create or a PATCH:
 * - Graph creates only security groups (mailEnabled false, securityEnabled true) and Microsoft 365
 *   groups (Unified, mailEnabled true); mail-enabled security groups and distribution lists are
 *   Exchange's (the message is Graph's as commonly reported — UNCONFIRMED);
 * - Unified cannot be added or removed after creation (Entra: the group type cannot change);
 * - a dynamic group needs a membershipRule, and only a dynamic group has one
 *   (messages UNCONFIRMED: Graph's exact wording is not documented).
 * and the rule must parse (domain/dynamic-rule.ts: "Invalid membership rule: … at position n.").
 * @throws invalidRequest naming the property
 */
export function validateGroupProperties(properties: GroupProperties, before?: Pick<DirectoryGroup, 'groupTypes'>): void {
  const unified = properties.groupTypes.includes('Unified');
  if (before !== undefined && before.groupTypes.includes('Unified') !== unified) {
    throw invalidValue('groupTypes', 'A group cannot become or stop being a Microsoft 365 group (Unified) after it was created.');
  }
  if (properties.mailEnabled && !unified) {
    throw new AppError(
      'invalidRequest',
      'The service does not currently support writes of mail-enabled groups. Please ensure that the mail-enablement property is unset or is set to false.',
      [{ code: 'InvalidValue', target: 'mailEnabled', message: 'Create a security group (mailEnabled false, securityEnabled true) or a Microsoft 365 group (groupTypes ["Unified"], mailEnabled true).' }],
    );
  }
  if (unified && !properties.mailEnabled) {
    throw invalidValue('mailEnabled', 'A Microsoft 365 group (Unified) is mail-enabled: set mailEnabled to true.');
  }
  if (!unified && !properties.securityEnabled) {
    throw invalidValue('securityEnabled', 'A group that is not a Microsoft 365 group must be a security group: set securityEnabled to true.');
  }
  if (isDynamic(properties) && (properties.membershipRule === null || properties.membershipRule.trim() === '')) {
    throw invalidValue('membershipRule', 'A group with dynamic membership (groupTypes contains DynamicMembership) needs a membershipRule, such as (user.department -eq "Sales").');
  }
  if (!isDynamic(properties) && properties.membershipRule !== null) {
    throw invalidValue('membershipRule', 'Only a group with dynamic membership has a membershipRule: add DynamicMembership to groupTypes, or leave membershipRule out.');
  }
  if (!isDynamic(properties) && properties.membershipRuleProcessingState !== null) {
    throw invalidValue('membershipRuleProcessingState', 'Only a group with dynamic membership has a membershipRuleProcessingState (On or Paused).');
  }
  if (properties.membershipRule !== null) {
    parseMembershipRule(properties.membershipRule);
  }
}

/**
 * Graph answers a manual membership change of a dynamic group with its 403 [OBS: Microsoft's
 * identity developer support blog, 2024-05, "You cannot use Microsoft Graph to manage Dynamic
 * group membership"]; the detail says why.
 */
export const dynamicMembershipRefused = (groupId: string): AppError =>
  new AppError('forbidden', 'Insufficient privileges to complete the operation.', [
    {
      code: 'DynamicMembership',
      target: groupId,
      message: 'The group has dynamic membership (groupTypes contains DynamicMembership): its members follow its membershipRule and cannot be added or removed by hand.',
    },
  ]);

/**
 * The object id in a reference such as `https://graph.microsoft.com/v1.0/directoryObjects/{id}`
 * (`users/{id}` and `groups/{id}` too; any host, so Allot's own base URL works as well).
 * @throws invalidRequest (Graph's "Invalid object identifier" text — UNCONFIRMED for references)
 */
export function objectIdOfReference(reference: string): string {
  const match = /^https?:\/\/[^/\s]+(?:\/[^/\s]+)*?\/v1\.0\/(?:directoryObjects|users|groups)\/([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})\/?$/.exec(reference.trim());
  if (match?.[1] === undefined) {
    throw new AppError('invalidRequest', `Invalid object identifier '${reference.slice(0, 200)}'.`, [
      { code: 'InvalidReference', target: '@odata.id', message: 'Use a URL such as https://graph.microsoft.com/v1.0/directoryObjects/{id}, with the object id of a user or group.' },
    ]);
  }
  return match[1].toLowerCase();
}
