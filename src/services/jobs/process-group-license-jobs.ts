import type { ServiceDeps } from '../deps.js';
import { fillWaitlist, reapplyGroupLicensing } from '../group-reapply.js';
import type { Job } from './job-runner.js';

/**
 * Works the licensing of groups too large for one request, chunk by chunk in membership order
 * (earliest members first, so short seats go as they would inline). Each chunk is one transaction
 * that applies its members and moves the job's cursor together: a process killed mid-chunk rolls
 * that chunk back and the next tick resumes after the last committed one. The final chunk also
 * re-evaluates users who carry the group's rows without being members any more, and completes the
 * job with Entra's "Finish applying group based license to users" counts.
 */
export const processGroupLicenseJobs = (deps: ServiceDeps): Job => ({
  name: 'processGroupLicenseJobs',
  async run(ctx) {
    const open = await ctx.repos.groupLicensing.openJobs();
    if (!ctx.apply) {
      ctx.affect(open.length, open.map((job) => job.groupId));
      return;
    }
    for (const { jobId } of open) {
      for (;;) {
        const finished = await ctx.transaction(async (repos, trx) => {
          const job = await repos.groupLicensing.lockJob(jobId);
          if (job === undefined || job.state === 'ProcessingComplete') {
            return true;
          }
          const [group] = await repos.groupLicensing.lockGroups([job.groupId], 'update');
          if (group === undefined) {
            return true;
          }
          const members = await repos.groupLicensing.userMembersInOrder(job.groupId, { ...(job.cursor === undefined ? {} : { after: job.cursor }), limit: ctx.chunkSize });
          const last = members.at(-1);
          const isLast = members.length < ctx.chunkSize;
          const memberIds = members.map((member) => member.userId);
          // Users carrying the group's rows without being members (left the group, or deleted and back).
          const allMembers = isLast ? new Set(await repos.groupLicensing.userMemberIds(job.groupId)) : new Set<string>();
          const leftovers = isLast ? (await repos.groupLicensing.usersWithRowsOf(job.groupId)).filter((userId) => !allMembers.has(userId)) : [];
          const { plan } = await reapplyGroupLicensing(deps, repos, trx, [...memberIds, ...leftovers]);
          await fillWaitlist(deps, repos, trx, ctx.context, plan.seatsFreed.map((seat) => seat.skuId));
          const outcomes = plan.outcomes.filter((outcome) => outcome.groupId === job.groupId);
          const failed = job.failed + outcomes.filter((outcome) => !outcome.succeeded).length;
          const succeeded = job.succeeded + outcomes.filter((outcome) => outcome.succeeded).length;
          const processed = job.processed + members.length;
          await repos.groupLicensing.advanceJob(
            jobId,
            { state: isLast ? 'ProcessingComplete' : 'ProcessingInProgress', processed, succeeded, failed, ...(last === undefined ? {} : { cursor: { addedAt: last.addedAt, memberId: last.userId } }) },
            ctx.now,
          );
          await repos.groupLicensing.setProcessingState(job.groupId, isLast ? 'ProcessingComplete' : 'ProcessingInProgress');
          if (isLast) {
            await repos.audit.record(
              ctx.context,
              [
                {
                  category: 'GroupManagement',
                  activity: 'Finish applying group based license to users',
                  target: { type: 'Group', id: job.groupId, name: group.displayName },
                  changes: [],
                  details: { summary: `[Users successfully assigned licenses: ${succeeded}, Users for whom license assignment failed: ${failed}.]`, succeeded, failed, processed },
                },
              ],
              ctx.now,
              ctx.ids,
            );
          }
          ctx.affect(members.length);
          return isLast;
        });
        if (finished) {
          break;
        }
      }
    }
  },
});
