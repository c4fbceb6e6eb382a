import { describe, expect, it } from 'vitest';
import {
  findRuleViolations,
  planDirectChange,
  requireFreeSeat,
  seatDeltas,
  seatShortfall,
  type DirectChangePlan,
  type DirectChangeRequest,
  type LicenseSubject,
  type LicenseToAdd,
  type SkuSeats,
} from './assignment.js';
import { createCatalogue, type AppliesTo, type ServicePlan, type Sku } from './catalogue.js';
import { AppError } from './errors.js';
import { DIRECT_SOURCE } from './ids.js';
import { effectiveLicenses, enabledPlanIds, type Assignment } from './licenses.js';

// Plans
const EXO1 = 'plan-exo1';
const EXO2 = 'plan-exo2';
const SPO = 'plan-spo';
const PLANNER = 'plan-planner';
const VOICE = 'plan-voice';
const TENANT = 'plan-tenant';
// SKUs
const E1 = 'sku-e1';
const E3 = 'sku-e3';
const EXO_P1 = 'sku-exo1';
const EXO_P2 = 'sku-exo2';
const SPO_P1 = 'sku-spo';
const PLANNER_SKU = 'sku-planner';
const VOICE_SKU = 'sku-voice';
const COMPANY = 'sku-company';
const UNOWNED = 'sku-unowned';
const GROUP = 'a1a1a1a1-0000-4000-8000-000000000001';
const GROUP2 = 'a1a1a1a1-0000-4000-8000-000000000002';

const servicePlan = (servicePlanId: string, servicePlanName: string, friendlyName: string, extra: Partial<ServicePlan> = {}): ServicePlan => ({
  servicePlanId,
  servicePlanName,
  friendlyName,
  appliesTo: 'User',
  service: 'test',
  dataClass: 'none',
  prohibitedUsageLocations: [],
  ...extra,
});

const sku = (skuId: string, displayName: string, servicePlanIds: string[], appliesTo: AppliesTo = 'User'): Sku => ({
  skuId,
  skuPartNumber: skuId.toUpperCase().replace('-', '_'),
  displayName,
  appliesTo,
  servicePlanIds,
  origin: 'custom',
});

const catalogue = createCatalogue({
  plans: [
    servicePlan(EXO1, 'EXCHANGE_S_STANDARD', 'Exchange Online (Plan 1)', { dataClass: 'mailbox' }),
    servicePlan(EXO2, 'EXCHANGE_S_ENTERPRISE', 'Exchange Online (Plan 2)', { dataClass: 'mailbox' }),
    servicePlan(SPO, 'SHAREPOINTSTANDARD', 'SharePoint (Plan 1)', { dataClass: 'files' }),
    servicePlan(PLANNER, 'PROJECTWORKMANAGEMENT', 'Microsoft Planner'),
    servicePlan(VOICE, 'MCOEV', 'Teams Phone', { prohibitedUsageLocations: ['CN', 'RU'] }),
    servicePlan(TENANT, 'TENANT_AUDIT', 'Tenant audit', { appliesTo: 'Company' }),
  ],
  skus: [
    sku(E1, 'Office 365 E1', [EXO1, SPO, PLANNER]),
    sku(E3, 'Office 365 E3', [EXO2, SPO, PLANNER, VOICE]),
    sku(EXO_P1, 'Exchange Online (Plan 1)', [EXO1]),
    sku(EXO_P2, 'Exchange Online (Plan 2)', [EXO2]),
    sku(SPO_P1, 'SharePoint Online (Plan 1)', [SPO]),
    sku(PLANNER_SKU, 'Planner Standalone', [PLANNER]),
    sku(VOICE_SKU, 'Teams Phone Standard', [VOICE]),
    sku(COMPANY, 'Tenant Audit Add-on', [TENANT], 'Company'),
    sku(UNOWNED, 'SharePoint Online (Plan 2)', [SPO]),
  ],
  rules: [
    { kind: 'mutuallyExclusive', ruleId: 'rule-exo', planIds: [EXO1, EXO2] },
    { kind: 'requiresOneOf', ruleId: 'rule-planner', servicePlanId: PLANNER, requiredPlanIds: [SPO] },
  ],
});

