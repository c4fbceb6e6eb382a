import { describe, expect, it } from 'vitest';
import { createCatalogue, type ServicePlan, type Sku } from './catalogue.js';
import { DAY_MS } from './clock.js';
import {
  dataClassFacts,
  holdDataClasses,
  holdsCovering,
  isEnterpriseSku,
  isSearchable,
  reconcileDataRecord,
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

const subject = (extra: Partial<DataSubject>): DataSubject => ({ userId: USER, dataClass: 'mailbox', heldSkuId: null, deletedAt: null, record: null, retentionDays: null, ...extra });

describe('reconcileDataRecord', () => {
  it('creates a Licensed record the first time a class is held, and none for a class never held', () => {
    expect(reconcileDataRecord(subject({ heldSkuId: 'exo1' }), NOW)).toEqual({ userId: USER, dataClass: 'mailbox', state: 'Licensed', since: NOW, graceUntil: null, lastSkuId: 'exo1' });
    expect(reconcileDataRecord(subject({}), NOW)).toBeUndefined();
  });

  it('keeps the mailbox when another SKU grants it (a swap): same since, the new SKU remembered', () => {
    expect(reconcileDataRecord(subject({ heldSkuId: 'e3', record: record('Licensed', { lastSkuId: 'exo1' }) }), NOW)).toEqual(record('Licensed', { lastSkuId: 'e3' }));
    expect(reconcileDataRecord(subject({ heldSkuId: 'e3', record: record('Licensed') }), NOW)).toBeUndefined();
  });

  it('starts the mailbox grace with the lost SKU\'s retention (default 30 days); files become Unlicensed', () => {
    expect(reconcileDataRecord(subject({ record: record('Licensed') }), NOW)).toMatchObject({ state: 'Grace', since: NOW, graceUntil: day(30), lastSkuId: 'e3' });
    expect(reconcileDataRecord(subject({ record: record('Licensed'), retentionDays: 45 }), NOW)).toMatchObject({ state: 'Grace', graceUntil: day(45) });
    expect(reconcileDataRecord(subject({ dataClass: 'files', record: record('Licensed', { dataClass: 'files' }) }), NOW)).toMatchObject({ state: 'Unlicensed', graceUntil: null });
  });

  it('ends a grace, a retention or a purge when the class is held again (a purged class starts over)', () => {
    for (const state of ['Grace', 'Retained', 'Purged', 'Unlicensed'] as const) {
      expect(reconcileDataRecord(subject({ heldSkuId: 'e3', record: record(state) }), NOW)).toMatchObject({ state: 'Licensed', since: NOW, graceUntil: null });
    }
  });

  it('counts every class\'s grace from the deletion, keeps a running grace, and leaves settled records alone', () => {
    const deletedAt = day(-2);
    expect(reconcileDataRecord(subject({ heldSkuId: 'e3', deletedAt, record: record('Licensed') }), NOW)).toMatchObject({ state: 'Grace', graceUntil: day(28) });
    expect(reconcileDataRecord(subject({ dataClass: 'files', deletedAt, record: record('Unlicensed', { dataClass: 'files' }) }), NOW)).toMatchObject({ state: 'Grace', graceUntil: day(28) });
    for (const state of ['Grace', 'Retained', 'Inactive', 'Purged'] as const) {
      expect(reconcileDataRecord(subject({ deletedAt, record: record(state) }), NOW)).toBeUndefined();
    }
  });

  it('stops the files clock on restore, while the mailbox grace of a lost license goes on', () => {
    expect(reconcileDataRecord(subject({ dataClass: 'files', record: record('Grace', { dataClass: 'files' }) }), NOW)).toMatchObject({ state: 'Unlicensed', graceUntil: null });
    expect(reconcileDataRecord(subject({ record: record('Grace') }), NOW)).toBeUndefined();
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
