import type { Catalogue, PlanRule, Sku } from './catalogue.js';
import { AppError, type ErrorDetail } from './errors.js';
import { DIRECT_SOURCE } from './ids.js';
import {
  effectiveLicenses,
  enabledPlanIds,
  isActiveAssignment,
  isDirect,
  type Assignment,
  type EffectiveLicense,
} from './licenses.js';

/**
 * The rules of direct license assignment, as pure functions. `planDirectChange` takes a user's
 * current assignments and one request (Graph's assignLicense body) and returns what to write, or
 * throws an AppError carrying Graph's message and a plain-language detail naming products and plans.
 * A thrown error means nothing is written: the caller's transaction rolls back.
 */

export interface LicenseToAdd {
  skuId: string;
  disabledPlans: readonly string[];
}

/** Seat numbers of one SKU as seen by the caller's channel (admin unless a purchaser acts). */
export interface SkuSeats {
  skuId: string;
  /** Enabled + Warning units of the subscriptions the caller may draw from. */
  assignable: number;
  /** Seats held by users, from every subscription of the SKU. */
  consumed: number;
  /** Seats the caller can still assign (see domain/seats.ts freeSeats). */
  free: number;
  /** Units the caller may not assign because they belong to someone's self-service purchase. */
  selfServiceUnits: number;
}

export interface LicenseSubject {
  userId: string;
  displayName: string;
  usageLocation: string | null;
  assignments: readonly Assignment[];
}

export interface DirectChangeRequest {
  user: LicenseSubject;
  add: readonly LicenseToAdd[];
  remove: readonly string[];
  catalogue: Catalogue;
  /** SKUs the tenant has a subscription for (any state); others are not "valid company licenses". */
  ownedSkuIds: ReadonlySet<string>;
  /**
   * SKUs the user holds directly with a seat from someone's self-service purchase. Admins may not
   * change those assignments (the purchaser does, or an admin after taking the subscription over).
   */
  selfServiceSkuIds?: ReadonlySet<string>;
  /**
   * Seat numbers per SKU. When given, a SKU the user does not hold yet needs a free seat; bulk
   * callers omit it and check seats for the whole batch with `checkSeatDeltas`.
   */
  seats?: ReadonlyMap<string, SkuSeats>;
}

export interface DirectChangePlan {
  userId: string;
  /** Direct rows to insert or whose disabledPlans change. */
  upserts: { skuId: string; disabledPlans: string[]; isNew: boolean }[];
  /** SKUs whose direct row goes. */
  removals: string[];
  /** SKUs the user starts to hold (needs a seat) and stops holding (frees a seat). */
  seatsTaken: string[];
  seatsFreed: string[];
  before: EffectiveLicense[];
  after: EffectiveLicense[];
  /** Whether anything changes at all (a no-op request still succeeds, as in Graph). */
  isChange: boolean;
}

const bad = (message: string, detail: ErrorDetail): AppError => new AppError('licenseAssignmentFailed', message, [detail]);

export const skuLabel = (sku: Sku | undefined, skuId: string): string => (sku ? sku.displayName : skuId);

const planLabel = (catalogue: Catalogue, planId: string): string => {
  const plan = catalogue.findPlan(planId);
  return plan ? `${plan.friendlyName} (${plan.servicePlanName})` : planId;
};

const unknownLicense = (skuId: string): AppError =>
  bad(`License ${skuId} does not correspond to a valid company License.`, {
    code: 'UnknownLicense',
    target: skuId,
    message: `The organization has no subscription for the product ${skuId}. Check the skuId against GET /v1.0/subscribedSkus, or buy the product first.`,
  });