const owned: ReadonlySet<string> = new Set([E1, E3, EXO_P1, EXO_P2, SPO_P1, PLANNER_SKU, VOICE_SKU, COMPANY]);
const at = new Date('2025-01-01T00:00:00Z');

const assignment = (skuId: string, sourceId: string, disabledPlans: string[] = [], state: Assignment['state'] = 'Active'): Assignment => ({
  skuId,
  sourceId,
  disabledPlans,
  state,
  error: null,
  assignedAt: at,
  updatedAt: at,
});
const direct = (skuId: string, disabledPlans: string[] = [], state: Assignment['state'] = 'Active'): Assignment =>
  assignment(skuId, DIRECT_SOURCE, disabledPlans, state);
const viaGroup = (skuId: string, groupId = GROUP, disabledPlans: string[] = []): Assignment => assignment(skuId, groupId, disabledPlans);

const subject = (assignments: Assignment[] = [], usageLocation: string | null = 'NL'): LicenseSubject => ({
  userId: 'user-1',
  displayName: 'Adele Vance',
  usageLocation,
  assignments,
});

const seatsOf = (skuId: string, free: number, extra: Partial<SkuSeats> = {}): SkuSeats => ({
  skuId,
  assignable: 10,
  consumed: 10 - free,
  free,
  selfServiceUnits: 0,
  ...extra,
});

const add = (skuId: string, disabledPlans: string[] = []): LicenseToAdd => ({ skuId, disabledPlans });

interface Change {
  user?: LicenseSubject;
  add?: LicenseToAdd[];
  remove?: string[];
  seats?: SkuSeats[];
}

const change = (input: Change): DirectChangePlan => {
  const request: DirectChangeRequest = {
    user: input.user ?? subject(),
    add: input.add ?? [],
    remove: input.remove ?? [],
    catalogue,
    ownedSkuIds: owned,
  };
  return planDirectChange(input.seats ? { ...request, seats: new Map(input.seats.map((s) => [s.skuId, s])) } : request);
};

function refusal(input: Change): AppError {
  try {
    change(input);
  } catch (error) {
    expect(error).toBeInstanceOf(AppError);
    return error as AppError;
  }
  throw new Error('expected the change to be refused');
}

/** Asserts the AppError code, Graph's message and the single detail's code (and target when given). */
function expectRefusal(input: Change, code: AppError['code'], message: string, detailCode: string, target?: string): AppError {
  const error = refusal(input);
  expect(error.code).toBe(code);
  expect(error.message).toBe(message);
  expect(error.details).toHaveLength(1);
  expect(error.details[0]!.code).toBe(detailCode);
  if (target !== undefined) {
    expect(error.details[0]!.target).toBe(target);
  }
  return error;
}

describe('planDirectChange — request shape', () => {
  it('refuses the same SKU twice in addLicenses (case-insensitively)', () => {
    expectRefusal({ add: [add(E3), add(E3.toUpperCase(), [VOICE])] }, 'invalidRequest', `License ${E3} appears more than once in addLicenses.`, 'DuplicateLicense', 'addLicenses');
  });

  it('refuses adding and removing the same SKU in one request', () => {
    expectRefusal(
      { user: subject([direct(E3)]), add: [add(E3)], remove: [E3.toUpperCase()] },
      'invalidRequest',
      `License ${E3} cannot be both added and removed in one request.`,
      'AddAndRemoveSameLicense',
      'removeLicenses',
    );
  });
});

