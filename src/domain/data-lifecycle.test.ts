import { describe, expect, it } from 'vitest';
import { createCatalogue, type ServicePlan, type Sku } from './catalogue.js';
import { DAY_MS } from './clock.js';
import {
  dataClassFacts,
  dataRetentionDays,
  dataStateBefore,
  grantedDataClasses,
  licensedSince,
  holdDataClasses,
  holdsCovering,
  isEnterpriseSku,
  isSearchable,
  reconcileDataRecord,
  regainsDataClass,
  settleDataRecord,
  type DataHold,
  type DataRecord,
  type DataSubject,
} from './data-lifecycle.js';

const NOW = new Date('2026-11-01T09:00:00Z');
const day = (days: number) => new Date(NOW.getTime() + days * DAY_MS);
const USER = 'u1';

const record = (state: DataRecord['state'], extra: Partial<DataRecord> = {}): DataRecord => ({
  userId: USER,
  dataClass: 'mailbox',
  state,
  since: day(-10),
  graceUntil: state === 'Grace' ? day(20) : null,
  lastSkuId: 'e3',
  ...extra,
});

const subject = (extra: Partial<DataSubject>): DataSubject => ({ userId: USER, dataClass: 'mailbox', heldBefore: null, heldAfter: null, event: 'licenses', record: null, retentionDays: null, ...extra });

describe('reconcileDataRecord', () => {
  it('writes nothing for a held class: no record while Licensed, also for a swap or a first license', () => {
    expect(reconcileDataRecord(subject({ heldAfter: 'exo1' }), NOW)).toBeUndefined();
    expect(reconcileDataRecord(subject({ heldBefore: 'exo1', heldAfter: 'e3' }), NOW)).toBeUndefined();
    expect(reconcileDataRecord(subject({ heldBefore: 'exo1', heldAfter: 'e3', record: record('Licensed', { lastSkuId: 'exo1' }) }), NOW)).toBeUndefined();
    expect(reconcileDataRecord(subject({}), NOW)).toBeUndefined();
  });

  it('starts the mailbox grace with the lost SKU\'s retention (default 30 days); files become Unlicensed', () => {
    expect(reconcileDataRecord(subject({ heldBefore: 'e3' }), NOW)).toEqual({ userId: USER, dataClass: 'mailbox', state: 'Grace', since: NOW, graceUntil: day(30), lastSkuId: 'e3' });
    expect(reconcileDataRecord(subject({ heldBefore: 'e3', retentionDays: 45 }), NOW)).toMatchObject({ state: 'Grace', graceUntil: day(45) });
    expect(reconcileDataRecord(subject({ dataClass: 'files', heldBefore: 'e3' }), NOW)).toMatchObject({ state: 'Unlicensed', graceUntil: null, lastSkuId: 'e3' });
    // A Licensed record written before records became implicit reads as none; the SKU held before wins.
    expect(reconcileDataRecord(subject({ heldBefore: 'e3', record: record('Licensed', { lastSkuId: 'exo1' }) }), NOW)).toMatchObject({ state: 'Grace', lastSkuId: 'e3' });
  });

  it('keeps a running grace or an Unlicensed record when the loss is seen again', () => {
    expect(reconcileDataRecord(subject({ heldBefore: 'e3', record: record('Grace') }), NOW)).toBeUndefined();
    expect(reconcileDataRecord(subject({ dataClass: 'files', heldBefore: 'e3', record: record('Unlicensed', { dataClass: 'files' }) }), NOW)).toBeUndefined();
  });

  it('ends a grace, a retention or a purge when the class is held again (a purged class starts over)', () => {
    for (const state of ['Grace', 'Retained', 'Inactive', 'Purged', 'Unlicensed'] as const) {
      expect(reconcileDataRecord(subject({ heldAfter: 'e3', record: record(state) }), NOW)).toBeNull();
      expect(reconcileDataRecord(subject({ heldAfter: 'e3', event: 'restored', record: record(state) }), NOW)).toBeNull();
    }
    // So a batch deletes those records unread; not on a deletion, nor for a class held on both sides.
    expect(regainsDataClass(subject({ heldAfter: 'e3' }))).toBe(true);
    expect(regainsDataClass(subject({ heldAfter: 'e3', event: 'restored' }))).toBe(true);
    expect(regainsDataClass(subject({ heldBefore: 'exo1', heldAfter: 'e3' }))).toBe(false);
    expect(regainsDataClass(subject({ heldBefore: 'e3', event: 'deleted' }))).toBe(false);
  });

  it('counts every class\'s grace from the deletion, keeps a running grace, and leaves settled records alone', () => {
    const deleted = { event: 'deleted' as const };
    expect(reconcileDataRecord(subject({ ...deleted, heldBefore: 'e3' }), NOW)).toMatchObject({ state: 'Grace', since: NOW, graceUntil: day(30), lastSkuId: 'e3' });
    expect(reconcileDataRecord(subject({ ...deleted, record: record('Licensed') }), NOW)).toMatchObject({ state: 'Grace', graceUntil: day(30), lastSkuId: 'e3' });
    expect(reconcileDataRecord(subject({ ...deleted, dataClass: 'files', retentionDays: 90, record: record('Unlicensed', { dataClass: 'files' }) }), NOW)).toMatchObject({ state: 'Grace', graceUntil: day(90) });
    for (const state of ['Grace', 'Retained', 'Inactive', 'Purged'] as const) {
      expect(reconcileDataRecord(subject({ ...deleted, heldBefore: 'e3', record: record(state) }), NOW)).toBeUndefined();
    }
    expect(reconcileDataRecord(subject(deleted), NOW)).toBeUndefined();
  });

  it('stops the files clock on restore, while the mailbox grace of a lost license goes on', () => {
    const restored = { event: 'restored' as const };
    expect(reconcileDataRecord(subject({ ...restored, dataClass: 'files', record: record('Grace', { dataClass: 'files' }) }), NOW)).toMatchObject({ state: 'Unlicensed', since: NOW, graceUntil: null });
    expect(reconcileDataRecord(subject({ ...restored, record: record('Grace') }), NOW)).toBeUndefined();
    expect(reconcileDataRecord(subject({ ...restored, record: record('Retained') }), NOW)).toBeUndefined();
  });

  it('reads a class without a record as Licensed while it was held', () => {
    expect(dataStateBefore(subject({ heldBefore: 'e3' }))).toBe('Licensed');
    expect(dataStateBefore(subject({ heldBefore: 'e3', record: record('Grace') }))).toBe('Grace');
    expect(dataStateBefore(subject({}))).toBeNull();
  });
});

