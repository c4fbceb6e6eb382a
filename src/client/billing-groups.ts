import type { z } from 'zod';
import type { UpdateSubscriptionRequestSchema } from '../contracts/admin.js';
import type { CreateGroupRequestSchema } from '../contracts/groups.js';
import type { AssignLicenseRequestSchema } from '../contracts/licensing.js';

/**
 * The client's calls for Home, Billing › Your products, Groups and the Audit log, with their wire
 * shapes (restated from the server's presenters). api-client.ts spreads them into the client.
 */
export type Send = <T>(method: 'GET' | 'POST' | 'PATCH' | 'DELETE', path: string, body?: unknown, headers?: Record<string, string>) => Promise<T>;

export type AdminCenterStatus = 'Active' | 'Expired' | 'Disabled' | 'Deleted';

/** A subscription of Your products (GET /admin/subscriptions). */
export interface Subscription {
  id: string;
  skuId: string;
  skuPartNumber: string | null;
  displayName: string;
  totalLicenses: number;
  consumedUnits: number;
  status: string;
  adminCenterStatus: AdminCenterStatus;
  isTrial: boolean;
  channel: string;
  purchasedByUserId: string | null;
  createdDateTime: string;
  nextLifecycleDateTime: string | null;
  termStartDateTime: string;
  termEndDateTime: string | null;
  recurringBilling: boolean;
  cancellationWindowDays: number;
  cancellationWindowEndDateTime: string;
  trialExtended: boolean;
  refundEligible: boolean;
  cancelledDateTime: string | null;
  statusChangedDateTime: string | null;
  lifecycleCause: string | null;
  overAssignedSinceDateTime: string | null;
  overAssignmentFixByDateTime: string | null;
}

export interface SubscriptionUser {
  id: string;
  userPrincipalName: string;
  displayName: string;
  assignedDateTime: string;
}

export interface CancelResult extends Subscription {
  outcome: string;
  accessEndsDateTime: string | null;
}

export type AttentionItem =
  | { kind: 'lowSeats'; skuId: string; displayName: string; available: number; threshold: number }
  | { kind: 'nearlyFull'; skuId: string; displayName: string; assigned: number; total: number }
  | { kind: 'overAssigned'; skuId: string; displayName: string; overAssignedBy: number; subscriptionId: string | null; deadlineDateTime: string | null }
  | { kind: 'subscriptionExpiring'; skuId: string; displayName: string; subscriptionId: string; status: string; endDateTime: string | null }
  | { kind: 'trialEnding'; skuId: string; displayName: string; subscriptionId: string; endDateTime: string }
  | { kind: 'groupLicenseErrors'; groupId: string; displayName: string; usersInError: number };

export interface Overview {
  products: { skuId: string; skuPartNumber: string; displayName: string; assigned: number; available: number; total: number; lowSeatThreshold: number | null }[];
  needsAttention: AttentionItem[];
}

/** A Graph group with the properties the Groups page selects. */
export interface Group {
  id: string;
  displayName: string;
  description: string | null;
  mailNickname: string;
  mailEnabled: boolean;
  securityEnabled: boolean;
  groupTypes: string[];
  membershipRule: string | null;
  membershipRuleProcessingState: string | null;
  createdDateTime: string;
  assignedLicenses?: { skuId: string; disabledPlans: string[] }[];
  licenseProcessingState?: { state: string } | null;
}

export interface GroupLicense {
  skuId: string;
  disabledPlans: string[];
  waitlist: boolean;
  assignedDateTime: string;
}

export interface GroupMember {
  '@odata.type': string;
  id: string;
  displayName: string;
  userPrincipalName?: string;
}

export interface LicenseErrorMember {
  id: string;
  displayName: string;
  userPrincipalName: string;
  licenseAssignmentStates?: { skuId: string; assignedByGroup: string | null; error: string; state: string }[];
}

export interface RulePreview {
  joining: string[];
  leaving: string[];
  seatDeltas: { skuId: string; delta: number }[];
  succeeded: number;
  failed: number;
  errors: { userId: string; groupId: string; error: string | null }[];
}

export interface ReprocessResult {
  groupId: string;
  processed: number;
  succeeded: number;
  failed: number;
}

