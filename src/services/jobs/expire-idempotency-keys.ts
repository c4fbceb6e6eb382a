import type { Job } from './job-runner.js';

/** Forgets Idempotency-Key answers older than their 24 hours (a retry after that runs anew). */
export const expireIdempotencyKeys: Job = {
  name: 'expireIdempotencyKeys',
  async run(ctx) {
    if (!ctx.apply) {
      return;
    }
    const removed = await ctx.transaction((repos) => repos.idempotency.deleteExpired(ctx.now));
    ctx.affect(removed);
  },
};
