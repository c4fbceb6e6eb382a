import { effectiveLicenses, enabledPlanIds, isActiveAssignment } from '../../domain/licenses.js';
import { DIRECT_SOURCE } from '../../domain/ids.js';
import type { DirectoryUser } from '../../domain/user.js';
import type { SubscriptionStatus } from '../../domain/seats.js';
import type { LicensedUser } from '../../services/licensing.service.js';

/** Properties GET /users returns without $select (graph-licensing.md §1.9). */
export const DEFAULT_USER_PROPERTIES = [
  'businessPhones',
  'displayName',
  'givenName',
  'id',
  'jobTitle',
  'mail',
  'mobilePhone',
  'officeLocation',
  'preferredLanguage',
  'surname',
  'userPrincipalName',
] as const;

/** Every property Allot returns for a user (what $select may name). */
export const USER_PROPERTIES = [
  ...DEFAULT_USER_PROPERTIES,
  'accountEnabled',
  'createdDateTime',
  'creationType',
  'department',
  'deletedDateTime',
  'externalUserState',
  'externalUserStateChangeDateTime',
  'mailNickname',
  'usageLocation',
  'userType',
  'assignedLicenses',
  'assignedPlans',
  'licenseAssignmentStates',
] as const;

const iso = (date: Date | null): string | null => (date === null ? null : date.toISOString().replace(/\.\d{3}Z$/, 'Z'));

function directoryProperties(user: DirectoryUser): Record<string, unknown> {
  return {
    id: user.userId,
    businessPhones: [],
    displayName: user.displayName,
    givenName: user.givenName,
    jobTitle: user.jobTitle,
    mail: user.mail,
    mobilePhone: null,
    officeLocation: null,
    preferredLanguage: null,
    surname: user.surname,
    userPrincipalName: user.userPrincipalName,
    accountEnabled: user.accountEnabled,
    createdDateTime: iso(user.createdAt),
    creationType: user.creationType,
    department: user.department,
    deletedDateTime: iso(user.deletedAt),
    externalUserState: user.externalUserState,
    externalUserStateChangeDateTime: iso(user.externalUserStateChangedAt),
    mailNickname: user.mailNickname,
    usageLocation: user.usageLocation,
    userType: user.userType,
  };
}

/** Graph's capabilityStatus of a held SKU's plans: its seat's subscription status (Enabled when unknown). */
const seatStatus = (view: Pick<LicensedUser, 'seatStatuses'>, skuId: string): SubscriptionStatus => view.seatStatuses?.get(skuId) ?? 'Enabled';

/** Whether a held SKU's plans work: not while its subscription is Suspended, LockedOut or Deleted. */
const grantsAccess = (status: SubscriptionStatus): boolean => status === 'Enabled' || status === 'Warning';

function licensingProperties({ user, assignments, catalogue, seatStatuses }: LicensedUser): Record<string, unknown> {
  const licenses = effectiveLicenses(assignments);
  const assignedAt = new Map<string, Date>();
  for (const assignment of assignments.filter(isActiveAssignment)) {
    const current = assignedAt.get(assignment.skuId);
    if (current === undefined || assignment.assignedAt < current) {
      assignedAt.set(assignment.skuId, assignment.assignedAt);
    }
  }
  const enabled = enabledPlanIds(licenses, catalogue);
  const assignedPlans = licenses.flatMap((license) =>
    (catalogue.findSku(license.skuId)?.servicePlanIds ?? [])
      .filter((planId) => enabled.has(planId))
      .map((planId) => ({
        assignedDateTime: iso(assignedAt.get(license.skuId) ?? user.createdAt),
        capabilityStatus: seatStatus({ seatStatuses }, license.skuId),
        service: catalogue.findPlan(planId)?.service ?? 'unknown',
        servicePlanId: planId,
      })),
  );
  // A plan in two licenses appears once, as Graph lists each enabled plan once.
  const seen = new Set<string>();
  return {
    assignedLicenses: licenses.map((license) => ({ disabledPlans: license.disabledPlans, skuId: license.skuId })),
    assignedPlans: assignedPlans.filter((plan) => (seen.has(plan.servicePlanId) ? false : (seen.add(plan.servicePlanId), true))),
    licenseAssignmentStates: assignments.map((assignment) => ({
      assignedByGroup: assignment.sourceId === DIRECT_SOURCE ? null : assignment.sourceId,
      disabledPlans: [...assignment.disabledPlans],
      error: assignment.error ?? 'None',
      lastUpdatedDateTime: iso(assignment.updatedAt),
      skuId: assignment.skuId,
      state: assignment.state,
    })),
  };
}

/**
 * Graph's user object. `select` limits the properties (in the caller's order, as Graph does);
 * without it the default set, or every property when `full` (assignLicense returns the full user).
 */
export function presentUser(view: LicensedUser, options: { select?: readonly string[]; full?: boolean } = {}): Record<string, unknown> {
  const all = { ...directoryProperties(view.user), ...licensingProperties(view) };
  const keys = options.select ?? (options.full ? Object.keys(all) : DEFAULT_USER_PROPERTIES);
  const result: Record<string, unknown> = {};
  for (const key of keys) {
    if (key in all) {
      result[key] = all[key];
    }
  }
  return result;
}

/** Graph's licenseDetails: one per SKU the user holds, with each plan's status for the user. */
export function presentLicenseDetails({ user, assignments, catalogue, seatStatuses }: LicensedUser): Record<string, unknown>[] {
  return effectiveLicenses(assignments).map((license) => {
    const sku = catalogue.findSku(license.skuId);
    // UNCONFIRMED in Graph: a plan of a suspended subscription is reported Disabled (servicePlanInfo
    // has no capabilityStatus; assignedPlans carries the subscription's status itself).
    const works = grantsAccess(seatStatus({ seatStatuses }, license.skuId));
    return {
      id: Buffer.from(`${user.userId}_${license.skuId}`).toString('base64url'),
      skuId: license.skuId,
      skuPartNumber: sku?.skuPartNumber ?? null,
      servicePlans: (sku?.servicePlanIds ?? []).map((planId) => {
        const plan = catalogue.findPlan(planId);
        return {
          servicePlanId: planId,
          servicePlanName: plan?.servicePlanName ?? planId,
          provisioningStatus: license.disabledPlans.includes(planId) || !works ? 'Disabled' : 'Success',
          appliesTo: plan?.appliesTo ?? 'User',
        };
      }),
    };
  });
}
