import { findRuleViolations, skuLabel, type SkuSeats } from './assignment.js';
import type { Catalogue } from './catalogue.js';
import { effectiveLicenses, enabledPlanIds, isActiveAssignment, isDirect, type Assignment, type EffectiveLicense } from './licenses.js';

/**
 * Group-based licensing as a pure computation. Given the users to re-evaluate (their assignments
 * from every source, their direct memberships in licensed groups, their seats) and the groups'
 * licenses, it returns the group-sourced assignment rows each user should have, with Graph's
 * states, and the seats to take and free. The caller writes the plan set-based.
 *
 * Semantics (Graph / Entra, graph-licensing.md §3.3–§3.4):
 * - a user holds one seat per SKU whatever the number of sources; enabled plans are the union;
 * - all or nothing per group per user: if one SKU of a group fails for a user, none of that
 *   group's SKUs apply to the user (its rows are in Error with the cause);
 * - group assignments fall back to the tenant's usage location when the user has none;
 * - checks in order: usage location, mutually exclusive plans, dependencies, seats;
 * - seats short: members get them earliest membership first (then by user id), and a member who
 *   already holds the seat keeps it;
 * - a contribution whose group no longer grants it (membership or group license removed) goes,
 *   unless removing it would break a dependency another source still needs: then it stays, in
 *   ActiveWithError / DependencyViolation, until that is resolved.
 */

/** Graph's licenseAssignmentState.error values. */
export type GroupLicenseError = 'CountViolation' | 'MutuallyExclusiveViolation' | 'DependencyViolation' | 'ProhibitedInUsageLocationViolation' | 'Other';

export interface GroupGrant {
  groupId: string;
  skuId: string;
  disabledPlans: readonly string[];
}

export interface LicensedMembership {
  groupId: string;
  addedAt: Date;
}

export interface GroupLicensingSubject {
  userId: string;
  displayName: string;
  usageLocation: string | null;
  /** Current rows of every source (direct and groups). */
  assignments: readonly Assignment[];
  /** Direct memberships of the user in groups that carry licenses. */
  memberships: readonly LicensedMembership[];
  /** SKUs the user holds a seat of now. */
  seats: ReadonlySet<string>;
}

export interface GroupLicensingInput {
  users: readonly GroupLicensingSubject[];
  /** Licenses of every group the users are members of (and of groups whose rows they still carry). */
  grants: ReadonlyMap<string, readonly GroupGrant[]>;
  catalogue: Catalogue;
  /** SKUs the tenant has a subscription for. */
  ownedSkuIds: ReadonlySet<string>;
  defaultUsageLocation: string | null;
  /** Seat numbers per SKU for admins' seats (the caller holds the SKUs' locks). */
  seats: ReadonlyMap<string, SkuSeats>;
}

export interface GroupRowWrite {
  userId: string;
  skuId: string;
  groupId: string;
  disabledPlans: string[];
  state: 'Active' | 'ActiveWithError' | 'Error';
  error: GroupLicenseError | null;
}

export interface UserGroupOutcome {
  userId: string;
  groupId: string;
  succeeded: boolean;
  error: GroupLicenseError | null;
}

export interface GroupLicensingPlan {
  /** Group rows to insert or update (new, or state, error or disabled plans changed). */
  upserts: GroupRowWrite[];
  /** Group rows that go. */
  removals: { userId: string; skuId: string; groupId: string }[];
  seatsTaken: { userId: string; skuId: string }[];
  seatsFreed: { userId: string; skuId: string }[];
  /** Per user and group evaluated: applied, or the error that stopped it. */
  outcomes: UserGroupOutcome[];
  /** Users whose effective licenses changed (license version, audit). */
  changedUsers: { userId: string; before: EffectiveLicense[]; after: EffectiveLicense[] }[];
}

const sameSet = (a: readonly string[], b: readonly string[]): boolean => a.length === b.length && a.every((item) => b.includes(item));

interface Evaluation {
  rows: GroupRowWrite[];
  outcomes: UserGroupOutcome[];
  /** SKUs held after the evaluation (from any active source). */
  held: Set<string>;
}

