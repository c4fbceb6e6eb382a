import { describe, expect, it } from 'vitest';
import { seatDeltas, seatShortfall, type LicenseToAdd, type SkuSeats } from './assignment.js';
import { bulkRefusal, licensesOf, planBulkChange, type BulkMode, type BulkPlan, type BulkSubject } from './bulk-licenses.js';
import { createCatalogue, type ServicePlan, type Sku } from './catalogue.js';
import { DIRECT_SOURCE } from './ids.js';
import type { Assignment } from './licenses.js';

const EXO1 = 'plan-exo1';
const EXO2 = 'plan-exo2';
const SPO = 'plan-spo';
const PLANNER = 'plan-planner';
const VOICE = 'plan-voice';
const E1 = 'sku-e1';
const E3 = 'sku-e3';
const EXO_P1 = 'sku-exo1';
const SPO_P1 = 'sku-spo';
const PLANNER_SKU = 'sku-planner';
const VOICE_SKU = 'sku-voice';
const GROUP = 'b2b2b2b2-0000-4000-8000-000000000001';

const servicePlan = (servicePlanId: string, servicePlanName: string, friendlyName: string, prohibitedUsageLocations: string[] = []): ServicePlan => ({
  servicePlanId,
  servicePlanName,
  friendlyName,
  appliesTo: 'User',
  service: 'test',
  dataClass: 'none',
  prohibitedUsageLocations,
});

const sku = (skuId: string, displayName: string, servicePlanIds: string[]): Sku => ({
  skuId,
  skuPartNumber: skuId.toUpperCase(),
  displayName,
  appliesTo: 'User',
  servicePlanIds,
  origin: 'custom',
});

const catalogue = createCatalogue({
  plans: [
    servicePlan(EXO1, 'EXCHANGE_S_STANDARD', 'Exchange Online (Plan 1)'),
    servicePlan(EXO2, 'EXCHANGE_S_ENTERPRISE', 'Exchange Online (Plan 2)'),
    servicePlan(SPO, 'SHAREPOINTSTANDARD', 'SharePoint (Plan 1)'),
    servicePlan(PLANNER, 'PROJECTWORKMANAGEMENT', 'Microsoft Planner'),
    servicePlan(VOICE, 'MCOEV', 'Teams Phone', ['CN']),
  ],
  skus: [
    sku(E1, 'Office 365 E1', [EXO1, SPO, PLANNER]),
    sku(E3, 'Office 365 E3', [EXO2, SPO, PLANNER, VOICE]),
    sku(EXO_P1, 'Exchange Online (Plan 1)', [EXO1]),
    sku(SPO_P1, 'SharePoint Online (Plan 1)', [SPO]),
    sku(PLANNER_SKU, 'Planner Standalone', [PLANNER]),
    sku(VOICE_SKU, 'Teams Phone Standard', [VOICE]),
  ],
  rules: [
    { kind: 'mutuallyExclusive', ruleId: 'rule-exo', planIds: [EXO1, EXO2] },
    { kind: 'requiresOneOf', ruleId: 'rule-planner', servicePlanId: PLANNER, requiredPlanIds: [SPO] },
  ],
});
const owned: ReadonlySet<string> = new Set([E1, E3, EXO_P1, SPO_P1, PLANNER_SKU, VOICE_SKU]);
const at = new Date('2025-01-01T00:00:00Z');

const assignment = (skuId: string, sourceId = DIRECT_SOURCE, disabledPlans: string[] = []): Assignment => ({
  skuId,
  sourceId,
  disabledPlans,
  state: 'Active',
  error: null,
  assignedAt: at,
  updatedAt: at,
});

const person = (name: string, assignments: Assignment[] = [], extra: Partial<BulkSubject> = {}): BulkSubject => ({
  userId: `id-${name}`,
  displayName: name[0]!.toUpperCase() + name.slice(1),
  userPrincipalName: `${name}@contoso.test`,
  usageLocation: 'NL',
  assignments,
  selfServiceSkuIds: new Set(),
  ...extra,
});

