import type { AuditEntry } from '../../domain/audit.js';
import { DAY_MS } from '../../domain/clock.js';
import { SOFT_DELETE_RETENTION_DAYS } from '../../domain/user.js';
import type { Job } from './job-runner.js';

/**
 * Permanently deletes users soft-deleted more than SOFT_DELETE_RETENTION_DAYS before `now`, one
 * chunk per transaction, with a "Hard delete user" audit entry each (actor: the system principal).
 * Their seats were freed at the soft delete; assignments go with the row (FK cascade), group
 * memberships are deleted with them.
 */
export const purgeDeletedUsers: Job = {
  name: 'purgeDeletedUsers',
  async run(ctx) {
    const cutoff = new Date(ctx.now.getTime() - SOFT_DELETE_RETENTION_DAYS * DAY_MS);
    if (!ctx.apply) {
      const due = (await ctx.repos.users.listDeleted()).filter((user) => user.deletedAt !== null && user.deletedAt.getTime() < cutoff.getTime());
      ctx.affect(
        due.length,
        due.map((user) => user.userPrincipalName),
      );
      return;
    }
    for (;;) {
      const chunk = await ctx.transaction(async (repos) => {
        // Locked and re-checked, so a restore committed after the listing is never purged.
        const purged = await repos.users.lockExpiredDeleted(cutoff, ctx.chunkSize);
        // group_member.member_id has no FK: memberships go explicitly (a soft delete keeps them).
        await repos.groups.removeMemberships(purged.map((user) => user.userId));
        await repos.users.purgeMany(purged.map((user) => user.userId));
        const entries: AuditEntry[] = purged.map((user) => ({
          category: 'UserManagement',
          activity: 'Hard delete user',
          target: { type: 'User', id: user.userId, name: user.userPrincipalName },
          changes: [],
          details: { reason: 'retentionExpired', deletedDateTime: user.deletedAt?.toISOString() ?? null, retentionDays: SOFT_DELETE_RETENTION_DAYS },
        }));
        await repos.audit.record(ctx.context, entries, ctx.clock.now(), ctx.ids);
        return { listed: purged.length, purged };
      });
      ctx.affect(
        chunk.purged.length,
        chunk.purged.map((user) => user.userPrincipalName),
      );
      if (chunk.listed < ctx.chunkSize) {
        return;
      }
    }
  },
};