/**
 * Rule checks of one planning run, memoised: they depend only on the licenses a user holds, the
 * group and the usage location, which most members of a group share, so a 100k-member group
 * computes them a handful of times instead of once per member.
 */
interface RuleMemo {
  catalogue: Catalogue;
  ruleErrors: Map<string, GroupLicenseError | null>;
  violations: Map<string, string[]>;
}

const licensesKey = (licenses: readonly EffectiveLicense[]): string => licenses.map((license) => `${license.skuId}:${license.disabledPlans.join(',')}`).join(';');

/** Why a group's SKUs cannot apply to a user, before seats are counted (memoised per location, group and licenses held). */
function ruleError(location: string | null, groupId: string, grants: readonly GroupGrant[], accepted: readonly Assignment[], memo: RuleMemo): GroupLicenseError | null {
  const key = `${location ?? ''}|${groupId}|${licensesKey(effectiveLicenses(accepted))}`;
  const known = memo.ruleErrors.get(key);
  if (known !== undefined) {
    return known;
  }
  const error = computeRuleError(location, grants, accepted, memo);
  memo.ruleErrors.set(key, error);
  return error;
}

function computeRuleError(location: string | null, grants: readonly GroupGrant[], accepted: readonly Assignment[], memo: RuleMemo): GroupLicenseError | null {
  const { catalogue } = memo;
  if (location === null) {
    // Neither the user nor the tenant has a usage location: Entra reports it as a generic error.
    return 'Other';
  }
  for (const grant of grants) {
    const sku = catalogue.findSku(grant.skuId);
    const prohibited = (sku?.servicePlanIds ?? []).some(
      (planId) => !grant.disabledPlans.includes(planId) && (catalogue.findPlan(planId)?.prohibitedUsageLocations ?? []).includes(location),
    );
    if (prohibited) {
      return 'ProhibitedInUsageLocationViolation';
    }
  }
  const known = new Set(violationKeys(accepted, memo));
  const candidate = [...accepted, ...grants.map((grant) => asAssignment(grant, 'Active'))];
  const introduced = (kind: 'mutuallyExclusive' | 'requiresOneOf') => violationKeys(candidate, memo, kind).some((key) => !known.has(key));
  if (introduced('mutuallyExclusive')) {
    return 'MutuallyExclusiveViolation';
  }
  return introduced('requiresOneOf') ? 'DependencyViolation' : null;
}

/** The rule violations of a set of assignments, as comparable keys (optionally of one kind); memoised by effective licenses. */
function violationKeys(assignments: readonly Assignment[], memo: RuleMemo, kind?: 'mutuallyExclusive' | 'requiresOneOf'): string[] {
  const { catalogue } = memo;
  const licenses = effectiveLicenses(assignments);
  const key = `${kind ?? '*'}|${licensesKey(licenses)}`;
  const known = memo.violations.get(key);
  if (known !== undefined) {
    return known;
  }
  const keys = findRuleViolations(enabledPlanIds(licenses, catalogue), catalogue)
    .filter((violation) => kind === undefined || violation.rule.kind === kind)
    .map((violation) => `${violation.rule.ruleId}:${[...violation.planIds].sort().join(',')}`);
  memo.violations.set(key, keys);
  return keys;
}

const EPOCH = new Date(0);
const asAssignment = (grant: GroupGrant, state: Assignment['state']): Assignment => ({
  skuId: grant.skuId,
  sourceId: grant.groupId,
  disabledPlans: [...grant.disabledPlans].sort(),
  state,
  error: null,
  assignedAt: EPOCH,
  updatedAt: EPOCH,
});

/**
 * Evaluates one user's groups against the seats still free (taking and releasing them in `free`;
 * `freedEarly` are the user's seats the first pass released already). Without `free` it evaluates
 * with unlimited seats: the first pass, which finds the seats that free up whatever happens.
 */