const seats = (free: Record<string, number>): Map<string, SkuSeats> =>
  new Map(Object.entries(free).map(([skuId, n]) => [skuId, { skuId, assignable: 10, consumed: 10 - n, free: n, selfServiceUnits: 0 }]));

const license = (skuId: string, disabledPlans: string[] = []): LicenseToAdd => ({ skuId, disabledPlans });

const bulk = (mode: BulkMode, users: BulkSubject[], licenses: LicenseToAdd[], free: Record<string, number> = {}): BulkPlan =>
  planBulkChange({ mode, users, licenses, catalogue, ownedSkuIds: owned, seats: seats(free) });

describe('planBulkChange — modes', () => {
  it('addMore adds to what each user has', () => {
    const plan = bulk('addMore', [person('adele', [assignment(E1)]), person('bob')], [license(VOICE_SKU)], { [VOICE_SKU]: 2 });
    expect(plan.isApplicable).toBe(true);
    expect(plan.outcomes.map((o) => [o.userPrincipalName, o.added, o.removed, o.kept])).toEqual([
      ['adele@contoso.test', [VOICE_SKU], [], []],
      ['bob@contoso.test', [VOICE_SKU], [], []],
    ]);
    expect(plan.plans.map((p) => p.removals)).toEqual([[], []]);
    expect(plan.seatDeltas).toEqual([{ skuId: VOICE_SKU, displayName: 'Teams Phone Standard', delta: 2, available: 2, shortBy: 0 }]);
  });

  it('addMore with a SKU the user already holds changes only its plans', () => {
    const plan = bulk('addMore', [person('adele', [assignment(E3)])], [license(E3, [VOICE])], {});
    expect(plan.isApplicable).toBe(true);
    expect(plan.outcomes[0]!.added).toEqual([]);
    expect(plan.outcomes[0]!.servicesLost).toEqual([{ servicePlanId: VOICE, name: 'Teams Phone' }]);
    expect(plan.plans[0]!.upserts).toEqual([{ skuId: E3, disabledPlans: [VOICE], isNew: false }]);
    expect(plan.seatDeltas).toEqual([]);
  });

  it('replace removes the other direct licenses and keeps inherited and self-service ones', () => {
    const adele = person('adele', [assignment(E1), assignment(SPO_P1, GROUP), assignment(VOICE_SKU)], { selfServiceSkuIds: new Set([VOICE_SKU]) });
    const plan = bulk('replace', [adele], [license(E3)], { [E3]: 1 });
    expect(plan.isApplicable).toBe(true);
    const [outcome] = plan.outcomes;
    expect(outcome!.added).toEqual([E3]);
    expect(outcome!.removed).toEqual([E1]);
    expect(outcome!.kept).toEqual([
      { skuId: SPO_P1, displayName: 'SharePoint Online (Plan 1)', reason: 'inherited', sourceId: GROUP },
      { skuId: VOICE_SKU, displayName: 'Teams Phone Standard', reason: 'selfService' },
    ]);
    expect(plan.plans[0]!.removals).toEqual([E1]);
    expect(outcome!.servicesLost).toEqual([{ servicePlanId: EXO1, name: 'Exchange Online (Plan 1)' }]);
  });

  it('replace keeps a chosen SKU the user already holds without removing it', () => {
    const plan = bulk('replace', [person('adele', [assignment(E3), assignment(SPO_P1)])], [license(E3)], {});
    expect(plan.isApplicable).toBe(true);
    expect(plan.plans[0]!.removals).toEqual([SPO_P1]);
    expect(plan.plans[0]!.upserts).toEqual([]);
    expect(plan.outcomes[0]!.servicesLost).toEqual([]);
  });

  it('removeAll removes every admin-assigned direct license and keeps the rest', () => {
    const adele = person('adele', [assignment(E1), assignment(SPO_P1, GROUP), assignment(VOICE_SKU)], { selfServiceSkuIds: new Set([VOICE_SKU]) });
    const plan = bulk('removeAll', [adele], [], {});
    expect(plan.isApplicable).toBe(true);
    expect(plan.plans[0]!.removals).toEqual([E1]);
    expect(plan.outcomes[0]!.removed).toEqual([E1]);
    expect(plan.outcomes[0]!.kept.map((k) => [k.skuId, k.reason])).toEqual([
      [SPO_P1, 'inherited'],
      [VOICE_SKU, 'selfService'],
    ]);
    // SharePoint stays through the group, so only E1's own services are lost.
    expect(plan.outcomes[0]!.servicesLost.map((s) => s.servicePlanId)).toEqual([EXO1, PLANNER]);
    expect(plan.seatDeltas).toEqual([{ skuId: E1, displayName: 'Office 365 E1', delta: -1, available: 0, shortBy: 0 }]);
  });

  it('remove takes the chosen SKUs away and leaves the rest', () => {
    const plan = bulk('remove', [person('adele', [assignment(E1), assignment(VOICE_SKU)])], [license(VOICE_SKU.toUpperCase(), [VOICE])], {});
    expect(plan.isApplicable).toBe(true);
    expect(plan.plans[0]!.removals).toEqual([VOICE_SKU]);
    expect(plan.outcomes[0]!.kept).toEqual([]);
    expect(plan.outcomes[0]!.servicesLost).toEqual([{ servicePlanId: VOICE, name: 'Teams Phone' }]);
  });
});

