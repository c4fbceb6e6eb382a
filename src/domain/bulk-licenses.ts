import { planDirectChange, seatDeltas, seatShortfall, skuLabel, type DirectChangePlan, type LicenseSubject, type LicenseToAdd, type SkuSeats } from './assignment.js';
import type { Catalogue } from './catalogue.js';
import { AppError, isAppError, type ErrorDetail } from './errors.js';
import { effectiveLicenses, enabledPlanIds, isDirect } from './licenses.js';

/**
 * Licenses of many users in one all-or-nothing change: the admin center's "Manage product licenses"
 * (Assign more / Replace / Unassign all) and the product page's Assign and Unassign.
 */
export type BulkMode = 'addMore' | 'replace' | 'removeAll' | 'remove';

export interface BulkSubject extends LicenseSubject {
  userPrincipalName: string;
  /** SKUs whose seat comes from a self-service purchase: admins leave them alone. */
  selfServiceSkuIds: ReadonlySet<string>;
}

export interface BulkRequest {
  mode: BulkMode;
  users: readonly BulkSubject[];
  /** addMore/replace: the licenses to hold; remove: the SKUs to take away (disabledPlans ignored). */
  licenses: readonly LicenseToAdd[];
  catalogue: Catalogue;
  ownedSkuIds: ReadonlySet<string>;
  seats: ReadonlyMap<string, SkuSeats>;
}

export interface UserOutcome {
  userId: string;
  userPrincipalName: string;
  displayName: string;
  /** Why this user's part cannot be applied (Graph-worded), empty when it can. */
  conflicts: ErrorDetail[];
  added: string[];
  removed: string[];
  /** Licenses a Replace or Unassign all leaves in place, and why. */
  kept: { skuId: string; displayName: string; reason: 'inherited' | 'selfService'; sourceId?: string }[];
  /** Services the user stops having (plan switched off or license gone). */
  servicesLost: { servicePlanId: string; name: string }[];
}

export interface SeatDelta {
  skuId: string;
  displayName: string;
  /** Seats taken minus seats freed by this change. */
  delta: number;
  available: number;
  /** Licenses to buy for the change to fit (0 when it does). */
  shortBy: number;
}

export interface BulkPlan {
  plans: DirectChangePlan[];
  outcomes: UserOutcome[];
  seatDeltas: SeatDelta[];
  /** True when the change can be applied as a whole. */
  isApplicable: boolean;
}

function requestFor(mode: BulkMode, user: BulkSubject, licenses: readonly LicenseToAdd[]): { add: LicenseToAdd[]; remove: string[]; kept: UserOutcome['kept'] } {
  const chosen = new Set(licenses.map((license) => license.skuId.toLowerCase()));
  const direct = user.assignments.filter(isDirect);
  const adminDirect = direct.filter((assignment) => !user.selfServiceSkuIds.has(assignment.skuId)).map((assignment) => assignment.skuId);
  const kept: UserOutcome['kept'] = [];
  if (mode === 'replace' || mode === 'removeAll') {
    for (const assignment of user.assignments) {
      if (!isDirect(assignment)) {
        kept.push({ skuId: assignment.skuId, displayName: '', reason: 'inherited', sourceId: assignment.sourceId });
      } else if (user.selfServiceSkuIds.has(assignment.skuId)) {
        kept.push({ skuId: assignment.skuId, displayName: '', reason: 'selfService' });
      }
    }
  }
  switch (mode) {
    case 'addMore':
      return { add: [...licenses], remove: [], kept };
    case 'replace':
      return { add: [...licenses], remove: adminDirect.filter((skuId) => !chosen.has(skuId)), kept };
    case 'removeAll':
      return { add: [], remove: adminDirect, kept };
    case 'remove':
      return { add: [], remove: [...chosen], kept };
  }
}

/**
 * Plans the change for every user, then checks seats for the batch as a whole: the shortfall per SKU
 * is the batch's seats taken minus seats freed, compared with the free seats.
 */
