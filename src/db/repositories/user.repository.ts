import { sql, type Kysely, type Selectable } from 'kysely';
import { roleNameOf, type RoleName } from '../../domain/authorization.js';
import { isGuid } from '../../domain/ids.js';
import type { DirectoryUser, UserProperties } from '../../domain/user.js';
import type { Database, DirectoryUserTable } from '../schema.js';
import { anyUuid } from '../any-uuid.js';

const userColumns = [
  'user_id',
  'user_principal_name',
  'display_name',
  'mail',
  'mail_nickname',
  'given_name',
  'surname',
  'job_title',
  'department',
  'user_type',
  'account_enabled',
  'usage_location',
  'creation_type',
  'external_user_state',
  'external_user_state_changed_at',
  'created_at',
  'deleted_at',
  'license_version',
] as const;

/** A user as a license change's authorization sees it. */
export type LicenseTarget = Pick<DirectoryUser, 'userId' | 'userPrincipalName' | 'userType'>;

type UserRow = Pick<Selectable<DirectoryUserTable>, (typeof userColumns)[number]>;

export const toDirectoryUser = (row: UserRow): DirectoryUser => ({
  userId: row.user_id,
  userPrincipalName: row.user_principal_name,
  displayName: row.display_name,
  mail: row.mail,
  mailNickname: row.mail_nickname,
  givenName: row.given_name,
  surname: row.surname,
  jobTitle: row.job_title,
  department: row.department,
  userType: row.user_type,
  accountEnabled: row.account_enabled,
  usageLocation: row.usage_location,
  creationType: row.creation_type,
  externalUserState: row.external_user_state,
  externalUserStateChangedAt: row.external_user_state_changed_at === null ? null : new Date(row.external_user_state_changed_at),
  createdAt: new Date(row.created_at),
  deletedAt: row.deleted_at === null ? null : new Date(row.deleted_at),
  licenseVersion: row.license_version,
});

const toColumns = (properties: Partial<UserProperties>) => ({
  ...(properties.userPrincipalName === undefined ? {} : { user_principal_name: properties.userPrincipalName }),
  ...(properties.displayName === undefined ? {} : { display_name: properties.displayName }),
  ...(properties.mail === undefined ? {} : { mail: properties.mail }),
  ...(properties.mailNickname === undefined ? {} : { mail_nickname: properties.mailNickname }),
  ...(properties.givenName === undefined ? {} : { given_name: properties.givenName }),
  ...(properties.surname === undefined ? {} : { surname: properties.surname }),
  ...(properties.jobTitle === undefined ? {} : { job_title: properties.jobTitle }),
  ...(properties.department === undefined ? {} : { department: properties.department }),
  ...(properties.userType === undefined ? {} : { user_type: properties.userType }),
  ...(properties.accountEnabled === undefined ? {} : { account_enabled: properties.accountEnabled }),
  ...(properties.usageLocation === undefined ? {} : { usage_location: properties.usageLocation }),
});