export interface AuditEntry {
  id: string;
  activityDateTime: string;
  category: string;
  activityDisplayName: string;
  result: string;
  initiatedBy: { type: string; id: string; displayName: string; authorization?: unknown };
  target: { type: string; id: string; displayName: string };
  modifiedProperties: { displayName: string; oldValue: unknown; newValue: unknown }[];
  additionalDetails: Record<string, unknown>;
  requestId: string | null;
  clientAddress: string | null;
}

export interface AuditFilter {
  activity?: string;
  category?: string;
  actor?: string;
  target?: string;
  from?: string;
  to?: string;
}

interface GraphPage<T> {
  value: T[];
  '@odata.nextLink'?: string;
}

/** The $skiptoken of a nextLink, so the app pages on with its own query. */
export const skipTokenOf = (nextLink: string | undefined): string | null => (nextLink === undefined ? null : new URL(nextLink).searchParams.get('$skiptoken'));

const queryOf = (params: Record<string, string | undefined>): string => {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== '') {
      search.set(key, value);
    }
  }
  return search.size === 0 ? '' : `?${search.toString()}`;
};

const GROUP_SELECT = 'id,displayName,description,mailNickname,mailEnabled,securityEnabled,groupTypes,membershipRule,membershipRuleProcessingState,createdDateTime,assignedLicenses,licenseProcessingState';
const id = encodeURIComponent;

