import type { Kysely } from 'kysely';
import { waitForTransactionLock } from '../../db/advisory-lock.js';
import { auditPartitionName, createAuditPartitionRepository } from '../../db/repositories/audit.repository.js';
import type { Database } from '../../db/schema.js';
import { utcMonthStart } from '../../domain/clock.js';
import { JOB_LOCK_KEY, type DeploymentJob } from './job-runner.js';

/** Partitions exist for the current month and this many after it, so a month never starts without one. */
export const AUDIT_PARTITION_MONTHS_AHEAD = 2;

/** The first month retention keeps: every entry is kept at least `retentionMonths` whole months. */
const retentionCutoff = (now: Date, retentionMonths: number): Date => utcMonthStart(now, -retentionMonths);

/**
 * Creates the audit log's partitions for the months ahead and, with a retention (months > 0),
 * detaches and drops the months older than it: whole months, never single rows.
 */
export function maintainAuditPartitions(retentionMonths: number): DeploymentJob {
  // A blocked month stays blocked until it is over: say so once per process, not every tick.
  const reportedBlocked = new Set<string>();
  return {
    name: 'maintainAuditPartitions',
    async run(ctx) {
      if (!ctx.apply) {
        const existing = await createAuditPartitionRepository(ctx.db).listMonthly();
        const names = new Set(existing.map((partition) => partition.name));
        const missing = Array.from({ length: AUDIT_PARTITION_MONTHS_AHEAD + 1 }, (_, offset) => auditPartitionName(utcMonthStart(ctx.now, offset))).filter((name) => !names.has(name));
        const expired =
          retentionMonths === 0 ? [] : existing.filter((partition) => partition.month.getTime() < retentionCutoff(ctx.now, retentionMonths).getTime()).map((partition) => partition.name);
        ctx.affect(missing.length + expired.length, [...missing.map((name) => `create ${name}`), ...expired.map((name) => `drop ${name}`)]);
        return;
      }
      const { created, blocked } = await ctx.transaction((trx) => createAuditPartitionRepository(trx).ensureMonthlyPartitions(ctx.now, AUDIT_PARTITION_MONTHS_AHEAD));
      const newlyBlocked = blocked.filter((name) => !reportedBlocked.has(name));
      if (newlyBlocked.length > 0) {
        newlyBlocked.forEach((name) => reportedBlocked.add(name));
        ctx.logger.warn({ partitions: newlyBlocked }, 'audit log: these months already have rows in the default partition and keep them there (no monthly partition)');
      }
      const dropped = retentionMonths === 0 ? [] : await ctx.transaction((trx) => createAuditPartitionRepository(trx).dropPartitionsBefore(retentionCutoff(ctx.now, retentionMonths)));
      ctx.affect(created.length + dropped.length, [...created.map((name) => `created ${name}`), ...dropped.map((name) => `dropped ${name}`)]);
    },
  };
}

const isLockTimeout = (error: unknown): boolean => typeof error === 'object' && error !== null && (error as { code?: unknown }).code === '55P03';

/**
 * At startup, after the migrations: the partitions for the coming months, so the first rows of a
 * fresh database never land in the default partition. Waits for the job lock (another process's
 * job chunk is short) rather than skipping. When the audit log is too busy to change (`busy`), the
 * job runner's first tick, right after the server starts listening, tries again.
 */
export async function ensureAuditPartitions(db: Kysely<Database>, now: Date): Promise<{ created: string[]; blocked: string[]; busy: boolean }> {
  try {
    const result = await db.transaction().execute(async (trx) => {
      await waitForTransactionLock(trx, JOB_LOCK_KEY);
      return createAuditPartitionRepository(trx).ensureMonthlyPartitions(now, AUDIT_PARTITION_MONTHS_AHEAD);
    });
    return { ...result, busy: false };
  } catch (error) {
    if (isLockTimeout(error)) {
      return { created: [], blocked: [], busy: true };
    }
    throw error;
  }
}