function evaluateUser(user: GroupLicensingSubject, input: GroupLicensingInput, memo: RuleMemo, free?: Map<string, number>, freedEarly: ReadonlySet<string> = new Set()): Evaluation {
  const location = user.usageLocation ?? input.defaultUsageLocation;
  const accepted: Assignment[] = user.assignments.filter((assignment) => isDirect(assignment) && isActiveAssignment(assignment));
  const rows: GroupRowWrite[] = [];
  const outcomes: UserGroupOutcome[] = [];
  const memberships = [...user.memberships].sort((a, b) => a.addedAt.getTime() - b.addedAt.getTime() || a.groupId.localeCompare(b.groupId));
  const granted = new Set<string>();

  for (const membership of memberships) {
    const grants = input.grants.get(membership.groupId) ?? [];
    if (grants.length === 0) {
      continue;
    }
    let error = ruleError(location, membership.groupId, grants, accepted, memo);
    const held = new Set(effectiveLicenses(accepted).map((license) => license.skuId));
    const needed = grants.map((grant) => grant.skuId).filter((skuId) => !held.has(skuId) && !user.seats.has(skuId));
    if (error === null && free !== undefined) {
      const short = needed.some((skuId) => !input.ownedSkuIds.has(skuId) || (free.get(skuId) ?? 0) < 1);
      if (short) {
        error = 'CountViolation';
      } else {
        for (const skuId of needed) {
          free.set(skuId, (free.get(skuId) ?? 0) - 1);
        }
      }
    }
    for (const grant of grants) {
      granted.add(`${membership.groupId}:${grant.skuId}`);
      rows.push({ userId: user.userId, skuId: grant.skuId, groupId: membership.groupId, disabledPlans: [...grant.disabledPlans].sort(), state: error === null ? 'Active' : 'Error', error });
      if (error === null) {
        accepted.push(asAssignment(grant, 'Active'));
      }
    }
    outcomes.push({ userId: user.userId, groupId: membership.groupId, succeeded: error === null, error });
  }

  // Contributions whose group no longer grants them: they go, unless another source depends on them.
  const orphans = user.assignments.filter((assignment) => !isDirect(assignment) && !granted.has(`${assignment.sourceId}:${assignment.skuId}`));
  for (const orphan of orphans) {
    if (!isActiveAssignment(orphan)) {
      continue;
    }
    const withIt = new Set(violationKeys([...accepted, orphan], memo));
    const breaks = violationKeys(accepted, memo, 'requiresOneOf').some((key) => !withIt.has(key));
    if (breaks) {
      rows.push({ userId: user.userId, skuId: orphan.skuId, groupId: orphan.sourceId, disabledPlans: [...orphan.disabledPlans], state: 'ActiveWithError', error: 'DependencyViolation' });
      accepted.push(orphan);
    }
  }

  const held = new Set(effectiveLicenses(accepted).map((license) => license.skuId));
  if (free !== undefined) {
    // A seat the first pass gave back but a kept contribution still holds is taken back (the seat
    // writer re-checks capacity, so a pool that went short meanwhile fails the change).
    for (const skuId of freedEarly) {
      if (held.has(skuId)) {
        free.set(skuId, (free.get(skuId) ?? 0) - 1);
      }
    }
    for (const skuId of user.seats) {
      if (!held.has(skuId) && !freedEarly.has(skuId)) {
        free.set(skuId, (free.get(skuId) ?? 0) + 1);
      }
    }
  }
  return { rows, outcomes, held };
}

const compareIds = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

const earliestMembership = (user: GroupLicensingSubject): number => Math.min(...user.memberships.map((membership) => membership.addedAt.getTime()), Number.MAX_SAFE_INTEGER);