export function planDirectChange(request: DirectChangeRequest): DirectChangePlan {
  const { user, catalogue } = request;
  const add = request.add.map((license) => ({
    skuId: license.skuId.toLowerCase(),
    disabledPlans: [...new Set(license.disabledPlans.map((planId) => planId.toLowerCase()))].sort(),
  }));
  const remove = [...new Set(request.remove.map((skuId) => skuId.toLowerCase()))];

  rejectAmbiguousRequest(add, remove);
  const addedSkus = add.map((license) => requireUserSku(license.skuId, request));
  for (const skuId of remove) {
    requireOwned(skuId, request);
  }
  add.forEach((license, index) => rejectForeignPlans(license, addedSkus[index] as Sku, catalogue));

  const direct = new Map(user.assignments.filter(isDirect).map((assignment) => [assignment.skuId, assignment]));
  for (const skuId of [...add.map((license) => license.skuId), ...remove]) {
    if (direct.has(skuId) && request.selfServiceSkuIds?.has(skuId)) {
      // UNCONFIRMED: Graph's text for this case is not documented (graph-licensing.md §3.2).
      throw bad(`License ${skuId} was assigned from a self-service purchase and cannot be changed by an administrator.`, {
        code: 'SelfServiceSubscription',
        target: skuId,
        message: `${user.displayName} has ${skuLabel(catalogue.findSku(skuId), skuId)} from someone's self-service purchase. Its purchaser manages it; to manage it yourself, take the subscription over (Billing > Your products > Take over).`,
      });
    }
  }
  for (const skuId of remove) {
    if (direct.has(skuId)) {
      continue;
    }
    const inherited = user.assignments.some((assignment) => assignment.skuId === skuId && !isDirect(assignment));
    if (inherited) {
      throw bad('User license is inherited from a group membership and it cannot be removed directly from the user.', {
        code: 'InheritedLicense',
        target: skuId,
        message: `${user.displayName} has ${skuLabel(catalogue.findSku(skuId), skuId)} through a group. Remove the user from the group, or remove the license from the group, instead.`,
      });
    }
    // UNCONFIRMED: Graph's text for removing a SKU the user does not hold is not documented; this is
    // the directory's wording for the same situation in its PowerShell era.
    throw bad(`User does not have a corresponding license for ${skuId}.`, {
      code: 'LicenseNotAssigned',
      target: skuId,
      message: `${user.displayName} has no direct ${skuLabel(catalogue.findSku(skuId), skuId)} license to remove.`,
    });
  }

  const afterAssignments: Assignment[] = user.assignments
    .filter((assignment) => !(isDirect(assignment) && (remove.includes(assignment.skuId) || add.some((l) => l.skuId === assignment.skuId))))
    .concat(
      add.map((license) => {
        const existing = direct.get(license.skuId);
        const at = existing?.assignedAt ?? new Date(0);
        return {
          skuId: license.skuId,
          sourceId: DIRECT_SOURCE,
          disabledPlans: license.disabledPlans,
          state: 'Active' as const,
          error: null,
          assignedAt: at,
          updatedAt: at,
        };
      }),
    );

  const before = effectiveLicenses(user.assignments);
  const after = effectiveLicenses(afterAssignments);
  const heldBefore = new Set(before.map((license) => license.skuId));
  const heldAfter = new Set(after.map((license) => license.skuId));
  const seatsTaken = [...heldAfter].filter((skuId) => !heldBefore.has(skuId)).sort();
  const seatsFreed = [...heldBefore].filter((skuId) => !heldAfter.has(skuId)).sort();

  if (add.length > 0) {
    requireUsageLocation(user, add, catalogue);
  }
  if (request.seats) {
    for (const skuId of seatsTaken) {
      requireFreeSeat(skuId, request.seats.get(skuId), catalogue, 1);
    }
  }
  checkPlanRules({ catalogue, before, after, ownedSkuIds: request.ownedSkuIds });

  const upserts = add
    .filter((license) => {
      const existing = direct.get(license.skuId);
      return existing === undefined || !sameSet(existing.disabledPlans, license.disabledPlans) || !isActiveAssignment(existing);
    })
    .map((license) => ({ ...license, isNew: !direct.has(license.skuId) }));
  const removals = remove.filter((skuId) => direct.has(skuId));
  return {
    userId: user.userId,
    upserts,
    removals,
    seatsTaken,
    seatsFreed,
    before,
    after,
    isChange: upserts.length > 0 || removals.length > 0,
  };
}

function rejectAmbiguousRequest(add: readonly LicenseToAdd[], remove: readonly string[]): void {
  const seen = new Set<string>();
  for (const license of add) {
    if (seen.has(license.skuId)) {
      throw new AppError('invalidRequest', `License ${license.skuId} appears more than once in addLicenses.`, [
        { code: 'DuplicateLicense', target: 'addLicenses', message: 'List each skuId once; put all of its disabled plans in one entry.' },
      ]);
    }
    seen.add(license.skuId);
    if (remove.includes(license.skuId)) {
      throw new AppError('invalidRequest', `License ${license.skuId} cannot be both added and removed in one request.`, [
        { code: 'AddAndRemoveSameLicense', target: 'removeLicenses', message: 'To change which services are on, add the license again with new disabledPlans; do not also remove it.' },
      ]);
    }
  }
}

function requireOwned(skuId: string, request: DirectChangeRequest): Sku {
  const sku = request.catalogue.findSku(skuId);
  if (!sku || !request.ownedSkuIds.has(skuId)) {
    throw unknownLicense(skuId);
  }
  return sku;
}

