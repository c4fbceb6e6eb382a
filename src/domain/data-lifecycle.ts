import type { Catalogue, DataClass, Sku } from './catalogue.js';
import { DAY_MS } from './clock.js';

/**
 * What happens to a user's data (mailbox, files) when licenses go (graph-licensing.md §5.3). Per
 * user × data class, not per plan: swapping one mailbox plan for another keeps the data. A record
 * exists only once something happened to the data; a held class has none.
 *
 * - Licensed: the user holds an enabled plan of the class (the only searchable state); implicit.
 * - Unlicensed: files without a license; kept until the user is deleted (no clock).
 * - Grace: the clock runs until `graceUntil` (mailbox: after the last mailbox plan goes; any class:
 *   after the user is deleted).
 * - Retained: the grace ended under a hold (litigation hold or retention policy).
 * - Inactive: a held mailbox of a deleted user whose last mailbox license was an Enterprise suite.
 * - Purged: the data is gone; a new license starts over as Licensed (nothing comes back).
 */
export type DataLifecycleClass = Exclude<DataClass, 'none'>;
export const DATA_LIFECYCLE_CLASSES: readonly DataLifecycleClass[] = ['mailbox', 'files'];

export const DATA_STATES = ['Licensed', 'Unlicensed', 'Grace', 'Retained', 'Inactive', 'Purged'] as const;
export type DataState = (typeof DATA_STATES)[number];

/** Days a class's data is kept when its plans say nothing (Exchange Online and OneDrive: 30). */
export const DEFAULT_DATA_RETENTION_DAYS: Readonly<Record<DataLifecycleClass, number>> = { mailbox: 30, files: 30 };

export interface DataRecord {
  userId: string;
  dataClass: DataLifecycleClass;
  state: DataState;
  since: Date;
  graceUntil: Date | null;
  /** The SKU that last granted the class (an Enterprise one first); decides retention and Inactive. */
  lastSkuId: string | null;
}

/** One enabled-plan fact of the catalogue: this SKU grants this class through this plan. */
export interface DataClassFact {
  skuId: string;
  servicePlanId: string;
  dataClass: DataLifecycleClass;
  /** The plan's dataRetentionDays, or the class default. */
  retentionDays: number;
  enterprise: boolean;
}

/** A state change of one record, as the data.lifecycleChanged event and the dry runs report it. */
export interface DataTransition {
  userId: string;
  dataClass: DataLifecycleClass;
  from: DataState;
  to: DataState;
  graceUntil: Date | null;
}

export const isSearchable = (state: DataState): boolean => state === 'Licensed';

/**
 * Enterprise suites, whose held mailbox becomes an inactive mailbox when its user is deleted: Office
 * 365 E3/E5 (ENTERPRISEPACK…, ENTERPRISEPREMIUM…, with their A and G editions), Microsoft 365 E3/E5
 * (SPE_E3…, SPE_E5…, Microsoft_365_E3/E5…) and the EEA "no Teams" bundles. Add-ons named after a
 * suite ("…Extra_Features") grant no mailbox and are not suites. Custom products never are.
 */
const ENTERPRISE_PART_NUMBER = /^(ENTERPRISEPACK|ENTERPRISEPREMIUM|SPE_E[35]|MICROSOFT_365_E[35]|O365_W\/O_TEAMS_BUNDLE_M[35])/;

export function isEnterpriseSku(sku: Pick<Sku, 'skuPartNumber' | 'origin'>): boolean {
  const partNumber = sku.skuPartNumber.toUpperCase().replaceAll(' ', '_');
  return sku.origin === 'microsoft' && ENTERPRISE_PART_NUMBER.test(partNumber) && !partNumber.endsWith('_EXTRA_FEATURES');
}

const factsByCatalogue = new WeakMap<Catalogue, DataClassFact[]>();

/** Every SKU × plan of the catalogue that grants a data class (about 270 of Microsoft's); memoised per catalogue. */
export function dataClassFacts(catalogue: Catalogue): DataClassFact[] {
  const known = factsByCatalogue.get(catalogue);
  if (known !== undefined) {
    return known;
  }
  const facts: DataClassFact[] = [];
  for (const sku of catalogue.skus) {
    const enterprise = isEnterpriseSku(sku);
    for (const servicePlanId of sku.servicePlanIds) {
      const plan = catalogue.findPlan(servicePlanId);
      if (plan !== undefined && plan.dataClass !== 'none') {
        facts.push({ skuId: sku.skuId, servicePlanId, dataClass: plan.dataClass, retentionDays: plan.dataRetentionDays ?? DEFAULT_DATA_RETENTION_DAYS[plan.dataClass], enterprise });
      }
    }
  }
  factsByCatalogue.set(catalogue, facts);
  return facts;
}