export function billingGroupsCalls(send: Send) {
  return {
    overview: () => send<Overview>('GET', '/admin/overview'),

    listSubscriptions: async () => (await send<{ value: Subscription[] }>('GET', '/admin/subscriptions')).value,
    getSubscription: (subscriptionId: string) => send<Subscription>('GET', `/admin/subscriptions/${id(subscriptionId)}`),
    listSubscriptionUsers: async (subscriptionId: string) => (await send<GraphPage<SubscriptionUser>>('GET', `/admin/subscriptions/${id(subscriptionId)}/users?$top=999`)).value,
    addLicenses: (subscriptionId: string, count: number) => send<Subscription>('POST', `/admin/subscriptions/${id(subscriptionId)}/add-licenses`, { count }),
    removeLicenses: (subscriptionId: string, count: number) => send<Subscription>('POST', `/admin/subscriptions/${id(subscriptionId)}/remove-licenses`, { count }),
    updateSubscription: (subscriptionId: string, body: z.input<typeof UpdateSubscriptionRequestSchema>) => send<Subscription>('PATCH', `/admin/subscriptions/${id(subscriptionId)}`, body),
    cancelSubscription: (subscriptionId: string) => send<CancelResult>('POST', `/admin/subscriptions/${id(subscriptionId)}/cancel`),
    reactivateSubscription: (subscriptionId: string) => send<Subscription>('POST', `/admin/subscriptions/${id(subscriptionId)}/reactivate`, {}),
    convertTrial: (subscriptionId: string) => send<Subscription>('POST', `/admin/subscriptions/${id(subscriptionId)}/convert-trial`),
    extendTrial: (subscriptionId: string, days: number) => send<Subscription>('POST', `/admin/subscriptions/${id(subscriptionId)}/extend-trial`, { days }),
    takeOver: (subscriptionId: string, action: 'moveUsers' | 'cancel') => send<Subscription & { usersMoved: number }>('POST', `/admin/subscriptions/${id(subscriptionId)}/take-over`, { action }),

    listGroups: async (query: { search?: string; skiptoken?: string } = {}) => {
      const term = query.search?.trim().replace(/'/g, "''");
      const page = await send<GraphPage<Group>>(
        'GET',
        `/v1.0/groups${queryOf({ $select: GROUP_SELECT, $top: '50', $filter: term ? `startswith(displayName,'${term}')` : undefined, $skiptoken: query.skiptoken })}`,
      );
      return { value: page.value, skiptoken: skipTokenOf(page['@odata.nextLink']) };
    },
    /** The groups that hold a product, and which of them have members in error for any license (two filters Graph supports). */
    groupsWithProduct: async (skuId: string) => {
      const holds = `assignedLicenses/any(x:x/skuId eq ${skuId})`;
      const [all, withErrors] = await Promise.all([
        send<GraphPage<Group>>('GET', `/v1.0/groups${queryOf({ $select: GROUP_SELECT, $top: '999', $filter: holds })}`),
        send<GraphPage<{ id: string }>>('GET', `/v1.0/groups${queryOf({ $select: 'id', $top: '999', $filter: `${holds} and hasMembersWithLicenseErrors eq true` })}`),
      ]);
      const erring = new Set(withErrors.value.map((group) => group.id));
      return all.value.map((group) => ({ ...group, hasMembersWithLicenseErrors: erring.has(group.id) }));
    },
    getGroup: (groupId: string) => send<Group>('GET', `/v1.0/groups/${id(groupId)}?$select=${GROUP_SELECT}`),
    createGroup: (body: z.input<typeof CreateGroupRequestSchema>) => send<Group>('POST', '/v1.0/groups', body),
    updateGroup: (groupId: string, body: { membershipRule?: string; membershipRuleProcessingState?: 'On' | 'Paused' }) => send<void>('PATCH', `/v1.0/groups/${id(groupId)}`, body),
    deleteGroup: (groupId: string) => send<void>('DELETE', `/v1.0/groups/${id(groupId)}`),
    listGroupMembers: async (groupId: string) => (await send<GraphPage<GroupMember>>('GET', `/v1.0/groups/${id(groupId)}/members?$top=999&$select=id,displayName,userPrincipalName`)).value,
    addGroupMember: (groupId: string, memberId: string) => send<void>('POST', `/v1.0/groups/${id(groupId)}/members/$ref`, { '@odata.id': `https://graph.microsoft.com/v1.0/directoryObjects/${memberId}` }),
    removeGroupMember: (groupId: string, memberId: string) => send<void>('DELETE', `/v1.0/groups/${id(groupId)}/members/${id(memberId)}/$ref`),
    assignGroupLicense: (groupId: string, body: z.input<typeof AssignLicenseRequestSchema>) => send<unknown>('POST', `/v1.0/groups/${id(groupId)}/assignLicense`, body),
    /** The group's licenses with the waitlist setting, which Graph's assignedLicenses does not carry. */
    groupLicenses: async (groupId: string) => (await send<{ value: GroupLicense[] }>('GET', `/admin/groups/${id(groupId)}/licenses`)).value,
    setGroupLicenseWaitlist: (groupId: string, skuId: string, waitlist: boolean) => send<void>('PATCH', `/admin/groups/${id(groupId)}/licenses/${id(skuId)}`, { waitlist }),
    membersWithLicenseErrors: async (groupId: string) =>
      (await send<GraphPage<LicenseErrorMember>>('GET', `/v1.0/groups/${id(groupId)}/membersWithLicenseErrors?$top=999&$select=id,displayName,userPrincipalName,licenseAssignmentStates`)).value,
    reprocessGroup: (groupId: string) => send<ReprocessResult>('POST', `/admin/groups/${id(groupId)}/reprocess`),
    /** Who a rule would take in, before the group exists: the count and the first 15 by name. */
    previewNewMembershipRule: (membershipRule: string) =>
      send<{ matching: number; sample: { id: string; displayName: string; userPrincipalName: string }[] }>('POST', '/admin/groups/rule/preview', { membershipRule }),
    previewMembershipRule: (groupId: string, membershipRule: string) => send<RulePreview>('POST', `/admin/groups/${id(groupId)}/rule/preview`, { membershipRule }),

    /** Names of up to 15 users by id (Graph's limit for an `in` list). */
    usersByIds: async (ids: readonly string[]) => {
      if (ids.length === 0) {
        return [];
      }
      const list = ids.slice(0, 15).map((userId) => `'${userId.replace(/'/g, "''")}'`).join(',');
      return (await send<GraphPage<{ id: string; displayName: string; userPrincipalName: string }>>('GET', `/v1.0/users${queryOf({ $filter: `id in (${list})`, $select: 'id,displayName,userPrincipalName', $top: '15' })}`)).value;
    },

    listAudit: async (filter: AuditFilter, skiptoken?: string) => {
      const page = await send<GraphPage<AuditEntry>>('GET', `/admin/audit${queryOf({ ...filter, $top: '50', $skiptoken: skiptoken })}`);
      return { value: page.value, skiptoken: skipTokenOf(page['@odata.nextLink']) };
    },
  };
}
