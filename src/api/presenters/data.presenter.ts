import type { DataHold } from '../../domain/data-lifecycle.js';
import type { DataHoldListing, DataLifecycleService, DataRecordView, DeletionPreview, UserDataView } from '../../services/data-lifecycle.service.js';

const iso = (date: Date | null): string | null => (date === null ? null : date.toISOString());

export const presentHold = (hold: DataHold) => ({
  id: hold.holdId,
  kind: hold.kind,
  userId: hold.userId,
  dataClasses: hold.dataClasses,
  name: hold.name,
  createdDateTime: hold.createdAt.toISOString(),
});

/** A hold of the list, with its user's name (null for a retention policy, or a user purged since). */
export const presentHoldListing = (hold: DataHoldListing) => ({
  ...presentHold(hold),
  userDisplayName: hold.user?.displayName ?? null,
  userPrincipalName: hold.user?.userPrincipalName ?? null,
  userDeleted: hold.user?.deleted ?? false,
});

const presentRecord = (record: DataRecordView) => ({
  dataClass: record.dataClass,
  state: record.state,
  since: record.since.toISOString(),
  graceUntil: iso(record.graceUntil),
  searchable: record.searchable,
  lastSkuId: record.lastSkuId,
  holds: record.holds.map(presentHold),
  afterGrace: record.afterGrace,
});

export const presentUserData = (view: UserDataView) => ({
  userId: view.userId,
  userPrincipalName: view.userPrincipalName,
  deleted: view.deleted,
  value: view.records.map(presentRecord),
});

export const presentDataRecordPage = (page: Awaited<ReturnType<DataLifecycleService['listRecords']>>) => ({
  value: page.records.map((record) => ({
    userId: record.userId,
    userPrincipalName: record.userPrincipalName,
    displayName: record.displayName,
    userDeleted: record.userDeleted,
    dataClass: record.dataClass,
    state: record.state,
    since: record.since.toISOString(),
    graceUntil: iso(record.graceUntil),
    searchable: record.searchable,
    afterGrace: record.afterGrace,
    holds: record.holds.map(presentHold),
  })),
  skiptoken: page.nextSkipToken,
});

export const presentDeletionPreview = (preview: DeletionPreview) => ({
  userId: preview.userId,
  userPrincipalName: preview.userPrincipalName,
  seatsFreed: preview.seatsFreed,
  deletedDateTime: preview.deletedAt.toISOString(),
  permanentDeletionDateTime: preview.permanentDeletionAt.toISOString(),
  data: preview.data.map(presentRecord),
});
