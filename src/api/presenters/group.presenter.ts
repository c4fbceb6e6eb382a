import type { DirectoryObject, GroupView } from '../../services/group.service.js';
import { presentUser, USER_PROPERTIES } from './user.presenter.js';

/**
 * Properties GET /groups returns without $select: Graph's default set, those Allot has no use for
 * as Graph shows them on a cloud-only security group (null or empty).
 */
export const DEFAULT_GROUP_PROPERTIES = [
  'id',
  'deletedDateTime',
  'classification',
  'createdDateTime',
  'creationOptions',
  'description',
  'displayName',
  'expirationDateTime',
  'groupTypes',
  'isAssignableToRole',
  'mail',
  'mailEnabled',
  'mailNickname',
  'membershipRule',
  'membershipRuleProcessingState',
  'onPremisesSyncEnabled',
  'proxyAddresses',
  'renewedDateTime',
  'securityEnabled',
  'visibility',
] as const;

/** Every property $select may name: the defaults and those Graph returns only on $select (§1.10). */
export const GROUP_PROPERTIES = [...DEFAULT_GROUP_PROPERTIES, 'assignedLicenses', 'licenseProcessingState'] as const;

/** What $select may name on a collection of directory objects (members, memberOf): user or group properties. */
export const DIRECTORY_OBJECT_PROPERTIES = [...new Set<string>([...USER_PROPERTIES, ...GROUP_PROPERTIES])];

const iso = (date: Date): string => date.toISOString().replace(/\.\d{3}Z$/, 'Z');

function groupProperties({ group, licenses }: GroupView): Record<string, unknown> {
  return {
    id: group.groupId,
    deletedDateTime: null,
    classification: null,
    createdDateTime: iso(group.createdAt),
    creationOptions: [],
    description: group.description,
    displayName: group.displayName,
    expirationDateTime: null,
    groupTypes: [...group.groupTypes],
    isAssignableToRole: null,
    // Allot sends no mail, so a group has no address of its own.
    mail: null,
    mailEnabled: group.mailEnabled,
    mailNickname: group.mailNickname,
    membershipRule: group.membershipRule,
    membershipRuleProcessingState: group.membershipRuleProcessingState,
    onPremisesSyncEnabled: null,
    proxyAddresses: [],
    renewedDateTime: iso(group.createdAt),
    securityEnabled: group.securityEnabled,
    visibility: null,
    assignedLicenses: licenses.map((license) => ({ disabledPlans: [...license.disabledPlans], skuId: license.skuId })),
    licenseProcessingState: group.licenseProcessingState === null ? null : { state: group.licenseProcessingState },
  };
}

/**
 * Graph's group object: the default properties, or those `select` names (in the caller's order).
 * assignedLicenses and licenseProcessingState appear only when selected, as in Graph.
 */
export function presentGroup(view: GroupView, options: { select?: readonly string[] } = {}): Record<string, unknown> {
  const all = groupProperties(view);
  const result: Record<string, unknown> = {};
  for (const key of options.select ?? DEFAULT_GROUP_PROPERTIES) {
    if (key in all) {
      result[key] = all[key];
    }
  }
  return result;
}

/** A member or a membership in a collection of directory objects, typed with @odata.type as Graph does. */
export function presentDirectoryObject(object: DirectoryObject, options: { select?: readonly string[] } = {}): Record<string, unknown> {
  if (object.kind === 'user') {
    return { '@odata.type': '#microsoft.graph.user', ...presentUser(object.user, options) };
  }
  return { '@odata.type': '#microsoft.graph.group', ...presentGroup(object.group, options) };
}