export function planBulkChange(request: BulkRequest): BulkPlan {
  const { catalogue } = request;
  const plans: DirectChangePlan[] = [];
  const outcomes: UserOutcome[] = [];
  for (const user of request.users) {
    const { add, remove, kept } = requestFor(request.mode, user, request.licenses);
    const outcome: UserOutcome = {
      userId: user.userId,
      userPrincipalName: user.userPrincipalName,
      displayName: user.displayName,
      conflicts: [],
      added: [],
      removed: [],
      kept: kept.map((item) => ({ ...item, displayName: skuLabel(catalogue.findSku(item.skuId), item.skuId) })),
      servicesLost: [],
    };
    try {
      const plan = planDirectChange({ user, add, remove, catalogue, ownedSkuIds: request.ownedSkuIds, selfServiceSkuIds: user.selfServiceSkuIds });
      plans.push(plan);
      outcome.added = plan.seatsTaken;
      outcome.removed = plan.seatsFreed;
      const before = enabledPlanIds(plan.before, catalogue);
      const after = enabledPlanIds(plan.after, catalogue);
      outcome.servicesLost = [...before]
        .filter((planId) => !after.has(planId))
        .map((planId) => {
          const plan = catalogue.findPlan(planId);
          return { servicePlanId: planId, name: plan ? plan.friendlyName : planId };
        });
    } catch (error) {
      if (!isAppError(error)) {
        throw error;
      }
      outcome.conflicts = [{ code: error.details[0]?.code ?? 'Conflict', message: error.message, target: user.userPrincipalName }, ...error.details.map((detail) => ({ ...detail, target: user.userPrincipalName }))];
    }
    outcomes.push(outcome);
  }
  const deltas = [...seatDeltas(plans)].map(([skuId, delta]) => {
    const seats = request.seats.get(skuId);
    return {
      skuId,
      displayName: skuLabel(catalogue.findSku(skuId), skuId),
      delta,
      available: seats?.free ?? 0,
      shortBy: seatShortfall(delta, seats),
    };
  });
  const isApplicable = outcomes.every((outcome) => outcome.conflicts.length === 0) && deltas.every((delta) => delta.shortBy === 0);
  return { plans, outcomes, seatDeltas: deltas.sort((a, b) => a.displayName.localeCompare(b.displayName)), isApplicable };
}

/** The error a non-applicable bulk change is refused with: every conflict and shortage, by user. */
export function bulkRefusal(plan: BulkPlan): AppError {
  const shortages = plan.seatDeltas.filter((delta) => delta.shortBy > 0);
  const conflicts = plan.outcomes.flatMap((outcome) => outcome.conflicts.slice(1));
  const details: ErrorDetail[] = [
    ...shortages.map((delta) => ({
      code: 'CountViolation',
      target: delta.skuId,
      message: `${delta.displayName}: this change needs ${delta.delta} more license${delta.delta === 1 ? '' : 's'} and ${delta.available} ${delta.available === 1 ? 'is' : 'are'} available. Buy ${delta.shortBy} more, or select fewer users.`,
    })),
    ...conflicts,
  ];
  const usersInConflict = plan.outcomes.filter((outcome) => outcome.conflicts.length > 0).length;
  const parts = [
    ...(shortages.length > 0 ? [`${shortages.length} product${shortages.length === 1 ? ' does' : 's do'} not have enough available licenses`] : []),
    ...(usersInConflict > 0 ? [`${usersInConflict} user${usersInConflict === 1 ? '' : 's'} cannot get this change`] : []),
  ];
  return new AppError('licenseAssignmentFailed', `No licenses were changed: ${parts.join(' and ')}.`, details);
}

/** Effective licenses of a subject, exported for reports. */
export const licensesOf = (subject: LicenseSubject) => effectiveLicenses(subject.assignments);
