import { advanceDataLifecycle } from './advance-data-lifecycle.js';
import { maintainAuditPartitions } from './audit-partitions.js';
import { advanceSubscriptionLifecycles } from './advance-subscription-lifecycles.js';
import { expireIdempotencyKeys } from './expire-idempotency-keys.js';
import { expireSignInSessions } from './expire-sign-in-sessions.js';
import type { DeploymentJob, Job } from './job-runner.js';
import { lowSeatAlerts } from './low-seat-alerts.js';
import { processGroupLicenseJobs } from './process-group-license-jobs.js';
import { purgeDeletedUsers } from './purge-deleted-users.js';
import type { ServiceDeps } from '../deps.js';

/** The lifecycle scheduler: subscriptions' states, then users' data (`allot lifecycle run` runs these alone). */
export const lifecycleJobs = (deps: ServiceDeps): readonly Job[] => [advanceSubscriptionLifecycles(deps), advanceDataLifecycle(deps)];

/** The jobs every deployment runs per tenant. */
export const tenantJobs = (deps: ServiceDeps): readonly Job[] => [purgeDeletedUsers, expireIdempotencyKeys, expireSignInSessions, processGroupLicenseJobs(deps), ...lifecycleJobs(deps), lowSeatAlerts(deps)];

/** The deployment-wide jobs (once per tick, before the tenant jobs), given the settings they follow. */
export const deploymentJobs = (settings: { auditRetentionMonths: number }): readonly DeploymentJob[] => [maintainAuditPartitions(settings.auditRetentionMonths)];
