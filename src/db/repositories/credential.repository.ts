import { sql, type Kysely } from 'kysely';
import type { Database } from '../schema.js';

/** A user's password credential (argon2id PHC string). */
export interface UserCredential {
  passwordHash: string;
  /** The password was set by someone else (or generated): change it at the next sign-in. */
  mustChange: boolean;
  changedAt: Date;
}

/** What sign-in needs to know of the account a user principal name names. */
export interface SignInCandidate {
  userId: string;
  userPrincipalName: string;
  displayName: string;
  accountEnabled: boolean;
  credential: UserCredential | undefined;
  roleIds: string[];
}

/** Password credentials of a tenant's users. Hashes leave this file only through `find*`. */
export function createCredentialRepository(db: Kysely<Database>, tenantId: string) {
  return {
    async find(userId: string): Promise<UserCredential | undefined> {
      const row = await db
        .selectFrom('user_credential')
        .select(['password_hash', 'must_change', 'changed_at'])
        .where('tenant_id', '=', tenantId)
        .where('user_id', '=', userId)
        .executeTakeFirst();
      return row && { passwordHash: row.password_hash, mustChange: row.must_change, changedAt: new Date(row.changed_at) };
    },

    /**
     * The active user with this user principal name (case-insensitive), with its credential and
     * role template ids, in one statement.
     */
    async findForSignIn(userPrincipalName: string): Promise<SignInCandidate | undefined> {
      const row = await db
        .selectFrom('directory_user as u')
        .leftJoin('user_credential as c', (join) => join.onRef('c.tenant_id', '=', 'u.tenant_id').onRef('c.user_id', '=', 'u.user_id'))
        .select([
          'u.user_id',
          'u.user_principal_name',
          'u.display_name',
          'u.account_enabled',
          'c.password_hash',
          'c.must_change',
          'c.changed_at',
          sql<string[]>`coalesce((SELECT array_agg(r.role_id::text ORDER BY r.role_id) FROM role_assignment r WHERE r.tenant_id = u.tenant_id AND r.user_id = u.user_id), '{}')`.as('role_ids'),
        ])
        .where('u.tenant_id', '=', tenantId)
        .where('u.deleted_at', 'is', null)
        .where(sql`lower(u.user_principal_name)`, '=', userPrincipalName.toLowerCase())
        .executeTakeFirst();
      if (!row) {
        return undefined;
      }
      return {
        userId: row.user_id,
        userPrincipalName: row.user_principal_name,
        displayName: row.display_name,
        accountEnabled: row.account_enabled,
        credential:
          row.password_hash === null || row.must_change === null || row.changed_at === null
            ? undefined
            : { passwordHash: row.password_hash, mustChange: row.must_change, changedAt: new Date(row.changed_at) },
        roleIds: row.role_ids,
      };
    },

    async upsert(userId: string, credential: UserCredential): Promise<void> {
      await db
        .insertInto('user_credential')
        .values({ tenant_id: tenantId, user_id: userId, password_hash: credential.passwordHash, must_change: credential.mustChange, changed_at: credential.changedAt })
        .onConflict((oc) =>
          oc.columns(['tenant_id', 'user_id']).doUpdateSet({ password_hash: credential.passwordHash, must_change: credential.mustChange, changed_at: credential.changedAt }),
        )
        .execute();
    },

    /** Removes the credential; false when the user had none. */
    async delete(userId: string): Promise<boolean> {
      const result = await db.deleteFrom('user_credential').where('tenant_id', '=', tenantId).where('user_id', '=', userId).executeTakeFirst();
      return Number(result.numDeletedRows) > 0;
    },
  };
}

export type CredentialRepository = ReturnType<typeof createCredentialRepository>;