function requireUserSku(skuId: string, request: DirectChangeRequest): Sku {
  const sku = requireOwned(skuId, request);
  if (sku.appliesTo !== 'User') {
    // UNCONFIRMED exact text (graph-docs-contrib#5644 paraphrases it).
    throw bad(`License ${skuId} cannot be assigned to a user.`, {
      code: 'CompanyLicense',
      target: skuId,
      message: `${sku.displayName} is a tenant-wide product (appliesTo Company): it serves the whole organization and is not assigned to people.`,
    });
  }
  return sku;
}

function rejectForeignPlans(license: LicenseToAdd, sku: Sku, catalogue: Catalogue): void {
  const foreign = license.disabledPlans.filter((planId) => !sku.servicePlanIds.includes(planId));
  if (foreign.length === 0) {
    return;
  }
  // UNCONFIRMED exact text (azure-docs#81269 only paraphrases it); worded like Graph's other license errors.
  throw bad(`License assignment failed because service plan(s) ${foreign.join(', ')} do not belong to license ${sku.skuId}.`, {
    code: 'InvalidDisabledPlan',
    target: `disabledPlans`,
    message: `${foreign.map((planId) => planLabel(catalogue, planId)).join(', ')} ${foreign.length === 1 ? 'is' : 'are'} not part of ${sku.displayName}. disabledPlans may only list service plans of the license they are in (see servicePlans in GET /v1.0/subscribedSkus).`,
  });
}

function requireUsageLocation(user: LicenseSubject, add: readonly LicenseToAdd[], catalogue: Catalogue): void {
  const location = user.usageLocation;
  if (location === null || location === '') {
    throw bad('License assignment cannot be done for user with invalid usage location.', {
      code: 'InvalidUsageLocation',
      target: 'usageLocation',
      message: `${user.displayName} has no usage location. Set usageLocation (a two-letter country code such as NL) on the user, then assign the license.`,
    });
  }
  for (const license of add) {
    const sku = catalogue.findSku(license.skuId);
    const prohibited = (sku?.servicePlanIds ?? []).filter(
      (planId) => !license.disabledPlans.includes(planId) && (catalogue.findPlan(planId)?.prohibitedUsageLocations ?? []).includes(location),
    );
    if (prohibited.length > 0) {
      throw bad('License assignment cannot be done for user with invalid usage location.', {
        code: 'ProhibitedInUsageLocationViolation',
        target: license.skuId,
        message: `${prohibited.map((planId) => planLabel(catalogue, planId)).join(', ')} may not be used in ${location} (${user.displayName}'s usage location). Turn ${prohibited.length === 1 ? 'that service' : 'those services'} off in ${skuLabel(sku, license.skuId)}, or correct the usage location.`,
      });
    }
  }
}

/** Throws when `needed` more seats of the SKU are not free for the caller. */
export function requireFreeSeat(skuId: string, seats: SkuSeats | undefined, catalogue: Catalogue, needed: number): void {
  const free = seats?.free ?? 0;
  if (free >= needed) {
    return;
  }
  const name = skuLabel(catalogue.findSku(skuId), skuId);
  const selfServiceOnly = seats !== undefined && seats.assignable === 0 && seats.selfServiceUnits > 0;
  const message = selfServiceOnly
    ? `${name} is bought through a self-service purchase. Admins can't assign or unassign its licenses until they take over the subscription (Billing > Your products > Take over).`
    : `${name} has ${free} available license${free === 1 ? '' : 's'} and ${needed} ${needed === 1 ? 'is' : 'are'} needed. Buy ${needed - free} more, or unassign the license from someone who no longer needs it.`;
  throw bad(`Subscription with SKU ${skuId} does not have any available licenses.`, {
    code: selfServiceOnly ? 'SelfServiceSubscription' : 'CountViolation',
    target: skuId,
    message,
  });
}

interface RuleCheck {
  catalogue: Catalogue;
  before: readonly EffectiveLicense[];
  after: readonly EffectiveLicense[];
  ownedSkuIds: ReadonlySet<string>;
}

interface Violation {
  rule: PlanRule;
  /** Plans at fault: the exclusive pair, or the dependent plan. */
  planIds: string[];
}

