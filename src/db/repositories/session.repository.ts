import { sql, type Kysely } from 'kysely';
import type { Database } from '../schema.js';

/** A web sign-in session. The secret is stored only as its SHA-256. */
export interface SignInSession {
  sessionId: string;
  userId: string;
  secretHash: string;
  csrfToken: string;
  createdAt: Date;
  lastSeenAt: Date;
  expiresAt: Date;
  clientAddress: string | null;
}

/** A session with what authenticating a request needs of its user, read in one statement. */
export interface SessionWithUser extends SignInSession {
  userPrincipalName: string;
  displayName: string;
  /** Active (not soft-deleted) and enabled. */
  canSignIn: boolean;
  /** undefined: the user has no password credential any more. */
  mustChangePassword: boolean | undefined;
  roleIds: string[];
}

export function createSessionRepository(db: Kysely<Database>, tenantId: string) {
  return {
    async insert(session: SignInSession): Promise<void> {
      await db
        .insertInto('sign_in_session')
        .values({
          tenant_id: tenantId,
          session_id: session.sessionId,
          user_id: session.userId,
          secret_hash: session.secretHash,
          csrf_token: session.csrfToken,
          created_at: session.createdAt,
          last_seen_at: session.lastSeenAt,
          expires_at: session.expiresAt,
          client_address: session.clientAddress,
        })
        .execute();
    },

    async findWithUser(sessionId: string): Promise<SessionWithUser | undefined> {
      const row = await db
        .selectFrom('sign_in_session as s')
        .innerJoin('directory_user as u', (join) => join.onRef('u.tenant_id', '=', 's.tenant_id').onRef('u.user_id', '=', 's.user_id'))
        .leftJoin('user_credential as c', (join) => join.onRef('c.tenant_id', '=', 's.tenant_id').onRef('c.user_id', '=', 's.user_id'))
        .select([
          's.session_id',
          's.user_id',
          's.secret_hash',
          's.csrf_token',
          's.created_at',
          's.last_seen_at',
          's.expires_at',
          's.client_address',
          'u.user_principal_name',
          'u.display_name',
          'u.account_enabled',
          'u.deleted_at',
          'c.must_change',
          sql<string[]>`coalesce((SELECT array_agg(r.role_id::text ORDER BY r.role_id) FROM role_assignment r WHERE r.tenant_id = s.tenant_id AND r.user_id = s.user_id), '{}')`.as('role_ids'),
        ])
        .where('s.tenant_id', '=', tenantId)
        .where('s.session_id', '=', sessionId)
        .executeTakeFirst();
      if (!row) {
        return undefined;
      }
      return {
        sessionId: row.session_id,
        userId: row.user_id,
        secretHash: row.secret_hash,
        csrfToken: row.csrf_token,
        createdAt: new Date(row.created_at),
        lastSeenAt: new Date(row.last_seen_at),
        expiresAt: new Date(row.expires_at),
        clientAddress: row.client_address,
        userPrincipalName: row.user_principal_name,
        displayName: row.display_name,
        canSignIn: row.account_enabled && row.deleted_at === null,
        mustChangePassword: row.must_change ?? undefined,
        roleIds: row.role_ids,
      };
    },

    async touch(sessionId: string, at: Date): Promise<void> {
      await db.updateTable('sign_in_session').set({ last_seen_at: at }).where('tenant_id', '=', tenantId).where('session_id', '=', sessionId).execute();
    },

    async delete(sessionId: string): Promise<void> {
      await db.deleteFrom('sign_in_session').where('tenant_id', '=', tenantId).where('session_id', '=', sessionId).execute();
    },

    /** Ends a user's sessions, except `keepSessionId` (the one changing its own password). */
    async deleteForUser(userId: string, keepSessionId?: string): Promise<number> {
      let query = db.deleteFrom('sign_in_session').where('tenant_id', '=', tenantId).where('user_id', '=', userId);
      if (keepSessionId !== undefined) {
        query = query.where('session_id', '!=', keepSessionId);
      }
      const result = await query.executeTakeFirst();
      return Number(result.numDeletedRows);
    },

    /** Sessions past their absolute lifetime or idle since before `idleSince`. */
    async deleteExpired(now: Date, idleSince: Date): Promise<number> {
      const result = await db
        .deleteFrom('sign_in_session')
        .where('tenant_id', '=', tenantId)
        .where((eb) => eb.or([eb('expires_at', '<=', now), eb('last_seen_at', '<', idleSince)]))
        .executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}

export type SessionRepository = ReturnType<typeof createSessionRepository>;
