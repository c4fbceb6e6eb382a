import { sql, type Kysely } from 'kysely';
import type { Database } from '../schema.js';

export interface Invitation {
  invitationId: string;
  userId: string;
  invitedEmail: string;
  redirectUrl: string;
  /** SHA-256 (hex) of the redeem secret; the secret itself is never stored. */
  redeemSecretHash: string;
  status: 'PendingAcceptance' | 'Completed';
  createdAt: Date;
  redeemedAt: Date | null;
}

/** Advisory-lock class of invitation addresses (two-key form: a key space apart from the jobs' bigint keys). */
const ADDRESS_LOCK_CLASS = 7301;

/** Guest invitations and their redeem secrets' hashes. */
export function createInvitationRepository(db: Kysely<Database>, tenantId: string) {
  return {
    /**
     * Serialises invitations of one address in this tenant until the transaction ends, so two
     * concurrent invites of the same address find each other's guest instead of racing to insert.
     */
    async lockAddress(address: string): Promise<void> {
      await sql`SELECT pg_advisory_xact_lock(${sql.lit(ADDRESS_LOCK_CLASS)}, hashtext(${`${tenantId}:${address.toLowerCase()}`}))`.execute(db);
    },

    async insert(invitation: Omit<Invitation, 'status' | 'redeemedAt'>): Promise<void> {
      await db
        .insertInto('invitation')
        .values({
          tenant_id: tenantId,
          invitation_id: invitation.invitationId,
          user_id: invitation.userId,
          invited_email: invitation.invitedEmail,
          redirect_url: invitation.redirectUrl,
          redeem_secret_hash: invitation.redeemSecretHash,
          status: 'PendingAcceptance',
          created_at: invitation.createdAt,
          redeemed_at: null,
        })
        .execute();
    },

    /** Locks an invitation for its redemption. */
    async lock(invitationId: string): Promise<Invitation | undefined> {
      const row = await db
        .selectFrom('invitation')
        .select(['invitation_id', 'user_id', 'invited_email', 'redirect_url', 'redeem_secret_hash', 'status', 'created_at', 'redeemed_at'])
        .where('tenant_id', '=', tenantId)
        .where('invitation_id', '=', invitationId)
        .forUpdate()
        .executeTakeFirst();
      return (
        row && {
          invitationId: row.invitation_id,
          userId: row.user_id,
          invitedEmail: row.invited_email,
          redirectUrl: row.redirect_url,
          redeemSecretHash: row.redeem_secret_hash,
          status: row.status,
          createdAt: new Date(row.created_at),
          redeemedAt: row.redeemed_at === null ? null : new Date(row.redeemed_at),
        }
      );
    },

    /** Completes every pending invitation of a user (one redemption settles the links sent before it). */
    async completeForUser(userId: string, at: Date): Promise<void> {
      await db
        .updateTable('invitation')
        .set({ status: 'Completed', redeemed_at: at })
        .where('tenant_id', '=', tenantId)
        .where('user_id', '=', userId)
        .where('status', '=', 'PendingAcceptance')
        .execute();
    },
  };
}

export type InvitationRepository = ReturnType<typeof createInvitationRepository>;