describe('planDirectChange — products', () => {
  const unknown = (skuId: string): string => `License ${skuId} does not correspond to a valid company License.`;

  it('refuses adding a SKU that is not in the catalogue', () => {
    const error = expectRefusal({ add: [add('sku-nope')] }, 'licenseAssignmentFailed', unknown('sku-nope'), 'UnknownLicense', 'sku-nope');
    expect(error.details[0]!.message).toContain('GET /v1.0/subscribedSkus');
  });

  it('refuses adding a catalogue SKU the tenant has no subscription for', () => {
    expectRefusal({ add: [add(UNOWNED)] }, 'licenseAssignmentFailed', unknown(UNOWNED), 'UnknownLicense', UNOWNED);
  });

  it('refuses removing an unknown or unowned SKU', () => {
    expectRefusal({ user: subject([direct(E3)]), remove: ['sku-nope'] }, 'licenseAssignmentFailed', unknown('sku-nope'), 'UnknownLicense', 'sku-nope');
    expectRefusal({ user: subject([direct(UNOWNED)]), remove: [UNOWNED] }, 'licenseAssignmentFailed', unknown(UNOWNED), 'UnknownLicense', UNOWNED);
  });

  it('refuses a Company SKU', () => {
    const error = expectRefusal({ add: [add(COMPANY)] }, 'licenseAssignmentFailed', `License ${COMPANY} cannot be assigned to a user.`, 'CompanyLicense', COMPANY);
    expect(error.details[0]!.message).toContain('Tenant Audit Add-on is a tenant-wide product');
  });

  it('refuses disabledPlans that are not plans of the SKU and lists them', () => {
    const error = expectRefusal(
      { add: [add(EXO_P1, [SPO, 'plan-mystery'])] },
      'licenseAssignmentFailed',
      `License assignment failed because service plan(s) plan-mystery, ${SPO} do not belong to license ${EXO_P1}.`,
      'InvalidDisabledPlan',
      'disabledPlans',
    );
    expect(error.details[0]!.message).toBe(
      'plan-mystery, SharePoint (Plan 1) (SHAREPOINTSTANDARD) are not part of Exchange Online (Plan 1). disabledPlans may only list service plans of the license they are in (see servicePlans in GET /v1.0/subscribedSkus).',
    );
  });

  it('says "is" for a single foreign plan', () => {
    const error = refusal({ add: [add(EXO_P1, [VOICE])] });
    expect(error.message).toBe(`License assignment failed because service plan(s) ${VOICE} do not belong to license ${EXO_P1}.`);
    expect(error.details[0]!.message).toMatch(/^Teams Phone \(MCOEV\) is not part of Exchange Online \(Plan 1\)\./);
  });
});

describe('planDirectChange — usage location', () => {
  const invalidLocation = 'License assignment cannot be done for user with invalid usage location.';

  it('refuses adding a license to a user without a usage location', () => {
    for (const location of [null, '']) {
      const error = expectRefusal({ user: subject([], location), add: [add(SPO_P1)] }, 'licenseAssignmentFailed', invalidLocation, 'InvalidUsageLocation', 'usageLocation');
      expect(error.details[0]!.message).toContain('Adele Vance has no usage location');
    }
  });

  it('lets a license be removed from a user without a usage location', () => {
    const plan = change({ user: subject([direct(SPO_P1)], null), remove: [SPO_P1] });
    expect(plan.removals).toEqual([SPO_P1]);
    expect(plan.seatsFreed).toEqual([SPO_P1]);
  });

  it('refuses a SKU with a plan prohibited in the usage location', () => {
    const error = expectRefusal(
      { user: subject([], 'CN'), add: [add(E3)] },
      'licenseAssignmentFailed',
      invalidLocation,
      'ProhibitedInUsageLocationViolation',
      E3,
    );
    expect(error.details[0]!.message).toBe(
      "Teams Phone (MCOEV) may not be used in CN (Adele Vance's usage location). Turn that service off in Office 365 E3, or correct the usage location.",
    );
  });

  it('accepts the same SKU with the prohibited plan disabled', () => {
    const plan = change({ user: subject([], 'CN'), add: [add(E3, [VOICE])] });
    expect(plan.upserts).toEqual([{ skuId: E3, disabledPlans: [VOICE], isNew: true }]);
    expect(plan.seatsTaken).toEqual([E3]);
  });

  it('allows the SKU in a location that does not prohibit it', () => {
    expect(change({ user: subject([], 'US'), add: [add(VOICE_SKU)] }).seatsTaken).toEqual([VOICE_SKU]);
  });
});