describe('planBulkChange — seats for the batch as a whole', () => {
  it('nets seats taken and freed per SKU over all users', () => {
    // Replace with E1: Adele E3 → E1 (+E1 −E3), Bob keeps E1 and drops SharePoint (−SPO), Carol gets E1 (+E1).
    const users = [person('adele', [assignment(E3)]), person('bob', [assignment(E1), assignment(SPO_P1)]), person('carol')];
    const plan = bulk('replace', users, [license(E1)], { [E1]: 2, [E3]: 0, [SPO_P1]: 0 });
    expect(plan.outcomes.map((o) => [o.added, o.removed])).toEqual([
      [[E1], [E3]],
      [[], [SPO_P1]],
      [[E1], []],
    ]);
    expect(plan.seatDeltas).toEqual([
      { skuId: E1, displayName: 'Office 365 E1', delta: 2, available: 2, shortBy: 0 },
      { skuId: E3, displayName: 'Office 365 E3', delta: -1, available: 0, shortBy: 0 },
      { skuId: SPO_P1, displayName: 'SharePoint Online (Plan 1)', delta: -1, available: 0, shortBy: 0 },
    ]);
    expect(plan.isApplicable).toBe(true);
  });

  it('a seat one user frees covers a seat another user takes: no shortage', () => {
    const adele = person('adele', [assignment(E3)]);
    const bob = person('bob');
    const frees = bulk('removeAll', [adele], [], { [E3]: 0 });
    const takes = bulk('addMore', [bob], [license(E3)], { [E3]: 0 });
    expect(takes.seatDeltas[0]!.shortBy).toBe(1);
    const net = seatDeltas([...frees.plans, ...takes.plans]);
    expect(net.get(E3)).toBe(0);
    expect(seatShortfall(net.get(E3)!, seats({ [E3]: 0 }).get(E3))).toBe(0);
  });

  it('shortBy is what is missing when the batch needs more seats than are free', () => {
    const users = ['adele', 'bob', 'carol', 'dan'].map((name) => person(name));
    const plan = bulk('addMore', users, [license(E3)], { [E3]: 1 });
    expect(plan.seatDeltas).toEqual([{ skuId: E3, displayName: 'Office 365 E3', delta: 4, available: 1, shortBy: 3 }]);
    expect(plan.isApplicable).toBe(false);
    const error = bulkRefusal(plan);
    expect(error.code).toBe('licenseAssignmentFailed');
    expect(error.message).toBe('No licenses were changed: 1 product does not have enough available licenses.');
    expect(error.details).toEqual([
      { code: 'CountViolation', target: E3, message: 'Office 365 E3: this change needs 4 more licenses and 1 is available. Buy 3 more, or select fewer users.' },
    ]);
  });
});