interface SkuDataClasses {
  facts: DataClassFact[];
  /** Per class, the longest retention of the SKU's plans of it. */
  retentionDays: Map<DataLifecycleClass, number>;
}

const skuIndexOf = new WeakMap<Catalogue, Map<string, SkuDataClasses>>();

/** The catalogue's facts per SKU; memoised per catalogue. */
function skuDataClasses(catalogue: Catalogue): Map<string, SkuDataClasses> {
  let index = skuIndexOf.get(catalogue);
  if (index === undefined) {
    index = new Map();
    for (const fact of dataClassFacts(catalogue)) {
      const sku: SkuDataClasses = index.get(fact.skuId) ?? { facts: [], retentionDays: new Map() };
      sku.facts.push(fact);
      sku.retentionDays.set(fact.dataClass, Math.max(sku.retentionDays.get(fact.dataClass) ?? 0, fact.retentionDays));
      index.set(fact.skuId, sku);
    }
    skuIndexOf.set(catalogue, index);
  }
  return index;
}

/**
 * Per data class these licenses grant (a plan of the class not disabled), the SKU that grants it:
 * an Enterprise suite first (it decides Inactive), then the lowest id.
 */
export function grantedDataClasses(licenses: readonly { skuId: string; disabledPlans: readonly string[] }[], catalogue: Catalogue): Map<DataLifecycleClass, string> {
  const granting = new Map<DataLifecycleClass, DataClassFact>();
  const index = skuDataClasses(catalogue);
  for (const license of licenses) {
    for (const fact of index.get(license.skuId)?.facts ?? []) {
      const known = granting.get(fact.dataClass);
      const better = known === undefined || (fact.enterprise ? !known.enterprise || fact.skuId < known.skuId : !known.enterprise && fact.skuId < known.skuId);
      if (better && !license.disabledPlans.includes(fact.servicePlanId)) {
        granting.set(fact.dataClass, fact);
      }
    }
  }
  return new Map([...granting].map(([dataClass, fact]) => [dataClass, fact.skuId]));
}

/** Days a class's data is kept once this SKU no longer grants it: its longest plan retention (null: unknown SKU). */
export const dataRetentionDays = (catalogue: Catalogue, skuId: string | null, dataClass: DataLifecycleClass): number | null =>
  (skuId === null ? undefined : skuDataClasses(catalogue).get(skuId)?.retentionDays.get(dataClass)) ?? null;

/** What happened to the user: its licenses changed, it was deleted, or restored. */
export type DataEvent = 'licenses' | 'deleted' | 'restored';

/**
 * What the reconcile knows of one user × class. A held class needs no record (it is Licensed);
 * a record exists once something happened to the data, and a Licensed one (written before records
 * became implicit) means the same as none.
 */
export interface DataSubject {
  userId: string;
  dataClass: DataLifecycleClass;
  /** The SKU that granted the class before the change (grantedDataClasses), or null. */
  heldBefore: string | null;
  /** The SKU that grants it after the change, or null (always null once the user is deleted). */
  heldAfter: string | null;
  event: DataEvent;
  record: DataRecord | null;
  /** Retention of the SKU that last granted the class (dataRetentionDays; null: the class default). */
  retentionDays: number | null;
}

/**
 * The record after a license change, a deletion or a restore: undefined when it stays as it is,
 * null when it ends because the class is held again (Licensed needs no record; a Purged class starts
 * over). A class lost while the user stays: the mailbox enters its grace, files become Unlicensed. A
 * deleted user's Licensed or Unlicensed classes enter a grace counted from the deletion (`at`; a
 * running grace keeps its date). A restore stops the files' clock (the mailbox's grace, started by
 * losing its license, goes on).
 */
export function reconcileDataRecord(subject: DataSubject, at: Date): DataRecord | null | undefined {
  const { record } = subject;
  const pending = record !== null && record.state !== 'Licensed' ? record : null;
  const licensedBefore = subject.heldBefore !== null || record?.state === 'Licensed';
  const next = (state: DataState, graceUntil: Date | null = null): DataRecord => ({
    userId: subject.userId,
    dataClass: subject.dataClass,
    state,
    since: at,
    graceUntil,
    lastSkuId: subject.heldBefore ?? record?.lastSkuId ?? null,
  });
  const graceEnd = () => new Date(at.getTime() + (subject.retentionDays ?? DEFAULT_DATA_RETENTION_DAYS[subject.dataClass]) * DAY_MS);
  if (subject.event === 'deleted') {
    return (pending === null && licensedBefore) || pending?.state === 'Unlicensed' ? next('Grace', graceEnd()) : undefined;
  }
  if (subject.heldAfter !== null) {
    return pending === null ? undefined : null;
  }
  if (subject.event === 'restored') {
    return pending?.state === 'Grace' && subject.dataClass === 'files' ? next('Unlicensed') : undefined;
  }
  if (pending !== null || !licensedBefore) {
    return undefined;
  }
  return subject.dataClass === 'mailbox' ? next('Grace', graceEnd()) : next('Unlicensed');
}

