import { SESSION_IDLE_TIMEOUT_MS } from '../session.service.js';
import type { Job } from './job-runner.js';

/** Deletes sign-in sessions past their 12 hours or idle for an hour (authentication refuses them already). */
export const expireSignInSessions: Job = {
  name: 'expireSignInSessions',
  async run(ctx) {
    if (!ctx.apply) {
      return;
    }
    const removed = await ctx.transaction((repos) => repos.sessions.deleteExpired(ctx.now, new Date(ctx.now.getTime() - SESSION_IDLE_TIMEOUT_MS)));
    ctx.affect(removed);
  },
};