describe('planDirectChange — seats', () => {
  const noSeats = `Subscription with SKU ${E3} does not have any available licenses.`;

  it('refuses a new SKU without a free seat (CountViolation)', () => {
    const error = expectRefusal({ add: [add(E3)], seats: [seatsOf(E3, 0)] }, 'licenseAssignmentFailed', noSeats, 'CountViolation', E3);
    expect(error.details[0]!.message).toBe(
      'Office 365 E3 has 0 available licenses and 1 is needed. Buy 1 more, or unassign the license from someone who no longer needs it.',
    );
  });

  it('treats a SKU missing from the seat numbers as having no free seat', () => {
    expectRefusal({ add: [add(E3)], seats: [seatsOf(SPO_P1, 5)] }, 'licenseAssignmentFailed', noSeats, 'CountViolation', E3);
  });

  it('takes the last free seat', () => {
    expect(change({ add: [add(E3)], seats: [seatsOf(E3, 1)] }).seatsTaken).toEqual([E3]);
  });

  it('says a self-service-only product must be taken over (SelfServiceSubscription)', () => {
    const error = expectRefusal(
      { add: [add(E3)], seats: [seatsOf(E3, 0, { assignable: 0, consumed: 2, selfServiceUnits: 3 })] },
      'licenseAssignmentFailed',
      noSeats,
      'SelfServiceSubscription',
      E3,
    );
    expect(error.details[0]!.message).toBe(
      "Office 365 E3 is bought through a self-service purchase. Admins can't assign or unassign its licenses until they take over the subscription (Billing > Your products > Take over).",
    );
  });

  it('requireFreeSeat counts available and needed seats and how many to buy', () => {
    expect(() => requireFreeSeat(E3, seatsOf(E3, 3), catalogue, 3)).not.toThrow();
    let thrown: unknown;
    try {
      requireFreeSeat(E3, seatsOf(E3, 1), catalogue, 3);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(AppError);
    const error = thrown as AppError;
    expect(error.code).toBe('licenseAssignmentFailed');
    expect(error.message).toBe(noSeats);
    expect(error.details).toEqual([
      {
        code: 'CountViolation',
        target: E3,
        message: 'Office 365 E3 has 1 available license and 3 are needed. Buy 2 more, or unassign the license from someone who no longer needs it.',
      },
    ]);
  });

  it('requireFreeSeat names an unknown SKU by its id and a CountViolation when admins still have units', () => {
    try {
      requireFreeSeat('sku-x', seatsOf('sku-x', 0, { assignable: 2, selfServiceUnits: 4 }), catalogue, 2);
      expect.unreachable();
    } catch (error) {
      const details = (error as AppError).details;
      expect(details[0]!.code).toBe('CountViolation');
      expect(details[0]!.message).toBe('sku-x has 0 available licenses and 2 are needed. Buy 2 more, or unassign the license from someone who no longer needs it.');
    }
  });
});

describe('planDirectChange — conflicting and dependent plans', () => {
  const exclusive = `License assignment failed because service plans ${EXO1}, ${EXO2} are mutually exclusive.`;
  const dependency = `License assignment failed because service plan ${PLANNER} depends on the service plan(s) ${SPO}`;

  it('refuses two SKUs with mutually exclusive plans in one request', () => {
    const error = expectRefusal({ add: [add(EXO_P1), add(EXO_P2)] }, 'licenseAssignmentFailed', exclusive, 'MutuallyExclusiveViolation', `${EXO1},${EXO2}`);
    expect(error.details[0]!.message).toBe(
      "You can't assign licenses that contain these conflicting services: Exchange Online (Plan 1) (EXCHANGE_S_STANDARD) in Exchange Online (Plan 1) and Exchange Online (Plan 2) (EXCHANGE_S_ENTERPRISE) in Exchange Online (Plan 2). Turn one of the two services off, or remove one of the licenses.",
    );
  });

  it("refuses a new SKU that conflicts with one the user already holds (direct or inherited)", () => {
    const error = expectRefusal({ user: subject([direct(E1)]), add: [add(EXO_P2)] }, 'licenseAssignmentFailed', exclusive, 'MutuallyExclusiveViolation');
    expect(error.details[0]!.message).toContain('Exchange Online (Plan 1) (EXCHANGE_S_STANDARD) in Office 365 E1 and Exchange Online (Plan 2) (EXCHANGE_S_ENTERPRISE) in Exchange Online (Plan 2)');
    expectRefusal({ user: subject([viaGroup(E1)]), add: [add(E3)] }, 'licenseAssignmentFailed', exclusive, 'MutuallyExclusiveViolation');
  });

  it('accepts the conflicting SKU with one of the two plans disabled', () => {
    const plan = change({ user: subject([direct(E1)]), add: [add(E3, [EXO2])] });
    expect(plan.seatsTaken).toEqual([E3]);
    expect(change({ user: subject([direct(EXO_P2)]), add: [add(E1, [EXO1])] }).seatsTaken).toEqual([E1]);
  });

  it('refuses a plan whose prerequisite is missing and names the products that have it', () => {
    const error = expectRefusal({ add: [add(PLANNER_SKU)] }, 'licenseAssignmentFailed', dependency, 'DependencyViolation', PLANNER);
    expect(error.details[0]!.message).toBe(
      'Microsoft Planner (PROJECTWORKMANAGEMENT) in Planner Standalone needs SharePoint (Plan 1) (SHAREPOINTSTANDARD) to be enabled too. Keep or add a license with that service in the same request, or turn Microsoft Planner (PROJECTWORKMANAGEMENT) off. Products you have that include it: Office 365 E1, Office 365 E3, SharePoint Online (Plan 1).',
    );
  });

  it('accepts the dependent plan when the same request adds its prerequisite', () => {
    expect(change({ add: [add(PLANNER_SKU), add(SPO_P1)] }).seatsTaken).toEqual([PLANNER_SKU, SPO_P1]);
  });

  it('accepts the dependent plan when another license the user holds provides the prerequisite', () => {
    expect(change({ user: subject([direct(SPO_P1)]), add: [add(PLANNER_SKU)] }).seatsTaken).toEqual([PLANNER_SKU]);
    expect(change({ user: subject([viaGroup(E1)]), add: [add(PLANNER_SKU)] }).seatsTaken).toEqual([PLANNER_SKU]);
  });

  it('refuses removing the license whose plan another license needs', () => {
    const error = expectRefusal({ user: subject([direct(SPO_P1), direct(PLANNER_SKU)]), remove: [SPO_P1] }, 'licenseAssignmentFailed', dependency, 'DependencyViolation', PLANNER);
    expect(error.details[0]!.message).toMatch(/^Microsoft Planner \(PROJECTWORKMANAGEMENT\) in Planner Standalone needs SharePoint/);
  });

  it('lets the prerequisite go when another source still provides it, or when the dependent goes too', () => {
    expect(change({ user: subject([direct(SPO_P1), direct(PLANNER_SKU), viaGroup(E1)]), remove: [SPO_P1] }).seatsFreed).toEqual([SPO_P1]);
    expect(change({ user: subject([direct(SPO_P1), direct(PLANNER_SKU)]), remove: [SPO_P1, PLANNER_SKU] }).seatsFreed).toEqual([PLANNER_SKU, SPO_P1]);
  });

  it('refuses disabling a plan another enabled plan needs, and accepts disabling both', () => {
    expectRefusal({ user: subject([direct(E1)]), add: [add(E1, [SPO])] }, 'licenseAssignmentFailed', dependency, 'DependencyViolation', PLANNER);
    const plan = change({ user: subject([direct(E1)]), add: [add(E1, [SPO, PLANNER])] });
    expect(plan.upserts).toEqual([{ skuId: E1, disabledPlans: [PLANNER, SPO], isNew: false }]);
  });

  it('checks mutual exclusion before dependencies', () => {
    expect(refusal({ add: [add(PLANNER_SKU), add(EXO_P1), add(EXO_P2)] }).details[0]!.code).toBe('MutuallyExclusiveViolation');
  });

  it('does not let violations that already existed block unrelated changes', () => {
    // A conflict and a missing prerequisite, e.g. from rules added after the licenses were assigned.
    const user = subject([direct(EXO_P1), direct(EXO_P2), direct(PLANNER_SKU)]);
    expect(change({ user, add: [add(VOICE_SKU)] }).seatsTaken).toEqual([VOICE_SKU]);
    expect(change({ user, remove: [EXO_P2] }).seatsFreed).toEqual([EXO_P2]);
    expect(change({ user, add: [add(EXO_P1)] }).isChange).toBe(false);
  });

  it('still refuses a new violation next to an existing one', () => {
    const user = subject([direct(EXO_P1), direct(EXO_P2)]);
    expectRefusal({ user, add: [add(PLANNER_SKU)] }, 'licenseAssignmentFailed', dependency, 'DependencyViolation', PLANNER);
  });
});

describe('planDirectChange — removing', () => {
  it("refuses removing a license the user only inherits, with Graph's message", () => {
    const error = expectRefusal(
      { user: subject([viaGroup(E3)]), remove: [E3] },
      'licenseAssignmentFailed',
      'User license is inherited from a group membership and it cannot be removed directly from the user.',
      'InheritedLicense',
      E3,
    );
    expect(error.details[0]!.message).toBe(
      'Adele Vance has Office 365 E3 through a group. Remove the user from the group, or remove the license from the group, instead.',
    );
  });

  it('refuses removing a SKU the user does not hold', () => {
    const error = expectRefusal(
      { user: subject([direct(E1)]), remove: [E3] },
      'licenseAssignmentFailed',
      `User does not have a corresponding license for ${E3}.`,
      'LicenseNotAssigned',
      E3,
    );
    expect(error.details[0]!.message).toBe('Adele Vance has no direct Office 365 E3 license to remove.');
  });

  it('removes the direct row of a SKU also inherited without freeing its seat', () => {
    const plan = change({ user: subject([direct(E3), viaGroup(E3)]), remove: [E3] });
    expect(plan.removals).toEqual([E3]);
    expect(plan.seatsFreed).toEqual([]);
    expect(plan.after).toEqual([{ skuId: E3, disabledPlans: [] }]);
    expect(plan.isChange).toBe(true);
  });
});

describe('planDirectChange — successful plans', () => {
  it('a new SKU takes a seat', () => {
    const plan = change({ add: [add(E3.toUpperCase(), [VOICE.toUpperCase(), VOICE])] , seats: [seatsOf(E3, 2)] });
    expect(plan).toMatchObject({
      userId: 'user-1',
      upserts: [{ skuId: E3, disabledPlans: [VOICE], isNew: true }],
      removals: [],
      seatsTaken: [E3],
      seatsFreed: [],
      before: [],
      after: [{ skuId: E3, disabledPlans: [VOICE] }],
      isChange: true,
    });
  });

  it('a swap takes one seat and frees another', () => {
    const plan = change({ user: subject([direct(E1)]), add: [add(E3)], remove: [E1], seats: [seatsOf(E3, 1), seatsOf(E1, 0)] });
    expect(plan.seatsTaken).toEqual([E3]);
    expect(plan.seatsFreed).toEqual([E1]);
    expect(plan.removals).toEqual([E1]);
    expect(plan.upserts).toEqual([{ skuId: E3, disabledPlans: [], isNew: true }]);
  });

  it('re-adding a held SKU with other disabledPlans updates the row and needs no seat', () => {
    const plan = change({ user: subject([direct(E3)]), add: [add(E3, [VOICE])], seats: [seatsOf(E3, 0)] });
    expect(plan.upserts).toEqual([{ skuId: E3, disabledPlans: [VOICE], isNew: false }]);
    expect(plan.seatsTaken).toEqual([]);
    expect(plan.seatsFreed).toEqual([]);
    expect(plan.isChange).toBe(true);
  });

  it('a request that changes nothing succeeds with isChange false', () => {
    const plan = change({ user: subject([direct(E3, [VOICE, PLANNER])]), add: [add(E3, [PLANNER.toUpperCase(), VOICE])], seats: [seatsOf(E3, 0)] });
    expect(plan).toMatchObject({ upserts: [], removals: [], seatsTaken: [], seatsFreed: [], isChange: false });
    expect(change({ user: subject([direct(E3)], null) }).isChange).toBe(false);
  });

  it('a direct add of a SKU held only through a group needs no new seat', () => {
    const plan = change({ user: subject([viaGroup(E3)]), add: [add(E3)], seats: [seatsOf(E3, 0)] });
    expect(plan.upserts).toEqual([{ skuId: E3, disabledPlans: [], isNew: true }]);
    expect(plan.seatsTaken).toEqual([]);
    expect(plan.isChange).toBe(true);
  });

  it('effective disabledPlans are the intersection over sources (enabled plans are the union)', () => {
    const user = subject([viaGroup(E3, GROUP, [VOICE, SPO, PLANNER]), viaGroup(E3, GROUP2, [VOICE, EXO2, PLANNER])]);
    expect(effectiveLicenses(user.assignments)).toEqual([{ skuId: E3, disabledPlans: [PLANNER, VOICE] }]);
    const plan = change({ user, add: [add(E3, [VOICE, EXO2])] });
    expect(plan.before).toEqual([{ skuId: E3, disabledPlans: [PLANNER, VOICE] }]);
    expect(plan.after).toEqual([{ skuId: E3, disabledPlans: [VOICE] }]);
    expect(plan.seatsTaken).toEqual([]);
  });

  it('ignores inactive assignments when merging', () => {
    const merged = effectiveLicenses([direct(E3, [VOICE]), { ...viaGroup(E3), state: 'Error' }, { ...viaGroup(E1), state: 'Disabled' }]);
    expect(merged).toEqual([{ skuId: E3, disabledPlans: [VOICE] }]);
  });
});

describe('findRuleViolations, seatDeltas, seatShortfall', () => {
  it('finds each rule once', () => {
    const violations = findRuleViolations(new Set([EXO1, EXO2, PLANNER]), catalogue);
    expect(violations.map((v) => [v.rule.ruleId, v.planIds])).toEqual([
      ['rule-exo', [EXO1, EXO2]],
      ['rule-planner', [PLANNER]],
    ]);
    expect(findRuleViolations(new Set([EXO1, SPO, PLANNER]), catalogue)).toEqual([]);
  });

  it('nets seats taken and freed per SKU', () => {
    const deltas = seatDeltas([
      { seatsTaken: [E3], seatsFreed: [E1] },
      { seatsTaken: [E1], seatsFreed: [E3] },
      { seatsTaken: [E3, SPO_P1], seatsFreed: [] },
    ]);
    expect(Object.fromEntries(deltas)).toEqual({ [E3]: 1, [E1]: 0, [SPO_P1]: 1 });
  });

  it('computes the shortfall of a batch', () => {
    expect(seatShortfall(0, undefined)).toBe(0);
    expect(seatShortfall(-3, seatsOf(E3, 0))).toBe(0);
    expect(seatShortfall(3, seatsOf(E3, 5))).toBe(0);
    expect(seatShortfall(3, seatsOf(E3, 1))).toBe(2);
    expect(seatShortfall(2, undefined)).toBe(2);
  });
});

describe('planDirectChange — random request sequences', () => {
  /** mulberry32: a small seeded PRNG, so a failure replays. */
  const prng = (seed: number): (() => number) => {
    let state = seed >>> 0;
    return () => {
      state = (state + 0x6d2b79f5) >>> 0;
      let t = state;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
  };

  it('keeps seat and holding invariants over 500 random requests', () => {
    const random = prng(20250101);
    const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
    const userSkus = [E1, E3, EXO_P1, EXO_P2, SPO_P1, PLANNER_SKU, VOICE_SKU];
    const anySku = [...userSkus, COMPANY, UNOWNED, 'sku-nope'];
    const allPlans = [EXO1, EXO2, SPO, PLANNER, VOICE];
    const total = new Map(userSkus.map((skuId) => [skuId, 1 + Math.floor(random() * 3)]));
    const users: LicenseSubject[] = Array.from({ length: 4 }, (_, index) => ({
      userId: `user-${index}`,
      displayName: `User ${index}`,
      usageLocation: pick(['NL', 'US', 'CN', null]),
      assignments: random() < 0.5 ? [viaGroup(pick(userSkus), GROUP, pick([[], [VOICE], [EXO1, EXO2]]))] : [],
    }));
    const consumed = (skuId: string): number =>
      users.filter((user) => effectiveLicenses(user.assignments).some((license) => license.skuId === skuId)).length;
    // Group licenses hand out seats without asking; grow the totals so the start fits.
    for (const skuId of userSkus) {
      total.set(skuId, Math.max(total.get(skuId)!, consumed(skuId)));
    }

    const violationKeys = (licenses: DirectChangePlan['after']): string[] =>
      findRuleViolations(enabledPlanIds(licenses, catalogue), catalogue).map((v) => `${v.rule.ruleId}:${[...v.planIds].sort().join(',')}`);

    let accepted = 0;
    let refused = 0;
    const codes = new Map<string, number>();
    for (let step = 0; step < 500; step += 1) {
      const user = pick(users);
      const heldBefore = new Set(effectiveLicenses(user.assignments).map((license) => license.skuId));
      const directBefore = user.assignments.filter((a) => a.sourceId === DIRECT_SOURCE).map((a) => a.skuId);
      const addCount = Math.floor(random() * 3);
      const adds = Array.from({ length: addCount }, () => {
        const skuId = pick(anySku);
        const own = catalogue.findSku(skuId)?.servicePlanIds ?? [];
        // Mostly the SKU's own plans; now and then a foreign one.
        return add(skuId, (random() < 0.1 ? allPlans : own).filter(() => random() < 0.3));
      });
      const removes = random() < 0.5 && directBefore.length > 0 ? [pick(directBefore)] : random() < 0.2 ? [pick(anySku)] : [];
      const seats = userSkus.map((skuId) => {
        const used = consumed(skuId);
        return seatsOf(skuId, total.get(skuId)! - used, { assignable: total.get(skuId)!, consumed: used });
      });
      let plan: DirectChangePlan;
      try {
        plan = change({ user, add: adds, remove: removes, seats });
      } catch (error) {
        expect(error).toBeInstanceOf(AppError);
        expect(['licenseAssignmentFailed', 'invalidRequest']).toContain((error as AppError).code);
        refused += 1;
        const code = (error as AppError).details[0]?.code ?? '';
        codes.set(code, (codes.get(code) ?? 0) + 1);
        continue;
      }
      accepted += 1;
      const taken = new Set(plan.seatsTaken);
      const freed = new Set(plan.seatsFreed);
      for (const skuId of taken) {
        expect(heldBefore.has(skuId)).toBe(false);
      }
      for (const skuId of freed) {
        expect(heldBefore.has(skuId)).toBe(true);
      }
      const expectedAfter = new Set([...heldBefore].filter((skuId) => !freed.has(skuId)).concat([...taken]));
      expect(new Set(plan.after.map((license) => license.skuId))).toEqual(expectedAfter);
      expect(plan.isChange).toBe(plan.upserts.length + plan.removals.length > 0);

      // Apply the plan the way the repository would.
      const upserted = new Map(plan.upserts.map((u) => [u.skuId, u]));
      user.assignments = user.assignments
        .filter((a) => !(a.sourceId === DIRECT_SOURCE && (plan.removals.includes(a.skuId) || upserted.has(a.skuId))))
        .concat(plan.upserts.map((u) => direct(u.skuId, u.disabledPlans)));
      expect(new Set(effectiveLicenses(user.assignments).map((license) => license.skuId))).toEqual(expectedAfter);
      for (const skuId of userSkus) {
        expect(consumed(skuId)).toBeLessThanOrEqual(total.get(skuId)!);
      }
      // A change never introduces a rule violation (existing ones may stay or go).
      for (const key of violationKeys(plan.after)) {
        expect(violationKeys(plan.before)).toContain(key);
      }
    }
    // The generator must exercise both outcomes to mean anything.
    expect(accepted).toBeGreaterThan(50);
    expect(refused).toBeGreaterThan(50);
    for (const code of ['CountViolation', 'MutuallyExclusiveViolation', 'DependencyViolation', 'UnknownLicense', 'InvalidUsageLocation']) {
      expect(codes.get(code) ?? 0).toBeGreaterThan(0);
    }
  });
});
