import { expireIdempotencyKeys } from './expire-idempotency-keys.js';
import type { Job } from './job-runner.js';
import { purgeDeletedUsers } from './purge-deleted-users.js';

/** The jobs every deployment runs (the lifecycle issue adds its own here). */
export const defaultJobs: readonly Job[] = [purgeDeletedUsers, expireIdempotencyKeys];
