import type { AuditEntry } from '../domain/audit.js';
import type { Catalogue } from '../domain/catalogue.js';
import { requireAllowed, type RequestContext } from '../domain/context.js';
import {
  DATA_LIFECYCLE_CLASSES,
  dataRetentionDays,
  dataStateBefore,
  grantedDataClasses,
  holdDataClasses,
  holdsCovering,
  isEnterpriseSku,
  isSearchable,
  licensedSince,
  reconcileDataRecord,
  regainsDataClass,
  settleDataRecord,
  type DataEvent,
  type DataHold,
  type DataLifecycleClass,
  type DataRecord,
  type DataState,
  type DataSubject,
  type DataTransition,
} from '../domain/data-lifecycle.js';
import { AppError, invalidRequest, notFound, orNotFound } from '../domain/errors.js';
import { isGuid, type IdGenerator } from '../domain/ids.js';
import { effectiveLicenses, type EffectiveLicense } from '../domain/licenses.js';
import { SOFT_DELETE_RETENTION_DAYS } from '../domain/user.js';
import { DAY_MS } from '../domain/clock.js';
import type { DataHoldListing } from '../db/repositories/data-hold.repository.js';
import type { Repositories } from '../db/repositories/index.js';
import { loadTenantCatalogue } from './catalogue.service.js';
import type { ServiceDeps } from './deps.js';
import type { LicenseChangeCause, LicenseEffectsInput } from './license-effects.js';
import { inRolledBackTransaction, inTenantTransaction, tenantRepositories } from './transaction.js';
import type { UserService } from './user.service.js';

export type { DataHoldListing } from '../db/repositories/data-hold.repository.js';

const DATA_EVENT: Partial<Record<LicenseChangeCause, DataEvent>> = { userDeleted: 'deleted', userRestored: 'restored' };

const recordKey = (userId: string, dataClass: DataLifecycleClass): string => `${userId}:${dataClass}`;

/** grantedDataClasses, once per distinct set of licenses of a batch (a group's members share one). */
function grantedDataClassesMemo(catalogue: Catalogue): (licenses: readonly EffectiveLicense[]) => Map<DataLifecycleClass, string> {
  const known = new Map<string, Map<DataLifecycleClass, string>>();
  return (licenses) => {
    const key = licenses.map((license) => `${license.skuId}:${license.disabledPlans.join(',')}`).join(';');
    let granted = known.get(key);
    if (granted === undefined) {
      granted = grantedDataClasses(licenses, catalogue);
      known.set(key, granted);
    }
    return granted;
  };
}

/**
 * Moves the data records of a batch of users to what their licenses and deletion say now (the
 * rules: domain/data-lifecycle.ts#reconcileDataRecord), in the caller's transaction. What changed
 * comes from the users' effective licenses before and after, in JavaScript: a class held on both
 * sides needs nothing, and a held class has no record. Then at most three statements: one delete of
 * the records of classes held again (returning them), one locked read of the records of the users
 * who lost a class (or were deleted or restored), one upsert; and one data.lifecycleChanged event.
 */