export function createUserRepository(db: Kysely<Database>, tenantId: string) {
  const users = () => db.selectFrom('directory_user').select(userColumns).where('tenant_id', '=', tenantId);
  return {
    /** An active (not soft-deleted) user by object id or userPrincipalName (case-insensitive). */
    async findActive(idOrUpn: string): Promise<DirectoryUser | undefined> {
      const row = await users()
        .where('deleted_at', 'is', null)
        .where((eb) =>
          isGuid(idOrUpn) ? eb('user_id', '=', idOrUpn) : eb(sql`lower(user_principal_name)`, '=', idOrUpn.toLowerCase()),
        )
        .executeTakeFirst();
      return row && toDirectoryUser(row);
    },

    async findDeleted(userId: string): Promise<DirectoryUser | undefined> {
      const row = await users().where('deleted_at', 'is not', null).where('user_id', '=', userId).executeTakeFirst();
      return row && toDirectoryUser(row);
    },

    /** Locks soft-deleted users' rows in id order (restore against the purge job). */
    async lockDeletedMany(userIds: readonly string[]): Promise<DirectoryUser[]> {
      if (userIds.length === 0) {
        return [];
      }
      const rows = await users().where('deleted_at', 'is not', null).where('user_id', '=', anyUuid(userIds)).orderBy('user_id').forUpdate().execute();
      return rows.map(toDirectoryUser);
    },

    /** Locks an active user's row for a license change (after the SKU locks: see sku_seat). */
    async lockActive(userId: string): Promise<DirectoryUser | undefined> {
      const row = await users().where('deleted_at', 'is', null).where('user_id', '=', userId).forUpdate().executeTakeFirst();
      return row && toDirectoryUser(row);
    },

    async lockActiveMany(userIds: readonly string[]): Promise<DirectoryUser[]> {
      if (userIds.length === 0) {
        return [];
      }
      const rows = await users()
        .where('deleted_at', 'is', null)
        .where('user_id', '=', anyUuid(userIds))
        .orderBy('user_id')
        .forUpdate()
        .execute();
      return rows.map(toDirectoryUser);
    },

    /** What a license change's authorization reads of its targets (a narrow read for a large group). */
    async findActiveLicenseTargets(userIds: readonly string[]): Promise<LicenseTarget[]> {
      if (userIds.length === 0) {
        return [];
      }
      const rows = await db
        .selectFrom('directory_user')
        .select(['user_id', 'user_principal_name', 'user_type'])
        .where('tenant_id', '=', tenantId)
        .where('deleted_at', 'is', null)
        .where('user_id', '=', anyUuid(userIds))
        .execute();
      return rows.map((row) => ({ userId: row.user_id, userPrincipalName: row.user_principal_name, userType: row.user_type }));
    },

    /** Every active user of the tenant (a membership rule is evaluated over all of them). */
    async listActive(): Promise<DirectoryUser[]> {
      return (await users().where('deleted_at', 'is', null).orderBy('user_id').execute()).map(toDirectoryUser);
    },

    async findActiveMany(userIds: readonly string[]): Promise<DirectoryUser[]> {
      if (userIds.length === 0) {
        return [];
      }
      const rows = await users().where('deleted_at', 'is', null).where('user_id', '=', anyUuid(userIds)).execute();
      return rows.map(toDirectoryUser);
    },

    /** An active user whose mail or userPrincipalName is `address` (case-insensitive): who an invitation would collide with. */
    async findActiveByAddress(address: string): Promise<DirectoryUser | undefined> {
      const lower = address.toLowerCase();
      const row = await users()
        .where('deleted_at', 'is', null)
        .where((eb) => eb.or([eb(sql`lower(mail)`, '=', lower), eb(sql`lower(user_principal_name)`, '=', lower)]))
        .orderBy('created_at')
        .executeTakeFirst();
      return row && toDirectoryUser(row);
    },

    async isUpnTaken(userPrincipalName: string, exceptUserId?: string): Promise<boolean> {
      let query = db
        .selectFrom('directory_user')
        .select('user_id')
        .where('tenant_id', '=', tenantId)
        .where('deleted_at', 'is', null)
        .where(sql`lower(user_principal_name)`, '=', userPrincipalName.toLowerCase());
      if (exceptUserId !== undefined) {
        query = query.where('user_id', '!=', exceptUserId);
      }
      return (await query.executeTakeFirst()) !== undefined;
    },

    async insert(
      userId: string,
      properties: UserProperties,
      extra: { createdAt: Date; creationType?: string | null; externalUserState?: string | null; externalUserStateChangedAt?: Date | null },
    ): Promise<DirectoryUser> {
      const row = await db
        .insertInto('directory_user')
        .values({
          tenant_id: tenantId,
          user_id: userId,
          user_principal_name: properties.userPrincipalName,
          display_name: properties.displayName,
          mail: properties.mail,
          mail_nickname: properties.mailNickname,
          given_name: properties.givenName,
          surname: properties.surname,
          job_title: properties.jobTitle,
          department: properties.department,
          user_type: properties.userType,
          account_enabled: properties.accountEnabled,
          usage_location: properties.usageLocation,
          creation_type: extra.creationType ?? null,
          external_user_state: extra.externalUserState ?? null,
          external_user_state_changed_at: extra.externalUserStateChangedAt ?? null,
          created_at: extra.createdAt,
          deleted_at: null,
        })
        .returning(userColumns)
        .executeTakeFirstOrThrow();
      return toDirectoryUser(row);
    },

    async update(userId: string, properties: Partial<UserProperties>): Promise<void> {
      const columns = toColumns(properties);
      if (Object.keys(columns).length === 0) {
        return;
      }
      await db.updateTable('directory_user').set(columns).where('tenant_id', '=', tenantId).where('user_id', '=', userId).execute();
    },

    /** An invited user's redemption state (PendingAcceptance, Accepted) and when it changed. */
    async setExternalUserState(userId: string, state: string, at: Date): Promise<void> {
      await db
        .updateTable('directory_user')
        .set({ external_user_state: state, external_user_state_changed_at: at })
        .where('tenant_id', '=', tenantId)
        .where('user_id', '=', userId)
        .execute();
    },

    /**
     * The directory roles each user holds (users without one are absent), for the target-level
     * rules of the permission table. Role ids Allot does not know are left out.
     */
    async rolesOf(userIds: readonly string[]): Promise<Map<string, RoleName[]>> {
      const roles = new Map<string, RoleName[]>();
      if (userIds.length === 0) {
        return roles;
      }
      const rows = await db
        .selectFrom('role_assignment')
        .select(['user_id', 'role_id'])
        .where('tenant_id', '=', tenantId)
        .where('user_id', '=', anyUuid(userIds))
        .execute();
      for (const row of rows) {
        const name = roleNameOf(row.role_id);
        if (name !== undefined) {
          roles.set(row.user_id, [...(roles.get(row.user_id) ?? []), name]);
        }
      }
      return roles;
    },

    async bumpLicenseVersion(userIds: readonly string[]): Promise<void> {
      if (userIds.length === 0) {
        return;
      }
      await db
        .updateTable('directory_user')
        .set((eb) => ({ license_version: eb('license_version', '+', 1) }))
        .where('tenant_id', '=', tenantId)
        .where('user_id', '=', anyUuid(userIds))
        .execute();
    },

    async setDeletedAt(userId: string, deletedAt: Date | null): Promise<void> {
      await db.updateTable('directory_user').set({ deleted_at: deletedAt }).where('tenant_id', '=', tenantId).where('user_id', '=', userId).execute();
    },

    async listDeleted(): Promise<DirectoryUser[]> {
      const rows = await users().where('deleted_at', 'is not', null).orderBy('deleted_at', 'desc').execute();
      return rows.map(toDirectoryUser);
    },

    /** Removes a user for good; its assignments and seats go with it (FK cascade). */
    async purge(userId: string): Promise<void> {
      await db.deleteFrom('directory_user').where('tenant_id', '=', tenantId).where('user_id', '=', userId).execute();
    },

    /** Soft-deleted users whose retention ended before `cutoff`. */
    async listExpiredDeleted(cutoff: Date, limit: number): Promise<DirectoryUser[]> {
      const rows = await users().where('deleted_at', '<', cutoff).orderBy('deleted_at').limit(limit).execute();
      return rows.map(toDirectoryUser);
    },

    /**
     * Locks up to `limit` users whose retention ended before `cutoff`. FOR UPDATE re-checks the
     * condition after waiting, so a user restored meanwhile is not returned.
     */
    async lockExpiredDeleted(cutoff: Date, limit: number): Promise<DirectoryUser[]> {
      const rows = await users().where('deleted_at', '<', cutoff).orderBy('deleted_at').orderBy('user_id').limit(limit).forUpdate().execute();
      return rows.map(toDirectoryUser);
    },

    async purgeMany(userIds: readonly string[]): Promise<void> {
      if (userIds.length === 0) {
        return;
      }
      await db.deleteFrom('directory_user').where('tenant_id', '=', tenantId).where('user_id', '=', anyUuid(userIds)).execute();
    },
  };
}

export type UserRepository = ReturnType<typeof createUserRepository>;
export type { UserRow };