describe('settleDataRecord', () => {
  const facts = { holdApplies: false, userDeleted: false, lastSkuEnterprise: false };

  it('never moves a grace before its end; at its end purges, retains under a hold, or makes an Enterprise mailbox inactive', () => {
    const grace = record('Grace', { graceUntil: day(0) });
    expect(settleDataRecord(grace, facts, new Date(NOW.getTime() - 1))).toBeUndefined();
    expect(settleDataRecord(grace, facts, NOW)).toBe('Purged');
    expect(settleDataRecord(grace, { ...facts, holdApplies: true }, NOW)).toBe('Retained');
    expect(settleDataRecord(grace, { holdApplies: true, userDeleted: true, lastSkuEnterprise: true }, NOW)).toBe('Inactive');
    expect(settleDataRecord(grace, { holdApplies: true, userDeleted: false, lastSkuEnterprise: true }, NOW)).toBe('Retained');
    expect(settleDataRecord({ ...grace, dataClass: 'files' }, { holdApplies: true, userDeleted: true, lastSkuEnterprise: true }, NOW)).toBe('Retained');
  });

  it('purges retained and inactive data once no hold keeps it, and moves nothing else', () => {
    expect(settleDataRecord(record('Retained'), facts, NOW)).toBe('Purged');
    expect(settleDataRecord(record('Inactive'), facts, NOW)).toBe('Purged');
    expect(settleDataRecord(record('Retained'), { ...facts, holdApplies: true }, NOW)).toBeUndefined();
    expect(settleDataRecord(record('Retained'), { holdApplies: true, userDeleted: true, lastSkuEnterprise: true }, NOW)).toBe('Inactive');
    expect(settleDataRecord(record('Inactive'), { holdApplies: true, userDeleted: false, lastSkuEnterprise: true }, NOW)).toBe('Retained');
    for (const state of ['Licensed', 'Unlicensed', 'Purged'] as const) {
      expect(settleDataRecord(record(state), facts, day(1000))).toBeUndefined();
    }
  });
});

