import { maintainAuditPartitions } from './audit-partitions.js';
import { expireIdempotencyKeys } from './expire-idempotency-keys.js';
import { expireSignInSessions } from './expire-sign-in-sessions.js';
import type { DeploymentJob, Job } from './job-runner.js';
import { purgeDeletedUsers } from './purge-deleted-users.js';

/** The jobs every deployment runs (the lifecycle issue adds its own here). */
export const defaultJobs: readonly Job[] = [purgeDeletedUsers, expireIdempotencyKeys, expireSignInSessions];

/** The deployment-wide jobs (once per tick, before the tenant jobs), given the settings they follow. */
export const deploymentJobs = (settings: { auditRetentionMonths: number }): readonly DeploymentJob[] => [maintainAuditPartitions(settings.auditRetentionMonths)];
