import { maintainAuditPartitions } from './audit-partitions.js';
import { expireIdempotencyKeys } from './expire-idempotency-keys.js';
import { expireSignInSessions } from './expire-sign-in-sessions.js';
import type { DeploymentJob, Job } from './job-runner.js';
import { processGroupLicenseJobs } from './process-group-license-jobs.js';
import { purgeDeletedUsers } from './purge-deleted-users.js';
import type { ServiceDeps } from '../deps.js';

/** The jobs every deployment runs per tenant (the lifecycle issue adds its own here). */
export const tenantJobs = (deps: ServiceDeps): readonly Job[] => [purgeDeletedUsers, expireIdempotencyKeys, expireSignInSessions, processGroupLicenseJobs(deps)];

/** The deployment-wide jobs (once per tick, before the tenant jobs), given the settings they follow. */
export const deploymentJobs = (settings: { auditRetentionMonths: number }): readonly DeploymentJob[] => [maintainAuditPartitions(settings.auditRetentionMonths)];