export async function reconcileUserData(
  repos: Repositories,
  input: { changed: LicenseEffectsInput['changed']; catalogue: Catalogue; at: Date; ids: IdGenerator; cause: LicenseChangeCause },
): Promise<DataTransition[]> {
  const event = DATA_EVENT[input.cause] ?? 'licenses';
  const granted = grantedDataClassesMemo(input.catalogue);
  const regained: DataSubject[] = [];
  const others = new Map<string, DataSubject>();
  for (const change of input.changed) {
    const before = granted(change.before);
    const after = event === 'deleted' ? undefined : granted(change.after);
    for (const dataClass of DATA_LIFECYCLE_CLASSES) {
      const subject: DataSubject = { userId: change.userId, dataClass, heldBefore: before.get(dataClass) ?? null, heldAfter: after?.get(dataClass) ?? null, event, record: null, retentionDays: null };
      if (regainsDataClass(subject)) {
        regained.push(subject);
      } else if (event !== 'licenses' || (subject.heldBefore === null) !== (subject.heldAfter === null)) {
        // A loss; a deletion or restore may move a record whatever the licenses did.
        others.set(recordKey(subject.userId, dataClass), subject);
      }
    }
  }
  const transitions: DataTransition[] = [];
  for (const record of await repos.userData.endRecords(regained)) {
    if (record.state !== 'Licensed') {
      transitions.push({ userId: record.userId, dataClass: record.dataClass, from: record.state, to: 'Licensed', graceUntil: null });
    }
  }
  const userIds = [...new Set([...others.values()].map((subject) => subject.userId))];
  // A loss reads only records that are not Licensed (usually none); a deletion also ends Licensed ones.
  const records = await repos.userData.lockForUsers(userIds, { pendingOnly: event === 'licenses' });
  for (const record of records) {
    const subject = others.get(recordKey(record.userId, record.dataClass));
    if (subject !== undefined) {
      subject.record = record;
    }
  }
  const writes: DataRecord[] = [];
  for (const subject of others.values()) {
    subject.retentionDays = dataRetentionDays(input.catalogue, subject.heldBefore ?? subject.record?.lastSkuId ?? null, subject.dataClass);
    // Never null here: a class held again went to endRecords.
    const next = reconcileDataRecord(subject, input.at);
    const from = dataStateBefore(subject);
    if (next) {
      writes.push(next);
      if (from !== null && from !== next.state) {
        transitions.push({ userId: subject.userId, dataClass: subject.dataClass, from, to: next.state, graceUntil: next.graceUntil });
      }
    }
  }
  transitions.sort((a, b) => (a.userId < b.userId ? -1 : a.userId > b.userId ? 1 : DATA_LIFECYCLE_CLASSES.indexOf(a.dataClass) - DATA_LIFECYCLE_CLASSES.indexOf(b.dataClass)));
  await repos.userData.write(writes);
  await emitDataTransitions(repos, input.cause, transitions, input.at, input.ids);
  return transitions;
}

/**
 * An active user's records with its held classes as Licensed (they have no record, or a Licensed
 * one written before): granted by its licenses now, since the history's unbroken run of them.
 */
async function withHeldClasses(repos: Repositories, catalogue: Catalogue, userId: string, stored: readonly DataRecord[], now: Date): Promise<DataRecord[]> {
  const held = grantedDataClasses(effectiveLicenses(await repos.assignments.listForUsers([userId])), catalogue);
  const history = held.size === 0 ? [] : await repos.userData.licenseHistory(userId);
  return DATA_LIFECYCLE_CLASSES.flatMap((dataClass): DataRecord[] => {
    const lastSkuId = held.get(dataClass);
    if (lastSkuId !== undefined) {
      return [{ userId, dataClass, state: 'Licensed', since: licensedSince(history, catalogue, dataClass) ?? now, graceUntil: null, lastSkuId }];
    }
    return stored.filter((record) => record.dataClass === dataClass && record.state !== 'Licensed');
  });
}

/** One data.lifecycleChanged event for a batch (none when nothing moved). */
export async function emitDataTransitions(repos: Repositories, cause: string, transitions: readonly DataTransition[], at: Date, ids: IdGenerator): Promise<void> {
  if (transitions.length === 0) {
    return;
  }
  const data = transitions.map((transition) => ({ ...transition, graceUntil: transition.graceUntil?.toISOString() ?? null }));
  await repos.events.emit([{ type: 'data.lifecycleChanged', data: { cause, transitions: data } }], at, ids);
}

/** A record as admins see it: searchable or not, the holds that keep it, and what its grace leads to. */
export interface DataRecordView extends DataRecord {
  searchable: boolean;
  holds: DataHold[];
  /** For a record in Grace: the state its grace's end leads to with today's holds. */
  afterGrace: DataState | null;
}

export interface UserDataView {
  userId: string;
  userPrincipalName: string | null;
  deleted: boolean;
  records: DataRecordView[];
}

export interface DeletionPreview {
  userId: string;
  userPrincipalName: string;
  seatsFreed: number;
  deletedAt: Date;
  permanentDeletionAt: Date;
  data: DataRecordView[];
}

export interface NewDataHold {
  kind: DataHold['kind'];
  userId?: string;
  dataClasses: readonly DataLifecycleClass[];
  name: string;
}