/** The group-sourced rows, states and seat changes for a set of users. Pure and deterministic. */
export function planGroupLicensing(input: GroupLicensingInput): GroupLicensingPlan {
  const free = new Map([...input.seats].map(([skuId, seats]) => [skuId, seats.free]));
  const memo: RuleMemo = { catalogue: input.catalogue, ruleErrors: new Map(), violations: new Map() };
  // First pass with unlimited seats: the seats users give up whatever happens (left a group, lost
  // a license) are free before anyone competes for seats.
  const freedEarly = new Map<string, Set<string>>();
  for (const user of input.users) {
    if (user.seats.size === 0) {
      // Nothing to give up: the first pass would find no freed seat.
      continue;
    }
    const { held } = evaluateUser(user, input, memo);
    const freed = new Set([...user.seats].filter((skuId) => !held.has(skuId)));
    freedEarly.set(user.userId, freed);
    for (const skuId of freed) {
      free.set(skuId, (free.get(skuId) ?? 0) + 1);
    }
  }
  // Sort keys computed once per user (not per comparison). Ties (every user when the group lost its
  // last license) go by id in code-point order, the database's uuid order; localeCompare gives the
  // same order for lower-case uuids but is far slower over 100k users.
  const ordered = input.users
    .map((user) => ({ user, earliest: earliestMembership(user) }))
    .sort((a, b) => a.earliest - b.earliest || compareIds(a.user.userId, b.user.userId))
    .map((entry) => entry.user);
  const plan: GroupLicensingPlan = { upserts: [], removals: [], seatsTaken: [], seatsFreed: [], outcomes: [], changedUsers: [] };
  for (const user of ordered) {
    const evaluation = evaluateUser(user, input, memo, free, freedEarly.get(user.userId));
    const current = new Map(user.assignments.filter((assignment) => !isDirect(assignment)).map((assignment) => [`${assignment.sourceId}:${assignment.skuId}`, assignment]));
    const desired = new Map(evaluation.rows.map((row) => [`${row.groupId}:${row.skuId}`, row]));
    for (const row of evaluation.rows) {
      const existing = current.get(`${row.groupId}:${row.skuId}`);
      if (existing === undefined || existing.state !== row.state || existing.error !== row.error || !sameSet(existing.disabledPlans, row.disabledPlans)) {
        plan.upserts.push(row);
      }
    }
    for (const [key, existing] of current) {
      if (!desired.has(key)) {
        plan.removals.push({ userId: user.userId, skuId: existing.skuId, groupId: existing.sourceId });
      }
    }
    for (const skuId of evaluation.held) {
      if (!user.seats.has(skuId)) {
        plan.seatsTaken.push({ userId: user.userId, skuId });
      }
    }
    for (const skuId of user.seats) {
      if (!evaluation.held.has(skuId)) {
        plan.seatsFreed.push({ userId: user.userId, skuId });
      }
    }
    plan.outcomes.push(...evaluation.outcomes);
    const before = effectiveLicenses(user.assignments);
    const afterRows: Assignment[] = [
      ...user.assignments.filter(isDirect),
      ...evaluation.rows.map((row) => ({ skuId: row.skuId, sourceId: row.groupId, disabledPlans: row.disabledPlans, state: row.state, error: row.error, assignedAt: EPOCH, updatedAt: EPOCH })),
    ];
    const after = effectiveLicenses(afterRows);
    if (licensesKey(before) !== licensesKey(after)) {
      plan.changedUsers.push({ userId: user.userId, before, after });
    }
  }
  return plan;
}

/** The plain-language reason of a group license error, for licenseAssignmentStates details and the admin center. */
export function describeGroupLicenseError(error: GroupLicenseError, skuId: string, catalogue: Catalogue): string {
  const name = skuLabel(catalogue.findSku(skuId), skuId);
  switch (error) {
    case 'CountViolation':
      return `Not enough ${name} licenses: buy more, or free one; the member gets it when the group is reprocessed (or at once with the waitlist on).`;
    case 'MutuallyExclusiveViolation':
      return `${name} has a service that conflicts with one the user already has from another license.`;
    case 'DependencyViolation':
      return `A service of another license the user holds needs a service of ${name}.`;
    case 'ProhibitedInUsageLocationViolation':
      return `A service of ${name} may not be used in the user's usage location.`;
    case 'Other':
      return 'Neither the user nor the organization has a usage location: set one, then reprocess.';
  }
}