/**
 * The change makes the class held again: whatever record it has ends (what reconcileDataRecord
 * says for each), so a batch can delete those records without reading them first.
 */
export const regainsDataClass = (subject: Pick<DataSubject, 'heldBefore' | 'heldAfter' | 'event'>): boolean =>
  subject.event !== 'deleted' && subject.heldBefore === null && subject.heldAfter !== null;

/** The state a subject's class reads as before the reconcile (no record: Licensed while held). */
export const dataStateBefore = (subject: Pick<DataSubject, 'heldBefore' | 'record'>): DataState | null => subject.record?.state ?? (subject.heldBefore === null ? null : 'Licensed');

/** One span of a license in the assignment history (validTo null: still open). */
export interface LicenseInterval {
  skuId: string;
  disabledPlans: readonly string[];
  validFrom: Date;
  validTo: Date | null;
}

/**
 * Since when a class has been held without a break (what a record's `since` would say): the start of
 * the run of history intervals granting it that is still open, or null when none is open.
 */
export function licensedSince(intervals: readonly LicenseInterval[], catalogue: Catalogue, dataClass: DataLifecycleClass): Date | null {
  const granting = intervals
    .filter((interval) => grantedDataClasses([interval], catalogue).has(dataClass))
    .sort((a, b) => a.validFrom.getTime() - b.validFrom.getTime());
  let since: Date | null = null;
  let end = -Infinity;
  for (const interval of granting) {
    if (interval.validFrom.getTime() > end) {
      since = interval.validFrom;
    }
    end = Math.max(end, interval.validTo?.getTime() ?? Infinity);
  }
  return end === Infinity ? since : null;
}

/** What the job knows of a record beyond the record itself. */
export interface SettleFacts {
  /** A litigation hold of the user or a retention policy covers the class. */
  holdApplies: boolean;
  /** The user is soft-deleted or gone. */
  userDeleted: boolean;
  /** The record's last SKU is an Enterprise suite (isEnterpriseSku). */
  lastSkuEnterprise: boolean;
}

/**
 * Where the job moves a record at `now`, or undefined when it stays. Only a grace that has ended
 * settles (never earlier): under a hold the data is Retained, or Inactive for a mailbox of a deleted
 * user whose last license was an Enterprise suite; without a hold it is Purged. Retained and Inactive
 * records follow their hold: once no hold covers them they are purged at the next tick (their grace
 * ended already), and a restored user's inactive mailbox is Retained again.
 */
export function settleDataRecord(record: Pick<DataRecord, 'dataClass' | 'state' | 'graceUntil'>, facts: SettleFacts, now: Date): DataState | undefined {
  if (record.state === 'Grace' ? record.graceUntil === null || record.graceUntil.getTime() > now.getTime() : record.state !== 'Retained' && record.state !== 'Inactive') {
    return undefined;
  }
  const target: DataState = !facts.holdApplies ? 'Purged' : record.dataClass === 'mailbox' && facts.userDeleted && facts.lastSkuEnterprise ? 'Inactive' : 'Retained';
  return target === record.state ? undefined : target;
}

/** A hold as the domain sees it. */
export interface DataHold {
  holdId: string;
  kind: 'litigationHold' | 'retentionPolicy';
  /** The user of a litigation hold; null for a retention policy (the whole tenant). */
  userId: string | null;
  dataClasses: DataLifecycleClass[];
  name: string;
  createdAt: Date;
}

/** The holds that keep this user's data of this class. */
export const holdsCovering = (holds: readonly DataHold[], userId: string, dataClass: DataLifecycleClass): DataHold[] =>
  holds.filter((hold) => hold.dataClasses.includes(dataClass) && (hold.kind === 'retentionPolicy' || hold.userId === userId));

/** A hold's data classes in canonical order, without repeats. */
export const holdDataClasses = (classes: readonly DataLifecycleClass[]): DataLifecycleClass[] => DATA_LIFECYCLE_CLASSES.filter((dataClass) => classes.includes(dataClass));