describe('catalogue facts', () => {
  const plan = (servicePlanId: string, dataClass: ServicePlan['dataClass'], dataRetentionDays?: number): ServicePlan => ({
    servicePlanId,
    servicePlanName: servicePlanId.toUpperCase(),
    friendlyName: servicePlanId,
    appliesTo: 'User',
    service: 'test',
    dataClass,
    prohibitedUsageLocations: [],
    ...(dataRetentionDays === undefined ? {} : { dataRetentionDays }),
  });
  const sku = (skuId: string, skuPartNumber: string, servicePlanIds: string[], origin: Sku['origin'] = 'microsoft'): Sku => ({ skuId, skuPartNumber, displayName: skuPartNumber, appliesTo: 'User', servicePlanIds, origin });

  it('lists the plans that grant a data class, with their retention or the default', () => {
    const catalogue = createCatalogue({
      skus: [sku('e3', 'ENTERPRISEPACK', ['exo', 'spo', 'teams']), sku('archive', 'ARCHIVE', ['vault'], 'custom')],
      plans: [plan('exo', 'mailbox'), plan('spo', 'files'), plan('teams', 'none'), plan('vault', 'files', 90)],
      rules: [],
    });
    expect(dataClassFacts(catalogue)).toEqual([
      { skuId: 'e3', servicePlanId: 'exo', dataClass: 'mailbox', retentionDays: 30, enterprise: true },
      { skuId: 'e3', servicePlanId: 'spo', dataClass: 'files', retentionDays: 30, enterprise: true },
      { skuId: 'archive', servicePlanId: 'vault', dataClass: 'files', retentionDays: 90, enterprise: false },
    ]);
    expect(dataClassFacts(catalogue)).toBe(dataClassFacts(catalogue));
  });

  const suites = createCatalogue({
    skus: [sku('exo1', 'EXCHANGESTANDARD', ['exo']), sku('e3', 'ENTERPRISEPACK', ['exo', 'spo']), sku('a-e3', 'ENTERPRISEPACK_FACULTY', ['exo']), sku('archive', 'ARCHIVE', ['vault'], 'custom')],
    plans: [plan('exo', 'mailbox'), plan('spo', 'files'), plan('vault', 'files', 90)],
    rules: [],
  });

  it('says which SKU grants each class: an enabled plan of it, an Enterprise suite first, then the lowest id', () => {
    const license = (skuId: string, disabledPlans: string[] = []) => ({ skuId, disabledPlans });
    expect(grantedDataClasses([license('exo1'), license('e3')], suites)).toEqual(new Map([['mailbox', 'e3'], ['files', 'e3']]));
    expect(grantedDataClasses([license('e3'), license('a-e3')], suites).get('mailbox')).toBe('a-e3');
    expect(grantedDataClasses([license('exo1'), license('e3', ['exo'])], suites)).toEqual(new Map([['mailbox', 'exo1'], ['files', 'e3']]));
    expect(grantedDataClasses([license('e3', ['exo', 'spo']), license('unknown')], suites).size).toBe(0);
  });

  it('keeps a class for its SKU\'s longest plan retention (null for an unknown SKU or class)', () => {
    expect(dataRetentionDays(suites, 'archive', 'files')).toBe(90);
    expect(dataRetentionDays(suites, 'e3', 'mailbox')).toBe(30);
    expect(dataRetentionDays(suites, 'exo1', 'files')).toBeNull();
    expect(dataRetentionDays(suites, null, 'mailbox')).toBeNull();
  });

  it('dates a held class from the unbroken run of history that grants it', () => {
    const span = (skuId: string, from: number, to: number | null, disabledPlans: string[] = []) => ({ skuId, disabledPlans, validFrom: day(from), validTo: to === null ? null : day(to) });
    // Swapped Exchange Online (Plan 1) for E3 at day 2: the mailbox runs from day 0, the files from day 2.
    const swapped = [span('exo1', 0, 2), span('e3', 2, null)];
    expect(licensedSince(swapped, suites, 'mailbox')).toEqual(day(0));
    expect(licensedSince(swapped, suites, 'files')).toEqual(day(2));
    // A gap (removed at day 1, licensed again at day 5) starts a new run; a disabled plan grants nothing.
    expect(licensedSince([span('exo1', 0, 1), span('e3', 5, null)], suites, 'mailbox')).toEqual(day(5));
    expect(licensedSince([span('e3', 0, null, ['exo'])], suites, 'mailbox')).toBeNull();
    expect(licensedSince([span('e3', 0, 3)], suites, 'files')).toBeNull();
  });

  it('knows the Enterprise suites by part number, not their add-ons or custom products', () => {
    for (const partNumber of ['ENTERPRISEPACK', 'ENTERPRISEPREMIUM_NOPSTNCONF', 'SPE_E3', 'SPE_E5_USGOV_GCCHIGH', 'Microsoft_365_E5_(no_Teams)', 'O365_w/o Teams Bundle_M3']) {
      expect(isEnterpriseSku({ skuPartNumber: partNumber, origin: 'microsoft' }), partNumber).toBe(true);
    }
    for (const partNumber of ['EXCHANGESTANDARD', 'SPE_F1', 'O365_BUSINESS_PREMIUM', 'Microsoft_365_E3_Extra_Features']) {
      expect(isEnterpriseSku({ skuPartNumber: partNumber, origin: 'microsoft' }), partNumber).toBe(false);
    }
    expect(isEnterpriseSku({ skuPartNumber: 'ENTERPRISEPACK', origin: 'custom' })).toBe(false);
  });
});

describe('holds and search', () => {
  const hold = (holdId: string, kind: DataHold['kind'], userId: string | null, dataClasses: DataHold['dataClasses']): DataHold => ({ holdId, kind, userId, dataClasses, name: holdId, createdAt: NOW });

  it('applies a litigation hold to its user and a retention policy to everyone, per data class', () => {
    const holds = [hold('lit', 'litigationHold', USER, ['mailbox']), hold('policy', 'retentionPolicy', null, ['files']), hold('other', 'litigationHold', 'u2', ['mailbox', 'files'])];
    expect(holdsCovering(holds, USER, 'mailbox').map((covering) => covering.holdId)).toEqual(['lit']);
    expect(holdsCovering(holds, USER, 'files').map((covering) => covering.holdId)).toEqual(['policy']);
    expect(holdDataClasses(['files', 'mailbox', 'files'])).toEqual(['mailbox', 'files']);
  });

  it('makes data searchable only while licensed', () => {
    expect(['Licensed', 'Unlicensed', 'Grace', 'Retained', 'Inactive', 'Purged'].filter((state) => isSearchable(state as DataRecord['state']))).toEqual(['Licensed']);
  });
});