/** Rule violations of a set of enabled plans. */
export function findRuleViolations(enabled: ReadonlySet<string>, catalogue: Catalogue): Violation[] {
  const violations: Violation[] = [];
  const seen = new Set<string>();
  for (const planId of enabled) {
    for (const rule of catalogue.rulesForPlan(planId)) {
      if (seen.has(rule.ruleId)) {
        continue;
      }
      seen.add(rule.ruleId);
      if (rule.kind === 'mutuallyExclusive') {
        const present = rule.planIds.filter((id) => enabled.has(id));
        if (present.length > 1) {
          violations.push({ rule, planIds: present });
        }
      } else if (enabled.has(rule.servicePlanId) && !rule.requiredPlanIds.some((id) => enabled.has(id))) {
        violations.push({ rule, planIds: [rule.servicePlanId] });
      }
    }
  }
  return violations;
}

const violationKey = (violation: Violation): string => `${violation.rule.ruleId}:${[...violation.planIds].sort().join(',')}`;

/**
 * Refuses a change that creates a conflict or breaks a dependency. Only violations the change
 * introduces count: a state that was already inconsistent (a rule added later) does not block
 * unrelated edits.
 */
function checkPlanRules({ catalogue, before, after, ownedSkuIds }: RuleCheck): void {
  const existing = new Set(findRuleViolations(enabledPlanIds(before, catalogue), catalogue).map(violationKey));
  const enabledAfter = enabledPlanIds(after, catalogue);
  const introduced = findRuleViolations(enabledAfter, catalogue).filter((violation) => !existing.has(violationKey(violation)));
  const first = introduced.find((violation) => violation.rule.kind === 'mutuallyExclusive') ?? introduced[0];
  if (!first) {
    return;
  }
  const { rule } = first;
  if (rule.kind === 'mutuallyExclusive') {
    const [a, b] = first.planIds as [string, string];
    const holders = (planId: string): string =>
      after
        .filter((license) => catalogue.findSku(license.skuId)?.servicePlanIds.includes(planId) && !license.disabledPlans.includes(planId))
        .map((license) => skuLabel(catalogue.findSku(license.skuId), license.skuId))
        .join(', ');
    throw bad(`License assignment failed because service plans ${first.planIds.join(', ')} are mutually exclusive.`, {
      code: 'MutuallyExclusiveViolation',
      target: first.planIds.join(','),
      message: `You can't assign licenses that contain these conflicting services: ${planLabel(catalogue, a)} in ${holders(a)} and ${planLabel(catalogue, b)} in ${holders(b)}. Turn one of the two services off, or remove one of the licenses.`,
    });
  }
  const dependent = rule.servicePlanId;
  const dependentHolders = after
    .filter((license) => catalogue.findSku(license.skuId)?.servicePlanIds.includes(dependent))
    .map((license) => skuLabel(catalogue.findSku(license.skuId), license.skuId));
  const providers = [...ownedSkuIds]
    .map((skuId) => catalogue.findSku(skuId))
    .filter((sku): sku is Sku => sku !== undefined && sku.appliesTo === 'User' && rule.requiredPlanIds.some((id) => sku.servicePlanIds.includes(id)))
    .map((sku) => sku.displayName)
    .sort();
  const required = rule.requiredPlanIds.map((planId) => planLabel(catalogue, planId)).join(' or ');
  const fix = providers.length > 0 ? ` Products you have that include it: ${providers.join(', ')}.` : '';
  throw bad(`License assignment failed because service plan ${dependent} depends on the service plan(s) ${rule.requiredPlanIds.join(', ')}`, {
    code: 'DependencyViolation',
    target: dependent,
    message: `${planLabel(catalogue, dependent)} in ${dependentHolders.join(', ') || 'the license'} needs ${required} to be enabled too. Keep or add a license with that service in the same request, or turn ${planLabel(catalogue, dependent)} off.${fix}`,
  });
}

const sameSet = (a: readonly string[], b: readonly string[]): boolean => a.length === b.length && a.every((item) => b.includes(item));

/** Seat demand of a batch per SKU (taken − freed), for bulk checks and dry runs. */
export function seatDeltas(plans: readonly Pick<DirectChangePlan, 'seatsTaken' | 'seatsFreed'>[]): Map<string, number> {
  const deltas = new Map<string, number>();
  for (const plan of plans) {
    for (const skuId of plan.seatsTaken) {
      deltas.set(skuId, (deltas.get(skuId) ?? 0) + 1);
    }
    for (const skuId of plan.seatsFreed) {
      deltas.set(skuId, (deltas.get(skuId) ?? 0) - 1);
    }
  }
  return deltas;
}

/** Licenses short per SKU for a batch (0 when it fits). */
export function seatShortfall(delta: number, seats: SkuSeats | undefined): number {
  if (delta <= 0) {
    return 0;
  }
  return Math.max(0, delta - (seats?.free ?? 0));
}