describe('planBulkChange — conflicts', () => {
  it('a user in conflict makes the change inapplicable, with details targeted at the UPN', () => {
    const adele = person('adele');
    const bob = person('bob', [assignment(EXO_P1)]);
    const carol = person('carol', [], { usageLocation: null });
    const plan = bulk('addMore', [adele, bob, carol], [license(E3)], { [E3]: 5 });
    expect(plan.isApplicable).toBe(false);
    expect(plan.plans).toHaveLength(1);
    expect(plan.outcomes[0]!.conflicts).toEqual([]);
    expect(plan.outcomes[1]!.conflicts).toEqual([
      { code: 'MutuallyExclusiveViolation', message: `License assignment failed because service plans ${EXO1}, ${EXO2} are mutually exclusive.`, target: 'bob@contoso.test' },
      {
        code: 'MutuallyExclusiveViolation',
        message:
          "You can't assign licenses that contain these conflicting services: Exchange Online (Plan 1) (EXCHANGE_S_STANDARD) in Exchange Online (Plan 1) and Exchange Online (Plan 2) (EXCHANGE_S_ENTERPRISE) in Office 365 E3. Turn one of the two services off, or remove one of the licenses.",
        target: 'bob@contoso.test',
      },
    ]);
    expect(plan.outcomes[2]!.conflicts[0]!.code).toBe('InvalidUsageLocation');
    // Seats only count users whose part can be applied.
    expect(plan.seatDeltas).toEqual([{ skuId: E3, displayName: 'Office 365 E3', delta: 1, available: 5, shortBy: 0 }]);

    const error = bulkRefusal(plan);
    expect(error.code).toBe('licenseAssignmentFailed');
    expect(error.message).toBe('No licenses were changed: 2 users cannot get this change.');
    expect(error.details.map((d) => [d.code, d.target])).toEqual([
      ['MutuallyExclusiveViolation', 'bob@contoso.test'],
      ['InvalidUsageLocation', 'carol@contoso.test'],
    ]);
    expect(error.details[1]!.message).toContain('Carol has no usage location');
  });

  it('counts products short and users in conflict in one message', () => {
    const users = [person('adele'), person('bob'), person('carol', [], { usageLocation: 'CN' })];
    const plan = bulk('addMore', users, [license(E3), license(VOICE_SKU)], { [E3]: 1, [VOICE_SKU]: 0 });
    expect(plan.isApplicable).toBe(false);
    const error = bulkRefusal(plan);
    expect(error.message).toBe('No licenses were changed: 2 products do not have enough available licenses and 1 user cannot get this change.');
    expect(error.details.map((d) => [d.code, d.target])).toEqual([
      ['CountViolation', E3],
      ['CountViolation', VOICE_SKU],
      ['ProhibitedInUsageLocationViolation', 'carol@contoso.test'],
    ]);
    expect(error.details[0]!.message).toBe('Office 365 E3: this change needs 2 more licenses and 1 is available. Buy 1 more, or select fewer users.');
    expect(error.details[1]!.message).toBe('Teams Phone Standard: this change needs 2 more licenses and 0 are available. Buy 2 more, or select fewer users.');
  });

  it('a remove of a SKU a user only inherits or does not hold is a conflict for that user', () => {
    const plan = bulk('remove', [person('adele', [assignment(E3, GROUP)]), person('bob')], [license(E3)], {});
    expect(plan.isApplicable).toBe(false);
    expect(plan.outcomes.map((o) => o.conflicts[1]?.code)).toEqual(['InheritedLicense', 'LicenseNotAssigned']);
    expect(plan.outcomes[0]!.conflicts[0]!.message).toBe('User license is inherited from a group membership and it cannot be removed directly from the user.');
  });

  it('licensesOf merges a subject’s sources', () => {
    expect(licensesOf(person('adele', [assignment(E3, GROUP, [VOICE]), assignment(E3)]))).toEqual([{ skuId: E3, disabledPlans: [] }]);
  });
});