const holdAudit = (activity: 'Add' | 'Remove', hold: DataHold, userPrincipalName: string | null, tenantId: string): AuditEntry => {
  const snapshot = { holdId: hold.holdId, kind: hold.kind, userId: hold.userId, dataClasses: hold.dataClasses, name: hold.name };
  const changes = [{ property: 'DataHold', before: activity === 'Add' ? null : snapshot, after: activity === 'Add' ? snapshot : null }];
  return hold.kind === 'litigationHold'
    ? { category: 'UserManagement', activity: `${activity} litigation hold`, target: { type: 'User', id: hold.userId, name: userPrincipalName }, changes }
    : { category: 'DirectoryManagement', activity: `${activity} retention policy`, target: { type: 'Tenant', id: tenantId, name: hold.name }, changes };
};

/** Keyset paging over (user, class), carried as an opaque token. */
const encodeCursor = (record: { userId: string; dataClass: string }): string => Buffer.from(JSON.stringify([record.userId, record.dataClass])).toString('base64url');

function decodeCursor(token: string): { userId: string; dataClass: string } {
  try {
    const [userId, dataClass] = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as unknown[];
    if (typeof userId === 'string' && /^[0-9a-f-]{36}$/.test(userId) && typeof dataClass === 'string') {
      return { userId, dataClass };
    }
  } catch {
    // falls through to the refusal
  }
  throw invalidRequest('The skiptoken is not one this API returned. Start again without it.');
}

/** Holds, the users' data records, and what a deletion would do to them. */
export function createDataLifecycleService(deps: ServiceDeps, users: Pick<UserService, 'deleteUser'>) {
  /** A record with the holds that apply and, for a grace, what follows it. */
  const presentOne = <R extends DataRecord>(record: R, holds: readonly DataHold[], catalogue: Catalogue, userDeleted: boolean): R & Omit<DataRecordView, keyof DataRecord> => {
    const covering = holdsCovering(holds, record.userId, record.dataClass);
    const sku = record.lastSkuId === null ? undefined : catalogue.findSku(record.lastSkuId);
    const afterGrace =
      record.state === 'Grace' && record.graceUntil !== null
        ? (settleDataRecord(record, { holdApplies: covering.length > 0, userDeleted, lastSkuEnterprise: sku !== undefined && isEnterpriseSku(sku) }, record.graceUntil) ?? null)
        : null;
    return { ...record, searchable: isSearchable(record.state), holds: covering, afterGrace };
  };
  const present = (records: readonly DataRecord[], holds: readonly DataHold[], catalogue: Catalogue, userDeleted: boolean): DataRecordView[] =>
    records.map((record) => presentOne(record, holds, catalogue, userDeleted));

  return {
    /** Every hold, litigation holds with their user's name. */
    async listHolds(context: RequestContext): Promise<DataHoldListing[]> {
      return tenantRepositories(deps.db, context).dataHolds.list();
    },

    /** A litigation hold on one user (active or deleted) or a retention policy for the whole tenant. */
    async createHold(context: RequestContext, input: NewDataHold): Promise<DataHold> {
      return inTenantTransaction(deps.db, context, async (repos) => {
        const authorized = requireAllowed(context, { action: 'data.manage' });
        let userPrincipalName: string | null = null;
        if (input.kind === 'litigationHold') {
          const userId = input.userId ?? '';
          const user = (await repos.users.findActive(userId)) ?? (await repos.users.findDeleted(userId));
          if (user === undefined && (await repos.userData.listForUser(userId)).length === 0) {
            throw notFound(userId);
          }
          userPrincipalName = user?.userPrincipalName ?? null;
        } else if (input.userId !== undefined) {
          throw invalidRequest('A retention policy covers the whole tenant: leave userId out, or use kind "litigationHold" for one user.');
        }
        const at = deps.clock.now();
        const hold: DataHold = {
          holdId: deps.ids(),
          kind: input.kind,
          userId: input.kind === 'litigationHold' ? (input.userId ?? null) : null,
          dataClasses: holdDataClasses(input.dataClasses),
          name: input.name.trim(),
          createdAt: at,
        };
        await repos.dataHolds.insert(hold);
        await repos.audit.record(authorized, [holdAudit('Add', hold, userPrincipalName, context.tenantId)], at, deps.ids);
        return hold;
      });
    },

    /** Removes a hold; records it kept past their grace are purged by the next job tick. */
    async deleteHold(context: RequestContext, holdId: string): Promise<void> {
      await inTenantTransaction(deps.db, context, async (repos) => {
        const authorized = requireAllowed(context, { action: 'data.manage' });
        const hold = await repos.dataHolds.find(holdId);
        if (hold === undefined) {
          throw new AppError('notFound', `Hold '${holdId}' does not exist.`);
        }
        const user = hold.userId === null ? undefined : ((await repos.users.findActive(hold.userId)) ?? (await repos.users.findDeleted(hold.userId)));
        await repos.dataHolds.delete(holdId);
        await repos.audit.record(authorized, [holdAudit('Remove', hold, user?.userPrincipalName ?? null, context.tenantId)], deps.clock.now(), deps.ids);
      });
    },

    /** A user's data records (also of a deleted user, or of one purged whose data is retained). */
    async getUserData(context: RequestContext, userKey: string): Promise<UserDataView> {
      const repos = tenantRepositories(deps.db, context);
      const active = await repos.users.findActive(userKey);
      const user = active ?? (isGuid(userKey) ? await repos.users.findDeleted(userKey) : undefined);
      if (user === undefined && !isGuid(userKey)) {
        throw notFound(userKey);
      }
      const userId = user?.userId ?? userKey.toLowerCase();
      const stored = await repos.userData.listForUser(userId);
      if (user === undefined && stored.length === 0) {
        throw notFound(userKey);
      }
      const [holds, catalogue] = await Promise.all([repos.dataHolds.listForUser(userId), loadTenantCatalogue(deps.microsoftCatalogue, repos)]);
      const records = active === undefined ? stored.filter((record) => record.state !== 'Licensed') : await withHeldClasses(repos, catalogue, userId, stored, deps.clock.now());
      return { userId, userPrincipalName: user?.userPrincipalName ?? null, deleted: active === undefined, records: present(records, holds, catalogue, active === undefined) };
    },

    /**
     * Records of a state (e.g. Grace, with their dates), paged by user; a held class has none. Each
     * carries the holds that keep it and, for a grace, what its end leads to (purge or retention).
     */
    async listRecords(context: RequestContext, query: { state?: Exclude<DataState, 'Licensed'>; top: number; skipToken?: string }) {
      const repos = tenantRepositories(deps.db, context);
      const after = query.skipToken === undefined ? undefined : decodeCursor(query.skipToken);
      const [rows, holds, catalogue] = await Promise.all([
        repos.userData.list({ ...(query.state === undefined ? {} : { state: query.state }), ...(after === undefined ? {} : { after }), limit: query.top + 1 }),
        repos.dataHolds.list(),
        loadTenantCatalogue(deps.microsoftCatalogue, repos),
      ]);
      const page = rows.slice(0, query.top);
      const last = page.at(-1);
      return {
        records: page.map((row) => presentOne(row, holds, catalogue, row.userDeleted)),
        nextSkipToken: rows.length > query.top && last !== undefined ? encodeCursor(last) : null,
      };
    },

    /**
     * What deleting the user would do, from the real deletion rolled back: seats freed, and per
     * data class its state and dates (the grace that starts, and what its end leads to).
     */
    async previewDeletion(context: RequestContext, userKey: string): Promise<DeletionPreview> {
      return inRolledBackTransaction(deps.db, context, async (repos, trx) => {
        const user = orNotFound(await repos.users.findActive(userKey), userKey);
        const seatsBefore = (await repos.assignments.listSeats([user.userId])).length;
        const deletedAt = deps.clock.now();
        await users.deleteUser(context, user.userId, { repos, trx });
        const records = await repos.userData.listForUser(user.userId);
        const holds = await repos.dataHolds.listForUser(user.userId);
        const catalogue = await loadTenantCatalogue(deps.microsoftCatalogue, repos);
        return {
          userId: user.userId,
          userPrincipalName: user.userPrincipalName,
          seatsFreed: seatsBefore - (await repos.assignments.listSeats([user.userId])).length,
          deletedAt,
          permanentDeletionAt: new Date(deletedAt.getTime() + SOFT_DELETE_RETENTION_DAYS * DAY_MS),
          data: present(records, holds, catalogue, true),
        };
      });
    },
  };
}

export type DataLifecycleService = ReturnType<typeof createDataLifecycleService>;
